"""The segment journey in a real browser: classify a text, read the evidence, correct an entry, retrain.

A reviewer pastes a mixed Chinese–English summary into the segments page and reads the scores and the
highlighted terms; then opens an entry declared under polymers whose plan is about scanners, sees the
warning with the evidence, and sets the segment. An administrator retrains the model from the
corrections and sees the live and previous models' cross-validated figures.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import chinese_pdf, screenshot
from tests.browser.test_qualification import CONTEST, _uscc, _wait_until_checked

SUMMARY = "基于LPBF的melt pool monitoring：采用CNN深度学习模型对熔池图像进行在线监测和缺陷识别。"


@pytest.fixture
def scanner_entry(tmp_path: Path) -> tuple[Path, Path]:
    entry = {"id": "AM11-E-0201", "contest": CONTEST, "group": "enterprise", "segment": 2,
             "project": "高速振镜扫描系统",
             "applicant": {"kind": "company", "name": "泸州光扫科技有限公司", "uscc": _uscc(),
                           "registered_on": "2019-05-20", "industry": "工业", "employees": 80,
                           "revenue_10k_cny": 3000, "assets_10k_cny": 5000, "credit_flags": []},
             "on_market": True, "team": [{"name": "李华", "role": "负责人", "core": True}],
             "files": ["plan.pdf"]}
    registrations = tmp_path / "报名表.jsonl"
    registrations.write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
    plan = chinese_pdf("二、核心技术与产品", ["公司自主研发高速二维振镜扫描系统和单模光纤激光器，替代进口核心器件，",
                                          "已批量供应国内金属3D打印设备厂商，定位精度和扫描速度达到国际同类水平。",
                                          "三、市场分析", "四、团队介绍", "五、财务分析"])
    bundle = tmp_path / "材料.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("plan.pdf", plan)
    return registrations, bundle


@pytest.mark.browser
def test_reviewer_classifies_and_corrects_then_admin_retrains(page_as, scanner_entry: tuple[Path, Path]) -> None:
    page = page_as("reviewer")
    page.get_by_role("link", name="领域分类", exact=True).click()
    page.locator("form#classify-form textarea[name=text]").fill(SUMMARY)
    page.locator("form#classify-form").get_by_role("button", name="分类").click()
    expect(page.locator("#primary")).to_contain_text("7 AI+增材制造")
    expect(page.locator("#scores tr")).to_have_count(8)  # a header and all seven segments
    expect(page.locator("#highlighted mark").first).to_be_visible()
    marked = page.locator("#highlighted mark").all_inner_texts()
    assert any(term in marked for term in ("CNN", "深度学习", "熔池图像")), marked
    screenshot(page, "s-01-classified")
    page.locator("form#text-correction select[name=segment]").select_option("7")
    page.locator("form#text-correction").get_by_role("button", name="保存更正").click()
    expect(page.locator("#corrections-table")).to_contain_text("melt pool")

    admin = page_as("admin")
    admin.goto("/admin/registrations")
    form = admin.locator("form#import-registrations")
    form.locator("input[name=registrations]").set_input_files(str(scanner_entry[0]))
    form.locator("input[name=files]").set_input_files(str(scanner_entry[1]))
    form.get_by_role("button", name="导入").click()
    expect(admin.locator("#outcome")).to_contain_text("新增 1 项")

    page.goto("/review")
    _wait_until_checked(page, rows=1)
    page.get_by_role("link", name="AM11-E-0201").click()
    expect(page.locator("#segment-fit")).to_contain_text("looks wrong")
    expect(page.locator("#classified-segment")).to_contain_text("4")
    expect(page.locator("#rule-segment_fit .excerpt mark").first).to_be_visible()
    screenshot(page, "s-02-misdeclared")
    page.locator("form#segment-form select[name=segment]").select_option("4")
    page.locator("form#segment-form input[name=note]").fill("振镜与激光器属核心器件")
    page.locator("form#segment-form").get_by_role("button", name="保存更正").click()
    expect(page.locator("#reviewed-segment")).to_contain_text("4 增材制造装备与核心器件")
    screenshot(page, "s-03-corrected")

    admin.goto("/segments")
    admin.locator("form#retrain-form").get_by_role("button", name="重新训练").click()
    expect(admin.locator("#retrain-queued")).to_be_visible()
    for _ in range(120):  # the retrain is a background job: reload until its model is live
        admin.goto("/segments")
        if "含审查员更正 2 条" in admin.locator("#card-live").inner_text():
            break
        admin.wait_for_timeout(1000)
    expect(admin.locator("#card-live")).to_contain_text("含审查员更正 2 条")
    expect(admin.locator("#figures-previous")).to_be_visible()  # the model it replaced is kept
    expect(admin.locator("#figures-live")).to_contain_text("macro-F1")
    screenshot(admin, "s-04-retrained")
