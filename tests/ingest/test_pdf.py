"""The PDF reader on documents drawn here with reportlab, where the true text is known."""

from __future__ import annotations

import difflib
import hashlib
import io
from collections.abc import Callable

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from ingest.document import Document
from ingest.parse import parse_bytes
from ingest.readers.base import ReadContext
from ingest.readers.pdf import ascii_symbol_share, read_pdf, text_quality

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
FONT = "STSong-Light"
WIDTH, HEIGHT = A4

LEFT_COLUMN = ("本公司专注于金属增材制造装备的研发与生产，核心产品为激光选区熔化设备，成形尺寸达到八百毫米。"
               "设备采用四激光协同扫描，成形效率较单激光提高三倍以上，已在航空航天领域批量应用。")
RIGHT_COLUMN = ("市场方面，预计到二零二八年国内金属增材制造市场规模将超过三百亿元，年均增长率约百分之二十五。"
                "公司计划在西南地区建设应用示范中心，为船舶与医疗器械企业提供打印服务。")


def _pdf(draw: Callable[[Canvas], None]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    draw(canvas)
    canvas.save()
    return buffer.getvalue()


def _wrap(canvas: Canvas, text: str, x: float, y: float, width_chars: int, size: float = 11) -> float:
    """Draw ``text`` wrapped every ``width_chars`` characters; returns the y below it."""
    canvas.setFont(FONT, size)
    for start in range(0, len(text), width_chars):
        canvas.drawString(x, y, text[start:start + width_chars])
        y -= size * 1.5
    return y


def _read(data: bytes) -> Document:
    return read_pdf(data, ReadContext(sha256=hashlib.sha256(data).hexdigest(), media_type="application/pdf",
                                      ocr=False))


def _similarity(expected: str, actual: str) -> float:
    return difflib.SequenceMatcher(None, "".join(expected.split()), "".join(actual.split()), autojunk=False).ratio()


def test_two_columns_are_read_left_then_right() -> None:
    def draw(canvas: Canvas) -> None:
        canvas.setFont(FONT, 18)
        canvas.drawString(72, 780, "二、技术与产品")
        _wrap(canvas, LEFT_COLUMN, 72, 740, 18)
        _wrap(canvas, RIGHT_COLUMN, 320, 740, 18)

    doc = _read(_pdf(draw))
    text = "".join(doc.text.split())
    assert text.index("本公司专注于") < text.index("批量应用") < text.index("市场方面") < text.index("打印服务")
    paragraphs = [b.text for b in doc.blocks if b.kind == "paragraph"]
    assert LEFT_COLUMN in paragraphs and RIGHT_COLUMN in paragraphs  # lines re-joined, no spurious spaces
    assert doc.blocks[0].kind == "heading" and doc.blocks[0].text == "二、技术与产品"


def test_running_headers_and_page_numbers_are_removed() -> None:
    body = [f"第{n}页正文：公司在第{n}季度完成了钛合金构件的小批量交付，客户满意度持续提升。" for n in range(1, 5)]

    def draw(canvas: Canvas) -> None:
        for number, text in enumerate(body, 1):
            canvas.setFont(FONT, 9)
            canvas.drawString(72, HEIGHT - 40, "四川示例增材科技有限公司  商业计划书")
            canvas.drawCentredString(WIDTH / 2, 30, f"- {number} -")
            _wrap(canvas, text, 72, 700, 40)
            canvas.showPage()

    doc = _read(_pdf(draw))
    assert len(doc.pages) == 4
    assert "商业计划书" not in doc.text and "- 2 -" not in doc.text
    assert "四川示例增材科技有限公司 商业计划书" in [" ".join(h.split()) for h in doc.headers]
    for page, text in zip(doc.pages, body, strict=True):
        assert page.text == text


def test_headings_get_levels_from_numbering_and_size() -> None:
    def draw(canvas: Canvas) -> None:
        y = 780.0
        for text, size in [("商业计划书", 22), ("一、项目概述", 16), ("（一）项目背景", 13),
                           ("增材制造是国家战略性新兴产业的重要方向，公司已形成完整的技术体系和产品线。", 11),
                           ("（二）发展目标", 13), ("计划三年内实现营业收入一亿元，成为西南地区领先的服务商。", 11),
                           ("二、技术与产品", 16), ("1. 激光选区熔化装备", 12),
                           ("设备采用自主研发的振镜扫描系统，定位精度优于十微米。", 11)]:
            canvas.setFont(FONT, size)
            canvas.drawString(72, y, text)
            y -= size * 2.2

    doc = _read(_pdf(draw))
    headings = [(b.text, b.level) for b in doc.blocks if b.kind == "heading"]
    assert headings == [("商业计划书", 1), ("一、项目概述", 2), ("（一）项目背景", 3), ("（二）发展目标", 3),
                        ("二、技术与产品", 2), ("1. 激光选区熔化装备", 3)]
    top = doc.sections[0]
    assert top.title == "商业计划书" and top.parent is None
    assert doc.sections[2].parent == 1  # （一） sits under 一、


def test_ruled_table_rows_and_cells() -> None:
    rows = [["年度", "营业收入（万元）", "研发投入（万元）"], ["2023年", "1,250", "310"], ["2024年", "2,860", "520"]]

    def draw(canvas: Canvas) -> None:
        canvas.setFont(FONT, 11)
        canvas.drawString(72, 760, "七、财务分析")
        x_edges, top = [72, 172, 312, 452], 730
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                canvas.drawString(x_edges[c] + 6, top - 20 * r - 14, cell)
        for r in range(len(rows) + 1):
            canvas.line(x_edges[0], top - 20 * r, x_edges[-1], top - 20 * r)
        for x in x_edges:
            canvas.line(x, top, x, top - 20 * len(rows))
        canvas.drawString(72, top - 20 * len(rows) - 30, "研发投入占营业收入比例保持在百分之十八以上。")

    doc = _read(_pdf(draw))
    assert len(doc.tables) == 1
    assert doc.tables[0].rows == rows
    kinds = [b.kind for b in doc.blocks]
    assert kinds.index("table") < len(kinds) - 1  # the table sits between the heading and the paragraph
    assert "2,860" in doc.text and doc.text.count("2,860") == 1


def test_table_of_cell_boxes_inside_a_moved_form_xobject() -> None:
    # Cell borders drawn as rectangles inside a form XObject placed with a translation:
    # the rulings must be found in page space, not in the form's own coordinates.
    rows = [["专利名称", "类型"], ["一种激光选区熔化铺粉装置", "发明"], ["一种熔池监测方法", "实用新型"]]

    def draw(canvas: Canvas) -> None:
        canvas.beginForm("grid")
        for r in range(len(rows)):
            for c, width in enumerate((200, 100)):
                canvas.rect(c * 200, -20 * (r + 1), width if c else 200, 20, stroke=1, fill=0)
        canvas.endForm()
        canvas.saveState()
        canvas.translate(72, 700)
        canvas.doForm("grid")
        canvas.restoreState()
        canvas.setFont(FONT, 11)
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                canvas.drawString(72 + 200 * c + 6, 700 - 20 * r - 14, cell)

    doc = _read(_pdf(draw))
    assert [t.rows for t in doc.tables] == [rows]


def test_spans_point_into_the_text() -> None:
    def draw(canvas: Canvas) -> None:
        _wrap(canvas, LEFT_COLUMN, 72, 760, 40)
        canvas.showPage()
        _wrap(canvas, RIGHT_COLUMN, 72, 760, 40)

    doc = _read(_pdf(draw))
    for block in doc.blocks:
        assert doc.text[block.span[0]:block.span[1]] == block.text
    for page in doc.pages:
        assert doc.text[page.span[0]:page.span[1]] == page.text
    assert doc.page_of(doc.text.index("市场方面")) == 2


def test_english_words_and_hyphenation() -> None:
    def draw(canvas: Canvas) -> None:
        canvas.setFont("Helvetica", 11)
        lines = ["Laser powder bed fusion builds dense titanium parts layer by layer, and the melt-",
                 "pool monitoring system detects defects in real time during the build process."]
        for i, line in enumerate(lines):
            canvas.drawString(72, 760 - 16 * i, line)

    doc = _read(_pdf(draw))
    assert "and the meltpool monitoring system" in doc.text  # the line-end hyphen joins the word
    assert "Laser powder bed fusion builds dense titanium parts layer by layer" in doc.text


def test_text_quality_tells_mojibake_from_text() -> None:
    assert text_quality("增材制造是一种先进制造技术，2024年营业收入1,250万元。") > 0.95
    assert text_quality("ÍÆ#(ØK)1õ œ Ã±: +°) ¥¸†EÍ. y²3¸†EÍ") < 0.75
    assert text_quality('图 ! !"#$ 基因外显子 %、&、’、( 和微卫星灶的 )*+ !"#$%&') < 0.9


def test_mis_encoded_latin_text_is_told_from_formulas_and_urls() -> None:
    # Han characters decode, Latin ones come out shifted to punctuation (a real sample's pattern).
    cipher = '图 % !"#$ 基因外显子和微卫星灶 )*+ 扩增产物缺失电泳图 "#$ % ,352/.580=1 09 )*+ .>638982: 6/0:;451 '
    assert ascii_symbol_share(cipher * 3) > 0.2
    real = ("DD_KMV = E(V) - F / σ，详见 https://www.pkudf.org/index.html；ln_Size -0.826*** (0.0589)，"
            "Ti6Al4V 粉末 D50=35μm，R-squared 0.514，营业收入 1,250 万元（2024/12/31）。")
    assert ascii_symbol_share(real * 3) < 0.2
    assert ascii_symbol_share("增材制造 SLM") is None  # too little Latin text to judge


def test_fidelity_on_a_generated_business_plan() -> None:
    from api.demo.plans import make_plan
    from api.demo.render import render_pdf

    plan = make_plan(segment=1, seed=3, pages=8)
    doc = parse_bytes(render_pdf(plan), "plan.pdf", ocr=False)
    assert _similarity(plan.source_text(), doc.text) >= 0.99
    assert any(b.kind == "heading" and "技术与产品" in b.text for b in doc.blocks)
    assert doc.tables, "the plan's tables are extracted as tables"


@pytest.mark.slow
def test_fidelity_on_a_two_column_plan() -> None:
    from api.demo.plans import make_plan
    from api.demo.render import render_pdf

    plan = make_plan(segment=7, seed=11, pages=10)
    doc = parse_bytes(render_pdf(plan, two_column_pages=True), "plan.pdf", ocr=False)
    assert _similarity(plan.source_text(), doc.text) >= 0.99
