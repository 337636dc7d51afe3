"""Scorecards and score sheets as documents: DOCX and PDF per project, XLSX per panel.

Judges print a project's scorecard (the rubric with the business plan's own sentences, key facts and
suggested questions beside each criterion), sign it, and hand it in; panel chairs sign the panel's score
sheet and the ranking. These are the contest's paper trail, so:

* the service layer fills plain frozen dataclasses and this module only lays them out: no database, no web
  framework, the same input gives the same document;
* a PDF embeds its Chinese TrueType font (never reportlab's built-in, non-embedded CID font), so it prints
  and rasterises the same everywhere;
* every string from the input is user data: escaped for reportlab's paragraph mark-up, stripped of
  characters XML cannot hold, and written to spreadsheets as text that can never become a formula;
* all labels come from one table per language (``zh`` first, ``en``).
"""

from __future__ import annotations

import io
import logging
import math
import os
import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

_log = logging.getLogger(__name__)


class ExportError(Exception):
    """A document cannot be produced (no usable font, unknown language, invalid numbers)."""
# ---------------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True)
class Citation:
    text: str  # a verbatim sentence from the business plan
    page: int | None


@dataclass(frozen=True)
class CriterionCard:
    id: str
    name: str  # in the card's language
    weight: float  # e.g. 30 (percent)
    min_score: float
    max_score: float
    score: float | None  # the judge's score, None if not scored yet
    comment: str
    summary: tuple[Citation, ...]
    facts: tuple[str, ...]  # e.g. "营业收入 2025年：1.6亿元（第23页）"
    questions: tuple[str, ...]  # suggested questions for the Q&A


@dataclass(frozen=True)
class ProjectCard:
    contest: str  # e.g. "第十一届创客中国增材制造专题赛 2026"
    round: str  # e.g. "初赛"
    group: str  # e.g. "企业组"
    code: str  # registration number, e.g. "AM11-E-0001"
    project: str
    applicant: str
    segment: str
    judge: str | None  # judge's display name; None for a blank pre-filled card
    status: str  # e.g. "已提交" / "草稿"
    total: float | None  # weighted total 0–100
    comment: str
    flags: tuple[str, ...]  # eligibility/integrity flags to show
    criteria: tuple[CriterionCard, ...]
    lang: str = "zh"  # "zh" or "en": labels of the document


@dataclass(frozen=True)
class SheetRow:
    code: str
    project: str
    judge: str
    scores: Mapping[str, float | None]  # criterion id → score
    total: float | None
    status: str
    comment: str = ""


@dataclass(frozen=True)
class ScoreSheet:
    title: str  # e.g. "初赛评分表 · 企业组 · 第一评审组"
    criteria: tuple[tuple[str, str, float], ...]  # (id, name, weight)
    rows: tuple[SheetRow, ...]
    lang: str = "zh"


@dataclass(frozen=True)
class RankingRow:
    rank: int
    code: str
    project: str
    applicant: str
    score: float | None
    judges: int
    outcome: str  # e.g. "晋级" / "递补（替代 AM11-E-0003）" / "一等奖", already in the sheet's language
    note: str = ""


@dataclass(frozen=True)
class RankingSheet:
    title: str
    rows: tuple[RankingRow, ...]
    lang: str = "zh"


# ---------------------------------------------------------------------------------------------
# Labels and text


_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "项目评审评分卡",
        "contest": "赛事",
        "round": "轮次",
        "group": "组别",
        "code": "报名编号",
        "project": "项目名称",
        "applicant": "参赛主体",
        "segment": "细分领域",
        "judge": "评委",
        "status": "状态",
        "flags": "资格与诚信提示",
        "weight": "权重",
        "range": "分值范围",
        "score": "评分",
        "comment": "评语",
        "summary": "计划书原文摘录",
        "facts": "关键数据",
        "questions": "建议提问",
        "overview": "评分汇总",
        "criterion": "评审项",
        "total": "加权总分",
        "overall_comment": "总体评语",
        "not_scored": "未评分",
        "page": "（第{page}页）",
        "quote": "“{text}”",
        "signature": "评委签字：",
        "date": "日期：",
        "pdf_footer": "第 {page} 页 / 共 {pages} 页",
        "docx_footer": "第 {page} 页",
        "card_file": "评分卡",
        # spreadsheets
        "sheet_code": "编号",
        "sheet_project": "项目",
        "sheet_judge": "评委",
        "sheet_criterion": "{name}（{weight}%）",
        "sheet_total": "总分",
        "sheet_status": "状态",
        "sheet_comment": "意见",
        "scores_tab": "评分表",
        "rank": "名次",
        "ranking_score": "得分",
        "judges": "评委数",
        "outcome": "结果",
        "note": "备注",
        "ranking_tab": "排名",
        "chair_signature": "评审组长签字：",
    },
    "en": {
        "title": "Project scorecard",
        "contest": "Contest",
        "round": "Round",
        "group": "Group",
        "code": "Registration no.",
        "project": "Project",
        "applicant": "Applicant",
        "segment": "Segment",
        "judge": "Judge",
        "status": "Status",
        "flags": "Eligibility and integrity flags",
        "weight": "Weight",
        "range": "Score range",
        "score": "Score",
        "comment": "Comment",
        "summary": "Quoted from the business plan",
        "facts": "Key facts",
        "questions": "Suggested questions",
        "overview": "Score overview",
        "criterion": "Criterion",
        "total": "Weighted total",
        "overall_comment": "Overall comment",
        "not_scored": "Not scored",
        "page": " (p. {page})",
        "quote": "\u201c{text}\u201d",
        "signature": "Judge's signature: ",
        "date": "Date: ",
        "pdf_footer": "Page {page} of {pages}",
        "docx_footer": "Page {page}",
        "card_file": "scorecard",
        "sheet_code": "No.",
        "sheet_project": "Project",
        "sheet_judge": "Judge",
        "sheet_criterion": "{name} ({weight}%)",
        "sheet_total": "Total",
        "sheet_status": "Status",
        "sheet_comment": "Comments",
        "scores_tab": "Scores",
        "rank": "Rank",
        "ranking_score": "Score",
        "judges": "Judges",
        "outcome": "Outcome",
        "note": "Note",
        "ranking_tab": "Ranking",
        "chair_signature": "Panel chair's signature: ",
    },
}

# Where a judge writes by hand: on signature lines and on the fields of a blank card.
BLANK = "＿＿＿＿＿＿"

# Characters XML 1.0 cannot hold (python-docx and openpyxl refuse them), and lone surrogates.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _labels(lang: str) -> Mapping[str, str]:
    try:
        return _LABELS[lang]
    except KeyError:
        raise ExportError(f"unknown document language {lang!r}: expected one of {sorted(_LABELS)}") from None


def _clean(text: str) -> str:
    """User text that any of the three formats can hold: one newline convention, no control characters."""
    return _NOT_XML.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n"))


def _number(value: float) -> str:
    """A score as read on a results sheet: half-up to two decimals, no trailing zeros (85, 84.5, 84.13)."""
    if not math.isfinite(value):
        raise ExportError(f"not a finite number: {value!r}")
    rounded = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{rounded:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _score(value: float | None, labels: Mapping[str, str], blank: bool) -> str:
    if value is not None:
        return _number(value)
    # A blank card is filled in by hand; a judge's card says plainly that a score is missing.
    return BLANK if blank else labels["not_scored"]


def _citation(citation: Citation, labels: Mapping[str, str]) -> str:
    quoted = labels["quote"].format(text=_clean(citation.text))
    return quoted if citation.page is None else quoted + labels["page"].format(page=citation.page)


def _signature(labels: Mapping[str, str]) -> str:
    return f"{labels['signature']}{BLANK}{BLANK}　　{labels['date']}{BLANK}"


# ---------------------------------------------------------------------------------------------
# What a scorecard says, shared by the DOCX and the PDF


@dataclass(frozen=True)
class _Section:
    label: str
    items: tuple[str, ...]
    marker: str = "bullet"  # "bullet", "number", or "" for running text (a comment)


def _header_rows(card: ProjectCard, labels: Mapping[str, str]) -> list[tuple[str, str]]:
    judge = BLANK if card.judge is None else card.judge
    fields = [("contest", card.contest), ("round", card.round), ("group", card.group), ("code", card.code),
              ("project", card.project), ("applicant", card.applicant), ("segment", card.segment),
              ("judge", judge), ("status", card.status)]
    return [(labels[key], _clean(value)) for key, value in fields]


def _criterion_title(index: int, criterion: CriterionCard) -> str:
    return f"{index}. {_clean(criterion.name)}"


def _criterion_facts(criterion: CriterionCard, labels: Mapping[str, str], blank: bool) -> list[tuple[str, str]]:
    """Weight, score range and the judge's score: the short fields of a criterion."""
    return [
        (labels["weight"], f"{_number(criterion.weight)}%"),
        (labels["range"], f"{_number(criterion.min_score)}–{_number(criterion.max_score)}"),
        (labels["score"], _score(criterion.score, labels, blank)),
    ]


def _criterion_sections(criterion: CriterionCard, labels: Mapping[str, str]) -> list[_Section]:
    """The longer parts of a criterion; empty ones are left out rather than printed as headings alone."""
    sections = [
        _Section(labels["comment"], (_clean(criterion.comment),) if criterion.comment.strip() else (), marker=""),
        _Section(labels["summary"], tuple(_citation(c, labels) for c in criterion.summary)),
        _Section(labels["facts"], tuple(_clean(fact) for fact in criterion.facts)),
        _Section(labels["questions"], tuple(_clean(q) for q in criterion.questions), marker="number"),
    ]
    return [section for section in sections if section.items]


def _overview_rows(card: ProjectCard, labels: Mapping[str, str]) -> list[list[str]]:
    """Criterion, weight, score per criterion, then the weighted total: what a chair checks first."""
    blank = card.judge is None
    rows = [[labels["criterion"], labels["weight"], labels["score"]]]
    rows += [[_clean(c.name), f"{_number(c.weight)}%", _score(c.score, labels, blank)] for c in card.criteria]
    weights = f"{_number(sum(c.weight for c in card.criteria))}%" if card.criteria else ""
    rows.append([labels["total"], weights, _score(card.total, labels, blank)])
    return rows


# ---------------------------------------------------------------------------------------------
# DOCX

# Word needs an East-Asian font named on each run, or it may draw Chinese in a Latin face's fallback.
DOCX_BODY_FONT = "SimSun"
DOCX_HEADING_FONT = "Microsoft YaHei"


def scorecard_docx(card: ProjectCard) -> bytes:
    """The project's scorecard as a Word document (A4), for judges who annotate before printing."""
    labels = _labels(card.lang)
    document = Document()
    _docx_setup(document, card, labels)
    _docx_heading(document, labels["title"], level=0)
    _docx_table(document, [[label, value] for label, value in _header_rows(card, labels)], widths=(3.5, 12.5))
    if card.flags:
        _docx_heading(document, labels["flags"], level=1)
        for flag in card.flags:
            _docx_paragraph(document, _clean(flag), style="List Bullet")
    for index, criterion in enumerate(card.criteria, start=1):
        _docx_criterion(document, index, criterion, labels, blank=card.judge is None)
    _docx_heading(document, labels["overview"], level=1)
    _docx_table(document, _overview_rows(card, labels), widths=(9.0, 3.0, 4.0), header=True)
    if card.comment.strip():
        _docx_heading(document, labels["overall_comment"], level=2)
        _docx_paragraph(document, _clean(card.comment))
    _docx_paragraph(document, "")
    _docx_paragraph(document, _signature(labels))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_setup(document: Any, card: ProjectCard, labels: Mapping[str, str]) -> None:
    """A4 page, Chinese fonts on the styles used, metadata, and page numbers in the footer."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)  # python-docx's template is US Letter
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(20)
    for name in ("Normal", "List Bullet", "Table Grid"):
        _east_asian(document.styles[name].element, DOCX_BODY_FONT)
    for name in ("Title", "Heading 1", "Heading 2"):
        _east_asian(document.styles[name].element, DOCX_HEADING_FONT)
    properties = document.core_properties
    properties.title = f"{_clean(card.project)} · {labels['card_file']}"
    properties.subject = _clean(card.contest)
    properties.author = properties.last_modified_by = "amreview"
    properties.language = "zh-CN" if card.lang == "zh" else "en"
    _docx_footer(section, _clean(card.code), labels["docx_footer"])


def _east_asian(element: Any, font: str) -> None:
    """Name the East-Asian font on a style or run; a theme font attribute would override it, so drop it."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    fonts.attrib.pop(qn("w:eastAsiaTheme"), None)


def _docx_run(paragraph: Any, text: str, *, bold: bool = False, font: str = DOCX_BODY_FONT) -> Any:
    run = paragraph.add_run(text)  # python-docx escapes the text and turns "\n" into line breaks
    run.bold = bold or None
    _east_asian(run._r, font)
    return run


def _docx_paragraph(container: Any, text: str, *, style: str | None = None, bold: bool = False) -> Any:
    paragraph = container.add_paragraph(style=style)
    if text:
        _docx_run(paragraph, text, bold=bold)
    return paragraph


def _docx_heading(document: Any, text: str, level: int) -> None:
    heading = document.add_heading(level=level)
    _docx_run(heading, text, font=DOCX_HEADING_FONT)
    heading.paragraph_format.keep_with_next = True


def _docx_footer(section: Any, code: str, template: str) -> None:
    """"AM11-E-0001 · 第 3 页": a loose page can be put back with its card."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, after = template.split("{page}")
    _docx_run(paragraph, f"{code} · {before}")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    paragraph._p.append(field)
    _docx_run(paragraph, after)


def _docx_table(document: Any, rows: Sequence[Sequence[str]], widths: Sequence[float], header: bool = False) -> Any:
    """A grid table; the first column (and the first row, with ``header``) in bold."""
    table = document.add_table(rows=len(rows), cols=len(widths))
    table.style = document.styles["Table Grid"]
    table.autofit = False
    for row_index, (row, cells) in enumerate(zip(rows, table.rows, strict=True)):
        for column, (text, cell) in enumerate(zip(row, cells.cells, strict=True)):
            cell.width = Cm(widths[column])
            if text:
                _docx_run(cell.paragraphs[0], text, bold=column == 0 or (header and row_index == 0))
    return table


def _docx_criterion(document: Any, index: int, criterion: CriterionCard, labels: Mapping[str, str],
                    blank: bool) -> None:
    """Heading, then one two-column table: short fields first, then comment, citations, facts, questions."""
    _docx_heading(document, _criterion_title(index, criterion), level=1)
    short = _criterion_facts(criterion, labels, blank)
    sections = _criterion_sections(criterion, labels)
    table = _docx_table(document, [*[[k, v] for k, v in short], *[[s.label, ""] for s in sections]],
                        widths=(3.5, 12.5))
    for section, row in zip(sections, table.rows[len(short):], strict=True):
        cell = row.cells[1]
        for number, item in enumerate(section.items, start=1):
            paragraph = cell.paragraphs[0] if number == 1 else cell.add_paragraph()
            _docx_run(paragraph, f"{number}. {item}" if section.marker == "number" else item)


# ---------------------------------------------------------------------------------------------
# PDF

FONT_ENV = "AMREVIEW_PDF_FONT"
# TrueType (glyf) CJK fonts in Debian packages; reportlab cannot embed CFF-outline fonts such as Noto CJK.
FONT_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
NO_FONT = "no Chinese TrueType font found: install fonts-wqy-microhei or set AMREVIEW_PDF_FONT"

_FONT_LOCK = threading.Lock()
_REGISTERED_FONTS: dict[str, str] = {}  # resolved font path → reportlab font name


def find_pdf_font() -> Path:
    """The font file to embed: ``AMREVIEW_PDF_FONT`` if it exists, else the first known path that does."""
    configured = os.environ.get(FONT_ENV, "").strip()
    if configured and not Path(configured).is_file():
        _log.warning("%s=%s does not exist; looking for a system font", FONT_ENV, configured)
    candidates = [configured, *FONT_CANDIDATES] if configured else list(FONT_CANDIDATES)
    for candidate in candidates:
        if Path(candidate).is_file():
            return Path(candidate)
    raise ExportError(f"{NO_FONT} (tried: {', '.join(candidates) or 'nothing'})")


def _register_pdf_font(path: Path) -> str:
    """Register the font once per process (reportlab's registry is global) and return its name."""
    key = str(path.resolve())
    with _FONT_LOCK:
        if key in _REGISTERED_FONTS:
            return _REGISTERED_FONTS[key]
        name = f"AmreviewCJK{len(_REGISTERED_FONTS)}"
        try:
            font = TTFont(name, key, subfontIndex=0)  # index 0 of a .ttc collection; ignored for a .ttf
        except (TTFError, OSError, ValueError) as exc:
            raise ExportError(f"{path} is not a usable TrueType font: {exc}") from exc
        if ord("评") not in font.face.charToGlyph:
            # Without this check every Chinese character would print as an empty box.
            raise ExportError(f"{path} has no Chinese glyphs: {NO_FONT}")
        pdfmetrics.registerFont(font)
        _REGISTERED_FONTS[key] = name
        return name


def scorecard_pdf(card: ProjectCard) -> bytes:
    """The project's scorecard as an A4 PDF with its Chinese font embedded, ready to print and sign."""
    labels = _labels(card.lang)
    font = _register_pdf_font(find_pdf_font())
    styles = _pdf_styles(font)
    story = _pdf_story(card, labels, styles)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=20 * mm,
        title=f"{_clean(card.project)} · {labels['card_file']}", subject=_clean(card.contest), author="amreview",
        creator="amreview", lang="zh-CN" if card.lang == "zh" else "en",
        # Same card, same bytes (no timestamp or random id): an exported card can be hashed and compared.
        invariant=True,
        # Otherwise reportlab starts every page in Helvetica, a font this document does not embed.
        initialFontName=font,
    )
    footer = partial(_FooterCanvas, footer_font=font, footer_left=_clean(card.code), footer=labels["pdf_footer"])
    document.build(story, canvasmaker=footer)
    return buffer.getvalue()


def _markup(text: str) -> str:
    """User text for a reportlab Paragraph: its mini-markup escaped, line breaks kept."""
    return escape(text).replace("\n", "<br/>")


def _pdf_styles(font: str) -> dict[str, Any]:
    """Paragraph styles in the one embedded font; it has no bold face, so emphasis is size and colour."""
    # CJK wrapping breaks between any two Chinese characters and still keeps Latin words whole.
    body = ParagraphStyle("amr-body", fontName=font, fontSize=10, leading=15, wordWrap="CJK", bulletFontName=font)

    def derive(name: str, **changes: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=body, **changes)

    accent = colors.HexColor("#1f3a68")
    return {
        "body": body,
        "cell": derive("amr-cell", fontSize=9.5, leading=13),
        "label": derive("amr-label", fontSize=9.5, leading=13, textColor=accent),
        "title": derive("amr-title", fontSize=18, leading=26, alignment=TA_CENTER, textColor=accent, spaceAfter=2),
        "subtitle": derive("amr-subtitle", fontSize=10.5, leading=16, alignment=TA_CENTER, spaceAfter=10),
        "h1": derive("amr-h1", fontSize=13, leading=19, textColor=accent, spaceBefore=12, spaceAfter=5,
                     keepWithNext=1),
        "h2": derive("amr-h2", fontSize=10.5, leading=15, textColor=accent, spaceBefore=6, spaceAfter=2,
                     keepWithNext=1),
        "item": derive("amr-item", leftIndent=14, bulletIndent=3, spaceAfter=2),
        "flag": derive("amr-flag", leftIndent=14, bulletIndent=3, textColor=colors.HexColor("#a1261b")),
        "signature": derive("amr-signature", fontSize=11, leading=18, spaceBefore=28),
    }


def _pdf_story(card: ProjectCard, labels: Mapping[str, str], styles: Mapping[str, Any]) -> list[Any]:
    subtitle = " · ".join(_clean(part) for part in (card.contest, card.round, card.group) if part.strip())
    story: list[Any] = [Paragraph(_markup(labels["title"]), styles["title"]),
                        Paragraph(_markup(subtitle), styles["subtitle"]),
                        _pdf_header(card, labels, styles)]
    if card.flags:
        story.append(Paragraph(_markup(labels["flags"]), styles["h1"]))
        story += [Paragraph(_markup(_clean(flag)), styles["flag"], bulletText="!") for flag in card.flags]
    for index, criterion in enumerate(card.criteria, start=1):
        story += _pdf_criterion(index, criterion, labels, styles, blank=card.judge is None)
    story.append(Paragraph(_markup(labels["overview"]), styles["h1"]))
    story.append(_pdf_grid([[Paragraph(_markup(text), styles["cell"]) for text in row]
                            for row in _overview_rows(card, labels)], styles, widths=(0.62, 0.16, 0.22), header=True))
    if card.comment.strip():
        story.append(Paragraph(_markup(labels["overall_comment"]), styles["h2"]))
        story.append(Paragraph(_markup(_clean(card.comment)), styles["body"]))
    story.append(Paragraph(_markup(_signature(labels)), styles["signature"]))
    return story


def _pdf_header(card: ProjectCard, labels: Mapping[str, str], styles: Mapping[str, Any]) -> Any:
    """The project's fields in label/value pairs, two pairs to a row."""
    cells = [(Paragraph(_markup(label), styles["label"]), Paragraph(_markup(value), styles["cell"]))
             for label, value in _header_rows(card, labels)]
    rows = [[*cells[i], *(cells[i + 1] if i + 1 < len(cells) else ("", ""))] for i in range(0, len(cells), 2)]
    return _pdf_grid(rows, styles, widths=(0.14, 0.36, 0.14, 0.36))


def _pdf_criterion(index: int, criterion: CriterionCard, labels: Mapping[str, str], styles: Mapping[str, Any],
                   blank: bool) -> list[Any]:
    """Heading, one row of short fields, then the sections as paragraphs.

    Citations and questions stay outside tables: a table row cannot break across pages, and a long
    criterion in one cell would not fit on a page at all.
    """
    short = [Paragraph(_markup(text), styles[kind]) for pair in _criterion_facts(criterion, labels, blank)
             for text, kind in zip(pair, ("label", "cell"), strict=True)]
    flowables: list[Any] = [Paragraph(_markup(_criterion_title(index, criterion)), styles["h1"]),
                            _pdf_grid([short], styles, widths=(0.12, 0.18, 0.16, 0.18, 0.12, 0.24))]
    for section in _criterion_sections(criterion, labels):
        flowables.append(Paragraph(_markup(section.label), styles["h2"]))
        for number, item in enumerate(section.items, start=1):
            bullet = {"number": f"{number}.", "bullet": "•"}.get(section.marker)
            flowables.append(Paragraph(_markup(item), styles["item"], bulletText=bullet))
    return flowables


def _pdf_grid(rows: list[list[Any]], styles: Mapping[str, Any], widths: Sequence[float], header: bool = False) -> Any:
    """A thin-ruled table across the frame; widths are fractions of the text width."""
    text_width = A4[0] - 36 * mm
    table = Table(rows, colWidths=[fraction * text_width for fraction in widths], hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        # reportlab sets each cell's font, even around a Paragraph: Helvetica unless told, and not embedded.
        ("FONTNAME", (0, 0), (-1, -1), styles["cell"].fontName),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9aa5b5")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    shade = colors.HexColor("#eef1f6")
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), shade))
    else:  # label columns: every other column, starting with the first
        commands += [("BACKGROUND", (column, 0), (column, -1), shade) for column in range(0, len(widths), 2)]
    table.setStyle(TableStyle(commands))
    return table


def _footer_canvas_base() -> type:

    return Canvas


class _FooterCanvas(_footer_canvas_base()):  # type: ignore[misc]
    """A canvas that holds pages back until the end, so each footer can say "page 2 of 5"."""
    def __init__(self, *args: Any, footer_font: str, footer_left: str, footer: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer_font, self._footer_left, self._footer = footer_font, footer_left, footer
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab's name: called by the document template at each page end
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        pages = len(self._held)
        for state in self._held:
            self.__dict__.update(state)
            self._draw_footer(pages)
            super().showPage()
        super().save()

    def _draw_footer(self, pages: int) -> None:
        width = self._pagesize[0]
        self.saveState()
        self.setFont(self._footer_font, 8)
        self.setFillGray(0.35)
        self.drawString(18 * mm, 10 * mm, self._footer_left)  # canvas text is not mark-up: no escaping
        self.drawRightString(width - 18 * mm, 10 * mm, self._footer.format(page=self._pageNumber, pages=pages))
        self.restoreState()


# ---------------------------------------------------------------------------------------------
# XLSX

# A cell that Excel, LibreOffice or a later CSV export could read as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MAX_WIDTH, _MIN_WIDTH = 48, 6


def score_sheet_xlsx(sheet: ScoreSheet) -> bytes:
    """A panel's score sheet: one row per judge and project, one column per criterion, signature rows."""
    labels = _labels(sheet.lang)
    ids = [criterion_id for criterion_id, _, _ in sheet.criteria]
    header = [labels["sheet_code"], labels["sheet_project"], labels["sheet_judge"],
              *[labels["sheet_criterion"].format(name=_clean(name), weight=_number(weight))
                for _, name, weight in sheet.criteria],
              labels["sheet_total"], labels["sheet_status"], labels["sheet_comment"]]
    rows = [[row.code, row.project, row.judge, *_row_scores(row, ids), row.total, row.status, row.comment]
            for row in sheet.rows]
    formats = {3 + len(ids): "0.00"}  # the total; criterion scores keep Excel's General format
    return _workbook(sheet.title, labels["scores_tab"], header, rows, formats, labels, wrap=(1, len(header) - 1))


def ranking_xlsx(sheet: RankingSheet) -> bytes:
    """A ranking: rank, entry, aggregated score, number of judges and outcome per row, signature rows."""
    labels = _labels(sheet.lang)
    header = [labels["rank"], labels["sheet_code"], labels["sheet_project"], labels["applicant"],
              labels["ranking_score"], labels["judges"], labels["outcome"], labels["note"]]
    rows = [[row.rank, row.code, row.project, row.applicant, row.score, row.judges, row.outcome, row.note]
            for row in sheet.rows]
    return _workbook(sheet.title, labels["ranking_tab"], header, rows, {4: "0.00"}, labels, wrap=(2, 3, 7))


def _row_scores(row: SheetRow, ids: Sequence[str]) -> list[float | None]:
    unknown = sorted(set(row.scores) - set(ids))
    if unknown:
        # A score the sheet has no column for would vanish from the signed record: refuse instead.
        raise ExportError(f"{row.code} / {row.judge}: scores for criteria not on the sheet: {unknown}")
    return [row.scores.get(criterion_id) for criterion_id in ids]


def _workbook(title: str, tab: str, header: Sequence[str], rows: Sequence[Sequence[Any]],
              formats: Mapping[int, str], labels: Mapping[str, str], wrap: Sequence[int]) -> bytes:
    """Title row, frozen header, data rows, signature rows; A4 landscape, one page wide when printed."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = tab  # a fixed name: user titles may hold characters or lengths a tab name cannot
    workbook.properties.title = _clean(title)
    workbook.properties.creator = "amreview"
    _xlsx_title(sheet, title, len(header))
    _xlsx_row(sheet, 2, header, header=True)
    for offset, row in enumerate(rows):
        _xlsx_row(sheet, 3 + offset, row, formats=formats, wrap=wrap)
    last = 2 + len(rows)
    for offset, label in enumerate((labels["chair_signature"], labels["date"])):
        _put(sheet.cell(row=last + 2 + offset, column=1), label)
    _xlsx_layout(sheet, header, rows, last)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_title(sheet: Any, title: str, columns: int) -> None:

    cell = sheet.cell(row=1, column=1)
    _put(cell, title)
    cell.font = Font(bold=True, size=14)
    cell.alignment = Alignment(horizontal="center", vertical="center")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, columns))
    sheet.row_dimensions[1].height = 28


def _xlsx_row(sheet: Any, row: int, values: Sequence[Any], *, header: bool = False,
              formats: Mapping[int, str] | None = None, wrap: Sequence[int] = ()) -> None:

    side = Side(style="thin", color="9AA5B5")
    for column, value in enumerate(values):
        cell = sheet.cell(row=row, column=column + 1)
        _put(cell, value)
        cell.border = Border(left=side, right=side, top=side, bottom=side)
        if header:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="EEF1F6")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            continue
        if formats and column in formats and isinstance(value, int | float):
            cell.number_format = formats[column]
        cell.alignment = Alignment(vertical="top", wrap_text=column in wrap)


def _put(cell: Any, value: Any) -> None:
    """Write a number as a number and anything else as text that is never taken for a formula."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = _clean(value)
        cell.value = text
        # openpyxl makes every string starting with "=" a formula; this cell is text whatever it says.
        cell.data_type = "s"
        if text.startswith(_FORMULA_START):
            cell.quotePrefix = True  # Excel keeps it text even when someone edits the cell
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise ExportError(f"not a finite number: {value!r}")  # Excel cannot open a sheet holding one
    cell.value = value


def _xlsx_layout(sheet: Any, header: Sequence[str], rows: Sequence[Sequence[Any]], last: int) -> None:
    """Column widths from the content, frozen header, filter, print setup."""
    for column, label in enumerate(header):
        values = [label, *[row[column] for row in rows]]
        width = max(_display_width(value) for value in values) + 2
        sheet.column_dimensions[get_column_letter(column + 1)].width = max(_MIN_WIDTH, min(_MAX_WIDTH, width))
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(header))}{last}"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _display_width(value: Any) -> int:
    """Width in Excel character units: Chinese characters take two, a multi-line cell its longest line."""
    if value is None:
        return 0
    text = _number(value) if isinstance(value, float) else _clean(value)
    return max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                for line in text.split("\n")), default=0)


__all__ = [
    "BLANK",
    "FONT_CANDIDATES",
    "FONT_ENV",
    "NO_FONT",
    "Citation",
    "CriterionCard",
    "ExportError",
    "ProjectCard",
    "RankingRow",
    "RankingSheet",
    "ScoreSheet",
    "SheetRow",
    "find_pdf_font",
    "ranking_xlsx",
    "score_sheet_xlsx",
    "scorecard_docx",
    "scorecard_pdf",
]
