"""Every export is read back with an independent reader and checked for content, not just produced.

The PDF is also rasterised and read by OCR: text extraction alone would pass with a font that maps
characters but draws no glyphs, and the point of embedding the font is that the card prints.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import replace

import numpy as np
import openpyxl
import pdfplumber
import pypdfium2 as pdfium
import pytest
from docx import Document

from scorecards import exports
from scorecards.exports import (
    Citation,
    CriterionCard,
    ExportError,
    ProjectCard,
    RankingRow,
    RankingSheet,
    ScoreSheet,
    SheetRow,
    ranking_xlsx,
    score_sheet_xlsx,
    scorecard_docx,
    scorecard_pdf,
)

CRITERIA = (
    CriterionCard(
        id="tech", name="技术和产品", weight=30, min_score=0, max_score=100, score=86.5,
        comment="核心工艺自主可控，已有批量交付；需补充第三方检测报告。",
        summary=(
            Citation("公司自主研发的多激光选区熔化设备成形尺寸达到800mm×800mm×1000mm，已交付航空航天客户23台。", 12),
            Citation("核心扫描路径规划软件已取得发明专利授权5项、软件著作权8项。", 14),
            Citation("钛合金TC4打印件致密度达到99.9%，力学性能优于锻件标准。", None),
        ),
        facts=("发明专利 5项（第14页）", "设备交付 23台（第12页）"),
        questions=("多激光拼接区域的质量一致性如何验证？", "关键部件振镜是否依赖进口？"),
    ),
    CriterionCard(
        id="business", name="商业模式及实施方案", weight=20, min_score=0, max_score=100, score=78,
        comment="设备销售与打印服务并举，服务收入占比逐年提高。",
        summary=(
            Citation("公司采取“设备销售+打印服务+材料供应”三位一体的商业模式。", 18),
            Citation("2025年打印服务收入占比提升至35%，毛利率为52%。", 19),
        ),
        facts=("服务收入占比 2025年：35%（第19页）",),
        questions=("材料业务的外部客户有哪些？",),
    ),
    CriterionCard(
        id="market", name="行业及市场", weight=20, min_score=0, max_score=100, score=None,
        comment="",
        summary=(
            Citation("据行业协会统计，2025年我国金属增材制造市场规模约为120亿元。", 21),
            Citation("公司在航空航天大尺寸构件领域的市场占有率约为8%。", 22),
        ),
        facts=("市场规模 2025年：120亿元（第21页）",),
        questions=("市场占有率的测算口径是什么？",),
    ),
    CriterionCard(
        id="team", name="团队", weight=15, min_score=0, max_score=100, score=82,
        comment="创始团队来自高校重点实验室，工程化经验充足。",
        summary=(
            Citation("创始人张伟博士长期从事激光增材制造研究，曾主持国家重点研发计划项目。", 25),
            Citation("研发人员共68名，占员工总数的41%。", 26),
        ),
        facts=("研发人员 68名（第26页）",),
        questions=("核心技术人员是否签署竞业协议？",),
    ),
    CriterionCard(
        id="finance", name="财务分析", weight=15, min_score=0, max_score=100, score=74,
        comment="收入增长快，应收账款偏高。",
        summary=(
            Citation("2025年实现营业收入1.6亿元，同比增长46%，净利润2100万元。", 23),
            Citation("截至2025年末，应收账款余额为6800万元。", 24),
            Citation("本轮拟融资1亿元，主要用于产线扩建和研发投入。", 30),
        ),
        facts=("营业收入 2025年：1.6亿元（第23页）", "应收账款 2025年末：6800万元（第24页）"),
        questions=("应收账款的账龄结构如何？", "融资资金的使用计划是否分期？"),
    ),
)

CARD = ProjectCard(
    contest="第十一届创客中国增材制造专题赛 2026",
    round="初赛",
    group="企业组",
    code="AM11-E-0001",
    project="大尺寸多激光金属增材制造装备及应用",
    applicant="西安某某增材科技有限公司",
    segment="金属增材制造装备",
    judge="李明",
    status="草稿",
    total=81.2,
    comment="技术领先，市场数据需核实。",
    flags=("计划书第21页市场数据与公开数据差异较大，请核实。",),
    criteria=CRITERIA,
)

EN_CARD = replace(
    CARD,
    lang="en",
    criteria=tuple(replace(c, name=n) for c, n in zip(CRITERIA, (
        "Technology and product", "Business model and implementation", "Industry and market", "Team",
        "Financial analysis"), strict=True)),
)

# The project names OCR must find on page 1 (rendered at 144 dpi, read by PP-OCRv6).
OCR_WORDS = ("技术和产品", "大尺寸多激光金属增材制造装备及应用", "项目评审评分卡")


def squeeze(text: str) -> str:
    """Text without any whitespace: wrapping splits lines anywhere in Chinese."""
    return re.sub(r"\s+", "", text)


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def pdf_body_text(data: bytes) -> str:
    """Text of every page above the footer, so a paragraph split across pages reads as one."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.crop((0, 0, page.width, page.height - 45)).extract_text() for page in pdf.pages)


@pytest.fixture(scope="module")
def card_pdf() -> bytes:
    return scorecard_pdf(CARD)


# ---------------------------------------------------------------------------------------------
# DOCX


def test_docx_holds_the_whole_card() -> None:
    text = docx_text(scorecard_docx(CARD))
    for criterion in CRITERIA:
        assert f"{criterion.name}" in text
        for citation in criterion.summary:
            assert citation.text in text
            if citation.page is not None:
                assert f"{citation.text}”（第{citation.page}页）" in text
        assert all(fact in text for fact in criterion.facts)
    for value in ("86.5", "78", "82", "74", "81.2", "30%", "0–100", "未评分"):
        assert value in text
    assert "1. 多激光拼接区域的质量一致性如何验证？" in text
    assert "评委签字：" in text and "日期：" in text
    assert CARD.flags[0] in text and CARD.project in text and "李明" in text


def test_docx_names_an_east_asian_font_on_the_runs() -> None:
    document = Document(io.BytesIO(scorecard_docx(CARD)))
    runs = [run for paragraph in document.paragraphs for run in paragraph.runs if run.text]
    assert runs
    for run in runs:
        fonts = run._r.rPr.rFonts
        assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
    assert document.sections[0].page_width.mm == pytest.approx(210, abs=0.5)


def test_docx_in_english() -> None:
    text = docx_text(scorecard_docx(EN_CARD))
    assert "Project scorecard" in text and "Weighted total" in text and "Judge's signature" in text
    assert "(p. 12)" in text and "Technology and product" in text
    assert "评委签字" not in text and "”（第12页）" not in text  # the facts are user data, still Chinese


def test_blank_card_leaves_fields_to_fill_in() -> None:
    blank = replace(CARD, judge=None, total=None, criteria=tuple(replace(c, score=None) for c in CRITERIA))
    text = docx_text(scorecard_docx(blank))
    assert exports.BLANK in text and "未评分" not in text


# ---------------------------------------------------------------------------------------------
# PDF


def test_pdf_text_reads_back(card_pdf: bytes) -> None:
    text = squeeze(pdf_body_text(card_pdf))
    for criterion in CRITERIA:
        assert criterion.name in text
    assert squeeze(CRITERIA[0].summary[0].text) + "”（第12页）" in text
    assert squeeze(CRITERIA[4].summary[2].text) in text
    for value in ("86.5", "78", "81.2", "未评分", "评委签字：", CARD.project):
        assert value in text


def test_pdf_embeds_its_only_font(card_pdf: bytes) -> None:
    assert b"/FontFile2" in card_pdf
    with pdfplumber.open(io.BytesIO(card_pdf)) as pdf:
        fonts = {char["fontname"] for page in pdf.pages for char in page.chars}
        footer = pdf.pages[0].crop((0, pdf.pages[0].height - 45, pdf.pages[0].width, pdf.pages[0].height))
        assert f"/ 共 {len(pdf.pages)} 页" in footer.extract_text()
    # Only subsets ("AAAAAA+Name", reportlab cuts one per 256 glyphs) of the one font, each with its file:
    # no Helvetica or CID font that a printer would have to supply.
    assert all(re.fullmatch(r"[A-Z]{6}\+\S+", font) for font in fonts), fonts
    assert len({font.split("+", 1)[1] for font in fonts}) == 1, fonts
    assert card_pdf.count(b"/FontFile2") == len(fonts)
    assert b"/Helvetica" not in card_pdf


def test_pdf_renders_chinese_glyphs(card_pdf: bytes, tmp_path) -> None:
    from ingest.ocr import RapidOcrEngine

    image = pdfium.PdfDocument(card_pdf)[0].render(scale=2).to_pil()
    image.save(tmp_path / "page1.png")
    dark = (np.asarray(image.convert("L")) < 128).mean()
    assert dark > 0.01, f"page 1 is almost blank ({dark:.2%} dark pixels)"
    text = squeeze("".join(line.text for line in RapidOcrEngine().recognize(image)))
    found = [word for word in OCR_WORDS if word in text]
    assert len(found) >= 2, f"OCR read {text[:200]!r}"


def test_pdf_escapes_markup_and_english_labels() -> None:
    hostile = replace(EN_CARD, comment="<b>R&D</b> & <font size=40>x</font> <br/> 5 < 6", project="A&B <Ltd>",
                      flags=("bell\x07 char",))
    text = pdf_body_text(scorecard_pdf(hostile))
    assert "<b>R&D</b> & <font size=40>x</font>" in text and "5 < 6" in text and "A&B <Ltd>" in text
    assert "bell char" in text
    assert "bell char" in docx_text(scorecard_docx(hostile))  # Word's XML cannot hold the control character
    for label in ("Project scorecard", "Weighted total", "Judge's signature", "Suggested questions", "(p. 12)"):
        assert label in text


def test_pdf_is_reproducible(card_pdf: bytes) -> None:
    assert scorecard_pdf(CARD) == card_pdf


def test_missing_font_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("AMREVIEW_PDF_FONT", str(tmp_path / "missing.ttf"))
    monkeypatch.setattr(exports, "FONT_CANDIDATES", (str(tmp_path / "also-missing.ttc"),))
    with pytest.raises(ExportError, match=re.escape(exports.NO_FONT)):
        scorecard_pdf(CARD)


def test_font_without_chinese_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    import reportlab

    latin = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    monkeypatch.setenv("AMREVIEW_PDF_FONT", str(latin))
    with pytest.raises(ExportError, match="no Chinese glyphs"):
        scorecard_pdf(CARD)


# ---------------------------------------------------------------------------------------------
# XLSX

SHEET = ScoreSheet(
    title="初赛评分表 · 企业组 · 第一评审组",
    criteria=tuple((c.id, c.name, c.weight) for c in CRITERIA),
    rows=(
        SheetRow("AM11-E-0001", CARD.project, "李明", {c.id: c.score for c in CRITERIA}, 81.2, "草稿",
                 "市场数据需核实"),
        SheetRow("AM11-E-0002", "=1+1", "李明", {"tech": 70, "business": 65.5, "market": 60, "team": 72,
                                                  "finance": 68}, 67.45, "已提交", "@SUM(A1:A9)"),
    ),
)

RANKING = RankingSheet(
    title="初赛排名 · 企业组",
    rows=(
        RankingRow(1, "AM11-E-0001", CARD.project, CARD.applicant, 84.27, 7, "晋级"),
        RankingRow(2, "AM11-E-0004", "-2+3 光固化牙科材料", "杭州某某新材料有限公司", 80.0, 7,
                   "递补（替代 AM11-E-0003）", "原晋级项目退赛"),
        RankingRow(3, "AM11-E-0005", "砂型打印", "某某铸造", None, 0, "未评审"),
    ),
)


def read_sheet(data: bytes) -> list[list[object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_score_sheet_headers_numbers_and_signatures() -> None:
    data = score_sheet_xlsx(SHEET)
    rows = read_sheet(data)
    assert rows[0][0] == SHEET.title
    assert rows[1] == ["编号", "项目", "评委", "技术和产品（30%）", "商业模式及实施方案（20%）", "行业及市场（20%）",
                       "团队（15%）", "财务分析（15%）", "总分", "状态", "意见"]
    assert rows[2][3:9] == [86.5, 78, None, 82, 74, 81.2]
    assert rows[3][3:9] == [70, 65.5, 60, 72, 68, 67.45]
    assert all(isinstance(value, int | float) for value in rows[3][3:9])
    labels = [row[0] for row in rows[5:]]
    assert labels == ["评审组长签字：", "日期："]
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.freeze_panes == "A3"
    assert sheet["B4"].data_type == "s" and sheet["B4"].value == "=1+1"
    assert sheet["K4"].data_type == "s" and sheet["K4"].value == "@SUM(A1:A9)"
    assert sheet["B4"].quotePrefix
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width


def test_formula_text_is_not_a_formula_in_the_file() -> None:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(score_sheet_xlsx(SHEET))) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml


def test_unknown_criterion_is_refused() -> None:
    row = replace(SHEET.rows[0], scores={"tech": 80, "design": 90})
    with pytest.raises(ExportError, match="design"):
        score_sheet_xlsx(replace(SHEET, rows=(row,)))


def test_non_finite_score_is_refused() -> None:
    with pytest.raises(ExportError, match="finite"):
        score_sheet_xlsx(replace(SHEET, rows=(replace(SHEET.rows[0], total=float("nan")),)))


def test_ranking_sheet() -> None:
    data = ranking_xlsx(RANKING)
    rows = read_sheet(data)
    assert rows[0][0] == RANKING.title
    assert rows[1] == ["名次", "编号", "项目", "参赛主体", "得分", "评委数", "结果", "备注"]
    assert rows[2] == [1, "AM11-E-0001", CARD.project, CARD.applicant, 84.27, 7, "晋级", None]
    assert rows[3][2] == "-2+3 光固化牙科材料" and rows[3][6] == "递补（替代 AM11-E-0003）"
    assert rows[4][4] is None
    noisy = replace(RANKING, rows=(replace(RANKING.rows[0], note="bell\x07 char"),))
    assert read_sheet(ranking_xlsx(noisy))[2][7] == "bell char"  # openpyxl refuses control characters
    assert [row[0] for row in rows[6:]] == ["评审组长签字：", "日期："]
    en = read_sheet(ranking_xlsx(replace(RANKING, lang="en")))
    assert en[1][:3] == ["Rank", "No.", "Project"] and en[-2][0].startswith("Panel chair")


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ExportError, match="language"):
        scorecard_docx(replace(CARD, lang="fr"))


def test_export_timings(card_pdf: bytes) -> None:
    """Not a benchmark: a guard that one card stays well under a second on the CI machine."""
    for export, value in ((scorecard_docx, CARD), (scorecard_pdf, CARD), (score_sheet_xlsx, SHEET),
                          (ranking_xlsx, RANKING)):
        start = time.perf_counter()
        export(value)
        assert time.perf_counter() - start < 2.0, export.__name__
