"""Fault injection on the job pipeline: a worker and the API killed with SIGKILL mid-batch.

Run from the repository root:  python benchmarks/faults.py [--documents N] [--stale S]

Starts a throw-away redis-server, an `amreview serve` API process (SQLite in a temporary
AMREVIEW_DATA_DIR) and two `amreview worker`s, all on 127.0.0.1, then:

1. Worker killed: uploads N small generated PDFs (each with its own Chinese text) through
   POST /api/v1/documents; a third of the way in, kills a worker that is running a job with
   SIGKILL and starts a replacement; waits until every job is done or failed. Prints documents
   processed, jobs done/failed, the attempts histogram, how many documents were written more
   than once (each committed parse is one "document N recorded" line in the worker logs) and
   the times.
2. API killed: a fresh data directory; uploads N other PDFs from four client threads, kills the
   API with SIGKILL half-way and starts it again (clients retry what failed); afterwards checks
   that every document row has its stored original and its job, that no row is half-written,
   and that every upload the API acknowledged exists.

When the CLI has `amreview users` (bearer tokens), an admin and a token are created first and
every call carries the token; otherwise calls go without a header. Prints figures only;
nothing is asserted. Everything is bounded in time (each wait has a deadline) and runs in a
temporary directory removed at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from ingest.blobs import BlobStore  # noqa: E402

AMREVIEW = str(Path(sys.executable).parent / "amreview")
HOST = "127.0.0.1"
LONG_PAGES = 120  # the plan whose worker is killed: about two seconds of parsing
SEGMENTS = ("激光选区熔化", "电子束熔丝", "光固化", "粘结剂喷射", "定向能量沉积", "材料挤出", "增材制造软件")


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], bool], seconds: float, what: str, step: float = 0.1) -> float:
    """Poll ``condition`` until true; returns the seconds it took. Raises after ``seconds``: nothing hangs."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if condition():
            return time.monotonic() - start
        time.sleep(step)
    raise TimeoutError(f"{what}: not within {seconds:.0f} s")


@dataclass
class Stack:
    """redis-server, one API process and the workers of one scenario, with their environment and logs."""

    folder: Path
    redis_port: int
    documents: int
    stale: float
    env: dict[str, str] = field(default_factory=dict)
    api: subprocess.Popen | None = None
    api_port: int = 0
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)
    token: str | None = None
    _count: int = 0

    def __post_init__(self) -> None:
        self.env = {**os.environ, "AMREVIEW_DATA_DIR": str(self.folder / "data"),
                    "AMREVIEW_REDIS_URL": f"redis://{HOST}:{self.redis_port}/0",
                    "AMREVIEW_JOB_STALE_SECONDS": str(self.stale), "AMREVIEW_LOG_LEVEL": "INFO",
                    "AMREVIEW_UPLOAD_QUOTA_FILES": str(10 * self.documents)}
        for name in ("AMREVIEW_DATABASE_URL", "AMREVIEW_EXTRA_TASK_MODULES"):
            self.env.pop(name, None)  # SQLite in the data directory; the production handlers only
        self.api_port = free_port()

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen:
        handle = (self.folder / log).open("ab")
        return subprocess.Popen([AMREVIEW, *args], env=self.env, cwd=self.folder, stdout=handle,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def start_api(self) -> float:
        """Start `amreview serve`; returns the seconds until /healthz answered."""
        self.api = self._spawn(["serve", "--host", HOST, "--port", str(self.api_port)], "api.log")
        return wait_until(lambda: self._healthy(), 60, "the API did not answer /healthz")

    def _healthy(self) -> bool:
        assert self.api is not None
        if self.api.poll() is not None:
            raise RuntimeError(f"the API exited with {self.api.returncode}; see {self.folder / 'api.log'}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{self.api_port}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def kill_api(self) -> None:
        assert self.api is not None
        self.api.send_signal(signal.SIGKILL)
        self.api.wait()

    def start_worker(self) -> str:
        self._count += 1
        name = f"bench-{self._count}"
        self.workers[name] = self._spawn(["worker", "--name", name], f"worker-{self._count}.log")
        return name

    def wait_workers_registered(self) -> None:
        from redis import Redis
        from rq import Worker

        connection = Redis(host=HOST, port=self.redis_port)
        alive = {name for name, process in self.workers.items() if process.poll() is None}
        wait_until(lambda: alive <= {w.name for w in Worker.all(connection=connection)}, 60,
                   "the workers did not register with Redis")

    def busy_worker(self) -> tuple[str, str] | None:
        """A live worker running a job right now: (worker name, RQ job id), or None."""
        from redis import Redis
        from rq import Worker

        for worker in Worker.all(connection=Redis(host=HOST, port=self.redis_port)):
            process = self.workers.get(worker.name)
            job_id = worker.get_current_job_id()
            if process is not None and process.poll() is None and worker.get_state() == "busy" and job_id:
                return worker.name, job_id
        return None

    def kill_worker(self, name: str) -> None:
        self.workers[name].send_signal(signal.SIGKILL)
        self.workers[name].wait()

    def sign_in(self) -> str:
        """Create an admin and a bearer token when the CLI has `amreview users`; returns what was done."""
        help_text = subprocess.run([AMREVIEW, "--help"], env=self.env, capture_output=True, text=True).stdout
        if not re.search(r"^\W*users\b", help_text, re.MULTILINE):
            return "no `amreview users` command: calls go without a token"
        password = secrets.token_urlsafe(18)
        subprocess.run([AMREVIEW, "users", "add", "admin", "--role", "admin", "--password-stdin"], env=self.env,
                       input=password + "\n", text=True, check=True, capture_output=True)
        issued = subprocess.run([AMREVIEW, "users", "token", "admin"], env=self.env, text=True, check=True,
                                capture_output=True)
        self.token = issued.stdout.strip().splitlines()[-1].split()[-1]
        return "admin user and bearer token created"

    def upload(self, filename: str, data: bytes) -> dict:
        """POST one file as multipart field ``file``; returns the JSON answer (raises on a lost connection)."""
        boundary = secrets.token_hex(16)
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
                f"Content-Type: application/pdf\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(f"http://{HOST}:{self.api_port}/api/v1/documents", data=body,
                                         headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as refusal:
            return {"http_error": refusal.code, "body": refusal.read().decode(errors="replace")[:200]}

    def database(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.folder / 'data' / 'amreview.db'}?mode=ro", uri=True, timeout=30)

    def stop(self) -> None:
        processes = [p for p in (self.api, *self.workers.values()) if p is not None and p.poll() is None]
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start_redis(folder: Path) -> tuple[subprocess.Popen, int]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is missing: apt-get install redis-server")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no",
                                "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def answers() -> bool:
        from redis import Redis
        from redis.exceptions import RedisError

        try:
            return bool(Redis(host=HOST, port=port).ping())
        except RedisError:
            return False

    wait_until(answers, 20, "redis-server did not start")
    return process, port


# ---------------------------------------------------------------- documents and figures


def make_pdfs(count: int, tag: str, long_one: int | None = None) -> list[tuple[str, bytes]]:
    """Small business-plan PDFs, each with different text (so each is a new document); number ``long_one``
    has LONG_PAGES pages, so that its job runs long enough to kill its worker in the middle of it."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    files = []
    for number in range(1, count + 1):
        buffer = io.BytesIO()
        canvas = Canvas(buffer)
        for page in range(2, LONG_PAGES + 1 if number == long_one else 1):
            _filler_page(canvas, page)
        canvas.setFont("STSong-Light", 16)
        canvas.drawString(72, 760, f"一、项目概述（{tag}-{number:03d}）")
        canvas.setFont("STSong-Light", 11)
        segment = SEGMENTS[number % len(SEGMENTS)]
        canvas.drawString(72, 728, f"本项目属于{segment}方向，计划书编号 {tag}{number:04d}，"
                                   f"随机标识 {secrets.token_hex(6)}。")
        canvas.drawString(72, 708, f"预计年营业收入 {number * 37 % 5000 + 100} 万元，研发人员 {number % 40 + 5} 名。")
        canvas.save()
        files.append((f"{tag}-{number:03d}-商业计划书.pdf", buffer.getvalue()))
    return files


def _filler_page(canvas: Canvas, page: int) -> None:
    canvas.setFont("STSong-Light", 11)
    for line in range(40):
        canvas.drawString(72, 780 - line * 18, f"第{page}页第{line + 1}行：市场分析、技术路线与财务预测的详细说明。")
    canvas.showPage()


def wait_settled(stack: Stack, seconds: float = 180) -> float:
    def settled() -> bool:
        with stack.database() as connection:
            return connection.execute("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
                                      ).fetchone()[0] == 0
    return wait_until(settled, seconds, "jobs still queued or running", step=0.25)


def job_figures(stack: Stack) -> dict:
    with stack.database() as connection:
        statuses = Counter(dict(connection.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall()))
        attempts = Counter(dict(connection.execute("SELECT attempts, count(*) FROM jobs GROUP BY attempts")
                                .fetchall()))
        documents = Counter(dict(connection.execute("SELECT status, count(*) FROM documents GROUP BY status")
                                 .fetchall()))
    return {"jobs": dict(statuses), "attempts": dict(sorted(attempts.items())), "documents": dict(documents)}


def writes_per_document(stack: Stack) -> Counter:
    """Committed parses per document id, from every worker log (the killed worker's too)."""
    writes: Counter = Counter()
    for log in stack.folder.glob("worker-*.log"):
        writes.update(int(n) for n in re.findall(r"document (\d+) recorded as", log.read_text(errors="replace")))
    return writes


def consistency(stack: Stack, acknowledged: set[int]) -> dict:
    """Rows against originals and jobs: what an API killed mid-upload may have left behind."""
    store = BlobStore(stack.folder / "data" / "files")
    with stack.database() as connection:
        rows = connection.execute("SELECT id, sha256, status, content IS NOT NULL, parsed_at IS NOT NULL "
                                  "FROM documents").fetchall()
        jobs = Counter(document_id for (document_id,) in connection.execute(
            "SELECT json_extract(payload, '$.document_id') FROM jobs WHERE kind = 'parse_document'"))
    ids = {row[0] for row in rows}
    stored = {p.name for p in store.root.rglob("*") if p.is_file() and not p.name.startswith(".")}
    return {
        "document rows": len(rows),
        "rows without their original": sum(not store.path(sha).exists() for _, sha, *_ in rows),
        "rows without a job": sum(jobs[row_id] == 0 for row_id, *_ in rows),
        "rows with more than one job": sum(jobs[row_id] > 1 for row_id, *_ in rows),
        "half-written rows": sum((status in ("parsed", "bundle")) != bool(content) or
                                 (status != "queued") != bool(parsed) for _, _, status, content, parsed in rows),
        "jobs without a document": sum(1 for document_id in jobs if document_id not in ids),
        "acknowledged uploads missing": len(acknowledged - ids),
        "originals without a row (harmless; reused on re-upload)": len(stored - {sha for _, sha, *_ in rows}),
    }


def print_figures(title: str, figures: dict) -> None:
    print(f"\n{title}")
    for key, value in figures.items():
        print(f"  {key:<58} {value}")


# ---------------------------------------------------------------- scenarios


def boot(stack: Stack, workers: int = 2) -> dict:
    started = time.monotonic()
    api_ready = stack.start_api()
    auth = stack.sign_in()
    for _ in range(workers):
        stack.start_worker()
    stack.wait_workers_registered()
    return {"API ready after (s)": round(api_ready, 1),
            "start-up incl. workers (s)": round(time.monotonic() - started, 1), "authentication": auth}


def worker_killed(folder: Path, redis_port: int, count: int, stale: float) -> None:
    stack = Stack(folder, redis_port, count, stale)
    try:
        figures = boot(stack)
        files = make_pdfs(count, "W", long_one=max(1, count // 3))
        started = time.monotonic()
        killed: dict = {}
        for number, (name, data) in enumerate(files, 1):
            answer = stack.upload(name, data)
            if "id" not in answer:
                print(f"  upload {name} refused: {answer}")
            elif number == max(1, count // 3):
                killed = kill_worker_mid_job(stack, answer["job_id"])
        uploaded = time.monotonic() - started
        settle = wait_settled(stack)
        figures.update(job_figures(stack))
        writes = writes_per_document(stack)
        figures.update({
            "killed": {key: value for key, value in killed.items() if key != "at"},
            "documents written more than once": sum(n > 1 for n in writes.values()),
            "processed documents without a logged write": figures["documents"].get("parsed", 0) +
            figures["documents"].get("refused", 0) - len(writes),
            "uploads (s)": round(uploaded, 1), "then until every job settled (s)": round(settle, 1),
            "total (s)": round(time.monotonic() - started, 1),
        })
        if "job" in killed:
            figures["the killed job"] = killed_job(stack, killed)
    finally:
        stack.stop()
    print_figures(f"1. worker killed with SIGKILL mid-batch ({count} PDFs, stale after {stale:g} s)", figures)


def kill_worker_mid_job(stack: Stack, job_id: str) -> dict:
    """SIGKILL the worker running ``job_id`` (the long plan) once it has claimed it; start a replacement."""
    from api.jobs import rq_job_id

    def claimed() -> bool:
        with stack.database() as connection:
            return connection.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()[0] == "running"

    wait_until(claimed, 60, "the long plan's job was never claimed", step=0.01)
    busy = stack.busy_worker()
    if busy is None or busy[1] != rq_job_id(job_id, 1):
        return {"note": f"the long plan's job was not running on a worker at the kill ({busy})"}
    stack.kill_worker(busy[0])
    return {"worker": busy[0], "job": job_id, "at": datetime.now(UTC).replace(tzinfo=None),
            "replacement": stack.start_worker()}


def killed_job(stack: Stack, killed: dict) -> str:
    with stack.database() as connection:
        status, attempts, finished = connection.execute("SELECT status, attempts, finished_at FROM jobs WHERE id = ?",
                                                        (killed["job"],)).fetchone()
    recovered = (datetime.fromisoformat(finished) - killed["at"]).total_seconds() if finished else float("nan")
    return f"{status} after {attempts} attempts, {recovered:.1f} s after the kill"


def api_killed(folder: Path, redis_port: int, count: int, stale: float) -> None:
    stack = Stack(folder, redis_port, count, stale)
    try:
        figures = boot(stack)
        files = make_pdfs(count, "A")
        acknowledged: set[int] = set()
        failures: Counter = Counter()
        lock, pending = threading.Lock(), list(reversed(files))
        restart = threading.Event()
        started = time.monotonic()

        def client() -> None:
            while True:
                with lock:
                    if not pending:
                        return
                    name, data = pending.pop()
                for _ in range(60):  # a lost connection is retried until the API is back
                    try:
                        answer = stack.upload(name, data)
                    except OSError:
                        with lock:
                            failures["connection lost or refused"] += 1
                        time.sleep(0.25)
                        continue
                    with lock:
                        if "id" in answer:
                            acknowledged.add(answer["id"])
                        else:
                            failures[f"HTTP {answer.get('http_error')}"] += 1
                        if len(acknowledged) >= count // 2:
                            restart.set()
                    break

        threads = [threading.Thread(target=client) for _ in range(4)]
        for thread in threads:
            thread.start()
        restart.wait(timeout=120)
        stack.kill_api()
        down = time.monotonic()
        back = stack.start_api()
        figures["API down, SIGKILL to healthy again (s)"] = round(time.monotonic() - down, 1)
        figures["  of which start-up (s)"] = round(back, 1)
        for thread in threads:
            thread.join(timeout=180)
        uploaded = time.monotonic() - started
        settle = wait_settled(stack)
        figures.update(job_figures(stack))
        figures["failed upload calls (retried)"] = dict(failures) or 0
        figures["documents written more than once"] = sum(n > 1 for n in writes_per_document(stack).values())
        figures.update(consistency(stack, acknowledged))
        figures.update({"uploads (s)": round(uploaded, 1), "then until every job settled (s)": round(settle, 1),
                        "total (s)": round(time.monotonic() - started, 1)})
    finally:
        stack.stop()
    print_figures(f"2. API killed with SIGKILL mid-upload and restarted ({count} PDFs, 4 clients)", figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=200, help="PDFs uploaded per scenario")
    parser.add_argument("--stale", type=float, default=5.0,
                        help="AMREVIEW_JOB_STALE_SECONDS for the run (the default of 30 s would only be slower)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="amreview-faults-") as temporary:
        folder = Path(temporary)
        redis, port = start_redis(folder)
        try:
            print(f"amreview fault injection: redis-server on {HOST}:{port}, SQLite, two workers; in {folder}")
            (folder / "worker").mkdir()
            worker_killed(folder / "worker", port, args.documents, args.stale)
            from redis import Redis

            Redis(host=HOST, port=port).flushdb()
            (folder / "api").mkdir()
            api_killed(folder / "api", port, args.documents, args.stale)
        finally:
            redis.terminate()
            redis.wait(timeout=10)


if __name__ == "__main__":
    main()
