"""The job handlers: what a background job of each kind does."""

from __future__ import annotations

import os
import threading

from api.integrity import service as integrity
from api.jobs import handler
from ingest.database import session_scope
from ingest.parse import ParseResult, iter_parse
from ingest.sandbox import SandboxedParser
from ingest.service import parse_document
from review import qualify

_sandbox: SandboxedParser | None = None
_sandbox_lock = threading.Lock()


def parse_file(data: bytes, filename: str) -> list[ParseResult]:
    """Parse under the sandbox's time and memory limits (``AMREVIEW_SANDBOX=0``: in this process)."""
    global _sandbox
    if os.environ.get("AMREVIEW_SANDBOX", "1") == "0":
        return list(iter_parse(data, filename))
    with _sandbox_lock:  # one child parser per process; it handles one file at a time
        if _sandbox is None:
            _sandbox = SandboxedParser()
        return _sandbox.parse(data, filename)


@handler("parse_document")
def parse_document_job(payload: dict) -> dict:
    """Parse a document, compare its submissions' plans with every other, then check their eligibility again.

    Facts may change verdicts, and a new repeat or copy changes the verdicts of every entry in its case.
    """
    document_id = int(payload["document_id"])
    status = parse_document(document_id, parse_file)
    affected = integrity.check_document(document_id)
    _rebuild_when_due()
    return {"status": status, "checked": len(qualify.check_stored(sorted(affected))) if affected else 0}


@handler("check_submissions")
def check_submissions_job(payload: dict) -> dict:
    ids = [int(i) for i in payload["submission_ids"]]
    if payload.get("integrity", True):
        ids = sorted(set(ids) | integrity.check_submissions(ids))
        _rebuild_when_due()
    return {"verdicts": qualify.check_stored(ids)}


def _rebuild_when_due() -> None:
    """Queue a rebuild once the plans have grown enough to learn their common text again."""
    with session_scope() as session:
        job_id, created = integrity.queue_rebuild(session) if integrity.rebuild_due(session) else ("", False)
    if created:
        from api.web import runner  # the process's runner: the server's, or a worker's RQ queue

        runner().submit(job_id)


@handler("integrity_rebuild")
def integrity_rebuild_job(payload: dict) -> dict:
    """Learn common text again and compare everything anew; then check every entry whose case changed."""
    with session_scope() as session:
        report = integrity.rebuild(session)
    qualify.check_stored(report.pop("affected"))
    return report


@handler("retrain_segments")
def retrain_segments_job(payload: dict) -> dict:
    """Rebuild the segment model; the result says whether it replaced the live one, with its figures."""
    from review.segments.service import retrain

    report = retrain(force=bool(payload.get("force")))
    return {"replaced": report.replaced, "reason": report.reason, "cross_validated": report.card["cross_validated"]}


def warm_up() -> None:
    """Start what every parse needs before the first job arrives, so that job does not pay for it.

    With the sandbox on, this starts its child process (which imports the readers) by refusing an
    empty file; without it, importing this module already loaded the readers. OCR models and jieba
    stay lazy: most documents never need them.
    """
    if os.environ.get("AMREVIEW_SANDBOX", "1") != "0":
        parse_file(b"", "warm-up")
