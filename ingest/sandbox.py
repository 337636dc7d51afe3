"""Parse untrusted files in a child process with a time and memory limit.

A hostile file must cost a bounded amount and never take the server down. The parser
runs in a long-lived child (so OCR models and jieba load once); the parent watches the
clock and the child's resident memory, and kills and replaces the child when a file
overruns. The file is then refused with ``timeout`` or ``memory``; the next file gets a
fresh child.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from multiprocessing.connection import Connection

from ingest.errors import Refused
from ingest.limits import DEFAULT_LIMITS, Limits
from ingest.parse import ParseResult, iter_parse

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _serve(conn: Connection) -> None:
    """Child loop: receive (data, filename, limits, ocr), answer with a list of ParseResults."""
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        data, filename, limits, ocr = request
        try:
            conn.send(list(iter_parse(data, filename, limits=limits, ocr=ocr)))
        except Exception as exc:  # a reader bug must not kill the child's loop: report it per file
            reason = f"amreview could not read this file (an internal error, not the file's fault): {exc}"
            conn.send([ParseResult(filename, error=Refused("parser_error", reason))])


class SandboxedParser:
    """``parse`` like ``ingest.parse.iter_parse``, but in a child process under limits."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def parse(self, data: bytes, filename: str, *, ocr: bool = True) -> list[ParseResult]:
        conn = self._ensure_child()
        conn.send((data, filename, self.limits, ocr))
        deadline = time.monotonic() + self.limits.max_seconds
        while not conn.poll(0.1):
            refusal = self._overrun(deadline)
            if refusal is not None:
                self.close()
                return [ParseResult(filename, error=refusal)]
        try:
            return conn.recv()
        except EOFError:
            self.close()
            return [ParseResult(filename, error=Refused("memory", "the parser stopped while reading this file "
                                                                 "(it exceeded the memory limit or crashed)"))]

    def _overrun(self, deadline: float) -> Refused | None:
        assert self._process is not None
        if not self._process.is_alive():
            return Refused("memory", "the parser stopped while reading this file (memory limit or crash)")
        if time.monotonic() > deadline:
            return Refused("timeout", f"parsing took longer than the {self.limits.max_seconds:.0f} s limit")
        rss = _resident_bytes(self._process.pid)
        if rss > self.limits.max_memory_bytes:
            return Refused("memory", f"parsing needed more than {self.limits.max_memory_bytes / 2**20:.0f} MB "
                                     "of memory")
        return None

    def _ensure_child(self) -> Connection:
        if self._process is None or not self._process.is_alive() or self._conn is None:
            self.close()
            # spawn, not fork: a forked copy of a threaded parent (uvicorn, onnxruntime) can deadlock.
            context = multiprocessing.get_context("spawn")
            parent, child = context.Pipe()
            self._process = context.Process(target=_serve, args=(child,), daemon=True, name="amreview-parser")
            self._process.start()
            child.close()
            self._conn = parent
        return self._conn

    def close(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join(5)
        if self._conn is not None:
            self._conn.close()
        self._process, self._conn = None, None


def _resident_bytes(pid: int | None) -> int:
    try:
        with open(f"/proc/{pid}/statm") as stream:
            return int(stream.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0
