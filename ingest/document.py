"""The one Document model that every reader produces.

Nothing outside ``ingest`` sees a PDF or a DOCX object: readers turn their
format into blocks through ``DocumentBuilder``, which owns the invariants the
rest of the system relies on:

* ``document.text[block.span[0]:block.span[1]] == block.text`` for every block;
* ``document.text[page.span[0]:page.span[1]] == page.text`` for every page;
* blocks are in reading order and their spans never overlap.

Offsets are 0-based Unicode code point offsets, end exclusive.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

BlockKind = Literal["heading", "paragraph", "list", "table", "caption"]
Span = tuple[int, int]

BLOCK_SEPARATOR = "\n"
CELL_SEPARATOR = "\t"
ROW_SEPARATOR = "\n"


class Page(BaseModel):
    """One page as read. DOCX pages are counted from the page breaks in the file."""

    number: int
    text: str
    ocr: bool = False
    ocr_confidence: float | None = None
    span: Span = (0, 0)
    width: float | None = None
    height: float | None = None


class Block(BaseModel):
    """A heading, paragraph, list item, caption or table, in reading order."""

    kind: BlockKind
    text: str
    page: int
    level: int | None = None
    span: Span = (0, 0)
    ocr: bool = False
    table: int | None = Field(default=None, description="index into Document.tables for table blocks")


class Table(BaseModel):
    page: int
    rows: list[list[str]]
    block: int | None = None
    span: Span = (0, 0)


class Section(BaseModel):
    """A heading and the blocks under it; ``parent`` indexes Document.sections."""

    title: str
    level: int
    block: int
    parent: int | None = None
    span: Span = (0, 0)


class DocumentWarning(BaseModel):
    code: str
    message: str
    page: int | None = None


class Document(BaseModel):
    sha256: str
    media_type: str
    filename: str | None = None
    pages: list[Page] = []
    blocks: list[Block] = []
    tables: list[Table] = []
    sections: list[Section] = []
    headers: list[str] = Field(default=[], description="page headers/footers kept apart from the text")
    text: str = ""
    warnings: list[DocumentWarning] = []
    parser: str = ""

    def page_of(self, offset: int) -> int | None:
        """Page number holding a character offset of ``text``."""
        for page in self.pages:
            if page.span[0] <= offset < page.span[1]:
                return page.number
        return None

    @property
    def ocr_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.ocr]


class DocumentBuilder:
    """Accumulates blocks page by page and computes text, spans and sections once."""

    def __init__(self, sha256: str, media_type: str, filename: str | None, parser: str) -> None:
        self._doc = Document(sha256=sha256, media_type=media_type, filename=filename, parser=parser)
        self._parts: list[str] = []
        self._length = 0
        self._page: Page | None = None

    @property
    def warnings(self) -> list[DocumentWarning]:
        return self._doc.warnings

    def warn(self, code: str, message: str, page: int | None = None) -> None:
        self._doc.warnings.append(DocumentWarning(code=code, message=message, page=page))

    def add_header(self, text: str) -> None:
        if text and text not in self._doc.headers:
            self._doc.headers.append(text)

    def start_page(
        self,
        number: int,
        *,
        ocr: bool = False,
        ocr_confidence: float | None = None,
        width: float | None = None,
        height: float | None = None,
    ) -> None:
        self._close_page()
        self._page = Page(
            number=number, text="", ocr=ocr, ocr_confidence=ocr_confidence, width=width, height=height
        )
        self._page_start: int | None = None

    def add_block(self, kind: BlockKind, text: str, level: int | None = None) -> Block | None:
        text = text.strip()
        if not text:
            return None
        if self._page is None:
            self.start_page(1)
        assert self._page is not None
        if self._length:
            self._append(BLOCK_SEPARATOR)
        start = self._length
        self._append(text)
        if self._page_start is None:
            self._page_start = start
        block = Block(
            kind=kind, text=text, page=self._page.number, level=level, span=(start, self._length),
            ocr=self._page.ocr,
        )
        self._doc.blocks.append(block)
        return block

    def add_table(self, rows: list[list[str]]) -> Block | None:
        rows = [[_clean_cell(c) for c in row] for row in rows]
        rows = [row for row in rows if any(row)]
        if not rows:
            return None
        text = ROW_SEPARATOR.join(CELL_SEPARATOR.join(c for c in row if c) for row in rows)
        block = self.add_block("table", text)
        if block is None:
            return None
        table = Table(page=block.page, rows=rows, block=len(self._doc.blocks) - 1, span=block.span)
        block.table = len(self._doc.tables)
        self._doc.tables.append(table)
        return block

    def build(self) -> Document:
        self._close_page()
        doc = self._doc
        doc.text = "".join(self._parts)
        for page in doc.pages:
            page.text = doc.text[page.span[0] : page.span[1]]
        doc.sections = _sections(doc)
        return doc

    def _append(self, text: str) -> None:
        self._parts.append(text)
        self._length += len(text)

    def _close_page(self) -> None:
        page = self._page
        if page is None:
            return
        if self._page_start is None:
            page.span = (self._length, self._length)
        else:
            page.span = (self._page_start, self._length)
        self._doc.pages.append(page)
        self._page = None


def _clean_cell(cell: str | None) -> str:
    # Cells become one line of the document text: tabs and newlines inside a cell would
    # be indistinguishable from the row and cell separators.
    return " ".join((cell or "").split())


def _sections(doc: Document) -> list[Section]:
    """Heading tree: each heading's section runs to the next heading of the same or higher level."""
    sections: list[Section] = []
    stack: list[int] = []
    for index, block in enumerate(doc.blocks):
        if block.kind != "heading":
            continue
        level = block.level or 1
        while stack and sections[stack[-1]].level >= level:
            stack.pop()
        sections.append(
            Section(title=block.text, level=level, block=index, parent=stack[-1] if stack else None,
                    span=(block.span[0], len(doc.text)))
        )
        stack.append(len(sections) - 1)
    for i, section in enumerate(sections):
        for later in sections[i + 1 :]:
            if later.level <= section.level:
                section.span = (section.span[0], later.span[0] - 1)
                break
    return sections
