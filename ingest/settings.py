"""Where amreview keeps its data, read from the environment once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    # A running job whose heartbeat is older than this lost its worker (AMREVIEW_JOB_STALE_SECONDS).
    job_stale_seconds: float = 30.0

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "files"


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("AMREVIEW_DATA_DIR") or "./amreview-data").resolve()  # empty means unset
    database_url = os.environ.get("AMREVIEW_DATABASE_URL") or f"sqlite:///{data_dir / 'amreview.db'}"
    return Settings(data_dir=data_dir, database_url=database_url,
                    redis_url=os.environ.get("AMREVIEW_REDIS_URL") or None,
                    job_stale_seconds=float(os.environ.get("AMREVIEW_JOB_STALE_SECONDS") or 30))
