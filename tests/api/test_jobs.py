"""Background jobs on RQ with a real redis-server and real `amreview worker` processes.

A worker killed mid-job must not lose the job nor write its output twice: its heartbeat stops,
another worker's reaper puts the job back in the queue, and the job runs again, up to its
attempt limit. These run on SQLite and, in CI's second pass, on PostgreSQL.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

import tests.api.job_handlers  # noqa: F401  (the test handlers, in this process too)
from api.jobs import (
    DONE,
    FAILED,
    LOST,
    QUEUED,
    RUNNING,
    InProcessRunner,
    Job,
    RqRunner,
    create_job,
    make_runner,
    reap,
    requeue_stale_jobs,
    rq_job_id,
    run_job,
    unfinished_job_ids,
)
from api.worker import EXTRA_TASK_MODULES
from ingest.database import session_scope, utcnow
from ingest.models import PARSED, DocumentRecord
from ingest.service import accept_upload
from tests.api.job_handlers import events
from tests.documents import one_page_pdf
from tests.services import RedisServer, WorkerProcess, free_port

pytestmark = pytest.mark.storage

STALE = 2.0  # seconds without a heartbeat before a worker counts as lost (heartbeat every 0.33 s)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def rq(data_dir: Path, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> RqRunner:
    """Jobs go to this module's own Redis (emptied), workers import the test handlers, and count as lost fast."""
    monkeypatch.setenv("AMREVIEW_REDIS_URL", redis_server.url)
    monkeypatch.setenv("AMREVIEW_JOB_STALE_SECONDS", str(STALE))
    monkeypatch.setenv(EXTRA_TASK_MODULES, "tests.api.job_handlers")
    runner = RqRunner(redis_server.url)
    runner.connection.flushdb()
    return runner


@pytest.fixture
def workers(rq: RqRunner, tmp_path: Path) -> Iterator[Callable[[int], list[WorkerProcess]]]:
    """Start ``count`` `amreview worker` processes on this test's data and Redis; all are stopped afterwards."""
    started: list[WorkerProcess] = []
    url = os.environ["AMREVIEW_REDIS_URL"]

    def start(count: int) -> list[WorkerProcess]:
        new = [WorkerProcess(f"test-{uuid.uuid4().hex[:8]}", tmp_path / f"worker-{len(started) + n}.log",
                             dict(os.environ)) for n in range(count)]
        started.extend(new)
        for worker in new:
            worker.wait_ready(url)
        return new

    yield start
    for worker in started:
        if worker.alive():
            worker.process.terminate()
    for worker in started:
        worker.stop(seconds=10)




def _upload(text: str, kind: str = "parse_document", max_attempts: int = 3, **payload: object) -> tuple[int, str]:
    """A stored document and a queued job for it; returns (document id, job id)."""
    with session_scope() as session:
        record, _ = accept_upload(session, one_page_pdf(text), "plan.pdf")
        job = create_job(session, kind, {"document_id": record.id, **payload})
        job.max_attempts = max_attempts
        return record.id, job.id


def _job(job_id: str) -> Job:
    with session_scope() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def _wait_job(job_id: str, seconds: float = 60) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = _job(job_id)
        if job.status in (DONE, FAILED):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} is still {_job(job_id).status} after {seconds:.0f} s")


def _wait_event(marker: Path, event: str, seconds: float = 60) -> int:
    """The pid of the process that noted ``event`` first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = [pid for name, pid in events(marker) if name == event]
        if pids:
            return pids[0]
        time.sleep(0.05)
    raise AssertionError(f"no {event!r} in {marker}: {events(marker)}")


def _writes(document_id: int, pool: list[WorkerProcess]) -> int:
    """How many times the workers committed this document's parse (ingest.service logs each write)."""
    return sum(worker.log.read_text().count(f"document {document_id} recorded as") for worker in pool)


def test_a_worker_runs_a_submitted_job(rq: RqRunner, workers: Callable[[int], list[WorkerProcess]]) -> None:
    document_id, job_id = _upload("工作进程解析这份计划书。")
    rq.submit(job_id)
    rq.submit(job_id)  # the same attempt again (say, the API restarting): still one RQ job
    assert rq.queue.job_ids == [rq_job_id(job_id, 1)]
    pool = workers(1)

    job = _wait_job(job_id)
    assert (job.status, job.attempts, job.result) == (DONE, 1, {"status": "parsed", "checked": 0})
    assert job.started_at is not None and job.heartbeat_at is not None and job.heartbeat_at >= job.started_at
    with session_scope() as session:
        record = session.get(DocumentRecord, document_id)
        assert record.status == PARSED and "工作进程解析这份计划书" in record.content["text"]
    assert rq.queue.count == 0 and _writes(document_id, pool) == 1


@pytest.mark.parametrize("pause", ["parsing", "recorded"])
def test_a_job_whose_worker_is_killed_runs_again_and_is_written_once(
        rq: RqRunner, workers: Callable[[int], list[WorkerProcess]], tmp_path: Path, pause: str) -> None:
    # "parsing": killed before anything was written; "recorded": killed after the document was
    # committed but before the job was finished, so the second run must find it parsed and stop.
    marker = tmp_path / "marker"
    document_id, job_id = _upload(f"被杀死的工作进程（{pause}）。", kind="test_slow_parse", marker=str(marker),
                                  pause=pause)
    pool = workers(2)
    rq.submit(job_id)
    victim = next(w for w in pool if w.pid == _wait_event(marker, "parse" if pause == "parsing" else "recorded"))
    victim.kill()

    job = _wait_job(job_id)
    assert (job.status, job.attempts, job.result, job.error) == (DONE, 2, {"status": "parsed"}, None)
    starts = [pid for event, pid in events(marker) if event == "start"]
    survivor = next(w for w in pool if w is not victim)
    assert starts == [victim.pid, survivor.pid]
    assert "queued again" in survivor.log.read_text()  # the survivor's reaper found the lost job
    parses = [event for event, _ in events(marker) if event == "parse"]
    assert len(parses) == (2 if pause == "parsing" else 1)
    assert _writes(document_id, pool) == 1
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(DocumentRecord)) == 1
        record = session.get(DocumentRecord, document_id)
        assert record.status == PARSED and "被杀死的工作进程" in record.content["text"]


def test_a_job_that_loses_its_worker_on_the_last_attempt_fails(
        rq: RqRunner, workers: Callable[[int], list[WorkerProcess]], tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    document_id, job_id = _upload("最后一次尝试。", kind="test_slow_parse", max_attempts=1, marker=str(marker),
                                  pause="parsing")
    pool = workers(2)
    rq.submit(job_id)
    victim = next(w for w in pool if w.pid == _wait_event(marker, "parse"))
    victim.kill()

    job = _wait_job(job_id)
    assert (job.status, job.attempts, job.error) == (FAILED, 1, LOST) and job.finished_at is not None
    assert [event for event, _ in events(marker)].count("start") == 1  # never run again
    with session_scope() as session:
        assert session.get(DocumentRecord, document_id).status == "queued"  # nothing half-written


def test_a_running_job_keeps_its_heartbeat_fresh(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMREVIEW_JOB_STALE_SECONDS", "1.2")  # a heartbeat every 0.2 s
    with session_scope() as session:
        job_id = create_job(session, "test_sleep", {"seconds": 1.6}).id
    thread = threading.Thread(target=run_job, args=(job_id,))
    thread.start()
    beats, reaped = set(), []
    while thread.is_alive():
        job = _job(job_id)
        if job.status == RUNNING:
            beats.add(job.heartbeat_at)
            reaped += requeue_stale_jobs(older_than=1.0)  # the job runs longer than that, but is alive
        time.sleep(0.1)
    thread.join()

    assert reaped == [] and len(beats) >= 4
    job = _job(job_id)
    assert job.status == DONE and max(beats) <= job.heartbeat_at and max(beats) > job.started_at
    assert not any(t.name.startswith("amreview-heartbeat") for t in threading.enumerate())


def test_stale_jobs_go_back_to_the_queue_until_their_attempts_run_out(data_dir: Path) -> None:
    old, now = utcnow() - timedelta(seconds=10), utcnow()
    with session_scope() as session:
        jobs = {name: create_job(session, "test_sleep", {"seconds": 0}) for name in ("lost", "last", "alive")}
        for name, attempts, beat in (("lost", 1, old), ("last", 3, old), ("alive", 1, now)):
            jobs[name].status, jobs[name].attempts, jobs[name].heartbeat_at = RUNNING, attempts, beat
        ids = {name: job.id for name, job in jobs.items()}

    assert requeue_stale_jobs(older_than=5) == [ids["lost"]]
    lost, last, alive = (_job(ids[name]) for name in ("lost", "last", "alive"))
    assert (lost.status, lost.attempts) == (QUEUED, 1)
    assert (last.status, last.error) == (FAILED, LOST) and last.finished_at is not None
    assert alive.status == RUNNING
    assert run_job(ids["lost"]) == DONE and _job(ids["lost"]).attempts == 2
    with session_scope() as session:  # leave no live-looking job behind (the shared pass waits for those)
        session.get(Job, ids["alive"]).status = DONE


def test_start_up_requeues_every_running_job_in_process_but_only_stale_ones_with_redis(
        data_dir: Path, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMREVIEW_JOB_STALE_SECONDS", str(STALE))
    with session_scope() as session:
        fresh, stale, queued = (create_job(session, "test_sleep", {"seconds": 0}) for _ in range(3))
        fresh.status, fresh.attempts, fresh.heartbeat_at = RUNNING, 1, utcnow()
        stale.status, stale.attempts, stale.heartbeat_at = RUNNING, 1, utcnow() - timedelta(seconds=10)
        ids = fresh.id, stale.id, queued.id

    monkeypatch.setenv("AMREVIEW_REDIS_URL", redis_server.url)  # workers elsewhere may be running `fresh`
    assert set(unfinished_job_ids()) == {ids[1], ids[2]} and _job(ids[0]).status == RUNNING
    monkeypatch.delenv("AMREVIEW_REDIS_URL")  # in-process: this process was the only runner
    assert set(unfinished_job_ids()) == set(ids) and _job(ids[0]).status == QUEUED


def test_the_reaper_enqueues_lost_submissions_and_each_new_attempt(rq: RqRunner) -> None:
    with session_scope() as session:
        job = create_job(session, "test_sleep", {"seconds": 0})
        job.created_at = utcnow() - timedelta(seconds=10)  # queued for a while, but Redis never heard of it
        job_id = job.id

    assert reap(rq) == 1 and reap(rq) == 0  # enqueued once; the second pass finds it waiting
    with session_scope() as session:  # a worker claimed that attempt and died
        lost = session.get(Job, job_id)
        lost.status, lost.attempts, lost.heartbeat_at = RUNNING, 1, utcnow() - timedelta(seconds=10)
    assert reap(rq) == 1
    assert rq.queue.job_ids == [rq_job_id(job_id, 1), rq_job_id(job_id, 2)]  # not de-duplicated away


def test_an_unreachable_redis_leaves_the_job_queued(data_dir: Path) -> None:
    with session_scope() as session:
        job_id = create_job(session, "test_sleep", {"seconds": 0}).id
    RqRunner(f"redis://127.0.0.1:{free_port()}/0").submit(job_id)  # logged, not raised: the upload succeeded
    assert _job(job_id).status == QUEUED


def test_make_runner_follows_the_settings(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AMREVIEW_REDIS_URL", raising=False)
    in_process = make_runner()
    assert isinstance(in_process, InProcessRunner)
    in_process.shutdown()
    monkeypatch.setenv("AMREVIEW_REDIS_URL", redis_server.url)
    assert isinstance(make_runner(), RqRunner)
