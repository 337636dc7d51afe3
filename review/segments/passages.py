"""A text or document cut into weighted passages, and passages into sentences, all with spans.

A 60-page business plan is mostly not about its segment: the company profile, the team, the
finance and financing chapters read the same in every segment. Each passage carries the weight of
the section it sits in (``sections`` in ``data/segments.yaml``), found from the document's headings,
or, for plain text, from lines that look like headings. A short summary is one passage of weight 1.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from ingest.document import Document
from ingest.headings import looks_like_heading_text, numbering_style
from review.segments.catalogue import config

SHORT_TEXT = 1200  # characters: a text this short is read as one passage, whatever its lines look like
PASSAGE_CHARS = 600  # passages are cut near this length: long enough to classify, short enough to locate

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=[.])(?=\s)|\n")


@dataclass(frozen=True)
class Passage:
    """``text == source[start:end]``; ``weight`` is its section's; ``page`` where the document has pages."""

    text: str
    start: int
    end: int
    weight: float
    page: int | None = None
    section: str = ""


@dataclass(frozen=True)
class SectionWeights:
    kinds: tuple[tuple[str, float, tuple[str, ...]], ...]  # (kind, weight, lower-cased words), in order
    default: float

    def of(self, title: str) -> float:
        lowered = title.lower()
        for _kind, weight, words in self.kinds:
            if any(word in lowered for word in words):
                return weight
        return self.default


@functools.lru_cache(maxsize=1)
def section_weights() -> SectionWeights:
    data = dict(config()["sections"])
    default = float(data.pop("default_weight"))
    kinds = tuple((kind, float(v["weight"]), tuple(str(w).lower() for w in v["words"])) for kind, v in data.items())
    return SectionWeights(kinds, default)


def _cut(text: str, offset: int, weight: float, page: int | None, section: str) -> Iterator[Passage]:
    """``text`` (at ``offset`` of the source) in pieces of about PASSAGE_CHARS, cut after a sentence."""
    start = 0
    while start < len(text):
        end = min(len(text), start + PASSAGE_CHARS)
        if end < len(text):
            cut = max(text.rfind(mark, start + PASSAGE_CHARS // 2, end) for mark in "。！？；.\n")
            end = cut + 1 if cut > 0 else end
        piece = text[start:end]
        if piece.strip():
            yield Passage(piece, offset + start, offset + end, weight, page, section)
        start = end


def text_passages(text: str) -> list[Passage]:
    """Passages of a plain text; heading-like lines set the weight of the lines under them."""
    if len(text) <= SHORT_TEXT:
        return [Passage(text, 0, len(text), 1.0)] if text.strip() else []
    weights = section_weights()
    passages: list[Passage] = []
    title, weight, run_start, position = "", weights.default, 0, 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped and looks_like_heading_text(stripped, 30) and (numbering_style(stripped, words_after=True)
                                                                   or weights.of(stripped) != weights.default):
            passages.extend(_cut(text[run_start:position], run_start, weight, None, title))
            title, weight, run_start = stripped, weights.of(stripped), position
        position += len(line)
    passages.extend(_cut(text[run_start:], run_start, weight, None, title))
    return passages


def _section_titles(document: Document) -> list[tuple[int, int, str]]:
    """(start, end, title) of every section, the title of an untitled-kind section taken from its parents."""
    weights = section_weights()
    out = []
    for section in document.sections:
        title, node = section.title, section
        while weights.of(title) == weights.default and node.parent is not None:
            node = document.sections[node.parent]
            title = node.title
        out.append((section.span[0], section.span[1], title if weights.of(title) != weights.default
                    else section.title))
    return out


def document_passages(document: Document) -> list[Passage]:
    """Passages of a parsed document: its blocks, grouped within their innermost section."""
    if len(document.text) <= SHORT_TEXT:
        return [replace(p, page=_page_at(document, p.start)) for p in text_passages(document.text)]
    weights = section_weights()
    titles = _section_titles(document)
    passages: list[Passage] = []
    group: list = []  # blocks of one section and page, collected until long enough

    def flush() -> None:
        if group:
            start, end = group[0].span[0], group[-1].span[1]
            title = _title_at(titles, start)
            passages.extend(_cut(document.text[start:end], start, weights.of(title) if title else weights.default,
                                 group[0].page, title))
            group.clear()

    for block in document.blocks:
        if block.kind == "heading" or (group and (block.page != group[0].page
                                                   or _title_at(titles, block.span[0])
                                                   != _title_at(titles, group[0].span[0]))):
            flush()
        if block.kind != "heading" and block.text.strip():
            group.append(block)
            if group[-1].span[1] - group[0].span[0] >= PASSAGE_CHARS:
                flush()
    flush()
    return passages


def _page_at(document: Document, offset: int) -> int | None:
    return next((page.number for page in document.pages if page.span[0] <= offset < page.span[1]), None)


def _title_at(titles: list[tuple[int, int, str]], offset: int) -> str:
    """The title of the innermost section holding ``offset`` (sections nest: the last one that holds it)."""
    found = ""
    for start, end, title in titles:
        if start <= offset < end:
            found = title
    return found


def sentences(passage: Passage) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of the passage, as offsets into its source, trimmed of spaces."""
    start = 0
    for match in _SENTENCE_END.finditer(passage.text):
        end = match.end()
        if end > start:
            yield from _trimmed(passage, start, end)
            start = end
    if start < len(passage.text):
        yield from _trimmed(passage, start, len(passage.text))


def _trimmed(passage: Passage, start: int, end: int) -> Iterator[tuple[int, int]]:
    piece = passage.text[start:end]
    left = len(piece) - len(piece.lstrip())
    right = len(piece.rstrip())
    if right - left >= 2:
        yield passage.start + start + left, passage.start + start + right
