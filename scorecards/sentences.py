"""A document's sentences with their spans, pages and the section titles above them.

The pre-fill quotes sentences verbatim, so a sentence is only ever a slice of ``Document.text``:
``document.text[s.start:s.end] == s.text``. Headings, tables and captions are not sentences (their
figures reach judges as extracted facts), and neither is a line that only introduces a list.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ingest.document import Document
from ingest.headings import is_toc_line

MIN_CHARS = 12  # shorter pieces are labels or fragments, not claims a judge can weigh
MAX_CHARS = 260  # longer runs are unsplit lists or OCR run-ons, too long to quote
_END = re.compile(r"[。！？；!?;]+[”’」』）)]*|\.(?=\s)|\n")
_INTRODUCES = re.compile(r"[：:]\s*$")
_CLOSES = re.compile(r"[。！？；!?;.…][”’」』]?\s*$|[，,、]")  # ends like a sentence, or at least has a clause
_WORDS = re.compile(r"[\u4e00-\u9fffA-Za-z]")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int
    page: int | None
    sections: tuple[str, ...]  # titles from the innermost section outwards
    first: bool  # the first sentence of its paragraph: topic sentences lead
    chapter: str = ""  # its second-level section's title (e.g. "（一）技术路线与工艺"): summaries spread over these


def document_sentences(document: Document) -> list[Sentence]:
    """Every quotable sentence of ``document``, in reading order."""
    paths = _SectionPaths(document)
    found: list[Sentence] = []
    for block in document.blocks:
        if block.kind not in ("paragraph", "list") or is_toc_line(block.text):
            continue
        titles = paths.at(block.span[0])
        chapter = paths.chapter(titles)
        for index, (start, end) in enumerate(_pieces(block.text)):
            text = block.text[start:end]
            if MIN_CHARS <= len(text) <= MAX_CHARS and not _INTRODUCES.search(text) and reads_as_prose(text):
                offset = block.span[0]
                found.append(Sentence(text, offset + start, offset + end, block.page, titles, index == 0, chapter))
    return found


def reads_as_prose(text: str) -> bool:
    """Whether a piece reads as a sentence, not a chart's or a diagram's labels run together
    ("300 全) 200 盈亏平衡点第16个月 100"): mostly words, and ending like a sentence or holding a clause."""
    visible = [ch for ch in text if not ch.isspace()]
    words = sum(1 for ch in visible if _WORDS.match(ch))
    return bool(visible) and words / len(visible) >= 0.6 and bool(_CLOSES.search(text))


def _pieces(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of a block, trimmed of surrounding spaces."""
    start = 0
    for match in _END.finditer(text):
        yield from _trim(text, start, match.end())
        start = match.end()
    yield from _trim(text, start, len(text))


def _trim(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    piece = text[start:end]
    left, right = len(piece) - len(piece.lstrip()), len(piece.rstrip())
    if right > left:
        yield start + left, start + right


class _SectionPaths:
    """The titles of the sections holding an offset, innermost first (sections nest by span)."""

    def __init__(self, document: Document) -> None:
        self._sections = document.sections
        # A section spanning nearly the whole text is the document's title, not a chapter.
        self._titles = {s.title for s in document.sections if s.span[1] - s.span[0] >= 0.9 * len(document.text)}
        order = sorted(range(len(self._sections)), key=lambda i: self._sections[i].span[0])
        self._order = order
        self._starts = [self._sections[i].span[0] for i in order]

    def at(self, offset: int) -> tuple[str, ...]:
        position = bisect.bisect_right(self._starts, offset) - 1
        while position >= 0:  # the latest-starting section that still holds the offset is the innermost
            index = self._order[position]
            section = self._sections[index]
            if section.span[0] <= offset < section.span[1]:
                return self._path(index)
            position -= 1
        return ()

    def chapter(self, titles: tuple[str, ...]) -> str:
        """The second title from the top (below the chapter the sub-section), or the innermost one."""
        path = [t for t in titles if t not in self._titles]
        return path[-2] if len(path) >= 2 else (path[0] if path else "")

    def _path(self, index: int | None) -> tuple[str, ...]:
        titles = []
        while index is not None:
            titles.append(self._sections[index].title)
            index = self._sections[index].parent
        return tuple(titles)
