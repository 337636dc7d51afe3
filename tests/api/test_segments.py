"""Segments through the API: classify, a mis-declared entry flagged, a reviewer's correction, retraining."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from tests.api.test_qualification import _import, _registration, _settled
from tests.documents import one_page_pdf
from tests.jobs import jobs_settled

pytestmark = pytest.mark.storage

SCANNER_PLAN = ("二、核心技术与产品", "公司自主研发高速二维振镜扫描系统和单模光纤激光器，替代进口核心器件，",
                "已批量供应国内金属3D打印设备厂商，定位精度和扫描速度达到国际同类水平。", "三、市场分析")


def test_classify_a_text(client: TestClient) -> None:
    text = "Bioprinting of cell-laden hydrogel scaffolds with a gelatin bio-ink for cartilage repair."
    result = client.post("/api/v1/segments/classify", json={"text": text})
    assert result.status_code == 200, result.text
    body = result.json()
    assert body["primary"] == 3 and len(body["segments"]) == 7
    assert all(text[e["span"][0]:e["span"][1]] == e["text"] for e in body["evidence"])
    assert {e["text"].lower() for e in body["evidence"] if e["kind"] == "term"} & {"bio-ink", "bioprinting"}
    assert client.post("/api/v1/segments/classify", json={"text": ""}).status_code == 422
    assert client.post("/api/v1/segments/classify", json={"text": "a\x00b"}).status_code == 422
    assert client.get("/api/v1/segments").json()[0]["zh"] == "金属增材制造"


def _fit(client: TestClient, submission_id: int) -> dict:
    detail = client.get(f"/api/v1/submissions/{submission_id}").json()
    return next(r for r in detail["checks"] if r["rule"] == "segment_fit")


def _recheck_settled(seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not jobs_settled():
        assert time.monotonic() < deadline, "the re-check did not finish"
        time.sleep(0.2)


def test_a_misdeclared_entry_is_flagged_and_a_reviewer_settles_it(client: TestClient) -> None:
    declared_polymer = _registration("AM11-E-0007", segment=2, project="高速振镜扫描系统")
    _import(client, [declared_polymer], {"AM11-E-0007.pdf": one_page_pdf(*SCANNER_PLAN, heading=True)})
    [item] = _settled(client, 1)
    fit = _fit(client, item["id"])
    assert fit["status"] == "fail" and fit["advisory"], fit
    assert "4 增材制造装备与核心器件" in fit["reason"]
    summary, *spans = fit["evidence"]
    assert summary["source"] == "classifier" and summary["primary"] == 4 and summary["declared"] == 2
    assert spans and all(e["file"] == "AM11-E-0007.pdf" and e["segment"] == 4 and e["page"] == 1 for e in spans)
    assert item["verdict"] != "ineligible"  # advisory: a person decides
    page = client.get(f"/review/submissions/{item['id']}")
    assert 'id="segment-form"' in page.text and "振镜" in page.text

    corrected = client.put(f"/api/v1/submissions/{item['id']}/segment", json={"segment": 4, "note": "装备核心器件"})
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["predicted"] == 4 and corrected.json()["segment"] == 4
    _recheck_settled()
    assert "reviewer placed the project under 4" in _fit(client, item["id"])["reason"]
    client.put(f"/api/v1/submissions/{item['id']}/segment", json={"segment": 2})
    _recheck_settled()
    assert _fit(client, item["id"])["status"] == "pass"  # the reviewer confirmed the declared segment
    assert client.put("/api/v1/submissions/999999/segment", json={"segment": 2}).status_code == 404
    assert client.put(f"/api/v1/submissions/{item['id']}/segment", json={"segment": 8}).status_code == 422

    corrections = client.get("/api/v1/segments/corrections").json()
    assert [c["segment"] for c in corrections] == [2, 4] and "振镜" in corrections[0]["excerpt"]
    audit = client.get("/api/v1/audit", params={"action": "segment_corrected"})
    assert audit.status_code == 200 and len(audit.json()["items"]) == 2


def test_corrections_feed_a_retrain_that_keeps_the_previous_model(client: TestClient) -> None:
    text = "一套面向增材制造的支撑自动生成与切片路径规划软件，支持多激光分区和扫描策略编辑。"
    made = client.post("/api/v1/segments/corrections", json={"text": text, "segment": 6, "note": "software"})
    assert made.status_code == 201 and made.json()["segment"] == 6
    client.post("/api/v1/segments/classify", json={"text": text})  # the first use makes a live model
    before = client.get("/api/v1/segments/model").json()
    queued = client.post("/api/v1/segments/retrain")
    assert queued.status_code == 202
    deadline = time.monotonic() + 180
    while client.get(f"/api/v1/jobs/{queued.json()['job_id']}").json()["status"] != "done":
        assert time.monotonic() < deadline, "retrain did not finish"
        time.sleep(0.5)
    after = client.get("/api/v1/segments/model").json()
    assert after["live"]["corrections"] >= 1 and after["previous"]["digest"] == before["live"]["digest"]
    assert set(after["live"]["cross_validated"]) == {"zh", "en", "all"}
    page = client.get("/segments")
    assert 'id="figures-live"' in page.text and 'id="figures-previous"' in page.text
