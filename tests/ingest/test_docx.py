"""Tests of the DOCX reader: content, structure, pages and refusals, on generated and real files."""

from __future__ import annotations

import difflib
import hashlib
import io
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_SECTION
from docx.shared import Pt
from lxml import etree
from PIL import Image, ImageDraw, ImageFont

from ingest.document import Document
from ingest.errors import Refused
from ingest.limits import DEFAULT_LIMITS, Limits
from ingest.ocr import OcrLine
from ingest.readers.base import ReadContext
from ingest.readers.docx import read_docx
from ingest.sniff import DOCX

SAMPLES = Path("/work/shared/samples")
SAMPLE_DOCX = sorted(SAMPLES.glob("*.docx"))

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W_NS,
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "v": "urn:schemas-microsoft-com:vml",
}
XMLNS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NS.items())


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


# --------------------------------------------------------------------------- helpers


def read(data: bytes, name: str = "test.docx", *, ocr: bool = False, limits: Limits = DEFAULT_LIMITS) -> Document:
    ctx = ReadContext(
        sha256=hashlib.sha256(data).hexdigest(), media_type=DOCX, filename=name, ocr=ocr, limits=limits
    )
    return read_docx(data, ctx)


def save(document: docx.document.Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def rewrite(data: bytes, part: str, edit: Callable[[bytes], bytes]) -> bytes:
    """The DOCX with one part replaced by ``edit(old bytes)``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            payload = source.read(info.filename)
            target.writestr(info.filename, edit(payload) if info.filename == part else payload)
    return out.getvalue()


def edit_body(data: bytes, change: Callable[[etree._Element], None]) -> bytes:
    """The DOCX with ``change`` applied to the parsed ``w:body`` of word/document.xml."""

    def edit(xml: bytes) -> bytes:
        root = etree.fromstring(xml)
        change(root.find(w("body")))
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    return rewrite(data, "word/document.xml", edit)


def paragraph_with(body: etree._Element, text: str) -> etree._Element:
    return next(p for p in body.iter(w("p")) if text in "".join(p.itertext()))


def fragment(xml: str) -> etree._Element:
    """One element from XML text written with the usual w:/mc:/wp:/a:/wps:/v: prefixes."""
    root = etree.fromstring(f"<root {XMLNS}>{xml}</root>")
    return root[0]


def bold(document: docx.document.Document, text: str, size: float | None = None) -> None:
    run = document.add_paragraph().add_run(text)
    run.bold = True
    if size:
        run.font.size = Pt(size)


def headings(doc: Document) -> list[tuple[str, int | None]]:
    return [(b.text, b.level) for b in doc.blocks if b.kind == "heading"]


def kind_of(doc: Document, text: str) -> str:
    return next(b.kind for b in doc.blocks if text in b.text)


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "PNG")
    return buffer.getvalue()


# ------------------------------------------------------------------------- structure


def test_heading_styles_give_levels_and_sections() -> None:
    document = docx.Document()
    document.add_heading("聚星智能定位商业计划书", 0)
    document.add_heading("第一章 项目概述", 1)
    document.add_paragraph("本项目为智能驾驶车辆提供厘米级定位服务。")
    document.add_heading("1.1 市场背景", 2)
    document.add_paragraph("智能交通市场规模持续增长。")
    document.add_heading("第二章 产品与技术", 1)
    document.add_paragraph("系统由参考站、卫星站和移动站组成。")
    doc = read(save(document))

    assert headings(doc) == [
        ("聚星智能定位商业计划书", 1), ("第一章项目概述", 1), ("1.1 市场背景", 2), ("第二章产品与技术", 1)
    ]
    titles = [s.title for s in doc.sections]
    background = doc.sections[titles.index("1.1 市场背景")]
    assert background.parent == titles.index("第一章项目概述")
    assert doc.sections[titles.index("第二章产品与技术")].parent is None
    assert kind_of(doc, "系统由参考站") == "paragraph"


def test_wps_level_style_names() -> None:
    document = docx.Document()
    for name in ("三级标题", "四级标题"):
        document.styles.add_style(name, 1).base_style = document.styles["Normal"]
    document.add_paragraph("创业计划书的基本结构", style="三级标题")
    document.add_paragraph("1.前导部分", style="四级标题")
    document.add_paragraph("封面要主题鲜明。")
    document.add_paragraph("2.内容展示部分", style="四级标题")
    document.add_paragraph("公司介绍比较灵活。")
    doc = read(save(document))
    assert headings(doc) == [("创业计划书的基本结构", 3), ("1.前导部分", 4), ("2.内容展示部分", 4)]


def test_headings_inferred_from_numbering_bold_and_size() -> None:
    document = docx.Document()
    bold(document, "智能制造商业计划书", size=22)
    document.add_paragraph("本计划书介绍项目的基本情况。")
    bold(document, "一、项目概况")
    document.add_paragraph("公司成立于2020年，专注于金属三维打印。")
    document.add_paragraph("（一）公司简介")
    document.add_paragraph("公司位于深圳，现有员工五十人。")
    document.add_paragraph("1.1 发展历程")
    document.add_paragraph("2021年完成天使轮融资。")
    document.add_paragraph("1、本项目所采用的激光选区熔化技术已获得三项发明专利授权，并在航空航天领域得到应用。")
    document.add_paragraph("（1）设备采购")
    document.add_paragraph("（2）人员培训")
    bold(document, "二、市场分析")
    document.add_paragraph("市场规模持续扩大。")
    doc = read(save(document))

    assert headings(doc) == [
        ("智能制造商业计划书", 1),  # front matter: outermost level, not pushed above the chapters
        ("一、项目概况", 1),
        ("（一）公司简介", 2),
        ("1.1 发展历程", 3),
        ("二、市场分析", 1),
    ]
    assert kind_of(doc, "激光选区熔化") == "list"  # a long numbered sentence is a list item
    assert kind_of(doc, "设备采购") == "list"  # numbered lines in a row are a list
    assert kind_of(doc, "人员培训") == "list"


def test_headings_inferred_from_english_and_deep_numbering() -> None:
    document = docx.Document()
    bold(document, "Chapter 1 Overview")
    document.add_paragraph("The project builds metal printers.")
    document.add_paragraph("Section 1 Market")
    document.add_paragraph("Demand grows every year.")
    document.add_paragraph("1.1.1.1 Aerospace")
    document.add_paragraph("Engines use printed parts.")
    document.add_paragraph("Section 2 Team")
    document.add_paragraph("Five engineers.")
    bold(document, "Chapter 2 Finance")
    document.add_paragraph("Revenue doubled.")
    doc = read(save(document))
    assert headings(doc) == [
        ("Chapter 1 Overview", 1), ("Section 1 Market", 2), ("1.1.1.1 Aerospace", 3),
        ("Section 2 Team", 2), ("Chapter 2 Finance", 1),
    ]


def test_lists_and_captions() -> None:
    document = docx.Document()
    for i in range(3):
        document.add_heading(f"第{i + 1}章", 1)
    document.add_paragraph("激光选区熔化", style="List Bullet")
    document.add_paragraph("• 电子束熔化成形")
    document.add_paragraph("图 1 设备外观", style="Caption")
    document.add_paragraph("表1：各年度收入")
    document.add_paragraph("图1为本发明的整体结构示意图，其中包括送粉装置。")
    document.add_paragraph("第一条 为规范项目经费管理，制定本办法。")
    document.add_paragraph("-5% 的偏差在允许范围内。")
    doc = read(save(document))
    assert kind_of(doc, "激光选区熔化") == "list"
    assert kind_of(doc, "电子束熔化成形") == "list"
    assert kind_of(doc, "设备外观") == "caption"
    assert kind_of(doc, "各年度收入") == "caption"
    assert kind_of(doc, "整体结构示意图") == "paragraph"
    assert kind_of(doc, "规范项目经费管理") == "list"  # 第一条 numbers an article
    assert kind_of(doc, "的偏差") == "paragraph"  # a minus sign, not a bullet


# ---------------------------------------------------------------------------- tables


def test_merged_cells_hold_their_text_once() -> None:
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).text = "项目"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "年度研发预算"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "研发投入合计（万元）"
    for (row, col), value in {(1, 1): "120", (1, 2): "150", (2, 1): "80", (2, 2): "95"}.items():
        table.cell(row, col).text = value
    doc = read(save(document))

    assert doc.tables[0].rows == [
        ["项目", "年度研发预算", ""],
        ["研发投入合计（万元）", "120", "150"],
        ["", "80", "95"],
    ]
    assert doc.text.count("研发投入合计（万元）") == 1
    assert doc.text.count("年度研发预算") == 1
    assert doc.blocks[doc.tables[0].block].kind == "table"


def test_nested_table_is_flattened_into_its_cell() -> None:
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "设备清单"
    inner = table.cell(0, 1).add_table(rows=2, cols=2)
    for (row, col), value in {(0, 0): "打印机", (0, 1): "2台", (1, 0): "后处理炉", (1, 1): "1台"}.items():
        inner.cell(row, col).text = value
    doc = read(save(document))
    assert len(doc.tables) == 1
    assert doc.tables[0].rows == [["设备清单", "打印机 2台 后处理炉 1台"]]


def test_one_column_table_is_read_as_blocks() -> None:
    document = docx.Document()
    document.add_heading("第一章", 1)
    document.add_heading("第二章", 1)
    box = document.add_table(rows=1, cols=1)
    box.cell(0, 0).text = "三、项目实施方案"
    box.cell(0, 0).add_paragraph("项目分三个阶段实施，周期十八个月。")
    doc = read(save(document))
    assert doc.tables == []
    assert [b.text for b in doc.blocks[-2:]] == ["三、项目实施方案", "项目分三个阶段实施，周期十八个月。"]


def test_automatic_numbers_are_rendered() -> None:
    document = docx.Document()
    for text in ("选区熔化", "电子束熔化", "定向能量沉积"):
        document.add_paragraph(text, style="List Number")
    doc = read(save(document))
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("list", "1. 选区熔化"), ("list", "2. 电子束熔化"), ("list", "3. 定向能量沉积")
    ]


def test_hostile_row_width_is_bounded() -> None:
    cell = '<w:tc><w:tcPr><w:gridSpan w:val="99999999"/></w:tcPr><w:p><w:r><w:t>格</w:t></w:r></w:p></w:tc>'
    table = fragment(f"<w:tbl><w:tr>{cell * 2000}</w:tr><w:tr>{cell}</w:tr></w:tbl>")
    doc = read(edit_body(simple_docx(), lambda body: body.insert(0, table)))
    rows = doc.tables[0].rows
    assert {len(row) for row in rows} == {512}
    assert "".join(rows[0]).count("格") == 2000  # cells past the limit join the last one: no text lost


def test_nesting_deeper_than_the_parser_allows_is_corrupt() -> None:
    depth = 100  # three XML levels per table: past libxml2's 256 without huge_tree
    xml = "<w:tbl><w:tr><w:tc>" * depth + "<w:p/>" + "</w:tc></w:tr></w:tbl>" * depth

    def edit(data: bytes) -> bytes:
        head, _ = data.split(b"<w:body>", 1)
        return head + b"<w:body>" + xml.encode() + b"</w:body></w:document>"

    with pytest.raises(Refused) as refused:
        read(rewrite(simple_docx(), "word/document.xml", edit))
    assert refused.value.code == "corrupt"


def test_style_cycles_and_strict_namespaces() -> None:
    document = docx.Document()
    document.add_heading("第一章 总则", 1)
    document.add_heading("第二章 产品", 1)
    document.add_heading("第三章 市场", 1)
    data = save(document)
    cyclic = rewrite(
        data, "word/styles.xml",
        lambda xml: xml.replace(b'<w:basedOn w:val="Normal"/>', b'<w:basedOn w:val="Heading1"/>'),
    )
    assert headings(read(cyclic))[0] == ("第一章总则", 1)
    strict = data
    for part in ("word/document.xml", "word/styles.xml"):
        strict = rewrite(strict, part, lambda xml: xml.replace(
            W_NS.encode(), b"http://purl.oclc.org/ooxml/wordprocessingml/main"
        ))
    assert headings(read(strict)) == [("第一章总则", 1), ("第二章产品", 1), ("第三章市场", 1)]


# --------------------------------------------------------------------- hidden content


def test_content_controls_are_read_in_place() -> None:
    document = docx.Document()
    document.add_paragraph("封面之前的说明")
    document.add_paragraph("封面标题：聚星智能交通精确定位")
    document.add_paragraph("正文第一段")

    def wrap(body: etree._Element) -> None:
        paragraph = paragraph_with(body, "封面标题")
        sdt = fragment(
            '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Cover Pages"/></w:docPartObj>'
            "</w:sdtPr><w:sdtContent/></w:sdt>"
        )
        paragraph.addprevious(sdt)
        sdt.find(w("sdtContent")).append(paragraph)
        inline = fragment("<w:sdt><w:sdtContent><w:r><w:t>（内联控件）</w:t></w:r></w:sdtContent></w:sdt>")
        paragraph_with(body, "正文第一段").append(inline)

    doc = read(edit_body(save(document), wrap))
    text = doc.text
    assert text.index("封面之前的说明") < text.index("封面标题：聚星智能交通精确定位") < text.index("正文第一段")
    assert "正文第一段（内联控件）" in text


def test_content_control_showing_its_placeholder_is_skipped() -> None:
    document = docx.Document()
    document.add_paragraph("项目名称：")

    def add(body: etree._Element) -> None:
        control = fragment(
            "<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr>"
            "<w:sdtContent><w:r><w:t>单击或点击此处输入文字。</w:t></w:r></w:sdtContent></w:sdt>"
        )
        paragraph_with(body, "项目名称").append(control)

    assert read(edit_body(save(document), add)).text == "项目名称："


TEXTBOX = """
<w:r><mc:AlternateContent>
  <mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic>
    <a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">
      <wps:wsp><wps:txbx><w:txbxContent>
        <w:p><w:r><w:t>文本框：年产能五千件</w:t></w:r></w:p>
      </w:txbxContent></wps:txbx></wps:wsp>
    </a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>
  <mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>
    <w:p><w:r><w:t>文本框：年产能五千件</w:t></w:r></w:p>
  </w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>
</mc:AlternateContent></w:r>
"""


def test_text_box_is_read_once_after_its_paragraph() -> None:
    document = docx.Document()
    document.add_paragraph("产能规划如下")
    document.add_paragraph("下一段")
    data = edit_body(save(document), lambda body: paragraph_with(body, "产能规划").append(fragment(TEXTBOX)))
    doc = read(data)
    assert doc.text.count("文本框：年产能五千件") == 1
    assert [b.text for b in doc.blocks] == ["产能规划如下", "文本框：年产能五千件", "下一段"]


def test_tracked_changes_fields_symbols_and_hyperlinks() -> None:
    document = docx.Document()
    document.add_paragraph("修订：")
    xml = (
        "<w:ins><w:r><w:t>新增内容</w:t></w:r></w:ins>"
        "<w:del><w:r><w:delText>删除内容</w:delText></w:r></w:del>"
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>第7页</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:hyperlink><w:r><w:t>官网链接</w:t></w:r></w:hyperlink>'
        '<w:r><w:sym w:font="Symbol" w:char="F061"/></w:r>'
        '<w:fldSimple w:instr=" DATE "><w:r><w:t>二〇二四年</w:t></w:r></w:fldSimple>'
        '<w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏文字</w:t></w:r>'
    )

    def add(body: etree._Element) -> None:
        paragraph = paragraph_with(body, "修订")
        for element in etree.fromstring(f"<root {XMLNS}>{xml}</root>"):
            paragraph.append(element)

    doc = read(edit_body(save(document), add))
    assert doc.text == "修订：新增内容第7页官网链接α二〇二四年"


def test_text_cleanup() -> None:
    document = docx.Document()
    document.add_paragraph("⼦公司⽤⼀套系统")  # Kangxi radicals, as some converters write them
    document.add_paragraph("填  表  说  明")
    document.add_paragraph("AI 赋能  居家养老，English words stay apart")
    paragraph = document.add_paragraph("第一行")
    paragraph.add_run().add_break()
    paragraph.add_run("第二行\tSecond line")
    doc = read(save(document))
    assert doc.text.split("\n") == [
        "子公司用一套系统",
        "填表说明",
        "AI 赋能居家养老，English words stay apart",
        "第一行第二行 Second line",
    ]
    assert all(len(b.text) == b.span[1] - b.span[0] for b in doc.blocks)


def test_headers_and_footers_are_kept_apart() -> None:
    document = docx.Document()
    document.add_paragraph("正文内容")
    section = document.sections[0]
    section.header.paragraphs[0].text = "聚星科技 商业计划书（保密）"
    section.footer.paragraphs[0].text = "联系电话：028-12345678"
    second = document.add_section(WD_SECTION.NEW_PAGE)
    second.footer.is_linked_to_previous = False
    second.footer.paragraphs[0].text = "第 2 页"  # a bare page number says nothing about the document
    document.add_paragraph("第二节内容")
    doc = read(save(document))
    assert doc.text == "正文内容\n第二节内容"
    assert set(doc.headers) == {"聚星科技商业计划书（保密）", "联系电话：028-12345678"}


# ----------------------------------------------------------------------------- pages


def test_pages_follow_breaks_stored_in_the_file() -> None:
    document = docx.Document()
    document.add_paragraph("第一页内容")
    document.add_page_break()
    document.add_paragraph("第二页内容")
    document.add_paragraph("第三页内容").paragraph_format.page_break_before = True
    document.add_section(WD_SECTION.NEW_PAGE)
    document.add_paragraph("第四页内容")
    document.add_section(WD_SECTION.CONTINUOUS)
    document.add_paragraph("仍在第四页")
    doc = read(save(document))

    assert [p.number for p in doc.pages] == [1, 2, 3, 4]
    for text, page in [("第一页内容", 1), ("第二页内容", 2), ("第三页内容", 3), ("第四页内容", 4), ("仍在第四页", 4)]:
        assert doc.page_of(doc.text.index(text)) == page
        assert next(b.page for b in doc.blocks if b.text == text) == page
    assert [wn.code for wn in doc.warnings].count("docx_pages") == 1


def test_rendered_break_after_explicit_break_is_the_same_page() -> None:
    document = docx.Document()
    document.add_paragraph("第一页")
    document.add_page_break()
    document.add_paragraph("第二页")

    def mark(body: etree._Element) -> None:
        run = paragraph_with(body, "第二页").find(w("r"))
        run.insert(0, etree.Element(w("lastRenderedPageBreak")))

    doc = read(edit_body(save(document), mark))
    assert [p.number for p in doc.pages] == [1, 2]


def test_page_limit() -> None:
    document = docx.Document()
    for i in range(4):
        document.add_paragraph(f"第{i + 1}页")
        document.add_page_break()
    with pytest.raises(Refused) as refused:
        read(save(document), limits=Limits(max_pages=3))
    assert refused.value.code == "too_many_pages"


def test_fidelity_against_source_text() -> None:
    source: list[str] = []
    document = docx.Document()

    def add(text: str, style: str | None = None) -> None:
        document.add_paragraph(text, style=style)
        source.append(text)

    add("增材制造创新项目商业计划书", "Title")
    add("第一章 项目概述", "Heading 1")
    add("本项目以激光选区熔化技术为核心，为航空航天、医疗器械和模具行业的中小企业提供金属三维打印服务。"
        "团队由八名工程师组成，拥有十二项发明专利，已与三家主机厂签订合作协议。")
    add("1.1 市场背景", "Heading 2")
    add("根据行业协会统计，2023年我国增材制造产业规模达到三百二十亿元，同比增长百分之二十三。"
        "金属打印设备的国产化率从百分之三十提升到百分之五十五，材料成本下降约四成。")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["指标", "2024年", "2025年"], ["营业收入（万元）", "860", "1500"],
                             ["净利润（万元）", "120", "310"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
            source.append(value)
    add("第二章 产品与技术", "Heading 1")
    for i in range(20):
        add(f"第{i + 1}条：设备采用双激光扫描策略，成形尺寸四百毫米，层厚三十微米，致密度达到百分之九十九点九，"
            "满足钛合金、高温合金和铝合金零件的批量生产需求。")
    doc = read(save(document))
    expected = "".join("".join(source).split())
    actual = "".join(doc.text.split())
    assert difflib.SequenceMatcher(None, expected, actual, autojunk=False).ratio() >= 0.99


# -------------------------------------------------------------------------- refusals


XML_HEADER = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"


def inject_dtd(data: bytes, part: str, dtd: bytes, entity: bytes) -> bytes:
    def edit(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        if entity:
            body = body.replace(b"</w:body>", b"<w:p><w:r><w:t>" + entity + b"</w:t></w:r></w:p></w:body>")
        return XML_HEADER + dtd + body

    return rewrite(data, part, edit)


def simple_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("正文")
    return save(document)


def test_external_entity_is_refused() -> None:
    data = inject_dtd(
        simple_docx(), "word/document.xml",
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n', b"&e;",
    )
    with pytest.raises(Refused) as refused:
        read(data)
    assert refused.value.code == "xml_entities"
    assert "word/document.xml" in refused.value.reason


def test_billion_laughs_is_refused() -> None:
    entities = [b'<!ENTITY lol "lol">'] + [
        b"<!ENTITY lol%d \"%s\">" % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
    ]
    dtd = b"<!DOCTYPE lolz [" + b"".join(entities) + b"]>\n"
    with pytest.raises(Refused) as refused:
        read(inject_dtd(simple_docx(), "word/document.xml", dtd, b"&lol9;"))
    assert refused.value.code == "xml_entities"


@pytest.mark.parametrize("part", ["word/styles.xml", "docProps/app.xml"])
def test_dtd_in_any_part_is_refused(part: str) -> None:
    data = inject_dtd(simple_docx(), part, b"<!DOCTYPE x [<!ENTITY e \"x\">]>\n", b"")
    with pytest.raises(Refused) as refused:
        read(data)
    assert refused.value.code == "xml_entities"
    assert part in refused.value.reason


def test_dtd_in_utf16_part_is_refused() -> None:
    def edit(xml: bytes) -> bytes:
        text = xml.decode("utf-8").split("?>", 1)[1]
        text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e "x">]>' + text
        return text.encode("utf-16")

    with pytest.raises(Refused) as refused:
        read(rewrite(simple_docx(), "word/document.xml", edit))
    assert refused.value.code == "xml_entities"


def bomb(size_mb: int) -> bytes:
    """A DOCX-looking ZIP with one member of ``size_mb`` MB of zeros, written as a stream."""
    buffer = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(simple_docx()))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info.filename))
        with archive.open("word/media/image1.png", "w", force_zip64=True) as member:
            chunk = bytes(1 << 20)
            for _ in range(size_mb):
                member.write(chunk)
    return buffer.getvalue()


def test_zip_bomb_over_the_size_limit_is_refused() -> None:
    data = bomb(400)
    assert len(data) < 4 * 2**20
    with pytest.raises(Refused) as refused:
        read(data)
    assert refused.value.code == "zip_bomb"


def test_zip_bomb_by_ratio_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        read(bomb(20))
    assert refused.value.code == "zip_bomb"


def test_truncated_docx_is_corrupt() -> None:
    data = simple_docx()
    with pytest.raises(Refused) as refused:
        read(data[: len(data) // 2])
    assert refused.value.code == "corrupt"


def test_damaged_xml_is_corrupt() -> None:
    data = rewrite(simple_docx(), "word/document.xml", lambda xml: xml[: len(xml) // 2])
    with pytest.raises(Refused) as refused:
        read(data)
    assert refused.value.code == "corrupt"
    assert "word/document.xml" in refused.value.reason


def test_missing_main_document_is_corrupt() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/styles.xml", "<styles/>")
    with pytest.raises(Refused) as refused:
        read(buffer.getvalue())
    assert refused.value.code == "corrupt"
    assert "word/document.xml" in refused.value.reason


# ---------------------------------------------------------------------------- pictures


class FakeEngine:
    name = "fake"

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []

    def recognize(self, image: Image.Image) -> list[OcrLine]:
        self.sizes.append(image.size)
        return [
            OcrLine("图片中的文字：年产能", (10, 10, 300, 40), 0.97),
            OcrLine("五千件", (10, 44, 120, 74), 0.93),
            OcrLine("另一段文字", (10, 200, 200, 230), 0.90),
        ]


def picture_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("产品照片如下")
    document.add_picture(io.BytesIO(png(600, 300)))
    document.add_picture(io.BytesIO(png(32, 32)))  # an icon: never worth OCR
    document.add_paragraph("照片之后的段落")
    return save(document)


def test_pictures_are_ocrd_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = FakeEngine()
    monkeypatch.setattr("ingest.ocr.get_engine", lambda: engine)
    doc = read(picture_docx(), ocr=True)
    assert engine.sizes == [(600, 300)]
    assert [b.text for b in doc.blocks] == [
        "产品照片如下", "图片中的文字：年产能五千件", "另一段文字", "照片之后的段落"
    ]
    assert [wn.code for wn in doc.warnings].count("docx_image_ocr") == 1


def test_ocr_off_or_unavailable_gives_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = read(picture_docx(), ocr=False)
    assert "ocr_skipped" in [wn.code for wn in doc.warnings]
    assert doc.text == "产品照片如下\n照片之后的段落"

    def unavailable() -> None:
        raise NotImplementedError

    monkeypatch.setattr("ingest.ocr.get_engine", unavailable)
    doc = read(picture_docx(), ocr=True)
    assert [wn.code for wn in doc.warnings].count("ocr_unavailable") == 1
    assert doc.text == "产品照片如下\n照片之后的段落"


def test_broken_picture_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ingest.ocr.get_engine", FakeEngine)
    data = picture_docx()
    images = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("word/media/")]
    for name in images:
        data = rewrite(data, name, lambda raw: raw[:40])
    doc = read(data, ocr=True)
    assert "docx_image_unreadable" in [wn.code for wn in doc.warnings]
    assert doc.text == "产品照片如下\n照片之后的段落"


@pytest.mark.slow
def test_real_ocr_of_an_embedded_picture() -> None:
    from ingest.ocr import get_engine

    try:
        get_engine()
    except NotImplementedError:
        pytest.skip("the OCR engine is not implemented yet")
    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 40)
    image = Image.new("RGB", (900, 200), "white")
    ImageDraw.Draw(image).text((30, 70), "年产能五千件金属零件", fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    document = docx.Document()
    document.add_paragraph("产品照片如下")
    document.add_picture(buffer)
    doc = read(save(document), ocr=True)
    ocr_text = doc.text.split("\n", 1)[1]
    assert difflib.SequenceMatcher(None, "年产能五千件金属零件", ocr_text).ratio() >= 0.8


# ----------------------------------------------------------------------------- samples


@pytest.mark.parametrize("path", SAMPLE_DOCX, ids=lambda p: p.name)
def test_sample_reads(path: Path) -> None:
    doc = read(path.read_bytes(), path.name)
    assert doc.text.strip()
    assert doc.pages and doc.pages[0].number == 1
    assert [p.number for p in doc.pages] == list(range(1, len(doc.pages) + 1))
    for block in doc.blocks:
        assert doc.text[block.span[0] : block.span[1]] == block.text
    assert all(len(row) == len(table.rows[0]) for table in doc.tables for row in table.rows)


def test_merged_cells_not_repeated_in_application_form() -> None:
    doc = read((SAMPLES / "cn_application_ophthnerf_shenbaoshu.docx").read_bytes())
    cells = {cell for table in doc.tables for row in table.rows for cell in row if len(cell) >= 20}
    assert len(cells) > 10
    assert {cell: doc.text.count(cell) for cell in cells if doc.text.count(cell) > 2} == {}


def test_content_control_text_in_business_plan() -> None:
    doc = read((SAMPLES / "cn_bp_juxing_positioning.docx").read_bytes())
    # The table of contents sits in a w:sdt; its entries carry page numbers, the headings do not.
    assert "第二章产品介绍 11" in doc.text
    assert "2.2.1 主要硬件构成 11" in doc.text
    assert ("2.2.1 主要硬件构成", 3) in headings(doc)  # the heading itself, numbered by numbering.xml


def test_content_control_text_in_mixed_sample() -> None:
    doc = read((SAMPLES / "zh_en_mixed_tables.docx").read_bytes())
    assert "无税固定总价￥125000" in doc.text  # an inline content control, only there
    assert "1.2.2 Table with nested table 2" in doc.text  # TOC entry inside a w:sdt


@pytest.mark.parametrize("name", ["en_handbook_long.docx", "cn_bp_juxing_positioning.docx"])
def test_speed(name: str) -> None:
    data = (SAMPLES / name).read_bytes()
    start = time.perf_counter()
    doc = read(data, name)
    assert time.perf_counter() - start < 5.0
    assert len(doc.text) > 10_000
