"""Job handlers for tests/api/test_jobs.py only.

`amreview worker` subprocesses import this module through AMREVIEW_EXTRA_TASK_MODULES, so the
tests can run slow jobs on real workers and kill a worker at a chosen moment. Each handler
appends "<event> <pid>" lines to the marker file named in its payload: the test reads them to
know which worker process to kill, and to count how often the parser ran.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from api.jobs import handler
from ingest.parse import ParseResult, iter_parse
from ingest.service import parse_document

PAUSE_SECONDS = 120  # far longer than any test waits: the paused worker is killed, never woken


def note(marker: Path, event: str) -> None:
    with marker.open("a") as handle:
        handle.write(f"{event} {os.getpid()}\n")


def events(marker: Path) -> list[tuple[str, int]]:
    if not marker.exists():
        return []
    return [(event, int(pid)) for event, pid in (line.split() for line in marker.read_text().splitlines())]


@handler("test_sleep")
def sleep_job(payload: dict) -> dict:
    time.sleep(float(payload["seconds"]))
    return {"slept": payload["seconds"]}


@handler("test_slow_parse")
def slow_parse(payload: dict) -> dict:
    """The real parse job, pausing on its first attempt where ``payload["pause"]`` says.

    "parsing": inside the parser, before anything is written (the worker dies mid-job);
    "recorded": after the document was committed, before the job is finished (the worker dies
    between the handler's transaction and ``_finish``); "always": inside the parser, every attempt.
    """
    marker, pause = Path(payload["marker"]), payload["pause"]
    first = not any(event == "start" for event, _ in events(marker))
    note(marker, "start")

    def parser(data: bytes, name: str) -> list[ParseResult]:
        note(marker, "parse")
        if pause == "always" or (first and pause == "parsing"):
            time.sleep(PAUSE_SECONDS)
        return list(iter_parse(data, name, ocr=False))

    status = parse_document(int(payload["document_id"]), parser)
    if first and pause == "recorded":
        note(marker, "recorded")
        time.sleep(PAUSE_SECONDS)
    return {"status": status}
