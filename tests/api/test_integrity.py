"""Integrity through the API: repeats and copying found on import, cases, findings feeding verdicts, references."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.demo.load import load_corpus
from api.demo.plans import make_plan
from api.demo.registrations import registration_for
from api.demo.render import render_docx
from api.demo.repeats import REGIONAL, copied_pair, edited
from tests.api.test_qualification import _import, _settled
from tests.jobs import wait_for_jobs
from tests.review.test_cli_check import _run

pytestmark = pytest.mark.storage

THEMATIC = {"kind": "thematic", "name": "增材制造专题赛", "edition": 11, "year": 2026, "region": "四川泸州"}


def _entries() -> dict[str, tuple[dict, bytes]]:
    """A repeat (one firm, two contests), a copied description (two firms), and an unrelated entry."""
    plan = make_plan(1, 11, pages=6)
    original, copier = copied_pair(3, 7_000)
    plans = {"AM11-E-0001": (plan, THEMATIC), "SC11-E-0001": (edited(plan, random.Random(1)), REGIONAL),
             "SC11-E-0002": (original, REGIONAL), "SC11-E-0003": (copier, REGIONAL),
             "AM11-E-0002": (make_plan(6, 12, pages=6), THEMATIC)}
    entries = {}
    for code, (each, contest) in plans.items():
        entry = registration_for(each, code, seed=7, contest=contest)
        entries[code] = ({**entry.registration, "files": [f"{code}.docx"]}, render_docx(entry.document))
    return entries


def _rule(client: TestClient, item: dict) -> dict:
    checks = client.get(f"/api/v1/submissions/{item['id']}").json()["checks"]
    return next(c for c in checks if c["rule"] == "repeat_and_copying")


def _items(client: TestClient) -> dict[str, dict]:
    return {i["code"]: i for i in _settled(client, 5)}


def _wait(client: TestClient) -> dict[str, dict]:
    wait_for_jobs()
    return _items(client)


@pytest.fixture
def imported(client: TestClient) -> dict[str, dict]:
    """The entries, imported after past years' plans taught the index the generator's stock sentences."""
    load_corpus()
    assert client.post("/api/v1/integrity/rebuild").status_code == 202
    wait_for_jobs()
    entries = _entries()
    _import(client, [r for r, _ in entries.values()], {f"{code}.docx": data for code, (_, data) in entries.items()})
    return _items(client)


def _cases(client: TestClient) -> dict[frozenset[str], dict]:
    response = client.get("/api/v1/integrity/cases")
    assert response.status_code == 200, response.text
    return {frozenset(m["code"] for m in c["members"]): c for c in response.json()}


def test_repeat_and_copying_are_found_and_shown_passage_by_passage(client: TestClient,
                                                                   imported: dict[str, dict]) -> None:
    cases = _cases(client)
    assert set(cases) == {frozenset({"AM11-E-0001", "SC11-E-0001"}), frozenset({"SC11-E-0002", "SC11-E-0003"})}
    repeat = cases[frozenset({"AM11-E-0001", "SC11-E-0001"})]
    copying = cases[frozenset({"SC11-E-0002", "SC11-E-0003"})]
    assert (repeat["kind"], copying["kind"]) == ("repeat", "copying")
    assert repeat["score"] > copying["score"] >= 0.3  # sorted: most suspicious first
    assert next(iter(_cases(client).values()))["id"] == repeat["id"]

    detail = client.get(f"/api/v1/integrity/cases/{repeat['id']}").json()
    pair = detail["pairs"][0]
    assert {link["kind"] for link in pair["links"]} >= {"uscc", "project"}
    assert pair["resemblance"] > 0.5 and pair["passages"]
    assert {m["contest"] for m in detail["members"]} == {"增材制造专题赛", "创客中国四川省区域赛"}

    detail = client.get(f"/api/v1/integrity/cases/{copying['id']}").json()
    pair = detail["pairs"][0]
    assert not any(link["kind"] in ("uscc", "company", "person") for link in pair["links"])
    passage = max(pair["passages"], key=lambda p: p["a"][1] - p["a"][0])
    original = "".join(text for text, _ in passage["a_pieces"])
    copied = "".join(text for text, _ in passage["b_pieces"])
    assert len(original) >= 300 and "，" in original and "," in copied  # the copier changed the punctuation
    assert passage["a_page"] and passage["b_page"]
    assert [t for t, same in passage["a_pieces"] if not same], "the reworded words are marked as different"
    assert sum(len(t) for t, same in passage["b_pieces"] if same) > 0.8 * len(copied)

    verdicts = {code: _rule(client, item) for code, item in imported.items()}
    for code in ("AM11-E-0001", "SC11-E-0001", "SC11-E-0002", "SC11-E-0003"):
        assert verdicts[code]["status"] == "unknown", (code, verdicts[code])
        assert imported[code]["verdict"] in ("needs_review", "ineligible")
    assert "SC11-E-0001" in verdicts["AM11-E-0001"]["reason"]
    assert verdicts["AM11-E-0002"]["status"] == "pass"

    submission = client.get(f"/review/submissions/{imported['SC11-E-0001']['id']}")
    assert f'href="/integrity/cases/{repeat["id"]}"' in submission.text and "重复参赛" in submission.text
    page = client.get(f"/integrity/cases/{copying['id']}")
    assert page.status_code == 200 and "mark class=\"differs\"" in page.text and "SC11-E-0003" in page.text


def test_findings_decide_the_verdicts_and_are_audited(client: TestClient, imported: dict[str, dict]) -> None:
    cases = _cases(client)
    repeat = cases[frozenset({"AM11-E-0001", "SC11-E-0001"})]
    copying = cases[frozenset({"SC11-E-0002", "SC11-E-0003"})]
    refused = client.post(f"/api/v1/integrity/cases/{repeat['id']}/findings",
                          json={"finding": "confirmed_repeat", "at_fault": ["AM11-E-0002"]})
    assert refused.status_code == 422 and "AM11-E-0002" in refused.text  # not a member of this case
    decided = client.post(f"/api/v1/integrity/cases/{repeat['id']}/findings",
                          json={"finding": "confirmed_repeat", "comment": "同一项目参加两项赛事",
                                "at_fault": ["SC11-E-0001"]})
    assert decided.status_code == 201, decided.text
    cleared = client.post(f"/api/v1/integrity/cases/{copying['id']}/findings",
                          json={"finding": "false_alarm", "comment": "同一作者授权使用"})
    assert cleared.status_code == 201
    items = _wait(client)
    assert _rule(client, items["SC11-E-0001"])["status"] == "fail"
    assert items["SC11-E-0001"]["verdict"] == "ineligible"
    assert "confirmed_repeat" in _rule(client, items["SC11-E-0001"])["reason"]
    assert _rule(client, items["AM11-E-0001"])["status"] == "pass"  # the finding holds against the later entry only
    assert _rule(client, items["SC11-E-0002"])["status"] == _rule(client, items["SC11-E-0003"])["status"] == "pass"
    detail = client.get(f"/api/v1/integrity/cases/{repeat['id']}").json()
    assert detail["status"] == "decided" and detail["findings"][0]["at_fault"] == ["SC11-E-0001"]
    audit = client.get("/api/v1/audit", params={"action": "integrity_finding"}).json()
    assert {row["object_id"] for row in audit["items"]} == {str(repeat["id"]), str(copying["id"])}


def test_reference_texts_are_checked_against_or_ignored(client: TestClient, imported: dict[str, dict]) -> None:
    original, _ = copied_pair(3, 7_000)
    described = "\n".join(next(s for s in original.sections if s.heading.startswith("（一）技术路线")).paragraphs[:3])
    added = client.post("/api/v1/integrity/references", json={"kind": "compare", "title": "某公司官网介绍",
                                                               "source": "https://example.com", "text": described})
    assert added.status_code == 201, added.text
    code = f"R-{added.json()['id']}"
    reference = next(c for members, c in _cases(client).items() if code in members)
    assert {m["code"] for m in reference["members"]} == {code, "SC11-E-0002", "SC11-E-0003"}
    assert reference["kind"] == "mixed"  # the two copies are one case with their public source
    pairs = client.get(f"/api/v1/integrity/cases/{reference['id']}").json()["pairs"]
    assert {p["kind"] for p in pairs if code in (p["a_code"], p["b_code"])} == {"reference"}
    matches = client.post("/api/v1/integrity/align", json={"source": described, "suspicious": described}).json()
    assert matches["matches"] and matches["matches"][0]["source"][1] - matches["matches"][0]["source"][0] > 300
    ignored = client.post("/api/v1/integrity/references", json={"kind": "ignore", "title": "政策原文",
                                                             "text": described})
    assert ignored.status_code == 201
    _wait(client)
    assert client.post("/api/v1/integrity/align", json={"source": described, "suspicious": described}).json() \
        == {"matches": []}
    assert frozenset({"SC11-E-0002", "SC11-E-0003"}) not in _cases(client)  # the shared text is ignored now
    listed = client.get("/api/v1/integrity/references").json()
    assert [r["kind"] for r in listed][:2] == ["ignore", "compare"] and len(listed) == 72


def test_only_officers_and_admins_see_cases(sign_in: Callable[[str], TestClient]) -> None:
    for role in ("reviewer", "judge"):
        other = sign_in(role)
        assert other.get("/api/v1/integrity/cases").status_code == 403
        assert other.get("/integrity").status_code == 403
    officer = sign_in("integrity")
    assert officer.get("/api/v1/integrity/cases").json() == []
    assert "诚信查重" in officer.get("/integrity").text
    assert officer.post("/api/v1/integrity/references", json={"kind": "compare", "title": "x",
                                                             "text": "增材制造"}).status_code == 403
    assert officer.post("/api/v1/integrity/rebuild").status_code == 403


def test_the_command_line_rebuilds_and_lists_the_same_cases(client: TestClient, imported: dict[str, dict],
                                                            data_dir: Path, tmp_path: Path) -> None:
    before = {frozenset(c["members"]) for c in map(json.loads, _run("integrity", "cases", cwd=tmp_path,
                                                                    data=data_dir).stdout.splitlines())}
    rebuilt = _run("integrity", "rebuild", cwd=tmp_path, data=data_dir)
    assert rebuilt.returncode == 0, rebuilt.stderr
    summary = json.loads(rebuilt.stdout)
    assert summary["submissions"] == 5 and summary["cases"] == 2 and summary["common_grams"] > 1000
    after = [json.loads(line) for line in _run("integrity", "cases", cwd=tmp_path, data=data_dir).stdout.splitlines()]
    assert {frozenset(c["members"]) for c in after} == before == {frozenset({"AM11-E-0001", "SC11-E-0001"}),
                                                                 frozenset({"SC11-E-0002", "SC11-E-0003"})}
    assert [c["kind"] for c in after] == ["repeat", "copying"]
