"""Shared fixtures: an isolated data directory and database per test.

Tests run against SQLite with in-process jobs by default, each in its own data directory
with a schema built by the Alembic migrations (never by ``create_all``). When
``AMREVIEW_DATABASE_URL`` is set the database is PostgreSQL, dropped and migrated again per
test. When ``AMREVIEW_REDIS_URL`` is set too (the CI's second pass), jobs run on two real
`amreview worker` processes started once for the session; those workers keep connections,
prepared statements and a data directory for the whole session, so every test shares one
data directory and starts from emptied tables, blob folder and Redis instead.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests.services import WorkerProcess

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
SHARED_WORKERS = 2


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[Path]:
    from api.migrate import upgrade
    from ingest.database import get_engine, reset_engines

    monkeypatch.setenv("AMREVIEW_SANDBOX", os.environ.get("AMREVIEW_SANDBOX", "0"))
    if os.environ.get("AMREVIEW_REDIS_URL"):
        shared: SharedServices = request.getfixturevalue("shared_services")
        shared.reset()
        yield shared.data_dir
        return
    monkeypatch.setenv("AMREVIEW_DATA_DIR", str(tmp_path / "data"))
    reset_engines()
    if os.environ.get("AMREVIEW_DATABASE_URL"):
        _drop_everything(get_engine())
    upgrade()
    yield tmp_path / "data"
    reset_engines()


def _drop_everything(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@dataclass
class SharedServices:
    """The session's data directory and database, served by long-running `amreview worker` processes."""

    data_dir: Path
    redis_url: str
    workers: list[WorkerProcess]

    def reset(self) -> None:
        """Between tests: let the workers finish what they run, then empty the tables, the blobs, the models
        and Redis."""
        from redis import Redis

        from ingest.database import get_engine

        for worker in self.workers:
            if not worker.alive():
                pytest.fail(worker.failure())
        redis = Redis.from_url(self.redis_url)
        redis.flushdb()  # nothing more starts; what runs now finishes below
        _wait_for_running_jobs(get_engine())
        _empty_tables(get_engine())
        shutil.rmtree(self.data_dir / "files", ignore_errors=True)
        shutil.rmtree(self.data_dir / "models", ignore_errors=True)  # a test's retrained model is its own
        shutil.rmtree(self.data_dir / "similarity", ignore_errors=True)  # the index of the emptied tables
        redis.flushdb()


@pytest.fixture(scope="session")
def shared_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedServices]:
    """One data directory for the session and two `amreview worker`s on it (AMREVIEW_REDIS_URL is set)."""
    from redis import Redis
    from redis.exceptions import RedisError

    from api.migrate import upgrade
    from ingest.database import get_engine, reset_engines

    redis_url = os.environ["AMREVIEW_REDIS_URL"]
    try:
        Redis.from_url(redis_url).ping()
    except RedisError as exc:
        pytest.fail(f"AMREVIEW_REDIS_URL={redis_url} does not answer: {exc}")
    data = tmp_path_factory.mktemp("shared") / "data"
    session_env = pytest.MonkeyPatch()
    session_env.setenv("AMREVIEW_DATA_DIR", str(data))
    session_env.setenv("AMREVIEW_SANDBOX", os.environ.get("AMREVIEW_SANDBOX", "0"))
    reset_engines()
    if os.environ.get("AMREVIEW_DATABASE_URL"):
        _drop_everything(get_engine())
    upgrade()  # once; tests then start from emptied tables
    workers = [WorkerProcess(f"pytest-{os.getpid()}-{n}", data / f"worker-{n}.log", dict(os.environ))
               for n in range(1, SHARED_WORKERS + 1)]
    try:
        for worker in workers:
            worker.wait_ready(redis_url)
        yield SharedServices(data, redis_url, workers)
    finally:
        for worker in workers:
            worker.process.terminate()
        for worker in workers:
            worker.stop()
        reset_engines()
        session_env.undo()


def _wait_for_running_jobs(engine, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    """Wait while a job runs with a live heartbeat, so no job of the last test writes into the next one."""
    from api.jobs import RUNNING, Job, stale_seconds
    from ingest.database import utcnow

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = select(Job.id).where(Job.status == RUNNING,
                                     Job.heartbeat_at > utcnow() - timedelta(seconds=stale_seconds()))
        with engine.connect() as connection:
            if connection.execute(alive).first() is None:
                return
        time.sleep(0.1)


def _empty_tables(engine) -> None:  # type: ignore[no-untyped-def]
    """Every table but alembic_version emptied, ids restarting at 1: the schema (and its migration) stays."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            names = connection.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                            "AND tablename <> 'alembic_version'")).all()
            connection.execute(text("SET LOCAL lock_timeout = '60s'"))  # an error, not a hang, if a lock is held
            tables = ", ".join(f'"{name}"' for name in names)
            connection.execute(text(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE"))
        return
    with engine.connect() as connection:  # SQLite: no TRUNCATE; foreign keys and triggers off while deleting
        # pysqlite sends a PRAGMA outside its transaction (it opens one at the first write), where it counts.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        names = connection.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "AND name NOT IN ('alembic_version', 'sqlite_sequence')")).all()
        # Triggers (an append-only table refuses DELETE) are dropped and made again from their own SQL.
        triggers = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
        for trigger, _sql in triggers:
            connection.exec_driver_sql(f'DROP TRIGGER "{trigger}"')
        for name in names:
            connection.exec_driver_sql(f'DELETE FROM "{name}"')
        for _trigger, sql in triggers:
            connection.exec_driver_sql(sql)
        if connection.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")):
            connection.exec_driver_sql("DELETE FROM sqlite_sequence")  # AUTOINCREMENT ids restart too
        connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


@pytest.fixture(scope="session")
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.fail(f"the shared samples are missing: expected {SAMPLES}")
    return SAMPLES
