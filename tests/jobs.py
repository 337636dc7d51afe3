"""Waiting for background work in tests that watch the service from outside."""

from __future__ import annotations

from sqlalchemy import func, select

from api.jobs import QUEUED, RUNNING, Job
from ingest.database import session_scope


def jobs_settled() -> bool:
    """No job queued or running. A document can be parsed while the re-check it triggers is still to run,
    so a document's status alone does not say its submission's verdict is final."""
    with session_scope() as session:
        return not session.scalar(select(func.count()).select_from(Job).where(Job.status.in_((QUEUED, RUNNING))))


def wait_for_jobs(seconds: float = 120) -> None:
    """Until no job is queued or running; fails the test after ``seconds``."""
    import time

    deadline = time.monotonic() + seconds
    while not jobs_settled():
        if time.monotonic() > deadline:
            raise AssertionError(f"jobs still queued or running after {seconds} s")
        time.sleep(0.2)
