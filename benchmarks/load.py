"""Page latency under load: browsing users and uploaders against a real `amreview serve`.

Run from the repository root:  python benchmarks/load.py [--browsers 50] [--uploaders 10] [--seconds 30]

1. Starts ``amreview serve`` on a free loopback port with a fresh data directory (SQLite,
   in-process jobs, the parse sandbox on: the embedded default), creates one account per
   browsing user and per uploader, and uploads 20 seed plans.
2. For ``--seconds``, each browsing user (its own signed-in session) loops over the pages a
   reviewer opens — dashboard, document list, a document viewer, the JSON of a document —
   reading each for 1–3 s (``--think``), while each uploader posts a new small PDF (a new
   parse job) every second through the API.
3. Prints requests, errors, and latency percentiles per kind of request and overall.

Prints figures only; asserts nothing. Traffic goes to 127.0.0.1 only and stops by itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import io
import os
import random
import re
import socket
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict

import httpx
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

PASSWORD = "load test password"
AMREVIEW = str(Path(sys.executable).with_name("amreview"))
pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pdf(seed: int) -> bytes:
    rng = random.Random(seed)
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.setFont("STSong-Light", 12)
    words = ["激光选区熔化", "电弧增材", "光固化", "钛合金粉末", "熔池监测", "拓扑优化", "切片软件", "齿科树脂"]
    for line in range(30):
        canvas.drawString(72, 780 - 22 * line, f"第{seed}号计划书 " + "，".join(rng.choices(words, k=8)) + "。")
    canvas.save()
    return buffer.getvalue()


def _accounts(data_dir: str, names: list[str]) -> dict[str, str]:
    """Reviewer accounts in the fresh data directory, and a token each (one process, not one per user)."""
    os.environ["AMREVIEW_DATA_DIR"] = data_dir
    from api.auth.service import create_user, issue_token
    from api.migrate import upgrade
    from ingest.database import reset_engines, session_scope

    upgrade()
    tokens = {}
    with session_scope() as session:
        for name in names:
            _, tokens[name] = issue_token(session, create_user(session, name, "reviewer", PASSWORD), "load")
    reset_engines()
    return tokens


class Recorder:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_kinds: dict[str, int] = defaultdict(int)  # "page /: 500", "page /: ReadTimeout"

    async def timed(self, kind: str, request) -> httpx.Response | None:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            response = await request
        except httpx.HTTPError as exc:
            self.errors[kind] += 1
            self.error_kinds[f"{kind}: {type(exc).__name__}"] += 1
            return None
        self.latencies[kind].append(time.perf_counter() - start)
        if response.status_code >= 400:
            self.errors[kind] += 1
            self.error_kinds[f"{kind}: {response.status_code}"] += 1
        return response


async def _sign_in(client: httpx.AsyncClient, name: str) -> None:
    form = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    await client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token[1], "next": "/"})


async def browse(client: httpx.AsyncClient, name: str, token: str, document_ids: list[int], until: float,
                 rec: Recorder, think: tuple[float, float]) -> None:
    """One signed-in reviewer reading pages until ``until``."""
    rng = random.Random(name)
    await asyncio.sleep(rng.uniform(0, think[1]))  # users arrive over a few seconds, not in one instant
    try:
        while time.monotonic() < until:
            document = rng.choice(document_ids)
            for kind, request in (
                ("page /", lambda: client.get("/")),
                ("page /documents", lambda: client.get("/documents")),
                ("page /documents/{id}", lambda d=document: client.get(f"/documents/{d}")),
                ("api GET /documents/{id}", lambda d=document: client.get(
                    f"/api/v1/documents/{d}", headers={"Authorization": f"Bearer {token}"})),
            ):
                await rec.timed(kind, request())
                await asyncio.sleep(rng.uniform(*think))
    finally:
        await client.aclose()


async def upload(base: str, token: str, seed: int, until: float, rec: Recorder) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"}) as client:
        while time.monotonic() < until:
            seed += 1000
            await rec.timed("api POST /documents", client.post(
                "/api/v1/documents", files={"file": (f"plan-{seed}.pdf", _pdf(seed))}))
            await asyncio.sleep(1.0)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def report(rec: Recorder, seconds: float) -> None:
    print(f"\n{'request':28s} {'count':>6s} {'errors':>6s} {'p50 ms':>7s} {'p95 ms':>7s} {'p99 ms':>7s} {'max ms':>7s}")
    everything: list[float] = []
    pages: list[float] = []
    for kind in sorted(rec.latencies):
        values = rec.latencies[kind]
        everything += values
        if kind.startswith("page"):
            pages += values
        print(f"{kind:28s} {len(values):6d} {rec.errors[kind]:6d} {1000 * statistics.median(values):7.0f} "
              f"{1000 * _percentile(values, 0.95):7.0f} {1000 * _percentile(values, 0.99):7.0f} "
              f"{1000 * max(values):7.0f}")
    print(f"{'all pages':28s} {len(pages):6d} {'':6s} {1000 * statistics.median(pages):7.0f} "
          f"{1000 * _percentile(pages, 0.95):7.0f} {1000 * _percentile(pages, 0.99):7.0f}")
    print(f"{len(everything)} requests in {seconds:.0f} s ({len(everything) / seconds:.0f}/s), "
          f"{sum(rec.errors.values())} errors; load average {os.getloadavg()[0]:.1f}")
    for kind, count in sorted(rec.error_kinds.items()):
        print(f"  error {kind} × {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browsers", type=int, default=50)
    parser.add_argument("--uploaders", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"),
                        help="seconds a user reads a page before the next (uniform; default 1 3)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="amreview-load-") as data_dir:
        env = {**os.environ, "AMREVIEW_DATA_DIR": data_dir}
        env.pop("AMREVIEW_DATABASE_URL", None)
        env.pop("AMREVIEW_REDIS_URL", None)
        env["AMREVIEW_UPLOAD_QUOTA_FILES"] = "100000"
        browsers = [f"reviewer{i}" for i in range(args.browsers)]
        tokens = _accounts(data_dir, browsers)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = Path(data_dir) / "server.log"
        log = log_path.open("wb")
        server = subprocess.Popen([AMREVIEW, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_healthy(base)
            document_ids = _seed(base, tokens[browsers[0]])
            print(f"{args.browsers} browsing users, {args.uploaders} uploaders, {args.seconds:.0f} s, "
                  f"{len(document_ids)} seed documents; amreview serve (one process, SQLite, in-process jobs)")
            rec = Recorder()
            think = (args.think[0], args.think[1])

            async def run() -> float:
                # Sign-ins (Argon2, deliberately slow) happen before the clock starts: the figure is browsing.
                clients = [httpx.AsyncClient(base_url=base, timeout=60) for _ in browsers]
                pairs = list(zip(clients, browsers, strict=True))
                await asyncio.gather(*(_sign_in(c, n) for c, n in pairs))
                started = time.monotonic()
                until = started + args.seconds
                await asyncio.gather(
                    *(browse(c, n, tokens[n], document_ids, until, rec, think) for c, n in pairs),
                    *(upload(base, tokens[browsers[i % len(browsers)]], i, until, rec) for i in range(args.uploaders)))
                return time.monotonic() - started

            report(rec, asyncio.run(run()))
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
        if sum(rec.errors.values()):
            errors = [line for line in log_path.read_text("utf-8", "replace").splitlines()
                      if "Error" in line or '" 5' in line]
            print("server errors (last 10):", *errors[-10:], sep="\n  ")


def _wait_healthy(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def _seed(base: str, token: str) -> list[int]:
    headers = {"Authorization": f"Bearer {token}"}
    ids = [httpx.post(base + "/api/v1/documents", headers=headers, files={"file": (f"seed-{i}.pdf", _pdf(i))},
                      timeout=60).json()["id"] for i in range(20)]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        statuses = [httpx.get(f"{base}/api/v1/documents/{i}", headers=headers, timeout=30).json()["status"]
                    for i in ids]
        if all(s != "queued" for s in statuses):
            break
        time.sleep(0.5)
    return ids


if __name__ == "__main__":
    main()
