"""The job handlers: what a background job of each kind does."""

from __future__ import annotations

import os
import threading

from api.jobs import handler
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
    """Parse a document, then check again every submission it belongs to (its facts may change verdicts)."""
    document_id = int(payload["document_id"])
    status = parse_document(document_id, parse_file)
    checked = qualify.check_submissions_of_document(document_id)
    return {"status": status, "checked": checked}


@handler("check_submissions")
def check_submissions_job(payload: dict) -> dict:
    ids = [int(i) for i in payload["submission_ids"]]
    return {"verdicts": qualify.check_stored(ids)}


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
