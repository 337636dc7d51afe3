"""The integrity journey in a real browser: cases of repeat entries and copied text, passages, a finding.

Past years' plans teach the index the plan generator's stock sentences and an administrator rebuilds
it; then imports five registrations with their DOCX plans: one firm's project in two contests (a
repeat), a description copied by a second firm (punctuation and words changed), and an unrelated
entry. The integrity officer works the case list, most suspicious first, reads the copied passages
side by side and records a confirmed repeat against the later regional entry, which a reviewer then
finds ineligible. Judges and reviewers are refused the integrity pages.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from api.demo.load import load_corpus
from tests.api.test_integrity import _entries
from tests.browser.conftest import screenshot
from tests.browser.test_qualification import _wait_until_checked
from tests.jobs import wait_for_jobs

REPEAT = ("AM11-E-0001", "SC11-E-0001")  # the thematic entry, then the same project in the regional contest
COPYING = ("SC11-E-0002", "SC11-E-0003")  # the original description, then its copy
UNRELATED = "AM11-E-0002"
COMMENT = "同一项目同时参加专题赛和区域赛，区域赛报名在后。"


@pytest.fixture
def import_files(tmp_path: Path) -> tuple[Path, Path]:
    """The registrations (JSON Lines) and a ZIP of their DOCX plans, as the API test builds them."""
    entries = _entries()
    registrations = tmp_path / "报名表.jsonl"
    registrations.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r, _ in entries.values()),
                             encoding="utf-8")
    bundle = tmp_path / "材料.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        for code, (_, data) in entries.items():
            archive.writestr(f"{code}.docx", data)
    return registrations, bundle


def _seed(admin: Page, registrations: Path, bundle: Path) -> None:
    """Corpus texts, a rebuild of the index through its form, then the import; until every job is done."""
    load_corpus()
    admin.goto("/integrity")
    admin.locator("form#rebuild-form").get_by_role("button", name="重建查重索引").click()
    expect(admin.locator("#rebuild-queued")).to_be_visible()
    wait_for_jobs()
    admin.goto("/admin/registrations")
    form = admin.locator("form#import-registrations")
    form.locator("input[name=registrations]").set_input_files(str(registrations))
    form.locator("input[name=files]").set_input_files(str(bundle))
    form.get_by_role("button", name="导入").click()
    expect(admin.locator("#outcome")).to_contain_text("新增 5 项")
    expect(admin.locator("#outcome")).to_contain_text("文件 5 个")
    _wait_until_checked(admin, rows=5)
    wait_for_jobs()


def _open_case(page: Page, members: tuple[str, str]) -> str:
    """From the case list to the case of ``members``; returns its path."""
    page.goto("/integrity")
    row = page.locator("table#cases tr.case-row").filter(has_text=members[0]).filter(has_text=members[1])
    expect(row).to_have_count(1)
    row.locator("td").first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/integrity/cases/\d+$"))
    for code in members:
        expect(page.locator("table#members")).to_contain_text(code)
    return urlsplit(page.url).path


@pytest.mark.browser
def test_officer_reads_cases_and_records_a_finding(page_as, import_files: tuple[Path, Path]) -> None:
    admin = page_as("admin")
    _seed(admin, *import_files)

    officer = page_as("integrity")
    officer.get_by_role("link", name="诚信查重", exact=True).click()
    expect(officer).to_have_url(re.compile(r"/integrity$"))
    rows = officer.locator("table#cases tr.case-row")
    expect(rows).to_have_count(2)
    # most suspicious first: the repeat, then the copying
    for row, (kind, members) in zip((rows.nth(0), rows.nth(1)), (("重复参赛", REPEAT), ("疑似抄袭", COPYING)),
                                    strict=True):
        expect(row.locator("td").nth(1)).to_have_text(kind)
        for code in members:
            expect(row.locator("td").nth(3)).to_contain_text(code)
        expect(row.locator("td").nth(4)).to_have_text("待认定")
    expect(officer.locator("table#cases")).not_to_contain_text(UNRELATED)
    scores = [float(text.split()[-1]) for text in rows.locator("td:nth-child(3)").all_inner_texts()]
    assert scores[0] > scores[1] > 0, scores
    expect(officer.locator("#reference-form")).to_have_count(0)  # references and rebuilds are the admin's
    expect(officer.locator("#rebuild-form")).to_have_count(0)
    screenshot(officer, "i-01-cases")

    _open_case(officer, COPYING)
    expect(officer.locator("#case-kind")).to_have_text("疑似抄袭")
    pair = officer.locator(".pair").filter(has_text=f"{COPYING[0]} ↔ {COPYING[1]}")
    expect(pair).to_have_count(1)
    expect(pair.locator(".links")).to_have_count(0)  # two different firms: nothing shared but the text
    passages = pair.locator(".side-by-side")
    expect(passages.first).to_be_visible()
    expect(passages.first.locator(".side-a")).to_contain_text(COPYING[0])
    expect(passages.first.locator(".side-b")).to_contain_text(COPYING[1])
    expect(pair.locator(".side-b mark.differs").first).to_be_visible()  # the copier's changes
    expect(pair.locator(".side-b span.same").first).to_be_visible()
    original = pair.locator(".side-a mark.differs").all_inner_texts()
    copied = pair.locator(".side-b mark.differs").all_inner_texts()
    assert any(word in text for text in original for word in ("公司", "我们", "实现", "提高")), original
    assert any(word in text for text in copied for word in ("企业", "本团队", "达成", "提升")), copied
    # the punctuation changed too (ASCII for the Chinese); the alignment reads it as the same text
    expect(pair.locator(".side-a").filter(has_text="，").first).to_be_visible()
    expect(pair.locator(".side-b").filter(has_text=",").first).to_be_visible()
    expect(passages.first.locator(".side-a .muted")).to_have_text(re.compile(rf"^{COPYING[0]} · 第 \d+ 页$"))
    expect(passages.first.locator(".side-b .muted")).to_have_text(re.compile(rf"^{COPYING[1]} · 第 \d+ 页$"))
    screenshot(officer, "i-02-copying-side-by-side")

    case = _open_case(officer, REPEAT)
    expect(officer.locator("#case-kind")).to_have_text("重复参赛")
    expect(officer.locator("#case-status")).to_have_text("待认定")
    expect(officer.locator("table#members")).to_contain_text("增材制造专题赛")
    expect(officer.locator("table#members")).to_contain_text("创客中国四川省区域赛")
    expect(officer.locator(".pair .links")).to_contain_text("统一社会信用代码相同")
    expect(officer.locator(".pair .side-by-side").first).to_be_visible()
    later = officer.locator("table#members").get_by_role("link", name=REPEAT[1], exact=True)
    submission = later.get_attribute("href")
    assert submission and re.fullmatch(r"/review/submissions/\d+", submission), submission
    form = officer.locator("form#finding-form")
    form.locator("select[name=finding]").select_option("confirmed_repeat")
    form.locator(f"input[name=at_fault][value='{REPEAT[1]}']").check()
    expect(form.locator(f"input[name=at_fault][value='{REPEAT[0]}']")).not_to_be_checked()
    form.locator("textarea[name=comment]").fill(COMMENT)
    form.get_by_role("button", name="提交认定").click()
    expect(officer).to_have_url(re.compile(r"/integrity/cases/\d+#findings$"))
    expect(officer.locator("#case-status")).to_have_text("已认定 · 确认重复参赛")
    findings = officer.locator("#findings")
    expect(findings.locator("h4")).to_have_text("认定记录")
    recorded = findings.locator("table#finding-list tr")
    expect(recorded).to_have_count(2)  # a header and the finding
    expect(recorded.nth(1).locator("td").nth(1)).to_have_text("确认重复参赛")
    expect(recorded.nth(1).locator("td").nth(2)).to_have_text(REPEAT[1])
    expect(recorded.nth(1).locator("td").nth(3)).to_have_text(COMMENT)
    screenshot(officer, "i-03-repeat-decided")

    wait_for_jobs()  # the finding queues a re-check of both members
    reviewer = page_as("reviewer")
    reviewer.goto(submission)
    expect(reviewer.locator("main")).to_contain_text(REPEAT[1])
    expect(reviewer.locator("#verdict")).to_have_text("不符合条件")
    rule = reviewer.locator("#rule-repeat_and_copying")
    expect(rule.locator("td").nth(0)).to_contain_text("重复参赛与抄袭")
    expect(rule.locator("td").nth(1)).to_have_text("不通过")
    expect(rule.locator("td").nth(2)).to_contain_text("confirmed_repeat")
    screenshot(reviewer, "i-04-ineligible")
    officer.goto(case)  # the case shows the members' verdicts after the re-check
    expect(officer.locator("table#members tr").filter(has_text=REPEAT[1]).locator("td").nth(4)) \
        .to_have_text("不符合条件")
    reviewer.goto("/review?q=" + REPEAT[0])  # the finding holds against the later entry only
    reviewer.locator("table#queue").get_by_role("link", name=REPEAT[0], exact=True).click()
    expect(reviewer.locator("#rule-repeat_and_copying td").nth(1)).to_have_text("通过")

    judge = page_as("judge")
    for page in (reviewer, judge):
        expect(page.locator("header nav")).not_to_contain_text("诚信查重")
        for path in ("/integrity", case):
            response = page.goto(path)
            assert response is not None and response.status == 403, (path, response and response.status)
            expect(page.locator("#error-code")).to_have_attribute("data-code", "forbidden")
            expect(page.locator("#error-code")).to_have_text("您的角色无权访问此页面。")
            expect(page.locator("main")).not_to_contain_text(COPYING[0])
    screenshot(judge, "i-05-judge-refused")

    officer.goto("/integrity?lang=en")
    rows = officer.locator("table#cases tr.case-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td").nth(1)).to_have_text("repeat entry")
    expect(rows.nth(0).locator("td").nth(4)).to_have_text("decided · confirmed repeat")
    expect(rows.nth(1).locator("td").nth(1)).to_have_text("suspected copying")
    expect(rows.nth(1).locator("td").nth(4)).to_have_text("open")
    screenshot(officer, "i-06-cases-english")
