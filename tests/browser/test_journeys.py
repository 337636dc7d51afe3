"""End-to-end journeys in a real browser: what an administrator, a reviewer and a judge see and do.

Each test runs against its own `amreview serve` and database, so each can run alone; the
reviewer's journey therefore lets the administrator create the reviewer and upload the bundle
first, through the same forms as the administrator's journey. Every step saves a screenshot
under test-artifacts/screenshots/ (a-…, b-…, c-… by journey).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Account, LiveServer, chinese_pdf, screenshot

PLAN_PHRASE = "本项目研发金属激光选区熔化成形装备"
PLAN_NAME = "商业计划书.pdf"
IP_NAME = "知识产权证明.pdf"
BAD_MEMBER = "notes.txt"
BUNDLE_NAME = "申报材料.zip"
REVIEWER = Account("wang.shencha", "reviewer", "reviewer-password-2026", "王审查")
CONTEST = {"kind": "thematic", "name": "增材制造专题赛（浏览器测试）", "edition": "12", "year": "2026",
           "region": "四川成都"}
SETTLED = ("已解析", "压缩包", "已拒收")  # parsed, bundle, refused: no row may stay 排队中 (queued)
PROCESSING_SECONDS = 45


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A ZIP as contestants send it: two small Chinese PDFs and one file that is no document at all."""
    plan = chinese_pdf("一、项目概述", [PLAN_PHRASE + "，面向航空航天复杂构件。",
                                     "公司位于四川泸州，现有研发人员三十二名。"])
    patents = chinese_pdf("一、知识产权情况", ["已授权发明专利五项，实用新型专利十二项。"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(PLAN_NAME, plan)
        archive.writestr(IP_NAME, patents)
        archive.writestr(BAD_MEMBER, "会议记录，不是申报材料。\n")
    path = tmp_path / BUNDLE_NAME
    path.write_bytes(buffer.getvalue())
    return path


# ---------------------------------------------------------------- steps shared by the journeys


def create_contest(page: Page, step: str) -> None:
    page.get_by_role("link", name="赛事", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/contests$"))
    expect(page.locator("main h2").first).to_have_text("赛事")
    form = page.locator("form#new-contest")
    form.locator("select[name='kind']").select_option(CONTEST["kind"])
    form.locator("input[name='name']").fill(CONTEST["name"])
    form.locator("input[name='edition']").fill(CONTEST["edition"])
    form.locator("input[name='year']").fill(CONTEST["year"])
    form.locator("input[name='region']").fill(CONTEST["region"])
    screenshot(page, f"{step}-contest-form")
    form.get_by_role("button", name="新建赛事").click()
    expect(page).to_have_url(re.compile(r"/admin/contests$"))
    expect(page.locator("#form-error")).to_have_count(0)
    row = page.locator("table#contests tr").filter(has_text=CONTEST["name"])
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(2)).to_have_text("专题赛")
    expect(row.locator("td").nth(3)).to_have_text(CONTEST["edition"])
    expect(row.locator("td").nth(4)).to_have_text(CONTEST["year"])
    expect(row.locator("td").nth(5)).to_have_text(CONTEST["region"])
    screenshot(page, f"{step}-contest-created")


def create_reviewer(page: Page, step: str) -> Account:
    page.get_by_role("link", name="用户", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    expect(page.locator("main h2").first).to_have_text("用户")
    form = page.locator("form#new-user")
    form.locator("input[name='username']").fill(REVIEWER.username)
    form.locator("input[name='display_name']").fill(REVIEWER.display_name)
    form.locator("select[name='role']").select_option(REVIEWER.role)
    form.locator("input[name='password']").fill(REVIEWER.password)
    screenshot(page, f"{step}-user-form")
    form.get_by_role("button", name="添加用户").click()
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    expect(page.locator("#form-error")).to_have_count(0)
    row = page.locator("table#users tr").filter(has_text=REVIEWER.username)
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text(REVIEWER.display_name)
    expect(row.locator("td").nth(2)).to_have_text("资格审查员")
    expect(row.locator("td").nth(3)).to_have_text("启用")
    screenshot(page, f"{step}-user-created")
    return REVIEWER


def upload_bundle(page: Page, bundle: Path, step: str) -> None:
    """Upload the ZIP through the form, then watch /documents refresh itself until every row is settled."""
    page.get_by_role("link", name="文档", exact=True).click()
    expect(page).to_have_url(re.compile(r"/documents$"))
    expect(page.locator("main h2").first).to_have_text("上传")
    form = page.locator("form#upload")
    form.locator("input[name='files']").set_input_files(bundle)
    form.get_by_role("button", name="上传").click()
    expect(page).to_have_url(re.compile(r"/documents$"))
    expect(page.locator("p.refused")).to_have_count(0)  # a ZIP is accepted; its members are judged one by one
    screenshot(page, f"{step}-documents-uploaded")
    rows = wait_until_processed(page)
    assert len(rows) == 4, f"the bundle and its three members are listed: {rows}"
    by_name = {name: status for name, status in rows}
    assert by_name[BUNDLE_NAME] == "压缩包"
    assert by_name[PLAN_NAME] == "已解析" and by_name[IP_NAME] == "已解析"
    assert by_name[BAD_MEMBER].startswith("已拒收"), by_name[BAD_MEMBER]  # with the reason after the label
    screenshot(page, f"{step}-documents-processed")


def wait_until_processed(page: Page) -> list[tuple[str, str]]:
    """Let the page's own <meta http-equiv="refresh"> reload it until nothing is queued; (file, status) rows."""
    loads: list[str] = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    progress = page.locator("#progress")
    seen_pending = False
    if progress.get_attribute("data-pending") != "0":
        seen_pending = True
        # While anything is queued the page asks to be reloaded every 3 s; nothing here reloads it.
        expect(page.locator("meta[http-equiv='refresh']")).to_have_attribute("content", "3")
        expect(progress).to_contain_text("本页会自动刷新")
    expect(progress).to_have_attribute("data-pending", "0", timeout=PROCESSING_SECONDS * 1000)
    assert not seen_pending or loads, "the page refreshed itself while documents were queued"
    expect(page.locator("meta[http-equiv='refresh']")).to_have_count(0)  # settled: no more refreshing
    rows = []
    for row in page.locator("table#documents tr").all()[1:]:
        cells = row.locator("td")
        rows.append((cells.nth(1).locator("a").inner_text(), cells.nth(2).inner_text().strip()))
    unsettled = [(name, status) for name, status in rows if not status.startswith(SETTLED)]
    assert not unsettled, f"rows still unsettled: {unsettled}"
    total = progress.get_attribute("data-total")
    assert total == str(len(rows))
    expect(progress).to_contain_text(f"已处理 {total} / {total}")
    return rows


# ---------------------------------------------------------------- a. the administrator


@pytest.mark.browser
def test_admin_sets_up_a_contest_a_reviewer_and_an_upload(page_as, bundle: Path) -> None:
    page = page_as("admin")

    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("main h2").first).to_have_text("工作台")
    expect(page.locator("header nav")).to_contain_text("赛事")
    expect(page.locator("header form.logout")).to_contain_text("管理员")
    screenshot(page, "a-01-dashboard")

    page.goto("/?lang=en")
    expect(page.locator("main h2").first).to_have_text("Dashboard")
    expect(page.locator("header nav")).to_contain_text("Contests")
    screenshot(page, "a-02-dashboard-en")
    page.goto("/?lang=zh")  # the choice sticks in a cookie: back to Chinese for the rest of the journey
    expect(page.locator("main h2").first).to_have_text("工作台")

    create_contest(page, "a-03")
    create_reviewer(page, "a-04")
    upload_bundle(page, bundle, "a-05")

    page.get_by_role("link", name="审计日志", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/audit$"))
    expect(page.locator("main h2").first).to_have_text("审计日志")
    events = page.locator("table#audit tr")
    upload = events.filter(has=page.locator("td:nth-child(5)", has_text=re.compile(r"^upload$")))
    expect(upload).to_have_count(1)
    expect(upload.locator("td").nth(2)).to_have_text("admin")
    expect(upload.locator("td").nth(5)).to_have_text(re.compile(r"^document \d+$"))
    # The detail column is JSON; today it shows non-ASCII as \uXXXX escapes (audit.html: `tojson`), so accept
    # the file name either way. Tighten to BUNDLE_NAME alone once the page prints it readably.
    expect(upload.locator("td").nth(7)).to_contain_text(
        re.compile(re.escape(BUNDLE_NAME) + "|" + re.escape(json.dumps(BUNDLE_NAME)[1:-1])))
    created = events.filter(has=page.locator("td:nth-child(5)", has_text=re.compile(r"^user_created$")))
    expect(created.filter(has_text=REVIEWER.username)).to_have_count(1)
    expect(created.filter(has_text=REVIEWER.username)).to_contain_text("reviewer")
    expect(events.filter(has_text="contest_created")).to_have_count(1)
    screenshot(page, "a-06-audit")


# ---------------------------------------------------------------- b. the new reviewer


@pytest.mark.browser
def test_new_reviewer_reads_a_parsed_bundle_member(page_as, bundle: Path) -> None:
    admin = page_as("admin")
    reviewer = create_reviewer(admin, "b-01-arrange")
    upload_bundle(admin, bundle, "b-02-arrange")

    page = page_as(reviewer)
    expect(page.locator("header form.logout")).to_contain_text("王审查")
    expect(page.locator("header form.logout")).to_contain_text("资格审查员")
    expect(page.locator("header nav")).not_to_contain_text("用户")  # no administration for reviewers
    screenshot(page, "b-03-reviewer-dashboard")

    page.get_by_role("link", name="文档", exact=True).click()
    expect(page).to_have_url(re.compile(r"/documents$"))
    row = page.locator("table#documents tr").filter(has_text=PLAN_NAME)
    expect(row.locator("td").nth(2)).to_have_text("已解析")
    screenshot(page, "b-04-reviewer-documents")

    row.get_by_role("link", name=PLAN_NAME).click()
    expect(page).to_have_url(re.compile(r"/documents/\d+$"))
    expect(page.locator("main h2").first).to_have_text(PLAN_NAME)
    expect(page.locator("main .card").first).to_contain_text("已解析")
    first_page = page.locator("#page-1")
    expect(first_page.locator(".muted").first).to_have_text("第 1 页")
    expect(first_page.get_by_text(PLAN_PHRASE)).to_be_visible()
    expect(first_page.locator("p.heading")).to_have_text("一、项目概述")
    expect(page.locator("#page-2")).to_have_count(0)
    screenshot(page, "b-05-viewer")


# ---------------------------------------------------------------- c. a judge


@pytest.mark.browser
def test_judge_sees_only_their_dashboard(page_as, live_server: LiveServer) -> None:
    page = page_as("judge")  # created with `amreview users add judge --role judge --password-stdin`

    expect(page.locator("main h2").first).to_have_text("我的评审项目")
    expect(page.locator("main")).to_contain_text("暂无分配给您的项目。")
    expect(page.locator("header nav")).not_to_contain_text("文档")
    screenshot(page, "c-01-judge-dashboard")

    for number, path in enumerate(("/documents", "/admin/users", "/admin/audit"), 2):
        response = page.goto(path)
        assert response is not None and response.status == 403, f"{path}: {response and response.status}"
        expect(page.locator("main h2").first).to_have_text("403")
        code = page.locator("#error-code")
        expect(code).to_be_visible()
        expect(code).to_have_attribute("data-code", "forbidden")
        expect(code).to_have_text("您的角色无权访问此页面。")
        expect(page.locator("table")).to_have_count(0)  # nothing of the page behind it leaks
        screenshot(page, f"c-{number:02d}-forbidden-{path.strip('/').replace('/', '-')}")

    response = page.goto("/")
    assert response is not None and response.status == 200
    expect(page.locator("main h2").first).to_have_text("我的评审项目")
