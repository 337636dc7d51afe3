"""Fact extraction: values, pages and exact spans of every kind, on small generated PDFs and DOCX files,
on generated business plans (against the facts the generator planted), and through the CLI."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from api.demo.plans import make_plan
from api.demo.render import render_docx, render_pdf
from ingest.document import Document
from ingest.facts import FACT_KINDS, Fact, extract_facts
from ingest.parse import parse_bytes
from ingest.quantities import date_at, fold_width, money_at
from tests.documents import one_page_pdf

PAGE_BREAK = object()


def _docx(*items: object) -> bytes:
    """A DOCX from paragraphs (str), tables (lists of rows) and ``PAGE_BREAK``s, in order."""
    document = docx.Document()
    for item in items:
        if item is PAGE_BREAK:
            document.add_page_break()
        elif isinstance(item, str):
            document.add_paragraph(item)
        else:
            rows = item  # type: ignore[assignment]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _facts(document: Document) -> list[Fact]:
    """The document's facts, each checked against the span and page invariants."""
    facts = extract_facts(document)
    for fact in facts:
        assert fact.kind in FACT_KINDS
        assert document.text[fact.span[0]:fact.span[1]] == fact.text
        assert fact.page == document.page_of(fact.span[0])
    assert [f.span[0] for f in facts] == sorted(f.span[0] for f in facts)
    return facts


def _of(data: bytes, name: str) -> list[Fact]:
    return _facts(parse_bytes(data, name, ocr=False))


def _kind(facts: list[Fact], kind: str) -> list[Fact]:
    return [fact for fact in facts if fact.kind == kind]


def _only(facts: list[Fact], kind: str) -> Fact:
    found = _kind(facts, kind)
    assert len(found) == 1, found
    return found[0]


# ---- entity facts ----------------------------------------------------------------------------


def test_labelled_entity_facts_in_a_pdf() -> None:
    facts = _of(one_page_pdf(
        "企业名称：四川锐熔增材科技有限公司",
        "统一社会信用代码：91110108551385082Q",
        "公司成立于2019年5月20日，注册资本人民币500万元，现有员工120人。",
        "2024年公司实现营业收入8,500.0万元，资产总额1.2亿元，研发投入960万元。",
    ), "plan.pdf")
    company = _only(facts, "company_name")
    assert (company.value, company.page, company.attributes["applicant"]) == ("四川锐熔增材科技有限公司", 1, True)
    uscc = _only(facts, "uscc")
    assert (uscc.value, uscc.valid, uscc.text) == ("91110108551385082Q", True, "91110108551385082Q")
    assert (_only(facts, "registered_on").value, _only(facts, "registered_on").text) == ("2019-05-20", "2019年5月20日")
    assert _only(facts, "registered_capital_cny").value == 5_000_000
    assert _only(facts, "employees").value == 120
    revenue = _only(facts, "revenue_cny")
    assert (revenue.value, revenue.text, revenue.attributes["year"], revenue.attributes["forecast"]) == (
        85_000_000, "8,500.0万元", 2024, False)
    assert _only(facts, "total_assets_cny").value == 120_000_000
    assert _only(facts, "rd_spend_cny").value == 9_600_000


@pytest.mark.parametrize(("line", "iso"), [
    ("成立时间：2019-05-20", "2019-05-20"), ("注册日期：2019.05.20", "2019-05-20"), ("成立于2019/5/20", "2019-05-20"),
    ("成立日期：二〇一九年五月二十日", "2019-05-20"), ("公司成立于 2019 年 5 月 20 日", "2019-05-20"),
    ("成立于2019年5月", "2019-05"), ("注册时间\t2024年1月1日", "2024-01-01"),
    ("２０１９年５月２０日注册成立", "2019-05-20"),
])
def test_registration_dates_in_every_format(line: str, iso: str | None) -> None:
    found = _kind(_of(_docx(line), "dates.docx"), "registered_on")
    assert [fact.value for fact in found] == ([iso] if iso else [])


def test_a_date_before_a_registration_event_is_the_registration_date() -> None:
    fact = _only(_of(_docx("项目进展：（1）2024年8月1日，完成公司注册；（2）2025年3月2日，获得天使轮融资。"), "m.docx"),
                 "registered_on")
    assert (fact.value, fact.attributes["label"]) == ("2024-08-01", "完成公司注册")


@pytest.mark.parametrize(("line", "cny"), [
    ("注册资本：500万元", 5_000_000), ("注册资本：8,500.0万元", 85_000_000), ("注册资本：８５００千元", 8_500_000),
    ("注册资本1.2亿元", 120_000_000), ("注册资本：3000000元", 3_000_000), ("注册资本为 100 万元人民币", 1_000_000),
    ("注册资金￥50万", 500_000), ("注册资本：500万美元", None), ("注册资本占比30%", None),
])
def test_money_is_normalised_to_cny(line: str, cny: int | None) -> None:
    found = _kind(_of(_docx(line), "money.docx"), "registered_capital_cny")
    assert [fact.value for fact in found] == ([cny] if cny else [])


@pytest.mark.parametrize(("line", "count"), [
    ("从业人员120名", 120), ("职工人数：88人", 88), ("公司现有员工300余人", 300), ("团队现有全职员工12人", 12),
    ("其中研发人员50人", None), ("员工持股平台持股15%", None),
])
def test_head_counts(line: str, count: int | None) -> None:
    found = _kind(_of(_docx(line), "staff.docx"), "employees")
    assert [fact.value for fact in found] == ([count] if count else [])


def test_revenue_years_forecasts_and_non_revenue() -> None:
    facts = _kind(_of(_docx(
        "2022年、2023年营业收入分别为800万元和1,200万元。",
        "预计2026年营业收入将达到3,000万元。",
        "营业收入从1.1亿元增长至1.6亿元。",
        "研发投入占营业收入的比例保持在11%以上。项目实施后预计三年内新增销售收入2.1亿元。",
    ), "revenue.docx"), "revenue_cny")
    stated = [(f.value, f.attributes.get("year"), f.attributes["forecast"]) for f in facts]
    assert stated == [(8_000_000, 2022, False), (12_000_000, 2023, False), (30_000_000, 2026, True),
                      (110_000_000, None, False), (160_000_000, None, False)]


def test_finance_table_by_year_column_with_unit_and_forecasts() -> None:
    table = [["主要财务数据（单位：万元）", "", "", ""], ["项目", "2023年", "2024年", "2025年（预测）"],
             ["营业收入", "8,500.0", "9,600.5", "12,000"], ["资产总额", "5,000", "6,000", "7,000"],
             ["研发费用", "850", "960", "1,200"], ["研发费用占比", "10.0%", "10.0%", "10.0%"],
             ["净利润", "600", "700", "900"]]
    facts = _of(_docx("一、财务分析", PAGE_BREAK, "表7-1 主要财务数据", table), "finance.docx")
    revenue = _kind(facts, "revenue_cny")
    assert [(f.value, f.attributes["year"], f.attributes["forecast"], f.page) for f in revenue] == [
        (85_000_000, 2023, False, 2), (96_005_000, 2024, False, 2), (120_000_000, 2025, True, 2)]
    assert revenue[0].text == "8,500.0" and revenue[0].attributes["unit"] == "万元"
    assert [f.value for f in _kind(facts, "total_assets_cny")] == [50_000_000, 60_000_000, 70_000_000]
    assert [f.value for f in _kind(facts, "rd_spend_cny")] == [8_500_000, 9_600_000, 12_000_000]


def test_finance_table_with_periods_down_and_relative_years() -> None:
    down = [["年份", "营业收入（万元）", "净利润（万元）"], ["2024年", "1,000", "100"], ["2025E", "2,000", "200"]]
    relative = [["项目（单位：万元）", "第一年", "第二年"], ["一、主营业务收入", "200", "600"]]
    no_unit = [["项目", "2024年", "2025年"], ["营业收入", "200", "600"]]
    facts = _kind(_of(_docx(down, "说明", relative, "说明", no_unit), "down.docx"), "revenue_cny")
    assert [(f.value, f.attributes.get("year"), f.attributes["forecast"], f.attributes.get("period"))
            for f in facts] == [(10_000_000, 2024, False, None), (20_000_000, 2025, True, None),
                                (2_000_000, None, True, "第一年"), (6_000_000, None, True, "第二年")]


# ---- identifiers -----------------------------------------------------------------------------


def test_phone_and_id_numbers_are_not_usccs() -> None:
    facts = _of(one_page_pdf(
        "联系电话：13812345678，座机028-85123456",
        "法定代表人身份证号：11010519491231002X",
        "备用号码110105194912310021与证件11010519491231002X",
    ), "phones.pdf")
    assert _kind(facts, "uscc") == [] and _kind(facts, "patent") == [] and _kind(facts, "trademark") == []


def test_bad_check_characters_are_reported_not_dropped() -> None:
    facts = _of(one_page_pdf("统一社会信用代码：91350203M0001QAY9B", "另一家公司代码91110108551385082A"), "bad.pdf")
    labelled, unlabelled = _kind(facts, "uscc")
    assert (labelled.value, labelled.valid) == ("91350203M0001QAY9B", False)
    assert labelled.attributes["problem"] == "check character should be 9, not B"
    assert (unlabelled.value, unlabelled.valid) == ("91110108551385082A", False)
    assert unlabelled.attributes["labelled"] is False


def test_unlabelled_lower_case_uscc_is_upper_cased() -> None:
    fact = _only(_of(_docx("代码为91110108551385082q的企业"), "lower.docx"), "uscc")
    assert (fact.value, fact.text, fact.valid) == ("91110108551385082Q", "91110108551385082q", True)


def test_patents_in_text_with_title_holder_grant_and_check() -> None:
    facts = _kind(_of(_docx(
        "公司已获授权发明专利ZL 2013 1 0699744.2（一种钛合金构件激光选区熔化成形方法），"
        "专利权人为四川锐熔增材科技有限公司。",
        "另申请实用新型专利《一种双向铺粉装置》，申请号200820132792.8，目前处于实质审查阶段；申请号201310699744.3有误。",
        "相关文献的授权公告号为CN203072526U。",
    ), "ip.docx"), "patent")
    granted, utility, typo, publication = facts
    assert (granted.value, granted.valid, granted.text) == ("201310699744.2", True, "ZL 2013 1 0699744.2")
    assert granted.attributes.items() >= {"type": "invention", "granted": True, "number": "201310699744.2",
                                          "title": "一种钛合金构件激光选区熔化成形方法",
                                          "holder": "四川锐熔增材科技有限公司", "number_kind": "application"}.items()
    assert (utility.value, utility.attributes["type"], utility.attributes["title"], utility.attributes["granted"]) == (
        "200820132792.8", "utility", "一种双向铺粉装置", False)
    assert (typo.value, typo.valid) == ("201310699744.3", False)
    assert (publication.value, publication.valid, publication.attributes["number_kind"]) == (
        "CN203072526U", None, "publication")
    assert not any(fact.value.startswith("203072526") for fact in facts)


def test_patent_table_gives_title_type_holder_and_status() -> None:
    table = [["序号", "专利名称", "专利类型", "申请号", "专利权人", "法律状态"],
             ["1", "一种金属粉末回收筛分系统", "实用新型", "ZL202421388054.5", "四川锐熔增材科技有限公司", "已授权"],
             ["2", "一种惰性气体循环净化装置", "发明", "202511970263.X", "四川锐熔增材科技有限公司", "实质审查"]]
    first, second = _kind(_of(_docx("表3-1 主要专利清单", table), "patents.docx"), "patent")
    expected = {"title": "一种金属粉末回收筛分系统", "type": "utility", "stated_type": "utility",
                "holder": "四川锐熔增材科技有限公司", "granted": True, "status": "已授权"}
    assert first.attributes.items() >= expected.items()
    assert (second.value, second.valid, second.attributes["granted"], second.attributes["stated_type"]) == (
        "202511970263.X", True, False, "invention")


def test_software_copyrights_in_tables_and_text() -> None:
    table = [["序号", "软件名称", "登记号", "登记日期"],
             ["1", "多激光扫描路径规划软件V1.0", "2022SR0563821", "2022年11月23日"]]
    facts = _kind(_of(_docx(table, "取得《打印控制软件V1.0》著作权，软著登字第0650314号，登记号2013SR012345。",
                            "另有软著登字第15980140号；申请流水号2019R11L885247不是登记号。"), "soft.docx"),
                  "software_copyright")
    row, text, certificate = facts
    assert (row.value, row.valid, row.attributes["title"], row.attributes["registered"]) == (
        "2022SR0563821", True, "多激光扫描路径规划软件V1.0", "2022-11-23")
    assert (text.value, text.attributes["certificate_number"], text.attributes["title"]) == (
        "2013SR012345", "软著登字第0650314号", "打印控制软件V1.0")
    assert (certificate.value, certificate.valid) == ("软著登字第15980140号", True)


def test_software_copyright_holders_from_a_column_or_the_clause() -> None:
    table = [["序号", "软件名称", "登记号", "著作权人"], ["1", "熔池监测软件V2.0", "2023SR0879891", "四川大学"]]
    row, text = _kind(_of(_docx(table, "《切片软件V1.0》登记号2024SR0158542，著作权人为泸州星火增材科技有限公司。"),
                          "holders.docx"), "software_copyright")
    assert (row.value, row.attributes["holder"]) == ("2023SR0879891", "四川大学")
    assert (text.value, text.attributes["holder"]) == ("2024SR0158542", "泸州星火增材科技有限公司")


def test_trademarks_with_their_class() -> None:
    facts = _kind(_of(_docx("公司注册商标“锐熔”（第7类，注册号12345678）。", "工商注册号：12345678",
                            "另有商标第87654321号，核定使用在第50类。", "营业执照第12345678号"), "tm.docx"),
                  "trademark")
    assert [(f.value, f.attributes.get("class"), f.valid) for f in facts] == [("12345678", 7, True),
                                                                              ("87654321", 50, False)]


# ---- people and companies --------------------------------------------------------------------


def test_people_next_to_role_words() -> None:
    facts = _kind(_of(one_page_pdf(
        "首席技术官张三负责研发，李明辉，总经理，毕业于四川大学。",
        "公司聘请四川大学田亮萍教授担任首席顾问。联系人：袁启岩 联系电话：185****2613",
        "公司总经理办公室负责行政事务。",
    ), "people.pdf"), "person")
    assert [(f.value, f.attributes["role"]) for f in facts] == [
        ("张三", "首席技术官"), ("李明辉", "总经理"), ("田亮萍", "教授"), ("袁启岩", "联系人")]
    assert all(f.attributes["name"] == f.value and f.page == 1 for f in facts)


def test_team_table_members_and_a_blank_form_is_nobody() -> None:
    team = [["姓名", "职务", "学历"], ["王和福", "财务总监", "硕士"], ["欧阳娜娜", "首席技术官（CTO）", "博士"]]
    form = [["姓名", "", "性别"], ["民族", "出生年月", "政治面貌"], ["身份证号", "籍贯", "职务"]]
    facts = _kind(_of(_docx("表6-1 核心团队成员", team, "附表", form), "team.docx"), "person")
    assert [(f.value, f.attributes["role"], f.attributes["source"]) for f in facts] == [
        ("王和福", "财务总监", "table"), ("欧阳娜娜", "首席技术官（CTO）", "table")]


def test_labelled_company_is_the_applicant_and_other_companies_are_mentions() -> None:
    facts = _kind(_of(_docx("参赛单位：锐熔增材（成都）科技有限公司",
                            "公司与西安铂力特增材技术股份有限公司签订合作协议，锐熔增材（成都）科技有限公司负责研发。"),
                      "company.docx"), "company_name")
    assert [(f.value, f.attributes["source"], f.attributes["applicant"]) for f in facts] == [
        ("锐熔增材（成都）科技有限公司", "label", True), ("西安铂力特增材技术股份有限公司", "mention", False)]


def test_an_unlabelled_cover_name_is_the_applicant() -> None:
    fact = _only(_of(_docx("知芽科技有限责任公司", "AI家庭教育商业计划书"), "cover.docx"), "company_name")
    assert (fact.value, fact.attributes["applicant"], fact.page) == ("知芽科技有限责任公司", True, 1)


def test_empty_document_has_no_facts() -> None:
    assert extract_facts(Document(sha256="0" * 64, media_type="application/pdf")) == []


def test_quantity_parsers_read_full_width_and_chinese_numerals() -> None:
    text = fold_width("合计８，５００万元")
    assert money_at(text, 2) is None  # the full-width comma is no thousands separator
    assert money_at(fold_width("８５００．５万元"), 0).value == 85_005_000  # type: ignore[union-attr]
    assert date_at("二〇二四年一月一日", 0).value == "2024-01-01"  # type: ignore[union-attr]
    assert date_at("2024年2月30日", 0) is None


# ---- generated plans -------------------------------------------------------------------------


def _planted_recalled(plan_facts: list, document: Document, facts: list[Fact]) -> list[str]:
    """The planted facts no extracted fact matches by kind, value, attributes and page."""
    missing = []
    for planted in plan_facts:
        start = document.text.find(planted.anchor)
        assert start >= 0, planted.anchor
        page = document.page_of(start)
        if not any(f.kind == planted.kind and f.value == planted.value and f.page == page
                   and all(f.attributes.get(k) == v for k, v in planted.attributes.items()) for f in facts):
            missing.append(f"{planted.kind} {planted.value!r} p.{page}")
    return missing


@pytest.mark.parametrize(("segment", "group", "media"), [(1, "enterprise", "pdf"), (4, "startup", "docx"),
                                                         (7, "startup", "pdf")])
def test_generated_plans_yield_every_planted_fact_on_its_page(segment: int, group: str, media: str) -> None:
    plan = make_plan(segment, seed=5, pages=16, group=group)  # type: ignore[arg-type]
    data = render_pdf(plan) if media == "pdf" else render_docx(plan)
    document = parse_bytes(data, f"plan.{media}", ocr=False)
    facts = _facts(document)
    assert len(plan.facts) > 25
    assert _planted_recalled(plan.facts, document, facts) == []
    applicant = [f for f in facts if f.kind == "company_name" and f.attributes["applicant"]]
    assert [f.value for f in applicant] == [plan.company]


def test_a_team_plan_has_no_registration_facts() -> None:
    plan = next(p for seed in range(40) if (p := make_plan(3, seed, pages=14, group="startup")).uscc is None)
    facts = _facts(parse_bytes(render_docx(plan), "team.docx", ocr=False))
    assert not _kind(facts, "uscc") and not _kind(facts, "registered_capital_cny")
    assert _only(facts, "company_name").value == plan.company  # the team's name, from 参赛单位
    assert _planted_recalled(plan.facts, parse_bytes(render_docx(plan), "team.docx", ocr=False), facts) == []


# ---- command line ----------------------------------------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300, env={**os.environ, "AMREVIEW_DATA_DIR": str(cwd / "data"),
                                            "PYTHONPATH": str(Path(__file__).resolve().parents[2])})


def test_cli_facts_json(tmp_path: Path) -> None:
    (tmp_path / "plan.pdf").write_bytes(one_page_pdf("参赛单位：四川锐熔增材科技有限公司",
                                                     "统一社会信用代码：91350203M0001QAY9B", "注册资本500万元"))
    result = _cli("facts", "plan.pdf", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    by_kind = {item["kind"]: item for item in payload["facts"]}
    assert by_kind["company_name"]["value"] == "四川锐熔增材科技有限公司" and by_kind["company_name"]["page"] == 1
    assert by_kind["uscc"].items() >= {"value": "91350203M0001QAY9B", "valid": False, "span": [26, 44]}.items()
    assert by_kind["registered_capital_cny"]["value"] == 5_000_000
    assert {"kind", "value", "text", "page", "span"} <= set(by_kind["registered_capital_cny"])


def test_cli_facts_refuses_a_bad_file_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "broken.pdf").write_bytes(one_page_pdf("x")[:300])
    result = _cli("facts", "broken.pdf", "--json", "--no-sandbox", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().count("\n") == 0 and "corrupt" in result.stderr
    missing = _cli("facts", "nowhere.pdf", "--json", cwd=tmp_path)
    assert missing.returncode == 2 and missing.stdout == "" and "no such file" in missing.stderr
