"""Background jobs whose state lives in the database.

Job rows are the source of truth, whichever runner executes them: a job is claimed
(queued → running, attempts + 1) in one transaction and finished in another, and its
work writes its output in a single transaction of its own (see ingest.service), so a
crash mid-way leaves nothing half-written and the job simply runs again, up to
``max_attempts``. The in-process runner is the embedded default; an RQ runner plugs in
behind the same ``Runner`` interface when Redis is configured.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Protocol

from sqlalchemy import JSON, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from ingest.database import Base, session_scope, utcnow

log = logging.getLogger("amreview.jobs")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()


_HANDLERS: dict[str, Callable[[dict], dict | None]] = {}


def handler(kind: str) -> Callable[[Callable[[dict], dict | None]], Callable[[dict], dict | None]]:
    """Register the function that runs jobs of ``kind``."""
    def register(function: Callable[[dict], dict | None]) -> Callable[[dict], dict | None]:
        _HANDLERS[kind] = function
        return function
    return register


class Runner(Protocol):
    def submit(self, job_id: str) -> None: ...


def create_job(session, kind: str, payload: dict) -> Job:  # type: ignore[no-untyped-def]
    job = Job(id=uuid.uuid4().hex, kind=kind, payload=payload, status=QUEUED)
    session.add(job)
    session.flush()
    return job


def run_job(job_id: str) -> str:
    """Claim, run and finish one job; returns its final status. Safe to call twice."""
    with session_scope() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None:
            return FAILED
        if job.status != QUEUED:  # done, failed, or claimed by another worker
            return job.status
        job.status, job.attempts, job.started_at = RUNNING, job.attempts + 1, utcnow()
        kind, payload, attempts, max_attempts = job.kind, dict(job.payload), job.attempts, job.max_attempts
    try:
        result = _HANDLERS[kind](payload)
    except Exception as exc:  # the job's own failure is recorded; the runner keeps going
        log.exception("job %s (%s) failed", job_id, kind)
        retry = attempts < max_attempts
        _finish(job_id, QUEUED if retry else FAILED, error=f"{type(exc).__name__}: {exc}")
        return QUEUED if retry else FAILED
    _finish(job_id, DONE, result=result)
    return DONE


def _finish(job_id: str, status: str, *, error: str | None = None, result: dict | None = None) -> None:
    with session_scope() as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.status, job.error, job.result = status, error, result
        job.finished_at = utcnow() if status in (DONE, FAILED) else None


def unfinished_job_ids() -> list[str]:
    """Jobs a crash left queued or running: the runner starts them again on start-up."""
    with session_scope() as session:
        running = session.scalars(select(Job).where(Job.status == RUNNING)).all()
        for job in running:
            job.status = QUEUED if job.attempts < job.max_attempts else FAILED
            if job.status == FAILED:
                job.error = "interrupted too many times"
        return list(session.scalars(select(Job.id).where(Job.status == QUEUED).order_by(Job.created_at)))


class InProcessRunner:
    """Runs jobs on a background thread of this process (the embedded default)."""

    def __init__(self, workers: int = 1) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="amreview-job")

    def submit(self, job_id: str) -> None:
        self._pool.submit(self._run_until_settled, job_id)

    def _run_until_settled(self, job_id: str) -> None:
        while run_job(job_id) == QUEUED:  # retried failures run again at once, up to max_attempts
            pass

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


class InlineRunner:
    """Runs a job to completion on submit: for the command line and tests."""

    def submit(self, job_id: str) -> None:
        while run_job(job_id) == QUEUED:
            pass
