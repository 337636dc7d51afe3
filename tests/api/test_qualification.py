"""Qualification review through the API: import with files, checks after parsing, queue, decisions, export."""

from __future__ import annotations

import io
import json
import random
import time
import zipfile
from datetime import date

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.demo.plans import make_uscc
from tests.documents import one_page_pdf
from tests.jobs import jobs_settled

pytestmark = pytest.mark.storage

CONTEST = {"kind": "thematic", "name": "增材制造专题赛", "edition": 11, "year": 2026, "region": None}
COMPANY = "四川泸州星火增材科技有限公司"
USCC = make_uscc(random.Random(3), "510500", date(2019, 5, 20))
ID_NUMBER = "11010519491231002X"
PROJECT = "钛合金激光选区熔化成形装备"


def _registration(code: str, **changes: object) -> dict:
    base = {"id": code, "contest": CONTEST, "group": "enterprise", "segment": 1, "project": PROJECT,
            "applicant": {"kind": "company", "name": COMPANY, "uscc": USCC, "registered_on": "2019-05-20",
                          "industry": "工业", "employees": 120, "revenue_10k_cny": 8500, "assets_10k_cny": 12000,
                          "credit_flags": []},
            "on_market": True, "team": [{"name": "张明", "id_number": ID_NUMBER, "role": "负责人", "core": True}],
            "files": [f"{code}.pdf"]}
    base.update(changes)
    return base


def _plan(company: str = COMPANY) -> bytes:
    return one_page_pdf("一、项目概述", f"{company}成立于2019年5月20日。", f"统一社会信用代码：{USCC}",
                        "公司现有员工120人，2025年营业收入8500万元。", "二、技术与产品", "三、市场分析", "四、团队介绍",
                        "五、财务分析", "六、融资计划", heading=True)


def _import(client: TestClient, registrations: list[dict], files: dict[str, bytes]) -> dict:
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in registrations).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    response = client.post("/api/v1/registrations", files={"registrations": ("报名表.jsonl", lines),
                                                           "files": ("files.zip", buffer.getvalue())})
    assert response.status_code == 201, response.text
    return response.json()


def _settled(client: TestClient, count: int, seconds: float = 90) -> list[dict]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if jobs_settled():
            items = client.get("/api/v1/submissions").json()["items"]
            if len(items) == count and all(item["verdict"] for item in items):
                return items
        time.sleep(0.2)
    raise AssertionError("submissions were not checked in time")


def test_import_check_triage_decide_and_export(client: TestClient) -> None:
    large = _registration("AM11-E-0003", applicant={**_registration("x")["applicant"], "employees": 1000,
                                                      "revenue_10k_cny": 40000})
    flagged = _registration("AM11-E-0002", applicant={**_registration("x")["applicant"],
                                                        "credit_flags": ["abnormal_operation"]})
    outcome = _import(client, [_registration("AM11-E-0001"), flagged, large, {"id": "broken"}],
                      {"AM11-E-0001.pdf": _plan(), "AM11-E-0002.pdf": _plan(), "AM11-E-0003.pdf": _plan()})
    assert (outcome["created"], outcome["files"]) == (3, 3)
    assert any("broken" in error for error in outcome["errors"]), outcome["errors"]  # reported; the rest carry on

    items = _settled(client, 3)
    verdicts = {item["code"]: item["verdict"] for item in items}
    assert verdicts["AM11-E-0003"] == "ineligible"  # exactly 1000 people and 40000万: a large enterprise
    assert verdicts["AM11-E-0002"] == "ineligible"
    assert verdicts["AM11-E-0001"] != "ineligible", items  # the problems say which rule failed
    assert [item["code"] for item in items][-1] == "AM11-E-0001"  # riskiest first
    assert {p["rule"] for p in next(i for i in items if i["code"] == "AM11-E-0002")["problems"]} >= {"credit_record"}

    by_code = client.get("/api/v1/submissions", params={"sort": "code"}).json()["items"]
    assert [item["code"] for item in by_code] == ["AM11-E-0001", "AM11-E-0002", "AM11-E-0003"]
    assert client.get("/api/v1/submissions", params={"sort": "nonsense"}).status_code == 422
    page = client.get("/review", params={"sort": "code", "verdict": "ineligible"})
    assert page.status_code == 200 and page.text.index("AM11-E-0002") < page.text.index("AM11-E-0003")
    assert 'href="/review?verdict=ineligible&amp;sort=risk"' in page.text  # headers re-sort, filters kept

    only = client.get("/api/v1/submissions", params={"verdict": "ineligible"}).json()
    assert {item["code"] for item in only["items"]} == {"AM11-E-0002", "AM11-E-0003"}

    clean_id = next(item["id"] for item in items if item["code"] == "AM11-E-0001")
    detail = client.get(f"/api/v1/submissions/{clean_id}").json()
    assert ID_NUMBER not in json.dumps(detail, ensure_ascii=False)
    assert detail["members"][0]["id_masked"] == "110105********002X"
    facts = {f["kind"]: f for doc in detail["documents"] for f in doc["facts"]}
    assert facts["uscc"]["value"] == USCC and facts["uscc"]["valid"] is True
    rules = {r["rule"]: r for r in detail["checks"]}
    assert rules["sme_size"]["status"] == "pass"
    assert rules["registration_consistent"]["status"] == "pass"
    assert any(e.get("source") == "document" for e in rules["registration_consistent"]["evidence"])

    refused = client.post(f"/api/v1/submissions/{clean_id}/decisions", json={"decision": "reject"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "comment_required"
    decided = client.post(f"/api/v1/submissions/{clean_id}/decisions",
                          json={"decision": "accept", "comment": "材料齐全"})
    assert decided.status_code == 201 and decided.json()["verdict"] == verdicts["AM11-E-0001"]
    assert client.get("/api/v1/submissions", params={"decision": "pending"}).json()["total"] == 2

    export = client.get("/review/export.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"AM11-E-0001", "AM11-E-0002", "AM11-E-0003"}
    assert rows["AM11-E-0001"][10:12] == ("accept", "材料齐全")
    assert "credit_record" in rows["AM11-E-0002"][9]

    audit = client.get("/api/v1/audit", params={"action": "decision"}).json()["items"]
    assert audit and audit[0]["object_id"] == str(clean_id)


def test_reimport_updates_and_rechecks(client: TestClient) -> None:
    _import(client, [_registration("AM11-E-0001")], {"AM11-E-0001.pdf": _plan()})
    _settled(client, 1)
    changed = _registration("AM11-E-0001", team=[{"name": f"成员{i}", "core": True} for i in range(3)])
    outcome = _import(client, [changed], {"AM11-E-0001.pdf": _plan()})
    assert (outcome["created"], outcome["updated"]) == (0, 1)
    items = _settled(client, 1)
    detail = client.get(f"/api/v1/submissions/{items[0]['id']}").json()
    assert [m["name"] for m in detail["members"]] == ["成员0", "成员1", "成员2"]


def test_past_list_import_makes_a_listed_project_ineligible(client: TestClient) -> None:
    listing = ("2024年创客中国企业组500强名单\n序号,参赛主体,项目名称,推荐赛区\n"
               f"1,四川泸州星火增材科技股份有限公司,{PROJECT},四川赛区\n")
    response = client.post("/api/v1/past-lists", files={"file": ("2024年企业组500强.csv", listing.encode())})
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 1 and response.json()["year"] == 2024
    _import(client, [_registration("AM11-E-0001")], {"AM11-E-0001.pdf": _plan()})
    items = _settled(client, 1)
    detail = client.get(f"/api/v1/submissions/{items[0]['id']}").json()
    assert {r["rule"]: r["status"] for r in detail["checks"]}["past_top_lists"] == "fail"


def test_a_bad_registrations_file_is_refused_with_a_reason(client: TestClient) -> None:
    response = client.post("/api/v1/registrations", files={"registrations": ("x.jsonl", b"\xff\xfe not json")})
    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_contest_rule_settings_are_validated_stored_and_used(client: TestClient) -> None:
    flagged = _registration("AM11-E-0002", applicant={**_registration("x")["applicant"],
                                                        "credit_flags": ["abnormal_operation"]})
    _import(client, [flagged], {"AM11-E-0002.pdf": _plan()})
    items = _settled(client, 1)
    assert items[0]["verdict"] == "ineligible"
    contest_id = client.get("/api/v1/contests").json()["items"][0]["id"]

    bad = client.put(f"/api/v1/contests/{contest_id}/rules", json={"credit_record": {"enabled": "yes"}})
    assert bad.status_code == 400 and "credit_record.enabled" in bad.json()["error"]["message"]
    unknown = client.put(f"/api/v1/contests/{contest_id}/rules", json={"no_such_rule": {}})
    assert unknown.status_code == 400 and "unknown rule" in unknown.json()["error"]["message"]

    changed = client.put(f"/api/v1/contests/{contest_id}/rules", json={"credit_record": {"advisory": True}})
    assert changed.status_code == 200
    assert changed.json()["effective"]["credit_record"]["advisory"] is True
    assert client.get(f"/api/v1/contests/{contest_id}/rules").json()["overrides"] == {
        "credit_record": {"advisory": True}}

    job = client.post(f"/api/v1/submissions/{items[0]['id']}/check").json()["job_id"]
    deadline = time.monotonic() + 60
    while client.get(f"/api/v1/jobs/{job}").json()["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    detail = client.get(f"/api/v1/submissions/{items[0]['id']}").json()
    assert detail["verdict"] == "needs_review"  # an advisory failure goes to a person, it does not disqualify
    assert {r["rule"]: r for r in detail["checks"]}["credit_record"]["advisory"] is True


def test_past_list_columns_can_be_named_when_detection_misses_them(client: TestClient) -> None:
    listing = f"名次,参赛作品,主体\n1,{PROJECT},四川泸州星火增材科技有限公司\n".encode()
    undetected = client.post("/api/v1/past-lists", data={"year": "2025", "group": "enterprise"},
                             files={"file": ("list.csv", listing)})
    assert undetected.status_code == 400  # 参赛作品 and 主体 are no known headers: nothing is guessed
    named = client.post("/api/v1/past-lists", files={"file": ("list.csv", listing)},
                        data={"year": "2025", "group": "enterprise",
                              "columns": json.dumps({"project": "参赛作品", "applicant": 2}, ensure_ascii=False)})
    assert named.status_code == 201, named.text
    assert (named.json()["imported"], named.json()["year"], named.json()["group"]) == (1, 2025, "enterprise")
    bad = client.post("/api/v1/past-lists", files={"file": ("list.csv", listing)},
                      data={"year": "2025", "columns": '{"prize": 3}'})
    assert bad.status_code == 400 and "unknown column" in bad.json()["error"]["message"]
