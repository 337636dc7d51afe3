"""Judging through the API and pages: panels with conflicts, pre-filled cards, scores, locks, standings, exports."""

from __future__ import annotations

import io
from collections.abc import Callable

import docx
import openpyxl
import pdfplumber
import pytest
from fastapi.testclient import TestClient

from api.demo.plans import make_plan
from api.demo.registrations import registration_for
from api.demo.render import render_docx
from tests.api.conftest import PASSWORD, Person, csrf_in, login
from tests.api.test_qualification import _import, _settled

pytestmark = pytest.mark.storage

CODES = [f"AM11-E-{n:04d}" for n in range(1, 7)]
EXTRA_JUDGES = ("judge3", "judge4", "judge5", "judge6")


def _entries() -> tuple[list[dict], dict[str, bytes]]:
    registrations, files = [], {}
    for index, code in enumerate(CODES):
        entry = registration_for(make_plan(1 + index % 7, 40 + index, pages=8), code, seed=index)
        registrations.append({**entry.registration, "files": [f"{code}.docx"]})
        files[f"{code}.docx"] = render_docx(entry.document)
    return registrations, files


@pytest.fixture
def judged(client: TestClient, people: dict[str, Person]) -> dict:
    """Six entries, six judges (one works at the first entry's applicant), and a planned panel of five each."""
    from api.auth.service import create_user, issue_token
    from ingest.database import session_scope

    registrations, files = _entries()
    _import(client, registrations, files)
    items = {i["code"]: i for i in _settled(client, len(CODES))}
    tokens = {"judge": people["judge"].token, "judge2": people["judge2"].token}
    with session_scope() as session:
        for name in EXTRA_JUDGES:
            user = create_user(session, name, "judge", PASSWORD, display_name=name.title())
            tokens[name] = issue_token(session, user, "tests")[1]
    conflicted_applicant = items[CODES[0]]["applicant"]
    assert client.put("/api/v1/judges/judge/profile", json={"organisation": conflicted_applicant,
                                                            "expertise": "industry"}).status_code == 200
    finance = {"expertise": "finance", "segments": [1, 2]}
    assert client.put("/api/v1/judges/judge2/profile", json=finance).status_code == 200
    contest_id = client.get("/api/v1/contests").json()["items"][0]["id"]
    plan = client.post("/api/v1/panels", json={"contest_id": contest_id, "group": "enterprise", "per_project": 5})
    assert plan.status_code == 200, plan.text
    return {"items": items, "tokens": tokens, "contest_id": contest_id, "plan": plan.json()}


def _as(client: TestClient, token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _score_all(client: TestClient, judged: dict, round_: str, base: float, codes: list[str] = CODES) -> None:
    """Every assigned judge scores every entry of the round: better entries get more, judges differ a little."""
    card_ids = [judged["items"][code]["id"] for code in codes]
    for offset, (name, token) in enumerate(sorted(judged["tokens"].items())):
        for rank, submission_id in enumerate(card_ids):
            card = client.get(f"/api/v1/scorecards/{submission_id}?round={round_}", headers=_as(client, token))
            if card.status_code == 403:
                continue
            criteria = card.json()["criteria"]
            scores = {c["id"]: max(c["min_score"], c["max_score"] * (base - 0.05 * rank) - offset * 0.25)
                      for c in criteria}
            response = client.put(f"/api/v1/scorecards/{submission_id}", headers=_as(client, token),
                                  json={"round": round_, "scores": scores, "submit": True})
            assert response.status_code == 200, (name, response.text)


def test_panel_assigns_five_unconflicted_judges_and_records_the_conflict(client: TestClient, judged: dict) -> None:
    plan, items = judged["plan"], judged["items"]
    first = str(items[CODES[0]]["id"])
    assert all(len(judges) == 5 for judges in plan["assignments"].values())
    assert plan["shortfalls"] == {}
    judge_id = next(c["judge_id"] for c in plan["conflicts"] if c["submission_id"] == int(first))
    assert judge_id not in plan["assignments"][first]
    conflicts = client.get("/api/v1/conflicts").json()
    assert any(c["judge"] == "Judge" and c["submission"] == CODES[0] and c["verdict"] == "conflict"
               for c in conflicts)


def test_a_judge_is_refused_projects_they_are_not_assigned_or_are_conflicted_on(
        client: TestClient, judged: dict, sign_in: Callable[[str], TestClient], people: dict[str, Person]) -> None:
    token = judged["tokens"]["judge"]
    conflicted = judged["items"][CODES[0]]["id"]
    for path in (f"/api/v1/scorecards/{conflicted}", f"/api/v1/scorecards/{conflicted}/export.pdf",
                 "/api/v1/scorecards/999999"):
        response = client.get(path, headers=_as(client, token))
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "forbidden"
    put = client.put(f"/api/v1/scorecards/{conflicted}", headers=_as(client, token), json={"scores": {}})
    assert put.status_code == 403
    for role in ("reviewer", "integrity"):
        page = sign_in(role)
        assert page.get(f"/api/v1/scorecards/{conflicted}").status_code == 403
        assert page.get(f"/api/v1/standings?contest_id={judged['contest_id']}&group=enterprise").status_code == 403
    judge_page = sign_in("judge")
    assert judge_page.get(f"/scorecards/{conflicted}").status_code == 403
    assert judge_page.get("/standings").status_code == 403
    assigned = next(int(k) for k, v in judged["plan"]["assignments"].items() if judged_user_id(judge_page) in v)
    card = client.get(f"/api/v1/scorecards/{assigned}", headers=_as(client, token)).json()
    assert all(f["reason"] == "" for f in card["flags"])  # reasons name other entries and integrity cases
    admin_card = client.get(f"/api/v1/scorecards/{assigned}", headers=_as(client, people["admin"].token)).json()
    assert [f["rule"] for f in admin_card["flags"]] == [f["rule"] for f in card["flags"]]
    assert all(f["reason"] for f in admin_card["flags"])
    page = judge_page.get(f"/scorecards/{assigned}")
    assert page.status_code == 200 and "技术和产品" in page.text and 'class="cited"' in page.text
    home = judge_page.get("/")
    assert f'href="/scorecards/{assigned}"' in home.text and f'href="/scorecards/{conflicted}"' not in home.text


def judged_user_id(client: TestClient) -> int:
    return client.get("/api/v1/me").json()["id"]


def test_the_card_is_prefilled_with_verbatim_citations(client: TestClient, judged: dict) -> None:
    from ingest.database import session_scope
    from ingest.models import DocumentRecord

    submission_id = judged["items"][CODES[1]]["id"]
    card = client.get(f"/api/v1/scorecards/{submission_id}").json()
    assert [c["id"] for c in card["criteria"]] == ["technology", "business_model", "market", "team", "finance"]
    with session_scope() as session:
        text = session.get(DocumentRecord, card["document_id"]).content["text"]
    for criterion in card["criteria"]:
        assert len(criterion["summary"]) >= 2, criterion["id"]
        for cited in criterion["summary"]:
            assert text[cited["span"][0]:cited["span"][1]] == cited["text"]
        assert criterion["max_score"] == criterion["weight"] and criterion["guidance"]


def test_scores_draft_submit_lock_reopen_and_audit(client: TestClient, judged: dict) -> None:
    token = judged["tokens"]["judge2"]
    submission_id = next(int(k) for k, v in judged["plan"]["assignments"].items()
                         if _user_id(client, "judge2") in v)
    url, headers = f"/api/v1/scorecards/{submission_id}", _as(client, token)
    draft = client.put(url, headers=headers, json={"scores": {"technology": 25}, "comments": {"technology": "领先"}})
    assert draft.status_code == 200 and draft.json()["status"] == "draft" and draft.json()["total"] is None
    assert client.get(url, headers=headers).json()["criteria"][0]["score"] == 25
    incomplete = client.put(url, headers=headers, json={"scores": {"technology": 25}, "submit": True})
    assert incomplete.status_code == 422 and "business_model" in incomplete.json()["error"]["message"]
    too_high = client.put(url, headers=headers, json={"scores": {"technology": 31}})
    assert too_high.status_code == 422 and too_high.json()["error"]["code"] == "range"
    full = {"technology": 25, "business_model": 16, "market": 15, "team": 12, "finance": 10.5}
    submitted = client.put(url, headers=headers, json={"scores": full, "submit": True, "comment": "整体较好"})
    assert submitted.json() == {"status": "submitted", "total": 78.5, "scores": full}
    locked = client.put(url, headers=headers, json={"scores": {**full, "team": 15}})
    assert locked.status_code == 409 and locked.json()["error"]["code"] == "locked"
    reopened = client.post(f"{url}/reopen", json={"judge": "judge2", "reason": "评委申请更正团队分"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "draft"
    again = client.put(url, headers=headers, json={"scores": {**full, "team": 15}, "submit": True})
    assert again.json()["total"] == 81.5
    events = client.get("/api/v1/audit?limit=200").json()["items"]
    reopen_event = next(e for e in events if e["action"] == "scores_reopened")
    assert reopen_event["detail"]["reason"] == "评委申请更正团队分"
    assert sum(e["action"] == "scores_submitted" for e in events) == 2


def _user_id(client: TestClient, username: str) -> int:
    from api.auth.service import find_user
    from ingest.database import session_scope

    with session_scope() as session:
        return find_user(session, username).id


def test_standings_cut_off_withdrawal_awards_and_exports(client: TestClient, judged: dict) -> None:
    contest_id = judged["contest_id"]
    _score_all(client, judged, "preliminary", 0.9)
    query = f"contest_id={contest_id}&group=enterprise"
    rows = client.get(f"/api/v1/standings?{query}").json()["rows"]
    assert [r["code"] for r in rows] == CODES  # scored in order
    assert all(r["judges"] == 5 and len(r["dropped"]) == 2 for r in rows)  # trimmed mean: 5 judges
    assert [r["outcome"] for r in rows] == ["advanced"] * 6  # six entries, thirty places
    withdrawn = judged["items"][CODES[0]]["id"]
    assert client.put(f"/api/v1/rounds/{withdrawn}", json={"status": "withdrawn", "reason": "企业申请退赛"}
                      ).status_code == 200
    rows = client.get(f"/api/v1/standings?{query}").json()["rows"]
    assert rows[0]["outcome"] == "withdrawn" and rows[0]["label"] == "退赛"

    refused = client.put(f"/api/v1/scorecards/{withdrawn}", json={"round": "final", "scores": {}},
                         headers=_as(client, judged["tokens"]["judge2"]))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "round"
    _score_all(client, judged, "final", 0.95, CODES[1:])
    final = client.get(f"/api/v1/standings?{query}&round=final").json()["rows"]
    assert [r["code"] for r in final] == CODES[1:]  # the withdrawn entry is not in the final
    assert [r["outcome"] for r in final] == ["first", "second", "second", "second", "third"]

    exported = client.get(f"/api/v1/standings/export.xlsx?{query}&round=final")
    ranking = openpyxl.load_workbook(io.BytesIO(exported.content))
    cells = [[c for c in row if c is not None] for row in ranking.active.iter_rows(values_only=True)]
    flat = [str(c) for row in cells for c in row]
    assert "一等奖" in flat and CODES[1] in flat and any("签字" in c for c in flat)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/api/v1/scoresheets/export.xlsx?{query}").content))
    values = [c for row in sheet.active.iter_rows(values_only=True) for c in row if c is not None]
    assert sum(1 for v in values if v in CODES) == 30  # 6 entries × 5 judges
    assert any(isinstance(v, float | int) and v > 50 for v in values)

    submission_id = judged["items"][CODES[1]]["id"]
    pdf = client.get(f"/api/v1/scorecards/{submission_id}/export.pdf?judge=judge2")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(pdf.content)) as opened:
        text = "".join((page.extract_text() or "") for page in opened.pages).replace("\n", "")
    card = client.get(f"/api/v1/scorecards/{submission_id}?judge=judge2").json()
    assert "技术和产品" in text and CODES[1] in text
    assert card["criteria"][0]["summary"][0]["text"][:12] in text
    word = docx.Document(io.BytesIO(client.get(f"/api/v1/scorecards/{submission_id}/export.docx?judge=judge2").content))
    body = "\n".join([p.text for p in word.paragraphs] + [c.text for t in word.tables for r in t.rows for c in r.cells])
    assert "财务分析" in body and card["criteria"][1]["summary"][0]["text"] in body
    assert f"{card['total']:g}" in body or f"{card['total']:.2f}" in body


def test_a_judge_scores_through_the_page(judged: dict, app_client: TestClient) -> None:
    app_client.cookies.clear()
    page = login(app_client, "judge3")
    page.headers["Authorization"] = f"Bearer {judged['tokens']['judge3']}"
    me = judged_user_id(page)
    submission_id = next(int(k) for k, v in judged["plan"]["assignments"].items() if me in v)
    html = page.get(f"/scorecards/{submission_id}").text
    form = {"csrf_token": csrf_in(html), "round": "preliminary", "score_technology": "20",
            "comment_technology": "工艺成熟", "action": "draft"}
    saved = page.post(f"/scorecards/{submission_id}", data=form, follow_redirects=True)
    assert saved.status_code == 200 and 'id="saved"' in saved.text and 'value="20"' in saved.text
    full = {**form, "score_business_model": "15", "score_market": "14", "score_team": "11", "score_finance": "9",
            "action": "submit"}
    submitted = page.post(f"/scorecards/{submission_id}", data=full, follow_redirects=True)
    assert "69.00" in submitted.text and 'id="submit-scores"' not in submitted.text
    no_token = page.post(f"/scorecards/{submission_id}", data={**full, "csrf_token": "x"})
    assert no_token.status_code == 403
