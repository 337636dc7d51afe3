"""Real services for tests: a redis-server on a free port, and `amreview worker` processes.

Nothing here is faked: the job tests and the PostgreSQL + Redis pass run RQ against a real
Redis, with workers as separate processes started the way an operator starts them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AMREVIEW = Path(sys.executable).parent / "amreview"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class RedisServer:
    """A throw-away redis-server on 127.0.0.1, without persistence; fails the test if it cannot start."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is missing: install the Debian package redis-server (scripts/test does)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = folder / "redis.log"
        folder.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(folder), "--daemonize", "no"], stdout=log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        from redis import Redis
        from redis.exceptions import ConnectionError as RedisConnectionError

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                Redis.from_url(self.url).ping()
                return
            except RedisConnectionError:
                time.sleep(0.05)
        self.stop()
        pytest.fail(f"redis-server did not start on port {self.port}:\n{_tail(self.log)}")

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


class WorkerProcess:
    """One `amreview worker` subprocess with its log file; ``wait_ready`` fails the test if it never registers."""

    def __init__(self, name: str, log: Path, env: dict[str, str]) -> None:
        self.name = name
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        # The repository on the path, so AMREVIEW_EXTRA_TASK_MODULES can name test-only handler modules.
        env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
               "AMREVIEW_LOG_LEVEL": env.get("AMREVIEW_LOG_LEVEL", "INFO")}
        with log.open("ab") as handle:
            self.process = subprocess.Popen([str(AMREVIEW), "worker", "--name", name], cwd=ROOT, env=env,
                                            stdout=handle, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, redis_url: str, seconds: float = 60) -> None:
        from redis import Redis
        from rq import Worker

        connection = Redis.from_url(redis_url)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.alive():
            if any(worker.name == self.name for worker in Worker.all(connection=connection)):
                return
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"amreview worker {self.name} did not start (exit code {self.process.poll()}):\n"
                    f"{_tail(self.log)}")

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no clean-up runs."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self, seconds: float = 30) -> None:
        """SIGTERM (RQ's warm shutdown: the current job finishes), then SIGKILL if it takes too long."""
        if not self.alive():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.kill()

    def failure(self) -> str:
        return f"amreview worker {self.name} exited with {self.process.poll()}:\n{_tail(self.log)}"
