"""The qualification journey in a real browser: import, triage, evidence, decision, export.

An administrator imports three registrations (JSON Lines) with a ZIP of their plans; a
reviewer works the queue riskiest first, opens the start-up with eight core members and a
credit flag, reads each rule's verdict with the document passage highlighted, records a
decision (a rejection needs a comment), and exports the queue to Excel.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from api.demo.plans import make_uscc
from tests.browser.conftest import chinese_pdf, screenshot
from tests.jobs import jobs_settled

COMPANY = "四川泸州星火增材科技有限公司"
CONTEST = {"kind": "thematic", "name": "增材制造专题赛", "edition": 11, "year": 2026, "region": "四川泸州"}
SETTLE_SECONDS = 60


def _uscc() -> str:
    import random
    from datetime import date

    return make_uscc(random.Random(3), "510500", date(2019, 5, 20))


def _registrations(uscc: str) -> list[dict]:
    member = {"role": "成员", "core": True}
    clean = {"id": "AM11-E-0101", "contest": CONTEST, "group": "enterprise", "segment": 1,
             "project": "钛合金激光选区熔化成形装备",
             "applicant": {"kind": "company", "name": COMPANY, "uscc": uscc, "registered_on": "2019-05-20",
                           "industry": "工业", "employees": 120, "revenue_10k_cny": 8500, "assets_10k_cny": 12000,
                           "credit_flags": []},
             "on_market": True, "team": [{"name": "张明", "id_number": "11010519491231002X", "role": "负责人",
                                          "core": True}],
             "files": ["plans/E-0101.pdf"]}
    crowded = {"id": "AM11-S-0102", "contest": CONTEST, "group": "创业组", "segment": 3, "project": "个性化骨科植入物",
               "applicant": {"kind": "team", "name": "骨科打印创客团队", "credit_flags": ["dishonest"]},
               "on_market": False,
               "team": [{"name": f"成员{i}", **member} for i in range(8)],
               "files": ["plans/S-0102.pdf"]}
    large = dict(clean, id="AM11-E-0103", project="大型增材装备",
                 applicant=dict(clean["applicant"], name="泸州巨型装备集团有限公司", employees=1200,
                                revenue_10k_cny=52000), files=[])
    return [clean, crowded, large]


@pytest.fixture
def import_files(tmp_path: Path) -> tuple[Path, Path]:
    uscc = _uscc()
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in _registrations(uscc))
    registrations = tmp_path / "报名表.jsonl"
    registrations.write_text(lines + "\n", encoding="utf-8")
    plan = chinese_pdf("一、项目概述", [f"{COMPANY}成立于2019年5月20日，统一社会信用代码：{uscc}。",
                                     "公司现有员工120人，2025年营业收入8500万元。",
                                     "二、技术与产品", "三、市场分析", "四、团队介绍", "五、财务分析"])
    startup = chinese_pdf("一、项目概述", ["骨科打印创客团队，面向个性化骨科植入物。"])
    bundle = tmp_path / "材料.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("plans/E-0101.pdf", plan)
        archive.writestr("plans/S-0102.pdf", startup)
        archive.writestr("../escape.pdf", plan)  # a traversal name: never stored, never matched
    return registrations, bundle


def _import(page: Page, registrations: Path, bundle: Path) -> None:
    page.get_by_role("link", name="报名导入", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/registrations$"))
    form = page.locator("form#import-registrations")
    form.locator("input[name=registrations]").set_input_files(str(registrations))
    form.locator("input[name=files]").set_input_files(str(bundle))
    screenshot(page, "q-01-import-form")
    form.get_by_role("button", name="导入").click()
    expect(page.locator("#outcome")).to_contain_text("新增 3 项")
    expect(page.locator("#outcome")).to_contain_text("文件 2 个")
    screenshot(page, "q-02-imported")


def _wait_until_checked(page: Page, rows: int = 3) -> None:
    """The checks run after the plans are parsed: reload the queue until no row is unchecked."""
    for _ in range(SETTLE_SECONDS):
        if not jobs_settled():
            page.wait_for_timeout(1000)
            continue
        page.goto("/review")
        if page.locator("table#queue tr.verdict-row-unchecked").count() == 0 and \
                page.locator("table#queue tr").count() == rows + 1:
            return
        page.wait_for_timeout(1000)
    raise AssertionError("the queue still has unchecked submissions")


@pytest.mark.browser
def test_reviewer_triages_imported_registrations(page_as, import_files: tuple[Path, Path], tmp_path: Path) -> None:
    admin = page_as("admin")
    _import(admin, *import_files)

    page = page_as("reviewer")
    page.get_by_role("link", name="资格审查", exact=True).click()
    _wait_until_checked(page)
    rows = page.locator("table#queue tr")
    # riskiest first: the two ineligible entries, then the clean enterprise
    expect(rows.nth(1).locator("td").nth(5)).to_have_text("不符合条件")
    expect(rows.nth(2).locator("td").nth(5)).to_have_text("不符合条件")
    clean = rows.filter(has_text="AM11-E-0101")
    expect(clean.locator("td").nth(5)).not_to_have_text("不符合条件")
    screenshot(page, "q-03-queue")

    page.locator("form#filters select[name=group]").select_option("startup")
    page.locator("form#filters").get_by_role("button", name="筛选").click()
    expect(page.locator("table#queue tr")).to_have_count(2)
    crowded = page.locator("table#queue tr").filter(has_text="AM11-S-0102")
    expect(crowded).to_contain_text("核心成员人数")
    crowded.get_by_role("link", name="AM11-S-0102").click()

    expect(page.locator("#verdict")).to_have_text("不符合条件")
    expect(page.locator("#rule-core_team_size td").nth(1)).to_have_text("不通过")
    expect(page.locator("#rule-credit_record td").nth(1)).to_have_text("不通过")
    expect(page.locator("#rule-credit_record")).to_contain_text("dishonest")
    screenshot(page, "q-04-submission")

    page.goto("/review?q=AM11-E-0101")
    page.locator("table#queue").get_by_role("link", name="AM11-E-0101").click()
    consistent = page.locator("#rule-registration_consistent")
    expect(consistent.locator("mark").first).to_be_visible()  # the passage the rule relied on, highlighted
    expect(consistent.locator(".excerpt").first).to_contain_text("一、项目概述")  # with its context
    expect(consistent.locator("a").first).to_have_attribute("href", re.compile(r"^/documents/\d+#page-1$"))
    expect(page.locator("table#members")).to_contain_text("110105********002X")
    expect(page.locator("main")).not_to_contain_text("11010519491231002X")
    screenshot(page, "q-05-evidence")

    form = page.locator("form#decision-form")
    form.locator("input[value=reject]").check()
    form.get_by_role("button", name="提交审查决定").click()
    expect(page.locator("#decision-card .error")).to_contain_text("必须填写审查意见")
    form = page.locator("form#decision-form")
    form.locator("input[value=return]").check()
    form.locator("textarea[name=comment]").fill("请补充2025年度审计报告。")
    form.get_by_role("button", name="提交审查决定").click()
    expect(page.locator("table#decisions")).to_contain_text("退回补正")
    expect(page.locator("table#decisions")).to_contain_text("请补充2025年度审计报告。")
    screenshot(page, "q-06-decided")

    page.goto("/review")
    with page.expect_download() as download_info:
        page.locator("a#export").click()
    path = tmp_path / "queue.xlsx"
    download_info.value.save_as(path)
    sheet = load_workbook(io.BytesIO(path.read_bytes())).active
    rows_out = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows_out) == {"AM11-E-0101", "AM11-S-0102", "AM11-E-0103"}
    assert rows_out["AM11-E-0101"][10] == "return"
    assert rows_out["AM11-E-0101"][11] == "请补充2025年度审计报告。"
    assert rows_out["AM11-S-0102"][7] == "ineligible"
