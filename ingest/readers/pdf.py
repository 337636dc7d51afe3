"""PDF reader: pdfium for the text layer and drawings, pdfplumber for table geometry, OCR per page.

Measured on Chinese business plans (see benchmarks/ingest.py): pdfium reads characters
with their boxes far faster than pdfminer, and recovers Chinese from fonts without a
character map where pdfminer returns mojibake. pdfplumber's table finder is the better
tool for ruled tables; it is fed the rulings pdfium finds (``pdf_drawing``), runs only on
pages whose rulings could form a grid, and its cell boxes are filled with pdfium's characters.

Each page is judged on its own: a 70-page text thesis can end with two scanned,
hand-signed pages. A page is OCR'd when it has no text but an image, when its text
layer is garbage, or when its text is an invisible layer over a full-page scan (an old
OCR layer of unknown quality).
"""

from __future__ import annotations

import ctypes
import itertools
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from ingest.document import Document
from ingest.errors import Refused
from ingest.layout import LayoutPage, Line, emit_pages, layout_page
from ingest.readers.base import ReadContext
from ingest.readers.pdf_drawing import PageDrawing, read_drawing
from ingest.text import clean, join_lines

_MAX_OCR_PIXELS = 36_000_000  # about A0 at 150 dpi


@dataclass(slots=True)
class _Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    bold: bool
    size: float
    cjk: bool


def read_pdf(data: bytes, ctx: ReadContext) -> Document:
    pdf = _open(data)
    try:
        _check_pages(pdf, ctx)
        builder = ctx.builder("pdfium+pdfplumber")
        pages: list[LayoutPage] = []
        for index in range(len(pdf)):
            ctx.deadline.check(f"page {index + 1}")
            page = pdf[index]
            try:
                pages.append(_read_page(page, index, ctx, builder.warn))
            finally:
                page.close()
        emit_pages(builder, pages)
        return builder.build()
    finally:
        pdf.close()


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise Refused("encrypted", "the PDF is password-protected; upload it without a password") from exc
        raise Refused("corrupt", f"the PDF cannot be opened ({message}); it may be damaged or truncated") from exc


def _check_pages(pdf: pdfium.PdfDocument, ctx: ReadContext) -> None:
    count = len(pdf)
    if count == 0:
        raise Refused("corrupt", "the PDF has no pages")
    if count > ctx.limits.max_pages:
        raise Refused("too_many_pages", f"the PDF has {count} pages; the limit is {ctx.limits.max_pages}")
    side = ctx.limits.max_page_side_pt
    for index in range(count):
        width, height = pdf.get_page_size(index)
        if width > side or height > side:
            raise Refused(
                "page_too_large",
                f"page {index + 1} is {width / 72 * 25.4:.0f} × {height / 72 * 25.4:.0f} mm; "
                f"the limit is {side / 72 * 25.4:.0f} mm a side",
            )


def _read_page(page: pdfium.PdfPage, index: int, ctx: ReadContext, warn) -> LayoutPage:  # type: ignore[no-untyped-def]
    number = index + 1
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        chars = _chars(textpage, height)
    finally:
        textpage.close()
    drawing = read_drawing(page)
    reason = _ocr_reason(drawing, chars)
    if reason:
        if ctx.ocr:
            return _ocr_page(page, number, width, height, ctx, reason, warn)
        warn("ocr_skipped", f"page {number} needs OCR ({reason}) but OCR is off", number)
    lines: list[Line] = []
    for bbox, rows in _tables(drawing, chars):
        lines.append(Line("", bbox[0], bbox[1], bbox[2], bbox[3], 0.0, rows=rows))
        chars = [c for c in chars if not _inside(c, bbox)]
    lines.extend(_lines(chars))
    return layout_page(number, lines, width, height)


# ---------------------------------------------------------------- characters and lines


def _chars(textpage: pdfium.PdfTextPage, page_height: float) -> list[_Char]:
    """Every character with its loose box; the hot loop of the reader, kept flat on purpose."""
    handle = textpage.raw
    get_unicode, get_box = raw.FPDFText_GetUnicode, raw.FPDFText_GetLooseCharBox
    get_weight, is_generated = raw.FPDFText_GetFontWeight, raw.FPDFText_IsGenerated
    rect = raw.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    chars: list[_Char] = []
    for i in range(raw.FPDFText_CountChars(handle)):
        code = get_unicode(handle, i)
        if code in _SKIPPED_CODES:
            continue
        if code == 32 and is_generated(handle, i) == 1:
            # pdfium's inferred word gap: a space at the previous character's end
            if chars:
                last = chars[-1]
                chars.append(_Char(" ", last.x1, last.top, last.x1, last.bottom, last.bold, last.size, False))
            continue
        if code == 2:  # pdfium's mark for a hyphen that ends a line
            code = 45
        get_box(handle, i, rect_ref)
        # The loose box's height follows the rendered size; the nominal font size does not
        # (producers scale the text matrix both ways: 1 pt fonts scaled up, 209 pt scaled down).
        chars.append(_Char(
            chr(code) if code < 0x110000 else "\ufffd", rect.left, page_height - rect.top, rect.right,
            page_height - rect.bottom, get_weight(handle, i) >= 600, rect.top - rect.bottom, _cjk_code(code),
        ))
    return chars


_SKIPPED_CODES = frozenset({0, 10, 13, 0xFFFE, 0xFFFF})


def _cjk_code(code: int) -> bool:
    return 0x4E00 <= code <= 0x9FFF or 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF or \
        0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2EBEF


def _lines(chars: list[_Char]) -> list[Line]:
    """Group characters into lines in content order, cutting at wide gaps (columns, cells)."""
    lines: list[Line] = []
    current: list[_Char] = []
    last: _Char | None = None  # the last non-space character of the current line
    for char in chars:
        space = char.text == " "
        if last is not None:
            height = max(last.bottom - last.top, char.bottom - char.top, 1.0)
            if (abs(char.top + char.bottom - last.top - last.bottom) > height  # centres half a line apart
                    or (not space and (char.x0 < last.x0 - 0.5 * height  # back to the left: a new line
                                       or char.x0 - current[-1].x1 > 1.6 * height))):  # another column/cell
                lines.append(_to_line(current))
                current, last = [], None
        if space and not current:
            continue
        current.append(char)
        if not space:
            last = char
    if current:
        lines.append(_to_line(current))
    return [ln for ln in lines if ln.text]


def _to_line(chars: list[_Char]) -> Line:
    while chars and chars[-1].text == " ":
        chars = chars[:-1]
    text = clean("".join(_spaced(chars)))
    cjk = [c for c in chars if c.cjk]
    # Latin runs in another font change box heights; CJK characters give the line's size.
    sizes = sorted(c.size for c in (cjk if len(cjk) >= 3 else chars))
    return Line(
        text=text.strip() if len(cjk) > 0.3 * len(chars) else " ".join(text.split()),
        x0=min(c.x0 for c in chars), top=min(c.top for c in chars),
        x1=max(c.x1 for c in chars), bottom=max(c.bottom for c in chars),
        size=sizes[len(sizes) // 2],
        bold=sum(c.bold for c in chars) > 0.6 * len(chars),
    )


def _spaced(chars: list[_Char]) -> list[str]:
    """Characters with a space where Latin words sit apart without one (but never inside CJK)."""
    out = [chars[0].text] if chars else []
    for prev, char in itertools.pairwise(chars):
        if char.text != " " and prev.text != " " and not (char.cjk and prev.cjk) and \
                char.x0 - prev.x1 > 0.25 * max(char.bottom - char.top, 1.0):
            out.append(" ")
        out.append(char.text)
    return out


def _inside(char: _Char, bbox: tuple[float, float, float, float]) -> bool:
    cx, cy = (char.x0 + char.x1) / 2, (char.top + char.bottom) / 2
    return bbox[0] <= cx <= bbox[2] and bbox[1] <= cy <= bbox[3]


# ---------------------------------------------------------------- when to OCR


def _ocr_reason(drawing: PageDrawing, chars: list[_Char]) -> str | None:
    visible = [c for c in chars if not c.text.isspace()]
    coverage = drawing.image_coverage
    if not visible:
        return "no text layer, page is an image" if coverage >= 0.3 else None
    if coverage >= 0.85 and drawing.invisible_text_share > 0.8:
        return "invisible text over a full-page scan (an old OCR layer)"
    text = "".join(c.text for c in visible)
    quality = text_quality(text)
    if quality < 0.75:
        return f"text layer is unreadable (quality {quality:.2f})"
    symbols = ascii_symbol_share(text)
    if symbols is not None and symbols > 0.2:
        return f"Latin text is mis-encoded (symbol share {symbols:.2f})"
    return None


def text_quality(text: str) -> float:
    """Share of characters that belong in real text; mojibake and symbol soup score low."""
    if not text:
        return 0.0
    bad = 0.0
    for char in text:
        code = ord(char)
        if char == "\ufffd" or code < 32 or 0xE000 <= code <= 0xF8FF:
            bad += 1
        elif 0x80 <= code <= 0x24F and char not in "°±²³µ·×÷éèàüöäçñ":
            bad += 1  # GBK bytes read as Latin-1
        elif char in "!\"#$&'*+<=>?@[\\]^_`{|}~":
            bad += 0.6
    return 1.0 - bad / len(text)


# Symbols that real prose, tables, formulas and URLs use sparingly; a font whose Latin glyphs
# are mapped to the wrong codes turns words into runs of them (",-./012 23245/0670/2181 09").
_CIPHER_SYMBOLS = frozenset("!\"#$&'+<=>?@[\\]^`{|}~/")


def ascii_symbol_share(text: str, minimum: int = 100) -> float | None:
    """Share of cipher-like symbols among the printable ASCII characters, None if too few.

    Han characters may decode correctly while the Latin ones do not (fonts without a
    ToUnicode map), so ``text_quality`` over the whole page stays high. On the samples real
    pages stay below 0.17 (formula-heavy thesis pages, URLs) and the mis-encoded one is 0.28.
    """
    printable = [char for char in text if "!" <= char <= "~"]
    if len(printable) < minimum:
        return None
    return sum(char in _CIPHER_SYMBOLS for char in printable) / len(printable)


def _ocr_page(page: pdfium.PdfPage, number: int, width: float, height: float, ctx: ReadContext,
              reason: str, warn) -> LayoutPage:  # type: ignore[no-untyped-def]
    from ingest.ocr import recognize_lines  # loaded on first scan only: the models cost ~1 s

    # A legal but huge page (a poster, a 5 m drawing) must not render to gigapixels: cap the scale.
    scale = min(ctx.limits.ocr_dpi / 72, (_MAX_OCR_PIXELS / max(width * height, 1.0)) ** 0.5)
    image = page.render(scale=scale, grayscale=True).to_pil()
    lines, confidence = recognize_lines(image)
    warn("ocr", f"page {number} was read by OCR: {reason}", number)
    in_points = [
        Line(ln.text, ln.x0 / scale, ln.top / scale, ln.x1 / scale, ln.bottom / scale, ln.size / scale)
        for ln in lines
    ]
    return layout_page(number, in_points, width, height, ocr=True, ocr_confidence=confidence)


# ---------------------------------------------------------------- tables


def _tables(drawing: PageDrawing, chars: list[_Char]):  # type: ignore[no-untyped-def]
    """(bbox top-left origin, rows) per ruled table on the page, cells filled from ``chars``."""
    if not chars or not drawing.may_have_table():
        return []
    from pdfplumber.table import TableFinder

    # TableFinder reads only ``edges`` and ``bbox`` of its page with the default "lines" strategy.
    found = TableFinder(drawing).tables  # type: ignore[arg-type]
    return [(table.bbox, _rows(table, chars)) for table in found
            if len(table.rows) >= 2 or len(table.rows[0].cells) >= 2]


def _rows(table, chars: list[_Char]) -> list[list[str]]:  # type: ignore[no-untyped-def]
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            if cell is None:  # covered by a merged cell: its text is in the merged cell only
                cells.append("")
                continue
            inside = [c for c in chars if _inside(c, cell)]
            cells.append(_cell_text(inside))
        rows.append(cells)
    return rows


def _cell_text(chars: list[_Char]) -> str:
    lines = _lines(chars)
    lines.sort(key=lambda ln: (round(ln.top), ln.x0))
    return join_lines([ln.text for ln in lines])
