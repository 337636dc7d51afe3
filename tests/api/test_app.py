"""The web service: upload → background job → Document JSON and pages."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.documents import one_page_pdf

pytestmark = pytest.mark.storage




def _wait(client: TestClient, job_id: str, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def test_upload_parse_and_read_back(client: TestClient) -> None:
    data = one_page_pdf("一、项目概述", "本项目研制大尺寸钛合金构件激光选区熔化成形装备。", heading=True)
    response = client.post("/api/v1/documents", files={"file": ("计划书.pdf", data, "application/octet-stream")})
    assert response.status_code == 202
    body = response.json()
    assert set(body) >= {"id", "job_id"}
    assert _wait(client, body["job_id"])["status"] == "done"

    document = client.get(f"/api/v1/documents/{body['id']}").json()
    assert document["status"] == "parsed" and document["media_type"] == "application/pdf"
    assert "激光选区熔化成形装备" in document["text"]
    assert document["pages"][0]["number"] == 1 and document["pages"][0]["ocr"] is False
    assert {"kind": "heading", "text": "一、项目概述"}.items() <= document["blocks"][0].items()

    again = client.post("/api/v1/documents", files={"file": ("copy.pdf", data)}).json()
    assert again["id"] == body["id"] and again["job_id"] is None  # same bytes, same document

    page = client.get(f"/documents/{body['id']}")
    assert page.status_code == 200 and "一、项目概述" in page.text and "第 1 页" in page.text
    english = client.get(f"/documents/{body['id']}?lang=en")
    assert "Page 1" in english.text and english.cookies.get("lang") == "en"


@pytest.mark.parametrize(("data", "status", "code"), [
    (b"", 400, "empty"),
    (b"hello world", 415, "unsupported_type"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, 415, "legacy_office"),
])
def test_cheap_refusals_answer_at_once(client: TestClient, data: bytes, status: int, code: str) -> None:
    response = client.post("/api/v1/documents", files={"file": ("x.pdf", data)})
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert client.get("/healthz").json() == {"status": "ok"}


def test_oversized_upload_is_refused_without_storing(client: TestClient, data_dir: Path) -> None:
    big = b"%PDF-1.4\n" + b"0" * (51 * 2**20)
    response = client.post("/api/v1/documents", files={"file": ("big.pdf", big)})
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    assert client.get("/api/v1/documents").json()["items"] == []


def test_bad_files_in_the_background_do_not_stop_the_server(client: TestClient) -> None:
    broken = one_page_pdf("损坏的文件", heading=True)[:500]
    good = one_page_pdf("正常的文件", "后续文件照常解析。", heading=True)
    bad_id = client.post("/api/v1/documents", files={"file": ("broken.pdf", broken)}).json()
    good_id = client.post("/api/v1/documents", files={"file": ("good.pdf", good)}).json()
    _wait(client, bad_id["job_id"])
    _wait(client, good_id["job_id"])
    refused = client.get(f"/api/v1/documents/{bad_id['id']}").json()
    assert refused["status"] == "refused" and refused["code"] == "corrupt"
    assert "后续文件照常解析" in client.get(f"/api/v1/documents/{good_id['id']}").json()["text"]
    listing = client.get("/documents")
    assert "broken.pdf" in listing.text and "已拒收: 文件已损坏或不完整" in listing.text  # the code, in Chinese


def test_unknown_ids_are_404(client: TestClient) -> None:
    assert client.get("/api/v1/documents/999").status_code == 404
    assert client.get(f"/api/v1/jobs/{'0' * 32}").json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/jobs/nope").json()["error"]["code"] == "invalid_request"  # not a job id at all


def test_responses_forbid_content_sniffing(client: TestClient) -> None:
    response = client.get("/documents")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
