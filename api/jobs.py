"""Background jobs whose state lives in the database.

Job rows are the source of truth, whichever runner executes them. A job is claimed
(queued → running, attempts + 1) by one conditional UPDATE, so two workers can never both
claim it, on SQLite as on PostgreSQL; its work writes its output in a single transaction of
its own (see ingest.service), so a crash mid-way leaves nothing half-written; and its outcome
is recorded by another conditional UPDATE that matches only the attempt that ran, so a worker
that was given up for lost cannot overwrite the attempt that replaced it.

While a job runs, a background thread refreshes ``heartbeat_at``. A running job whose
heartbeat is older than AMREVIEW_JOB_STALE_SECONDS lost its worker: the reaper (in every
``amreview worker``, and at start-up of the API) puts it back in the queue, up to
``max_attempts``, and submits it again.

Runners: ``InProcessRunner`` (a thread of this process, the embedded default), ``InlineRunner``
(runs on submit: command line and tests) and ``RqRunner`` (RQ workers on Redis, when
AMREVIEW_REDIS_URL is set). ``make_runner`` picks one from the settings.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import JSON, Integer, String, Text, and_, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ingest.database import Base, session_scope, utcnow
from ingest.settings import load_settings

if TYPE_CHECKING:
    from redis import Redis
    from rq import Queue

log = logging.getLogger("amreview.jobs")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
LOST = "worker lost too many times"

RQ_QUEUE = "amreview"
RQ_FUNCTION = "api.jobs.run_until_settled"  # what an RQ job calls, by dotted path, with our job id
# Generous on purpose: the sandbox already stops a parse after Limits.max_seconds (600 s) and one RQ
# job may run all of a job's attempts; this only catches a handler that hangs outside the sandbox.
RQ_JOB_TIMEOUT = 3600
RQ_FAILURE_TTL = 24 * 3600  # keep a crashed RQ job a day for `rq info`; the database keeps the real record
_RQ_ENDED = {"finished", "failed", "stopped", "canceled"}
_REAP_BATCH = 5000  # queued jobs checked against Redis per reaper pass


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
    # Refreshed while the job runs; a running job whose heartbeat stops was lost with its worker.
    heartbeat_at: Mapped[datetime | None] = mapped_column()
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


# ---------------------------------------------------------------- timing


def stale_seconds() -> float:
    """How old a running job's heartbeat may get before its worker counts as lost."""
    return load_settings().job_stale_seconds


def heartbeat_seconds() -> float:
    """How often a running job refreshes its heartbeat: about six beats per stale period, at most every 5 s."""
    return min(5.0, max(0.2, stale_seconds() / 6))


def reaper_seconds() -> float:
    """How often a worker's reaper looks for lost jobs: three times per stale period, at most every 10 s."""
    return min(10.0, max(0.5, stale_seconds() / 3))


# ---------------------------------------------------------------- running one job


@dataclass(frozen=True)
class _Claim:
    kind: str
    payload: dict
    attempt: int
    max_attempts: int


def run_job(job_id: str) -> str:
    """Claim, run and finish one job; returns its final status. Safe to call twice, from any process."""
    claim = _claim(job_id)
    if isinstance(claim, str):
        return claim
    try:
        with _heartbeat(job_id, claim.attempt):
            result = _HANDLERS[claim.kind](claim.payload)
    except Exception as exc:  # the job's own failure is recorded; the runner keeps going
        log.exception("job %s (%s) failed", job_id, claim.kind)
        status = QUEUED if claim.attempt < claim.max_attempts else FAILED
        return _finish(job_id, claim.attempt, status, error=f"{type(exc).__name__}: {exc}")
    return _finish(job_id, claim.attempt, DONE, result=result)


def run_until_settled(job_id: str) -> str:
    """Run a job until it is done or failed: a failed attempt is retried at once, up to ``max_attempts``.

    This is the function RQ workers call (``RQ_FUNCTION``), and what the in-process runners run.
    """
    status = run_job(job_id)
    while status == QUEUED:
        status = run_job(job_id)
    return status


def _claim(job_id: str) -> _Claim | str:
    """queued → running in one conditional UPDATE; returns the claim, or the status of a job not ours to run."""
    now = utcnow()
    with session_scope() as session:
        claimed = session.execute(
            update(Job).where(Job.id == job_id, Job.status == QUEUED)
            .values(status=RUNNING, attempts=Job.attempts + 1, started_at=now, heartbeat_at=now)
            .execution_options(synchronize_session=False)).rowcount
        job = session.get(Job, job_id)
        if job is None:
            return FAILED
        if not claimed:  # done, failed, or claimed by another worker
            return job.status
        return _Claim(job.kind, dict(job.payload), job.attempts, job.max_attempts)


def _finish(job_id: str, attempt: int, status: str, *, error: str | None = None, result: dict | None = None) -> str:
    """Record the outcome of ``attempt``, unless the reaper gave it up meanwhile; returns the job's status."""
    finished_at = utcnow() if status in (DONE, FAILED) else None
    with session_scope() as session:
        updated = session.execute(
            update(Job).where(Job.id == job_id, Job.status == RUNNING, Job.attempts == attempt)
            .values(status=status, error=error, result=result, finished_at=finished_at)
            .execution_options(synchronize_session=False)).rowcount
        if updated:
            return status
        job = session.get(Job, job_id)
        current = job.status if job is not None else FAILED
    log.warning("job %s: attempt %d ended after it was given up for lost; the job is %s", job_id, attempt, current)
    return current


@contextmanager
def _heartbeat(job_id: str, attempt: int) -> Iterator[None]:
    """Refresh the job's heartbeat from a background thread while the block runs: the reaper's sign of life."""
    stop = threading.Event()
    interval = heartbeat_seconds()

    def beat() -> None:
        while not stop.wait(interval):
            try:
                _touch(job_id, attempt)
            except Exception:  # a missed beat is not fatal; several in a row make the job stale
                log.warning("job %s: heartbeat not recorded", job_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"amreview-heartbeat-{job_id[:8]}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 30)  # bounded: a hung database call must not hang the job too


def _touch(job_id: str, attempt: int) -> None:
    with session_scope() as session:
        session.execute(
            update(Job).where(Job.id == job_id, Job.status == RUNNING, Job.attempts == attempt)
            .values(heartbeat_at=utcnow()).execution_options(synchronize_session=False))


# ---------------------------------------------------------------- lost jobs


def requeue_stale_jobs(older_than: float | None = None) -> list[str]:
    """Put back running jobs whose heartbeat is older than ``older_than`` seconds; returns the ids requeued.

    Such a job lost its worker (killed, machine gone). It goes back to queued if it has attempts left,
    else to failed with "worker lost too many times". The default age is AMREVIEW_JOB_STALE_SECONDS.
    Each UPDATE is conditional, so reapers in several processes never requeue a job twice.
    """
    now = utcnow()
    cutoff = now - timedelta(seconds=stale_seconds() if older_than is None else older_than)
    stale = and_(Job.status == RUNNING, or_(Job.heartbeat_at.is_(None), Job.heartbeat_at <= cutoff))
    with session_scope() as session:
        failed = session.scalars(
            update(Job).where(stale, Job.attempts >= Job.max_attempts)
            .values(status=FAILED, error=LOST, finished_at=now).returning(Job.id)
            .execution_options(synchronize_session=False)).all()
        requeued = session.scalars(
            update(Job).where(stale, Job.attempts < Job.max_attempts)
            .values(status=QUEUED, error="worker lost; queued again").returning(Job.id)
            .execution_options(synchronize_session=False)).all()
    for job_id in failed:
        log.warning("job %s: worker lost on its last attempt; failed", job_id)
    for job_id in requeued:
        log.warning("job %s: worker lost; queued again", job_id)
    return list(requeued)


def queued_job_ids(older_than: float = 0.0) -> list[str]:
    """Queued jobs created at least ``older_than`` seconds ago, oldest first."""
    cutoff = utcnow() - timedelta(seconds=older_than)
    with session_scope() as session:
        query = select(Job.id).where(Job.status == QUEUED, Job.created_at <= cutoff).order_by(Job.created_at)
        return list(session.scalars(query))


def unfinished_job_ids() -> list[str]:
    """Jobs a process that runs jobs must submit when it starts: every queued job, after requeueing lost ones.

    Without Redis this process is the only runner, so every running job was interrupted by its
    last crash; with Redis, workers elsewhere may be running jobs right now, and only those whose
    heartbeat went stale are lost.
    """
    requeue_stale_jobs(older_than=None if load_settings().redis_url else 0.0)
    return queued_job_ids()


def reap(runner: RqRunner, older_than: float | None = None) -> int:
    """One reaper pass: requeue jobs that lost their worker, then give RQ every queued job it does not carry.

    The second half covers submissions lost outside a worker: an API process that died between
    committing a job and enqueueing it, a Redis restart without persistence, an RQ job that
    crashed before claiming. Only jobs older than the stale period are looked at, so a job
    being submitted right now is left to its submitter. Returns how many RQ jobs were enqueued.
    """
    seconds = stale_seconds() if older_than is None else older_than
    requeue_stale_jobs(seconds)
    cutoff = utcnow() - timedelta(seconds=seconds)
    with session_scope() as session:
        query = (select(Job.id, Job.attempts).where(Job.status == QUEUED, Job.created_at <= cutoff)
                 .order_by(Job.created_at).limit(_REAP_BATCH))
        waiting = [(job_id, attempts) for job_id, attempts in session.execute(query)]
    return runner.submit_many(waiting)


# ---------------------------------------------------------------- runners


def make_runner() -> Runner:
    """The runner the settings ask for: RQ workers when AMREVIEW_REDIS_URL is set, else a thread of this process."""
    redis_url = load_settings().redis_url
    return RqRunner(redis_url) if redis_url else InProcessRunner()


class InProcessRunner:
    """Runs jobs on a background thread of this process (the embedded default)."""

    def __init__(self, workers: int = 1) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="amreview-job")

    def submit(self, job_id: str) -> None:
        self._pool.submit(run_until_settled, job_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


class InlineRunner:
    """Runs a job to completion on submit: for the command line and tests."""

    def submit(self, job_id: str) -> None:
        run_until_settled(job_id)


def rq_job_id(job_id: str, attempt: int) -> str:
    """The RQ job that carries ``attempt`` of our job: a requeued job gets a new one, a repeat submit does not."""
    return f"amreview-{job_id}-{attempt}"


class RqRunner:
    """Hands jobs to ``amreview worker`` processes through an RQ queue on Redis.

    Each RQ job calls ``run_until_settled`` with our job id. Its RQ id is our id plus the attempt
    it is for, enqueued with RQ's ``unique``: submitting the same attempt twice (the API at
    start-up, several reapers) is a no-op, while a job the reaper requeued gets a fresh RQ job
    instead of being de-duplicated away.
    """

    def __init__(self, redis_url: str, queue_name: str = RQ_QUEUE) -> None:
        from redis import Redis
        from rq import Queue

        self.connection: Redis = Redis.from_url(redis_url)
        self.queue: Queue = Queue(queue_name, connection=self.connection)

    def submit(self, job_id: str) -> None:
        """Enqueue a queued job. Redis being down is logged, not raised: the job is safe in the database,
        and a worker's reaper enqueues it once Redis is back."""
        from redis.exceptions import RedisError

        with session_scope() as session:
            job = session.get(Job, job_id)
            attempts = job.attempts if job is not None and job.status == QUEUED else None
        if attempts is None:
            return  # unknown, running or finished: nothing to run
        try:
            self.submit_many([(job_id, attempts)])
        except RedisError:
            log.exception("job %s: could not reach Redis; it stays queued for a reaper to submit", job_id)

    def submit_many(self, jobs: list[tuple[str, int]]) -> int:
        """Enqueue each (job id, attempts so far) whose next attempt has no live RQ job; returns how many."""
        rq_ids = [rq_job_id(job_id, attempts + 1) for job_id, attempts in jobs]
        enqueued = 0
        for (job_id, _attempts), rq_id, status in zip(jobs, rq_ids, self._rq_statuses(rq_ids), strict=True):
            if status is not None and status not in _RQ_ENDED:
                continue  # waiting in the queue or running on a worker
            enqueued += self._enqueue(job_id, rq_id, ended=status is not None)
        return enqueued

    def _rq_statuses(self, rq_ids: list[str]) -> list[str | None]:
        """The RQ status of each id (None: no such RQ job), in one round trip."""
        from rq.job import Job as RqJob

        with self.connection.pipeline(transaction=False) as pipeline:
            for rq_id in rq_ids:
                pipeline.hget(RqJob.key_for(rq_id), "status")
            return [status.decode() if status else None for status in pipeline.execute()]

    def _enqueue(self, job_id: str, rq_id: str, *, ended: bool) -> int:
        from rq.exceptions import DuplicateJobError, NoSuchJobError
        from rq.job import Job as RqJob

        if ended:  # the RQ job ended while ours is still queued (it crashed before claiming): replace it
            with suppress(NoSuchJobError):
                RqJob.fetch(rq_id, connection=self.connection).delete()
        try:
            self.queue.enqueue_call(RQ_FUNCTION, args=(job_id,), job_id=rq_id, unique=True, timeout=RQ_JOB_TIMEOUT,
                                    result_ttl=0, failure_ttl=RQ_FAILURE_TTL, description=f"amreview job {job_id}")
        except DuplicateJobError:
            return 0  # another process enqueued the same attempt a moment ago
        return 1
