"""Render synthetic plans the way entrants submit them: text PDF, DOCX, and scanned (image-only) PDF.

Each rendering exercises a different path of ingest: reportlab PDFs with a non-embedded CID font
(STSong-Light) or an embedded TrueType subset (WenQuanYi Micro Hei), optionally with a two-column
stretch; DOCX with real heading styles or WPS-style bold numbered paragraphs and merged cells; and
scans rasterised from a PDF, whole or only some pages (mixed documents).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import Literal
from xml.sax.saxutils import escape

import numpy as np
import pypdfium2 as pdfium
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph
from PIL import Image, ImageFilter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from api.demo.plans import Plan, PlanSection

FontChoice = Literal["stsong", "wqy"]

WQY_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
_FONT_NAMES = {"stsong": "STSong-Light", "wqy": "WQYMicroHei"}

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_LEFT = MARGIN_RIGHT = 3.0 * cm
MARGIN_TOP, MARGIN_BOTTOM = 2.8 * cm, 2.5 * cm
COLUMN_GAP = 0.8 * cm
BODY_SIZE = 12  # 小四, the usual body size of Chinese plans

_CAPTION = re.compile(r"^表\d+-\d+ ")
_MARKET = "市场分析"


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


def _register_font(font: FontChoice) -> str:
    """Register the font once per process (reportlab's registry is global) and return its name."""
    if font not in _FONT_NAMES:
        raise ValueError(f"font must be 'stsong' or 'wqy', not {font!r}")
    name = _FONT_NAMES[font]
    if name not in pdfmetrics.getRegisteredFontNames():
        if font == "stsong":
            pdfmetrics.registerFont(UnicodeCIDFont(name))
        else:
            pdfmetrics.registerFont(TTFont(name, WQY_PATH, subfontIndex=0))
    return name


def _styles(font: str) -> dict[str, ParagraphStyle]:
    """Paragraph styles; a CID font has no bold face, so headings differ by size and spacing only."""
    base = ParagraphStyle("body", fontName=font, fontSize=BODY_SIZE, leading=22, firstLineIndent=2 * BODY_SIZE,
                          spaceAfter=6, alignment=TA_LEFT, wordWrap="CJK")

    def derive(name: str, **changes: object) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **changes)

    return {
        "body": base,
        "title": derive("title", fontSize=24, leading=36, alignment=TA_CENTER, firstLineIndent=0, spaceAfter=18),
        "subtitle": derive("subtitle", fontSize=20, leading=30, alignment=TA_CENTER, firstLineIndent=0),
        "cover": derive("cover", fontSize=14, leading=26, firstLineIndent=0, leftIndent=1.5 * cm),
        "note": derive("note", fontSize=9, leading=14, firstLineIndent=0),
        "h1": derive("h1", fontSize=16, leading=24, firstLineIndent=0, spaceBefore=14, spaceAfter=8, keepWithNext=1),
        "h2": derive("h2", fontSize=14, leading=21, firstLineIndent=0, spaceBefore=8, spaceAfter=4, keepWithNext=1),
        "h3": derive("h3", fontSize=12.5, leading=20, firstLineIndent=0, spaceBefore=4, spaceAfter=2, keepWithNext=1),
        "caption": derive("caption", fontSize=10.5, leading=16, alignment=TA_CENTER, firstLineIndent=0,
                          spaceBefore=4, keepWithNext=1),
        "cell": derive("cell", fontSize=10, leading=13, firstLineIndent=0, spaceAfter=0),
    }


def _is_spanning(row: list[str]) -> bool:
    return len(row) > 1 and bool(row[0]) and not any(row[1:])


def _text_width(text: str, size: float) -> float:
    """Approximate width: CJK and full-width characters take an em, ASCII about half of one."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.55 for ch in text)


def _column_widths(rows: list[list[str]], width: float, size: float = 10, padding: float = 14) -> list[float]:
    """Column widths for a table of ``width``.

    Every column gets at least its header on one line (so 序号 does not wrap into 序/号), and short
    columns (names, years, amounts) their longest cell; the rest of the width goes to the columns
    whose longest cell would need more, in proportion to that need.
    """
    body = [row for row in rows if not _is_spanning(row)]
    header = body[0]
    natural = [max(_text_width(row[c], size) + padding for row in body) for c in range(len(header))]
    short = 7 * size + padding
    minimum = [max(_text_width(cell, size) + padding, min(n, short)) for cell, n in zip(header, natural, strict=True)]
    need = [max(0.0, n - m) for n, m in zip(natural, minimum, strict=True)]
    spare = width - sum(minimum)
    if spare <= 0:
        return [width * m / sum(minimum) for m in minimum]
    if sum(need) <= spare:  # everything fits on one line: share the slack evenly
        slack = (spare - sum(need)) / len(header)
        return [m + n + slack for m, n in zip(minimum, need, strict=True)]
    return [m + spare * n / sum(need) for m, n in zip(minimum, need, strict=True)]


def _table(rows: list[list[str]], styles: dict[str, ParagraphStyle], width: float) -> Table:
    cell = styles["cell"]
    data = [[Paragraph(escape(text), cell) for text in row] for row in rows]
    commands: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    header = 0
    for index, row in enumerate(rows):
        if _is_spanning(row):
            commands.append(("SPAN", (0, index), (-1, index)))
            commands.append(("BACKGROUND", (0, index), (-1, index), colors.HexColor("#D9D9D9")))
            header = index + 1
    commands.append(("BACKGROUND", (0, header), (-1, header), colors.HexColor("#EFEFEF")))
    table = Table(data, colWidths=_column_widths(rows, width), repeatRows=header + 1, hAlign="CENTER")
    table.setStyle(TableStyle(commands))
    return table


def _cover(section: PlanSection, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    subtitle, *lines = section.paragraphs
    notes = [line for line in lines if line.startswith("本计划书")]
    story: list[Flowable] = [Spacer(1, 4 * cm), Paragraph(escape(section.heading), styles["title"]),
                             Paragraph(escape(subtitle), styles["subtitle"]), Spacer(1, 3 * cm)]
    story += [Paragraph(escape(line), styles["cover"]) for line in lines if line not in notes]
    story += [Spacer(1, 2 * cm), *(Paragraph(escape(note), styles["note"]) for note in notes), PageBreak()]
    return story


def _section(section: PlanSection, styles: dict[str, ParagraphStyle], width: float) -> Iterator[Flowable]:
    yield Paragraph(escape(section.heading), styles[f"h{min(section.level, 3)}"])
    for text in section.paragraphs:
        yield Paragraph(escape(text), styles["caption" if _CAPTION.match(text) else "body"])
    for rows in section.tables:
        yield _table(rows, styles, width)
        yield Spacer(1, 8)


class _Decorator:
    """onPage callback: running header (company, 商业计划书) and footer (第 N 页) on every page."""

    def __init__(self, font: str, company: str) -> None:
        self.font = font
        self.company = company

    def __call__(self, canvas: pdf_canvas.Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(self.font, 9)
        top = PAGE_HEIGHT - 1.6 * cm
        canvas.drawString(MARGIN_LEFT, top, self.company)
        canvas.drawRightString(PAGE_WIDTH - MARGIN_RIGHT, top, "商业计划书")
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_LEFT, top - 4, PAGE_WIDTH - MARGIN_RIGHT, top - 4)
        canvas.drawCentredString(PAGE_WIDTH / 2, 1.3 * cm, f"第 {doc.page} 页")
        canvas.restoreState()


def _templates(decorate: _Decorator) -> list[PageTemplate]:
    width = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    height = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    single = Frame(MARGIN_LEFT, MARGIN_BOTTOM, width, height, id="body")
    half = (width - COLUMN_GAP) / 2
    left = Frame(MARGIN_LEFT, MARGIN_BOTTOM, half, height, id="left")
    right = Frame(MARGIN_LEFT + half + COLUMN_GAP, MARGIN_BOTTOM, half, height, id="right")
    return [PageTemplate("one", [single], onPage=decorate), PageTemplate("two", [left, right], onPage=decorate)]


def _story(plan: Plan, styles: dict[str, ParagraphStyle], two_column_pages: bool) -> list[Flowable]:
    """Flowables in plan order; the 市场分析 part goes on two-column pages when asked."""
    full = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT - 12  # frames pad 6 pt on each side
    half = (PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT - COLUMN_GAP) / 2 - 12
    story: list[Flowable] = []
    in_columns = False
    for section in plan.sections:
        if section.level == 0:
            story += _cover(section, styles)
            continue
        if section.level == 1 and two_column_pages:
            starts = _MARKET in section.heading
            if starts != in_columns:  # entering or leaving the two-column stretch
                story += [NextPageTemplate("two" if starts else "one"), PageBreak()]
                in_columns = starts
        story += _section(section, styles, half if in_columns else full)
    return story


def render_pdf(plan: Plan, *, font: FontChoice = "stsong", two_column_pages: bool = False) -> bytes:
    """A4 text PDF of the plan: cover, numbered headings, tables with grid lines, header and footer.

    Use ``font="wqy"`` when the PDF will be rasterised: STSong-Light is not embedded and pdfium
    draws nothing for it without a matching system font.
    """
    fontname = _register_font(font)
    styles = _styles(fontname)
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN_LEFT, rightMargin=MARGIN_RIGHT, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=plan.title, author=plan.company, subject="商业计划书",
        creator="amreview demo", pageTemplates=_templates(_Decorator(fontname, plan.company)),
        invariant=True,  # no timestamp or random /ID: the same plan always gives the same bytes
    )
    doc.build(_story(plan, styles, two_column_pages))
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------

_DOCX_BODY_FONT, _DOCX_HEADING_FONT = "宋体", "黑体"
_DOCX_DATE = datetime(2026, 4, 1, 9, 0, 0)  # the plans are "dated" April 2026 (编制日期)
_HEADING_SIZES = {0: 22, 1: 16, 2: 14, 3: 12}


def _east_asian(element: object, font: str) -> None:
    """Set w:rFonts/@w:eastAsia on a style or run: without it Word and WPS fall back to a Latin font."""
    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), font)


def _docx_styles(doc: DocxDocument) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(BODY_SIZE)
    _east_asian(normal.element, _DOCX_BODY_FONT)
    for level in (1, 2, 3):
        style = doc.styles[f"Heading {level}"]
        style.font.size = Pt(_HEADING_SIZES[level])
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.name = "Times New Roman"
        _east_asian(style.element, _DOCX_HEADING_FONT)


def _page_field(paragraph: DocxParagraph) -> None:
    """Append a PAGE field (w:fldSimple) so the footer reads 第 N 页 in Word and WPS."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _docx_page_setup(doc: DocxDocument, company: str) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(30)
    section.top_margin, section.bottom_margin = Mm(28), Mm(25)
    section.header.paragraphs[0].text = f"{company}    商业计划书"
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    _page_field(footer)
    footer.add_run(" 页")


def _docx_heading(doc: DocxDocument, text: str, level: int, heading_styles: bool) -> None:
    if heading_styles:
        doc.add_heading(text, level)
        return
    # WPS-style: a Normal paragraph, bold and larger, the numbering typed into the text
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(_HEADING_SIZES[level])
    _east_asian(run._r, _DOCX_HEADING_FONT)
    if level == 0:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _docx_table(doc: DocxDocument, rows: list[list[str]]) -> None:
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        if _is_spanning(row):  # horizontal merge: one w:tc with gridSpan, as Word writes it
            merged = table.cell(r, 0).merge(table.cell(r, len(row) - 1))
            merged.text = row[0]
            merged.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            continue
        for c, text in enumerate(row):
            table.cell(r, c).text = text


def _docx_cover(doc: DocxDocument, section: PlanSection, heading_styles: bool) -> None:
    _docx_heading(doc, section.heading, 0, heading_styles)
    for line in section.paragraphs:
        paragraph = doc.add_paragraph(line)
        if line == section.paragraphs[0]:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def render_docx(plan: Plan, *, heading_styles: bool = True) -> bytes:
    """DOCX of the plan; ``heading_styles=False`` writes headings as bold numbered paragraphs, like WPS files.

    Each numbered part starts on a new page (explicit page breaks, as ingest counts DOCX pages by them).
    """
    doc = Document()
    doc.core_properties.title = plan.title
    doc.core_properties.author = plan.company
    doc.core_properties.created = doc.core_properties.modified = _DOCX_DATE
    _docx_styles(doc)
    _docx_page_setup(doc, plan.company)
    for section in plan.sections:
        if section.level == 0:
            _docx_cover(doc, section, heading_styles)
            continue
        if section.level == 1:
            doc.add_page_break()
        _docx_heading(doc, section.heading, min(section.level, 3), heading_styles)
        for text in section.paragraphs:
            paragraph = doc.add_paragraph(text)
            if _CAPTION.match(text):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            else:
                paragraph.paragraph_format.first_line_indent = Pt(2 * BODY_SIZE)
        for rows in section.tables:
            _docx_table(doc, rows)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _fixed_zip_times(buffer.getvalue())


def _fixed_zip_times(package: bytes) -> bytes:
    """Rewrite the package with a fixed timestamp on every member.

    python-docx stamps zip members with the current time, so the same plan would give different
    bytes (and a different sha256) from one second to the next; callers rely on identical bytes.
    """
    source = zipfile.ZipFile(io.BytesIO(package))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=_DOCX_DATE.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(member))
    return output.getvalue()


# --------------------------------------------------------------------------------------------
# Scans
# --------------------------------------------------------------------------------------------


def _degrade(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Make a clean render look scanned: grey paper, slight skew, blur, sensor noise and dust."""
    gray = image.convert("L")
    angle = float(rng.uniform(-0.5, 0.5))
    gray = gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    gray = gray.filter(ImageFilter.GaussianBlur(radius=0.4))
    pixels = np.asarray(gray, dtype=np.float32)
    pixels = pixels * 0.9 + 14  # paper is never pure white, toner never pure black
    pixels += rng.normal(0.0, 6.0, pixels.shape)
    dust = rng.random(pixels.shape) < 0.0004
    pixels[dust] = rng.uniform(40, 120, int(dust.sum()))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")


def _scan_page(page: pdfium.PdfPage, dpi: int, noise: bool, rng: np.random.Generator) -> bytes:
    image = page.render(scale=dpi / 72).to_pil()
    image = _degrade(image, rng) if noise else image.convert("L")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70 if noise else 90)
    return buffer.getvalue()


def _image_pdf(scans: list[tuple[bytes, tuple[float, float]]]) -> bytes:
    """One page per JPEG, each at its original page size, and no text layer at all."""
    buffer = io.BytesIO()
    canvas = pdf_canvas.Canvas(buffer, invariant=True)
    for jpeg, (width, height) in scans:
        canvas.setPageSize((width, height))
        canvas.drawImage(ImageReader(io.BytesIO(jpeg)), 0, 0, width=width, height=height)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


_TRAILER_ID = re.compile(rb"/ID\s*\[\s*<[0-9A-Fa-f]{32}>\s*<[0-9A-Fa-f]{32}>\s*\]")
_CREATION_DATE = re.compile(rb"/CreationDate\(D:\d{14}")
_FIXED_DATE = b"/CreationDate(D:20260101000000"  # same length as any pdfium date: no xref offset moves


def _stable_id(pdf: bytes) -> bytes:
    """pdfium gives every new document a random /ID; derive it from the content so output is reproducible.

    The replacement has the same length, so no xref offset moves.
    """
    match = _TRAILER_ID.search(pdf)
    if not match:
        return pdf
    digest = hashlib.md5(pdf[: match.start()]).hexdigest().upper().encode()
    fixed = b"/ID[<" + digest + b"><" + digest + b">]"
    return pdf[: match.start()] + fixed.ljust(match.end() - match.start()) + pdf[match.end():]


def _merge(original: pdfium.PdfDocument, scanned: bytes, numbers: list[int]) -> bytes:
    """The original with the pages in ``numbers`` (1-based, sorted) swapped for their scans."""
    images = pdfium.PdfDocument(scanned)
    merged = pdfium.PdfDocument.new()
    for index in range(len(original)):
        number = index + 1
        if number in numbers:
            merged.import_pages(images, [numbers.index(number)], index)
        else:
            merged.import_pages(original, [index], index)
    buffer = io.BytesIO()
    merged.save(buffer)
    # pdfium stamps the time of saving: pin it, or two renderings a second apart differ.
    return _stable_id(_CREATION_DATE.sub(_FIXED_DATE, buffer.getvalue()))


def render_scanned_pdf(pdf_bytes: bytes, *, dpi: int = 150, pages: list[int] | None = None,
                       noise: bool = True, seed: int = 0) -> bytes:
    """Rasterise a PDF into an image-only PDF, as if printed and scanned.

    With ``pages`` (1-based) only those pages become scans and the others keep their text layer.
    The noise is seeded, so the same input gives the same bytes.
    """
    original = pdfium.PdfDocument(pdf_bytes)
    count = len(original)
    numbers = sorted(set(range(1, count + 1) if pages is None else pages))
    if not numbers or numbers[0] < 1 or numbers[-1] > count:
        raise ValueError(f"pages must be within 1–{count}: {pages}")
    scans = []
    for number in numbers:
        page = original[number - 1]
        rng = np.random.default_rng(seed * 100_003 + number)
        scans.append((_scan_page(page, dpi, noise, rng), page.get_size()))
    scanned = _image_pdf(scans)
    if pages is None:
        return scanned
    return _merge(original, scanned, numbers)
