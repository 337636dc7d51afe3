"""Storage: migrations match the models, originals are content-addressed, outcomes are atomic.

These run on SQLite by default and on PostgreSQL in CI's second pass (AMREVIEW_DATABASE_URL).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

import api.jobs
import review.models  # noqa: F401  (all models on the metadata)
from api.jobs import DONE, FAILED, InlineRunner, Job, create_job, handler, run_job
from ingest.blobs import BlobStore
from ingest.database import Base, get_engine, session_scope
from ingest.errors import Refused
from ingest.models import BUNDLE, PARSED, QUEUED, REFUSED, DocumentRecord
from ingest.parse import ParseResult, iter_parse
from ingest.service import accept_upload, parse_document
from tests.documents import one_page_pdf

pytestmark = pytest.mark.storage




def _parse(data: bytes, name: str) -> list[ParseResult]:
    return list(iter_parse(data, name, ocr=False))


def test_migrations_build_exactly_the_models(data_dir: Path) -> None:
    with get_engine().connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_same_bytes_are_stored_once(data_dir: Path) -> None:
    data = one_page_pdf("同一份文件上传两次。")
    with session_scope() as session:
        first, created_first = accept_upload(session, data, "a.pdf")
        second, created_second = accept_upload(session, data, "b.pdf")
    assert (created_first, created_second) == (True, False)
    assert first.id == second.id
    digest = hashlib.sha256(data).hexdigest()
    stored = BlobStore(data_dir / "files").path(digest)
    assert stored.read_bytes() == data
    assert len([p for p in (data_dir / "files").rglob("*") if p.is_file()]) == 1


def test_cheap_refusals_store_nothing(data_dir: Path) -> None:
    for data in (b"", b"plain text, not a document"):
        with pytest.raises(Refused), session_scope() as session:
            accept_upload(session, data, "x.pdf")
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(DocumentRecord)) == 0
    assert not (data_dir / "files").exists() or not any((data_dir / "files").rglob("*"))


def test_parse_records_the_document(data_dir: Path) -> None:
    with session_scope() as session:
        record, _ = accept_upload(session, one_page_pdf("激光选区熔化装备的商业计划书。"), "plan.pdf")
    assert parse_document(record.id, _parse) == PARSED
    with session_scope() as session:
        stored = session.get(DocumentRecord, record.id)
        assert stored.status == PARSED and stored.page_count == 1
        assert "激光选区熔化装备" in stored.content["text"]
        assert stored.content["pages"][0]["number"] == 1
    assert parse_document(record.id, _parse) == PARSED  # running again changes nothing


def test_parsing_stores_the_facts_and_survives_a_failing_extractor(data_dir: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with session_scope() as session:
        first, _ = accept_upload(session, one_page_pdf("公司成立于2019年5月20日，现有员工120人。"), "a.pdf")
        second, _ = accept_upload(session, one_page_pdf("注册资本500万元。"), "b.pdf")
    assert parse_document(first.id, _parse) == PARSED
    with session_scope() as session:
        facts = {f["kind"]: f["value"] for f in session.get(DocumentRecord, first.id).facts}
        assert facts == {"registered_on": "2019-05-20", "employees": 120}

    def broken(_document: object) -> list:
        raise IndexError("an extractor bug")

    monkeypatch.setattr("ingest.service.extract_facts", broken)
    assert parse_document(second.id, _parse) == PARSED  # the text is kept; the facts are "not available"
    with session_scope() as session:
        stored = session.get(DocumentRecord, second.id)
        assert stored.facts is None and "注册资本500万元" in stored.content["text"]


def test_a_crash_while_recording_leaves_the_document_queued(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with session_scope() as session:
        record, _ = accept_upload(session, one_page_pdf("写入一半时崩溃。"), "plan.pdf")

    def crash(*_args: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr("ingest.service._record_result", crash)
    with pytest.raises(RuntimeError):
        parse_document(record.id, _parse)
    with session_scope() as session:
        stored = session.get(DocumentRecord, record.id)
        assert stored.status == QUEUED and stored.content is None and stored.parsed_at is None


def test_bundle_members_become_documents(data_dir: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("plan.pdf", one_page_pdf("压缩包中的计划书。"))
        archive.writestr("../evil.pdf", one_page_pdf("路径穿越"))
    with session_scope() as session:
        bundle, _ = accept_upload(session, buffer.getvalue(), "bundle.zip")
    assert parse_document(bundle.id, _parse) == BUNDLE
    with session_scope() as session:
        stored = session.get(DocumentRecord, bundle.id)
        members = stored.content["members"]
        good = next(m for m in members if m["file"] == "bundle.zip!plan.pdf")
        bad = next(m for m in members if m["file"] == "bundle.zip!../evil.pdf")
        member = session.get(DocumentRecord, good["document_id"])
        assert member.parent_id == bundle.id and member.status == PARSED
        assert "压缩包中的计划书" in member.content["text"]
        assert bad["code"] == "unsafe_path" and "document_id" not in bad


def test_refused_document_keeps_its_reason(data_dir: Path) -> None:
    with session_scope() as session:
        record, _ = accept_upload(session, one_page_pdf("截断")[:400], "broken.pdf")
    assert parse_document(record.id, _parse) == REFUSED
    with session_scope() as session:
        stored = session.get(DocumentRecord, record.id)
        assert stored.error_code == "corrupt" and "truncated" in stored.error_reason


def test_failing_job_is_retried_then_marked_failed(data_dir: Path) -> None:
    calls: list[int] = []

    @handler("flaky")
    def flaky(payload: dict) -> dict:
        calls.append(1)
        if len(calls) < payload["succeed_on"]:
            raise RuntimeError("transient")
        return {"ok": True}

    with session_scope() as session:
        retried = create_job(session, "flaky", {"succeed_on": 2}).id
    InlineRunner().submit(retried)
    calls.clear()
    with session_scope() as session:
        doomed = create_job(session, "flaky", {"succeed_on": 99}).id
    InlineRunner().submit(doomed)
    with session_scope() as session:
        assert session.get(Job, retried).status == DONE and session.get(Job, retried).attempts == 2
        failed = session.get(Job, doomed)
        assert failed.status == FAILED and failed.attempts == 3 and "transient" in failed.error
    assert run_job(doomed) == FAILED  # a finished job is never run again


def test_interrupted_jobs_are_picked_up_again(data_dir: Path) -> None:
    with session_scope() as session:
        job = create_job(session, "flaky", {})
        job.status, job.attempts = api.jobs.RUNNING, 1  # as a killed worker leaves it
        job_id = job.id
    assert job_id in api.jobs.unfinished_job_ids()
    with session_scope() as session:
        assert session.get(Job, job_id).status == QUEUED
