"""A Document prepared once for fact extraction: folded text, phrase hits, word boundaries, tables.

Every extractor reads the same ``FactSource``: the text width-folded (same length, so offsets are
the Document's own), the phrase matcher's hits over the character tokens of each block, jieba word
boundaries computed lazily per block (only where a person's name must be cut, and at most once per
block), and each table's cells with their spans in ``Document.text``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from spacy.util import filter_spans

from ingest.document import Block, Document, Span, Table
from ingest.fact_patterns import phrase_matcher
from ingest.facts import Fact
from ingest.nlp import char_tokenizer, get_nlp
from ingest.quantities import fold_width

_CLAUSE_END = re.compile(r"[。；;!?！？\n]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # lone halves from broken PDF text: spaCy cannot hash them


@dataclass(frozen=True)
class Hit:
    """A matched phrase: ``key`` (``label:revenue_cny``, ``role``…), the phrase and its offsets."""

    key: str
    phrase: str
    start: int
    end: int


@dataclass
class TableCells:
    """One table: its rows of cell strings and, per cell, its span in ``Document.text`` (None when empty)."""

    table: Table
    spans: list[list[Span | None]]

    def locate(self, offset: int) -> tuple[int, int] | None:
        """(row, column) of the cell holding ``offset``."""
        for r, row in enumerate(self.spans):
            for c, span in enumerate(row):
                if span is not None and span[0] <= offset < span[1]:
                    return r, c
        return None


@dataclass
class FactSource:
    """The prepared document; ``fact`` builds a Fact whose text, span and page agree by construction."""

    document: Document
    folded: str
    hits: list[Hit]
    tables: list[TableCells]
    _hit_starts: list[int] = field(default_factory=list)
    _block_starts: list[int] = field(default_factory=list)
    _page_starts: list[int] = field(default_factory=list)
    _boundaries: dict[int, frozenset[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, document: Document) -> FactSource:
        folded = _SURROGATE.sub("\ufffd", fold_width(document.text))
        source = cls(document, folded, _phrase_hits(document, folded), [_cells(document, t) for t in document.tables])
        source.hits.sort(key=lambda hit: hit.start)
        source._hit_starts = [hit.start for hit in source.hits]
        source._block_starts = [block.span[0] for block in document.blocks]
        source._page_starts = [page.span[0] for page in document.pages]
        return source

    def fact(self, kind: str, value: Any, start: int, end: int, valid: bool | None = None, **attributes: Any) -> Fact:
        attributes = {key: item for key, item in attributes.items() if item is not None}
        return Fact(kind, value, self.document.text[start:end], self.page_of(start), (start, end), valid, attributes)

    def page_of(self, offset: int) -> int | None:
        index = bisect.bisect_right(self._page_starts, offset) - 1
        while index >= 0:
            page = self.document.pages[index]
            if page.span[0] <= offset < page.span[1]:
                return page.number
            if page.span[1] > page.span[0]:
                return self.document.page_of(offset)
            index -= 1  # an empty page shares its start with the next one
        return None

    def block_at(self, offset: int) -> tuple[int, Block] | None:
        index = bisect.bisect_right(self._block_starts, offset) - 1
        if index < 0:
            return None
        block = self.document.blocks[index]
        return (index, block) if block.span[0] <= offset < block.span[1] else None

    def clause(self, offset: int) -> Span:
        """The sentence or clause (or table row) around ``offset``: up to 。；!? or a line break."""
        located = self.block_at(offset)
        low, high = located[1].span if located else (0, len(self.folded))
        start = offset
        while start > low and not _CLAUSE_END.match(self.folded[start - 1]):
            start -= 1
        match = _CLAUSE_END.search(self.folded, offset, high)
        return start, match.start() if match else high

    def hits_in(self, start: int, end: int, prefix: str = "") -> Iterator[Hit]:
        """Hits lying inside [start, end) whose key starts with ``prefix``."""
        for index in range(bisect.bisect_left(self._hit_starts, start), len(self.hits)):
            hit = self.hits[index]
            if hit.start >= end:
                return
            if hit.end <= end and hit.key.startswith(prefix):
                yield hit

    def table_at(self, offset: int) -> tuple[TableCells, int, int] | None:
        """The table, row and column of the cell holding ``offset``."""
        for cells in self.tables:
            if cells.table.span[0] <= offset < cells.table.span[1]:
                located = cells.locate(offset)
                return (cells, *located) if located else None
        return None

    def word_boundaries(self, offset: int) -> frozenset[int]:
        """jieba's word boundaries (global offsets) in the block holding ``offset``; segmented once per block."""
        located = self.block_at(offset)
        if located is None:
            return frozenset()
        index, block = located
        if index not in self._boundaries:
            doc = get_nlp()(self.folded[block.span[0]:block.span[1]])
            marks = {block.span[0] + token.idx for token in doc} | {block.span[1]}
            self._boundaries[index] = frozenset(marks)
        return self._boundaries[index]


def _phrase_hits(document: Document, folded: str) -> list[Hit]:
    """Longest non-overlapping phrase matches over the character tokens of every block."""
    matcher, nlp = phrase_matcher(), char_tokenizer()
    texts = (folded[block.span[0]:block.span[1]] for block in document.blocks)
    hits: list[Hit] = []
    for block, doc in zip(document.blocks, nlp.pipe(texts, batch_size=256), strict=True):
        spans = matcher(doc, as_spans=True)
        for span in sorted(filter_spans(spans), key=lambda s: s.start_char):
            start = block.span[0] + span.start_char
            hits.append(Hit(span.label_, span.text, start, block.span[0] + span.end_char))
    return hits


def _cells(document: Document, table: Table) -> TableCells:
    """Each non-empty cell's span, found in order inside the table's span (cells are tab/newline joined)."""
    position, end = table.span
    spans: list[list[Span | None]] = []
    for row in table.rows:
        row_spans: list[Span | None] = []
        for cell in row:
            found = document.text.find(cell, position, end) if cell else -1
            if found < 0:
                row_spans.append(None)
                continue
            row_spans.append((found, found + len(cell)))
            position = found + len(cell)
        spans.append(row_spans)
    return TableCells(table, spans)
