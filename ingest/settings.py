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

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "files"


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("AMREVIEW_DATA_DIR", "./amreview-data")).resolve()
    database_url = os.environ.get("AMREVIEW_DATABASE_URL") or f"sqlite:///{data_dir / 'amreview.db'}"
    return Settings(data_dir=data_dir, database_url=database_url,
                    redis_url=os.environ.get("AMREVIEW_REDIS_URL") or None)
