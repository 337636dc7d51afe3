"""Where amreview keeps its data, read from the environment once per process."""

from __future__ import annotations

import os
import secrets
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

    def secret_key(self) -> bytes:
        """The server secret that keys ID-number hashes (AMREVIEW_SECRET_KEY, else a file made once).

        Every process sharing a database must share this key, or one person in two teams
        would hash differently: deployments set the variable; the embedded default keeps a
        random key next to the database.
        """
        configured = os.environ.get("AMREVIEW_SECRET_KEY")
        if configured:
            return configured.encode()
        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            try:
                with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as stream:
                    stream.write(secrets.token_hex(32))
            except FileExistsError:  # another process made it first: use theirs
                pass
        return path.read_text().strip().encode()


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("AMREVIEW_DATA_DIR") or "./amreview-data").resolve()  # empty means unset
    database_url = os.environ.get("AMREVIEW_DATABASE_URL") or f"sqlite:///{data_dir / 'amreview.db'}"
    return Settings(data_dir=data_dir, database_url=database_url,
                    redis_url=os.environ.get("AMREVIEW_REDIS_URL") or None,
                    job_stale_seconds=float(os.environ.get("AMREVIEW_JOB_STALE_SECONDS") or 30))
