"""Synthetic plans (api.demo.plans) and their renderings (api.demo.render), checked on content.

The identifier validators are written here from the standards, independently of the generator,
so a wrong check-digit formula in the generator cannot validate itself.
"""

from __future__ import annotations

import io
import re
import time
from collections import Counter
from datetime import date

import docx
import pdfplumber
import pypdfium2 as pdfium
import pytest

from api.demo.plans import SECTION_TITLES, Plan, demo_plans, make_plan
from api.demo.render import render_docx, render_pdf, render_scanned_pdf
from ingest.codes import check_uscc, parse_patent_number

CN_NUMERALS = "一二三四五六七八九"
PART_HEADINGS = [f"{CN_NUMERALS[i]}、{title}" for i, title in enumerate(SECTION_TITLES)]

# ---- validators (GB 32100-2015 USCC; CNIPA application numbers) -------------------------------

PATENT_NUMBER = re.compile(r"(?:ZL)?(\d{4})([1-389])(\d{7})\.([0-9X])")


def uscc_is_valid(code: str) -> bool:
    return check_uscc(code).valid


def patent_is_valid(number: str) -> bool:
    """A CNIPA application number in the demo's written form, with a right check digit."""
    parsed = parse_patent_number(number) if PATENT_NUMBER.fullmatch(number) else None
    return parsed is not None and parsed.check_ok


def test_validators_accept_the_standard_example_and_reject_a_typo() -> None:
    assert uscc_is_valid("91350100M000100Y43")  # the worked example of GB 32100-2015
    assert not uscc_is_valid("91350100M000100Y44")
    assert sum(patent_is_valid(f"202310123456.{check}") for check in "0123456789X") == 1


# ---- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plan20() -> Plan:
    return make_plan(1, seed=11, pages=20)


@pytest.fixture(scope="module")
def pdf20(plan20: Plan) -> bytes:
    return render_pdf(plan20)


@pytest.fixture(scope="module")
def plans() -> list[Plan]:
    return demo_plans()


def _pdfplumber_pages(data: bytes) -> list[str]:
    texts = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            texts.append(page.extract_text() or "")
            page.close()
    return texts


def _pdfium_texts(data: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(data)
    return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]


def _char_counts(data: bytes) -> list[int]:
    pdf = pdfium.PdfDocument(data)
    return [pdf[i].get_textpage().count_chars() for i in range(len(pdf))]


# ---- plans ------------------------------------------------------------------------------------


def test_plan_has_cover_and_all_nine_parts_in_order(plan20: Plan) -> None:
    assert plan20.sections[0].level == 0
    assert plan20.sections[0].heading == plan20.title
    assert [s.heading for s in plan20.sections if s.level == 1] == PART_HEADINGS
    # every part has numbered subsections: （一）… at level 2
    part = None
    subsections: Counter[str] = Counter()
    for section in plan20.sections:
        if section.level == 1:
            part = section.heading
        elif section.level == 2:
            assert re.match(r"（[一二三四五六七八九十]）\S", section.heading)
            subsections[part] += 1
    assert set(subsections) == set(PART_HEADINGS)
    assert any(re.match(r"\d+\. \S", s.heading) for s in plan20.sections if s.level == 3)


def test_team_and_finance_tables(plan20: Plan) -> None:
    tables = [table for section in plan20.sections for table in section.tables]
    team = next(t for t in tables if t[0] == ["姓名", "职务", "学历", "简介"])
    assert 5 <= len(team) - 1 <= 7
    finance = next(t for t in tables if "万元" in t[0][0])
    assert all(cell == "" for cell in finance[0][1:])  # the spanning title row
    assert [row[0] for row in finance[2:5]] == ["营业收入", "净利润", "研发投入"]
    assert all(re.fullmatch(r"-?[\d,]+\.\d", cell) for row in finance[2:5] for cell in row[1:])


def test_plans_are_deterministic_per_seed() -> None:
    assert make_plan(2, seed=9) == make_plan(2, seed=9)
    assert make_plan(2, seed=9).source_text() != make_plan(2, seed=10).source_text()


def test_demo_plans_cover_every_segment_and_group(plans: list[Plan]) -> None:
    assert len(plans) == 14
    assert Counter((p.segment, p.group) for p in plans) == {
        (segment, group): 1 for segment in range(1, 8) for group in ("enterprise", "startup")}
    for plan in plans:
        if plan.group == "startup":  # registered on or after 2024-01-01, under two years old
            assert date(2024, 1, 1) <= plan.registered_on <= date(2026, 6, 30)
        else:
            assert plan.uscc is not None


def test_identifiers_carry_valid_check_digits(plans: list[Plan]) -> None:
    patents = 0
    for plan in plans:
        if plan.uscc is not None:
            assert uscc_is_valid(plan.uscc), plan.uscc
            assert plan.uscc.startswith("91")
            assert plan.uscc in plan.source_text()
        numbers = [m.group(0) for m in PATENT_NUMBER.finditer(plan.source_text())]
        assert numbers, plan.title
        for number in numbers:
            assert patent_is_valid(number), number
        patents += len(numbers)
        assert re.search(r"20[12]\dSR0\d{6}", plan.source_text())
    assert patents >= 5 * len(plans)


SEGMENT_TERMS = {
    1: ("LPBF", "SLM", "EBM", "DED", "WAAM", "钛合金", "高温合金", "粉末", "航空", "随形冷却"),
    2: ("SLA", "DLP", "LCD", "FDM", "SLS", "PEEK", "尼龙", "连续纤维", "汽车", "教育", "消费电子"),
    3: ("生物打印", "生物墨水", "口腔", "齿科", "植入物", "手术导板", "组织工程", "口内扫描"),
    4: ("激光器", "振镜", "喷头", "运动控制", "国产", "微纳", "大尺寸"),
    5: ("金属粉末", "光敏树脂", "线材", "陶瓷", "生物材料", "规模化", "标准", "进口替代"),
    6: ("拓扑优化", "参数化", "工艺仿真", "变形预测", "数字孪生", "切片"),
    7: ("AI", "熔池", "缺陷检测", "生成式设计", "大模型", "AIGC", "排产"),
}


def test_each_segment_uses_its_own_vocabulary(plans: list[Plan]) -> None:
    for plan in plans:
        text = plan.source_text()
        found = [term for term in SEGMENT_TERMS[plan.segment] if term in text]
        assert len(found) >= 4, (plan.segment, found)


def test_length_scales_with_pages() -> None:
    short, long = make_plan(5, seed=3, pages=20), make_plan(5, seed=3, pages=60)
    assert 2.5 < len(long.source_text()) / len(short.source_text()) < 4.5


# ---- PDF --------------------------------------------------------------------------------------


def test_pdf_has_about_the_requested_pages_and_readable_text(plan20: Plan, pdf20: bytes) -> None:
    pages = len(pdfium.PdfDocument(pdf20))
    assert 14 <= pages <= 26
    texts = _pdfplumber_pages(pdf20)
    joined = "\n".join(texts)
    for heading in [*PART_HEADINGS, "（一）项目背景", "（二）专利清单"]:
        assert heading in joined
    finance = next(t for s in plan20.sections for t in s.tables if "万元" in t[0][0])
    assert finance[2][1] in joined  # first year's revenue, a table cell
    assert all(plan20.company in text and f"第 {n} 页" in text for n, text in enumerate(texts, 1))


def test_pdf_text_layer_holds_every_character(plan20: Plan, pdf20: bytes) -> None:
    extracted = Counter(ch for text in _pdfium_texts(pdf20) for ch in text if not ch.isspace())
    source = Counter(ch for ch in plan20.source_text() if not ch.isspace())
    assert not source - extracted


def test_rendering_twenty_pages_is_fast(plan20: Plan) -> None:
    render_pdf(plan20)  # fonts registered, caches warm
    started = time.perf_counter()
    render_pdf(plan20)
    assert time.perf_counter() - started < 2.0


def _side_by_side(words: list[dict], width: float) -> bool:
    """A wide run of text left of the middle and another right of it (table cells are narrow)."""
    wide = [w for w in words if w["x1"] - w["x0"] > 0.25 * width]
    return (any(w["x0"] < 0.4 * width and w["x1"] < 0.5 * width for w in wide)
            and any(w["x0"] > 0.5 * width and w["x1"] > 0.6 * width for w in wide))


def _two_column_lines(data: bytes) -> list[int]:
    """Per page, how many lines hold text side by side in two columns."""
    counts = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            lines: dict[int, list[dict]] = {}
            for word in page.extract_words():
                if 60 < word["top"] < page.height - 60:  # skip running header and footer
                    lines.setdefault(round(word["top"] / 3), []).append(word)
            counts.append(sum(_side_by_side(words, page.width) for words in lines.values()))
            page.close()
    return counts


def test_two_column_pages_put_text_side_by_side() -> None:
    plan = make_plan(4, seed=3, pages=20)
    two = _two_column_lines(render_pdf(plan, two_column_pages=True))
    one = _two_column_lines(render_pdf(plan))
    assert max(two) >= 10
    assert max(one) == 0


def test_renderings_are_byte_identical_across_runs(plan20: Plan, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo loader stores documents by sha256: the same plan must give the same bytes, whenever."""
    first_pdf, first_docx = render_pdf(plan20), render_docx(plan20)
    monkeypatch.setattr(time, "time", lambda: 1_900_000_000.0)  # a later clock for zip members and PDF dates
    assert render_pdf(plan20) == first_pdf
    assert render_docx(plan20) == first_docx


# ---- DOCX -------------------------------------------------------------------------------------


@pytest.mark.parametrize("heading_styles", [True, False])
def test_docx_round_trips_headings_tables_and_fonts(plan20: Plan, heading_styles: bool) -> None:
    document = docx.Document(io.BytesIO(render_docx(plan20, heading_styles=heading_styles)))
    paragraphs = {p.text: p for p in document.paragraphs}
    headings = [s.heading for s in plan20.sections if s.level in (1, 2)]
    assert all(h in paragraphs for h in headings)
    styles = {paragraphs[h].style.name for h in headings}
    if heading_styles:
        assert styles == {"Heading 1", "Heading 2"}
    else:
        assert styles == {"Normal"}
        assert all(run.bold for h in headings for run in paragraphs[h].runs)
    assert plan20.sections[3].paragraphs[0] in paragraphs
    east_asia = document.styles["Normal"].element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
    assert east_asia == "宋体"
    merged = [row for table in document.tables for row in table.rows
              if len({id(cell._tc) for cell in row.cells}) < len(row.cells)]
    assert merged and "万元" in merged[0].cells[0].text
    assert plan20.company in document.sections[0].header.paragraphs[0].text
    assert "PAGE" in document.sections[0].footer.paragraphs[0]._p.xml


# ---- scans ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def embedded_pdf() -> bytes:
    return render_pdf(make_plan(3, seed=5, pages=14), font="wqy")  # embedded: pdfium can draw it


def test_scanned_pdf_has_no_text_layer(embedded_pdf: bytes) -> None:
    scanned = render_scanned_pdf(embedded_pdf, dpi=72)
    assert len(pdfium.PdfDocument(scanned)) == len(pdfium.PdfDocument(embedded_pdf))
    assert set(_char_counts(scanned)) == {0}
    page = pdfium.PdfDocument(scanned)[1].render(scale=1).to_pil().convert("L")
    assert page.getextrema()[0] < 100  # the scan shows dark text, not a blank page


def test_mixed_document_scans_only_the_chosen_pages(embedded_pdf: bytes) -> None:
    mixed = render_scanned_pdf(embedded_pdf, pages=[2, 4])
    counts = _char_counts(mixed)
    assert len(counts) == len(_char_counts(embedded_pdf))
    assert counts[1] == counts[3] == 0
    assert all(count > 0 for i, count in enumerate(counts) if i not in (1, 3))
    assert _pdfium_texts(mixed)[2] == _pdfium_texts(embedded_pdf)[2]


def test_scans_are_reproducible(embedded_pdf: bytes) -> None:
    first = render_scanned_pdf(embedded_pdf, pages=[1], dpi=72)
    time.sleep(1.1)  # a second later: no creation time may leak into the bytes
    assert render_scanned_pdf(embedded_pdf, pages=[1], dpi=72) == first
