"""Shared fixtures: an isolated data directory and database per test.

Storage tests run against SQLite by default and against PostgreSQL when
``AMREVIEW_DATABASE_URL`` is set (the CI's second pass); each test starts from an
empty schema built by the Alembic migrations, never by ``create_all``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from api.migrate import upgrade
    from ingest.database import get_engine, reset_engines

    monkeypatch.setenv("AMREVIEW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AMREVIEW_SANDBOX", os.environ.get("AMREVIEW_SANDBOX", "0"))
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


@pytest.fixture(scope="session")
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.fail(f"the shared samples are missing: expected {SAMPLES}")
    return SAMPLES
