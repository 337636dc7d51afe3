"""The judging journey in a real browser: panel, pre-filled scorecard, draft, submission, standings, reopening.

An administrator imports six enterprise registrations with their DOCX plans; six judges are set up
(one works at the first entry's applicant: a conflict) and a panel of five judges per entry is planned
through the API. The conflicted judge signs in, finds their projects on the dashboard (never the
conflicted one), opens a scorecard pre-filled with verbatim quotations from the plan (with page
labels) and suggested questions, saves a draft, comes back to it and submits it: the card is locked
with its total. The conflicted entry's card and the standings are refused to the judge, and a
reviewer is refused both. The other judges submit through the API; the administrator reads the
standings (six entries ranked, five judges each, all advance), reopens the judge's card with a
reason, and the judge finds it editable again and submits a correction. Last, the card in English.
"""

from __future__ import annotations

import json
import re
import statistics
import zipfile
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.api.test_scorecards import CODES, _entries
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_qualification import _wait_until_checked
from tests.jobs import wait_for_jobs

OTHER_JUDGES = tuple(f"judge{n}" for n in range(2, 7))  # the default "judge" and these five: six in all
MAXIMA = {"technology": 30, "business_model": 20, "market": 20, "team": 15, "finance": 15}
NAMES = {"technology": "技术和产品", "business_model": "商业模式及实施方案", "market": "行业及市场",
         "team": "团队", "finance": "财务分析"}
DRAFT = {"technology": 26}
SCORES = {"technology": 26, "business_model": 17, "market": 16.5, "team": 12, "finance": 11}
CORRECTED = {**SCORES, "team": 13.5}
COMMENT = "核心工艺已批量验证，专利布局完整。"
REASON = "评委申请更正团队得分"


@pytest.fixture
def import_files(tmp_path: Path) -> tuple[Path, Path]:
    """The six registrations (JSON Lines) and a ZIP of their DOCX plans, as the API test builds them."""
    registrations, files = _entries()
    lines = tmp_path / "报名表.jsonl"
    lines.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in registrations), encoding="utf-8")
    bundle = tmp_path / "材料.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return lines, bundle


def _import(admin: Page, registrations: Path, bundle: Path) -> None:
    admin.goto("/admin/registrations")
    form = admin.locator("form#import-registrations")
    form.locator("input[name=registrations]").set_input_files(str(registrations))
    form.locator("input[name=files]").set_input_files(str(bundle))
    form.get_by_role("button", name="导入").click()
    expect(admin.locator("#outcome")).to_contain_text("新增 6 项")
    expect(admin.locator("#outcome")).to_contain_text("文件 6 个")
    _wait_until_checked(admin, rows=len(CODES))
    wait_for_jobs()


def _token(username: str) -> tuple[int, str]:
    """The user's id and a new API token, issued as `amreview users token` does (same database)."""
    from api.auth.service import find_user, issue_token
    from ingest.database import session_scope

    with session_scope() as session:
        user = find_user(session, username)
        assert user is not None, username
        return user.id, issue_token(session, user, "browser journey")[1]


def _api(server: LiveServer, token: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def _api_scores(rank: int, offset: int) -> dict[str, float]:
    """A judge's scores: better-ranked entries get more, judges differ by a quarter point per criterion."""
    return {c: round(MAXIMA[c] * (0.9 - 0.1 * rank) - 0.25 * offset, 2) for c in MAXIMA}


def _trimmed_mean(totals: list[float]) -> float:
    return statistics.fmean(sorted(totals)[1:-1])


def _criterion(page: Page, criterion: str):  # type: ignore[no-untyped-def]
    return page.locator(f"div.card.criterion[data-criterion={criterion}]")


def _expect_locked(page: Page, total: float) -> None:
    expect(page.locator("#card-status")).to_have_text("已提交（已锁定）")
    expect(page.locator("#card-total")).to_have_text(f"{total:.2f}")
    for criterion in MAXIMA:
        expect(page.locator(f"input[name=score_{criterion}]")).to_be_disabled()
        expect(page.locator(f"textarea[name=comment_{criterion}]")).to_be_disabled()
    expect(page.locator("#save-draft")).to_have_count(0)
    expect(page.locator("#submit-scores")).to_have_count(0)


def _expect_refused(page: Page, path: str, secret: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 403, (path, response and response.status)
    expect(page.locator("#error-code")).to_have_attribute("data-code", "forbidden")
    expect(page.locator("#error-code")).to_have_text("您的角色无权访问此页面。")
    expect(page.locator("main")).not_to_contain_text(secret)


@pytest.mark.browser
def test_judges_score_and_the_administrator_ranks_and_reopens(page_as, live_server: LiveServer,
                                                               import_files: tuple[Path, Path]) -> None:
    admin = page_as("admin")
    _import(admin, *import_files)

    # six judges, a conflict, and a panel of five per entry, through the API
    live_server.account("judge")
    for number, name in enumerate(OTHER_JUDGES, 2):
        live_server.add_user(name, "judge", display_name=f"评委{number}")
    judges = {name: _token(name) for name in ("judge", *OTHER_JUDGES)}
    with _api(live_server, _token("admin")[1]) as api:
        items = {i["code"]: i for i in api.get("/api/v1/submissions").json()["items"]}
        assert sorted(items) == CODES
        contest_id = api.get("/api/v1/contests").json()["items"][0]["id"]
        conflicted = items[CODES[0]]
        profile = api.put("/api/v1/judges/judge/profile", json={"organisation": conflicted["applicant"],
                                                               "expertise": "industry"})
        assert profile.status_code == 200, profile.text
        planned = api.post("/api/v1/panels", json={"contest_id": contest_id, "group": "enterprise",
                                                   "round": "preliminary", "per_project": 5})
        assert planned.status_code == 200, planned.text
        plan = planned.json()
        conflicts = api.get("/api/v1/conflicts").json()
    assert plan["shortfalls"] == {}
    assignments = {int(k): v for k, v in plan["assignments"].items()}
    assert sorted(assignments) == sorted(i["id"] for i in items.values())
    assert all(len(set(v)) == 5 for v in assignments.values()), assignments
    judge_id = judges["judge"][0]
    assert judge_id not in assignments[conflicted["id"]]
    assert any(c["submission"] == CODES[0] and c["verdict"] == "conflict" for c in conflicts), conflicts
    mine = [code for code in CODES if judge_id in assignments[items[code]["id"]]]
    assert mine and CODES[0] not in mine

    # the conflicted judge's dashboard: their projects, never the conflicted one
    judge = page_as("judge")
    projects = judge.locator("table#projects tr")
    expect(projects).to_have_count(len(mine) + 1)  # a header and the assigned projects
    for number, code in enumerate(mine, 1):
        expect(projects.nth(number).locator("td").first).to_have_text(code)
    expect(judge.locator("table#projects")).not_to_contain_text(CODES[0])
    expect(judge.locator("table#projects")).not_to_contain_text(conflicted["project"])
    expect(judge.locator("a.open-scorecard")).to_have_count(len(mine))
    code = mine[0]
    entry = items[code]
    card_path = f"/scorecards/{entry['id']}"
    projects.nth(1).locator("a.open-scorecard").click()
    expect(judge).to_have_url(re.compile(rf"{card_path}$"))

    # the pre-filled card: Chinese criteria, verbatim quotations with their pages, suggested questions
    expect(judge.locator("#code")).to_have_text(code)
    expect(judge.locator("#project")).to_have_text(entry["project"])
    expect(judge.locator("#card-status")).to_have_text("草稿")
    expect(judge.locator("#card-total")).to_have_count(0)
    expect(judge.locator("div.card.criterion")).to_have_count(len(MAXIMA))
    for criterion, name in NAMES.items():
        block = _criterion(judge, criterion)
        expect(block.locator("h3")).to_have_text(f"{name}（{MAXIMA[criterion]}%）")
        cited = block.locator("blockquote.cited")
        assert cited.count() >= 2, (criterion, cited.count())
        for quotation in cited.all():
            expect(quotation).to_have_text(re.compile(r"\S.*（第 \d+ 页）$", re.S))
        expect(block.locator(f"input[name=score_{criterion}]")).to_be_editable()
        expect(block.locator("label")).to_contain_text(f"得分（0–{MAXIMA[criterion]}）")
    questions = judge.locator("div.card.criterion p.question")
    for question in questions.all():
        expect(question).to_have_text(re.compile(r"^？ \S"))
    expect(judge.locator("#save-draft")).to_have_text("保存草稿")
    expect(judge.locator("#submit-scores")).to_have_text("提交评分")
    screenshot(judge, "scorecard-judge")

    # a draft: saved, and still there when the judge comes back
    judge.locator("input[name=score_technology]").fill(str(DRAFT["technology"]))
    judge.locator("textarea[name=comment_technology]").fill(COMMENT)
    judge.locator("#save-draft").click()
    expect(judge.locator("#saved")).to_have_text("草稿已保存。")
    expect(judge.locator("#card-status")).to_have_text("草稿")
    judge.goto(card_path)
    expect(judge.locator("#saved")).to_have_count(0)
    expect(judge.locator("input[name=score_technology]")).to_have_value(str(DRAFT["technology"]))
    expect(judge.locator("textarea[name=comment_technology]")).to_have_value(COMMENT)
    expect(judge.locator("input[name=score_finance]")).to_have_value("")

    # every criterion scored and submitted: locked, with the total
    for criterion, points in SCORES.items():
        judge.locator(f"input[name=score_{criterion}]").fill(f"{points:g}")
    judge.locator("#submit-scores").click()
    expect(judge.locator("#saved")).to_have_text("评分已提交并锁定。")
    _expect_locked(judge, sum(SCORES.values()))
    for criterion, points in SCORES.items():
        expect(judge.locator(f"input[name=score_{criterion}]")).to_have_value(f"{points:g}")
    expect(judge.locator("textarea[name=comment_technology]")).to_have_value(COMMENT)
    screenshot(judge, "scorecard-submitted")

    # refusals: the conflicted entry and the standings for the judge; scores of any kind for a reviewer
    expect(judge.locator("header nav")).not_to_contain_text("评审结果")
    _expect_refused(judge, f"/scorecards/{conflicted['id']}", conflicted["project"])
    _expect_refused(judge, f"/standings?contest_id={contest_id}&group=enterprise&round=preliminary", CODES[0])
    screenshot(judge, "scorecard-refused")
    reviewer = page_as("reviewer")
    expect(reviewer.locator("header nav")).not_to_contain_text("评审结果")
    _expect_refused(reviewer, f"/standings?contest_id={contest_id}&group=enterprise&round=preliminary", CODES[0])
    _expect_refused(reviewer, card_path, "技术和产品")

    # the other judges submit through the API: five submitted cards per entry
    totals: dict[str, list[float]] = {c: [] for c in CODES}
    totals[code].append(sum(SCORES.values()))
    for offset, (name, (user_id, token)) in enumerate(sorted(judges.items())):
        with _api(live_server, token) as api:
            for rank, other in enumerate(CODES):
                if user_id not in assignments[items[other]["id"]] or (name == "judge" and other == code):
                    continue
                scores = _api_scores(rank, offset)
                response = api.put(f"/api/v1/scorecards/{items[other]['id']}",
                                   json={"round": "preliminary", "scores": scores, "submit": True})
                assert response.status_code == 200, (name, other, response.text)
                assert response.json()["status"] == "submitted"
                totals[other].append(sum(scores.values()))
    assert all(len(v) == 5 for v in totals.values()), totals

    # the standings: ranked by the trimmed mean, five judges each, all six advance (thirty places)
    admin.goto("/")
    admin.locator("header nav").get_by_role("link", name="评审结果", exact=True).click()
    expect(admin).to_have_url(re.compile(r"/standings$"))
    admin.goto(f"/standings?contest_id={contest_id}&group=enterprise&round=preliminary")
    expect(admin.locator("main h2").first).to_have_text("评审结果")
    expected = sorted(CODES, key=lambda c: -_trimmed_mean(totals[c]))
    assert expected == CODES  # better entries were scored higher
    rows = admin.locator("table#standings tr")
    expect(rows).to_have_count(len(CODES) + 1)
    for number, other in enumerate(expected, 1):
        cells = rows.nth(number).locator("td")
        expect(cells.nth(0)).to_have_text(str(number))
        expect(cells.nth(1)).to_have_text(other)
        expect(cells.nth(2)).to_have_text(items[other]["project"])
        expect(cells.nth(4)).to_have_text(f"{_trimmed_mean(totals[other]):.2f}")
        expect(cells.nth(5)).to_have_text("5")
        expect(cells.nth(6)).to_have_text("晋级")
    screenshot(admin, "standings")

    # the administrator reopens the judge's card with a reason; the judge may change it again
    admin.goto(f"{card_path}?judge=judge")
    _expect_locked(admin, sum(SCORES.values()))
    reopen = admin.locator("form#reopen-form")
    reopen.locator("input[name=reason]").fill(REASON)
    reopen.get_by_role("button", name="退回重评").click()
    expect(admin).to_have_url(re.compile(rf"{card_path}\?round=preliminary&judge=judge$"))
    expect(admin.locator("#card-status")).to_have_text("草稿")
    expect(admin.locator("form#reopen-form")).to_have_count(0)
    expect(admin.locator("input[name=score_team]")).to_have_value(f"{SCORES['team']:g}")
    expect(admin.locator("input[name=score_team]")).to_be_disabled()  # an administrator never scores

    judge.goto(card_path)
    expect(judge.locator("#card-status")).to_have_text("草稿")
    expect(judge.locator("input[name=score_team]")).to_be_editable()
    expect(judge.locator("input[name=score_team]")).to_have_value(f"{SCORES['team']:g}")
    expect(judge.locator("#submit-scores")).to_be_visible()
    judge.locator("input[name=score_team]").fill(f"{CORRECTED['team']:g}")
    judge.locator("#submit-scores").click()
    _expect_locked(judge, sum(CORRECTED.values()))

    # the card in English
    judge.goto(f"{card_path}?lang=en")
    expect(_criterion(judge, "technology").locator("h3")).to_have_text("Technology and product（30%）")
    expect(_criterion(judge, "finance").locator("h3")).to_have_text("Financial analysis（15%）")
    expect(judge.locator("#card-status")).to_have_text("Submitted (locked)")
    expect(judge.locator("#card-total")).to_have_text(f"{sum(CORRECTED.values()):.2f}")
    expect(_criterion(judge, "technology").locator("blockquote.cited").first).to_have_text(
        re.compile(r"（page \d+）$"))
    screenshot(judge, "scorecard-english")
