"""`amreview worker`: run background jobs from Redis, and recover jobs whose worker died.

The worker is an RQ ``SimpleWorker``: it runs each job in its own process instead of forking a
work horse per job. Parsing already happens in the sandbox's long-lived child process
(ingest.sandbox), which a fork per job would either start again for every job or share between
horses; and without forks the SQLAlchemy connection pool, the heartbeat thread and the reaper
thread need no after-fork care. A file that crashes the parser takes down only the sandbox
child; a worker that dies anyway (killed, out of memory, machine lost) stops its job's
heartbeat, and the reaper of any other worker puts the job back in the queue.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading

from api.jobs import RqRunner, reap, reaper_seconds
from ingest.settings import load_settings

log = logging.getLogger("amreview.worker")

EXTRA_TASK_MODULES = "AMREVIEW_EXTRA_TASK_MODULES"


def load_task_modules() -> list[str]:
    """Import the modules that register job handlers: ``api.tasks`` and those in AMREVIEW_EXTRA_TASK_MODULES.

    The extra modules (comma-separated dotted names) let a deployment or a test add job kinds
    without touching this package. Returns the names imported.
    """
    names = ["api.tasks", *(n.strip() for n in os.environ.get(EXTRA_TASK_MODULES, "").split(",") if n.strip())]
    for name in names:
        importlib.import_module(name)
    return names


class Reaper:
    """Runs one reaper pass (see ``api.jobs.reap``) at start and then every ``interval`` seconds on a thread.

    A thread rather than a step of the worker loop, because a job may run for minutes and lost
    jobs must be recovered meanwhile.
    """

    def __init__(self, runner: RqRunner, interval: float) -> None:
        self._runner = runner
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="amreview-reaper", daemon=True)

    def run_once(self) -> None:
        try:
            enqueued = reap(self._runner)
        except Exception:  # database or Redis unreachable: try again next time
            log.warning("reaper pass failed", exc_info=True)
            return
        if enqueued:
            log.warning("reaper: enqueued %d lost job(s) again", enqueued)

    def start(self) -> None:
        self.run_once()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._interval + 5)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self.run_once()


def worker_name() -> str:
    """A readable, unique RQ worker name: host and process id."""
    return f"amreview-{socket.gethostname()}-{os.getpid()}"


def run_worker(name: str | None = None, *, burst: bool = False) -> None:
    """Work the amreview queue until told to stop (SIGTERM/SIGINT: after the current job) or, with
    ``burst``, until it is empty."""
    from rq import SimpleWorker

    from api.tasks import warm_up

    redis_url = load_settings().redis_url
    if not redis_url:
        raise RuntimeError("AMREVIEW_REDIS_URL is not set: a worker needs Redis")
    modules = load_task_modules()
    warm_up()
    runner = RqRunner(redis_url)
    reaper = Reaper(runner, reaper_seconds())
    reaper.start()
    worker = SimpleWorker([runner.queue], connection=runner.connection, name=name or worker_name())
    log.info("worker %s on %s, handlers from %s", worker.name, runner.queue.name, ", ".join(modules))
    try:
        worker.work(burst=burst, logging_level=os.environ.get("AMREVIEW_LOG_LEVEL", "INFO"))
    finally:
        reaper.stop()
