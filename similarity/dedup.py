"""Near-duplicate pairs of a JSON Lines file of documents, found by LSH and verified exactly.

``near_duplicates(path, threshold)`` reads lines ``{"id", "text"}`` and yields one
``{"a", "b", "similarity"}`` per pair of documents whose exact Jaccard resemblance (of their
shingle sets, ``similarity.units``) is at least the threshold. Four passes, none holding all texts:

1. **Scan.** The file is cut at line boundaries into chunks of a few megabytes, counting lines, so
   that workers can read their own chunk and every problem can name its line.
2. **Fingerprint.** Every line is decoded, checked and reduced to its 1 KB MinHash signature and its
   byte offset; a pool of two processes does this when the file has more than ``LARGE`` lines.
3. **Candidates.** Band keys and ``lsh.candidate_pairs`` give the pairs sharing a band; those whose
   estimated resemblance is below ``threshold - MARGIN`` are dropped. 128 bins estimate J = 0.5 with
   a standard deviation of 0.044, so the margin (4.5 of them) loses no pair worth keeping.
4. **Verify.** Both lines of a remaining pair are read again by offset and their exact Jaccard
   resemblance computed; pairs are visited in order of their first document, and the shingle sets
   of recently used documents are cached, so a document in several pairs is cut into units once.

Pairs come out ordered by the first document's line, then the second's (``a`` is always the earlier
line), so the output of a file is always the same. Bad lines (not JSON, no ``id`` or ``text``, a
``text`` that is not a string, an ``id`` seen before) are reported through ``progress`` as
``line N: reason`` and skipped; a file that cannot be read or is not UTF-8 raises ``DedupError``
before any pair is yielded.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from similarity.lsh import band_key_matrix, candidate_pairs, estimated_resemblance
from similarity.minhash import BINS, jaccard, signature
from similarity.units import shingles

LARGE = 2_000  # lines: a smaller file is fingerprinted in-process (a pool costs more than it saves)
WORKERS = 2
MARGIN = 0.2  # candidates estimated this far below the threshold are still verified
CHUNK_BYTES = 4 << 20
VERIFY_TASK = 500  # pairs per verification task
CACHE_SIZE = 256  # shingle sets kept for documents in several pairs (about 40 MB at 20,000 characters)
REPORT_SECONDS = 5.0
_BOM = b"\xef\xbb\xbf"


class DedupError(Exception):
    """The file as a whole cannot be used: unreadable, or not UTF-8."""


@dataclass(frozen=True)
class _Span:
    """A run of whole lines: bytes [start, end) of the file, whose first line has number ``first``."""

    start: int
    end: int
    first: int
    lines: int


@dataclass
class _Fingerprints:
    """What fingerprinting a span found: good lines' numbers, offsets, ids and signatures; bad lines' reasons."""

    numbers: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    ids: list[Any] = field(default_factory=list)
    signatures: list[np.ndarray] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    not_utf8: int | None = None  # the first line that is not UTF-8


def _quiet(_message: str) -> None:
    pass


def near_duplicates(path: Path, threshold: float = 0.5,
                    progress: Callable[[str], None] = _quiet) -> Iterator[dict[str, Any]]:
    """Yield ``{"a", "b", "similarity"}`` for every pair of lines with exact Jaccard ≥ ``threshold`` (see above)."""
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], not {threshold}")
    path = Path(path)
    spans = _scan(path)
    total = sum(span.lines for span in spans)
    offsets, ids, signatures = _fingerprint_all(path, spans, total, progress)
    started = time.perf_counter()
    candidates = candidate_pairs(band_key_matrix(signatures))
    pairs = candidates[estimated_resemblance(signatures, candidates) >= threshold - MARGIN]
    progress(f"{len(ids)} documents: {len(candidates)} candidate pairs share a band, {len(pairs)} estimated at "
             f"≥ {max(0.0, threshold - MARGIN):.2f} to verify ({time.perf_counter() - started:.1f} s)")
    del candidates
    for i, j, similarity in _verify_all(path, offsets, pairs, threshold, progress):
        yield {"a": ids[i], "b": ids[j], "similarity": round(similarity, 4)}


# -- 1. scan ------------------------------------------------------------------------------------------


def _scan(path: Path) -> list[_Span]:
    """Cut the file at line ends into spans of about CHUNK_BYTES, numbering lines from 1."""
    spans: list[_Span] = []
    try:
        with path.open("rb") as handle:
            start, first, carry = 0, 1, b""
            while block := handle.read(CHUNK_BYTES):
                data = carry + block
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    carry = data
                    continue
                lines = data.count(b"\n", 0, cut)
                spans.append(_Span(start, start + cut, first, lines))
                start, first, carry = start + cut, first + lines, data[cut:]
            if carry:
                spans.append(_Span(start, start + len(carry), first, 1))
    except OSError as exc:
        raise DedupError(f"{path}: unreadable: {exc.strerror or exc}") from exc
    return spans


# -- 2. fingerprint -----------------------------------------------------------------------------------


def _fingerprint_all(path: Path, spans: list[_Span], total: int, progress: Callable[[str], None]
                     ) -> tuple[np.ndarray, list[Any], np.ndarray]:
    """Offsets, ids and signatures of the good lines, in file order (the first of a duplicated id kept)."""
    offsets: list[int] = []
    ids: list[Any] = []
    rows: list[np.ndarray] = []
    seen: dict[str, int] = {}
    report = _Reporter("fingerprinted", total, progress)
    tasks = [(path, span) for span in spans]
    with _pool(total > LARGE) as pool:
        results = pool.imap(_fingerprint_span, tasks) if pool else map(_fingerprint_span, tasks)
        for span, found in zip(spans, results, strict=True):
            if found.not_utf8 is not None:
                raise DedupError(f"{path}: not UTF-8 (line {found.not_utf8})")
            for number, reason in found.problems:
                progress(f"line {number}: {reason}")
            for number, offset, doc, row in zip(found.numbers, found.offsets, found.ids, found.signatures,
                                                strict=True):
                key = json.dumps(doc)
                if key in seen:
                    progress(f"line {number}: duplicate id {key} (first on line {seen[key]}); skipped")
                    continue
                seen[key] = number
                offsets.append(offset)
                ids.append(doc)
                rows.append(row)
            report.advance(span.lines)
    signatures = np.stack(rows) if rows else np.empty((0, BINS), dtype=np.uint64)
    return np.asarray(offsets, dtype=np.int64), ids, signatures


def _fingerprint_span(task: tuple[Path, _Span]) -> _Fingerprints:
    path, span = task
    found = _Fingerprints()
    with path.open("rb") as handle:
        handle.seek(span.start)
        data = handle.read(span.end - span.start)
    offset = span.start
    for number, raw in enumerate(data.split(b"\n"), span.first):
        line_offset, offset = offset, offset + len(raw) + 1
        if line_offset == 0 and raw.startswith(_BOM):
            raw = raw[len(_BOM):]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            found.not_utf8 = number
            return found
        if not line.strip():
            continue
        doc, text, reason = _parse(line)
        if reason is not None:
            found.problems.append((number, reason))
            continue
        found.numbers.append(number)
        found.offsets.append(line_offset)
        found.ids.append(doc)
        found.signatures.append(signature(shingles(text)))
    return found


def _parse(line: str) -> tuple[Any, str, str | None]:
    """(id, text, None) for a good line, else (None, "", the reason it is skipped)."""
    try:
        row = json.loads(line)
    except ValueError as exc:
        return None, "", f"not JSON ({exc.msg})"
    if not isinstance(row, dict):
        return None, "", "not a JSON object"
    if "id" not in row or "text" not in row:
        return None, "", f"no {'id' if 'id' not in row else 'text'}"
    doc, text = row["id"], row["text"]
    if isinstance(doc, bool) or not isinstance(doc, str | int):
        return None, "", "id is not a string or an integer"
    if not isinstance(text, str):
        return None, "", "text is not a string"
    return doc, text, None


# -- 4. verify ----------------------------------------------------------------------------------------


_worker_state: dict[str, Any] = {}  # per process: the file, the offsets, the shingle cache


def _verify_all(path: Path, offsets: np.ndarray, pairs: np.ndarray, threshold: float,
                progress: Callable[[str], None]) -> Iterator[tuple[int, int, float]]:
    tasks = [(pairs[start:start + VERIFY_TASK], threshold) for start in range(0, len(pairs), VERIFY_TASK)]
    report = _Reporter("verified", len(pairs), progress, unit="pairs")
    state = (path, offsets)
    with _pool(len(pairs) > VERIFY_TASK, initializer=_start_verifier, initargs=state) as pool:
        if pool is None:
            _start_verifier(*state)
        try:
            results = pool.imap(_verify_task, tasks) if pool else map(_verify_task, tasks)
            for (task_pairs, _), kept in zip(tasks, results, strict=True):
                yield from kept
                report.advance(len(task_pairs))
        finally:
            if pool is None:
                _stop_verifier()


def _start_verifier(path: Path, offsets: np.ndarray) -> None:
    _worker_state.update(handle=path.open("rb"), offsets=offsets, cache=OrderedDict())


def _stop_verifier() -> None:
    handle: BinaryIO | None = _worker_state.pop("handle", None)
    if handle is not None:
        handle.close()
    _worker_state.clear()


def _verify_task(task: tuple[np.ndarray, float]) -> list[tuple[int, int, float]]:
    pairs, threshold = task
    kept = []
    for i, j in pairs.tolist():
        a, b = _cached_shingles(i), _cached_shingles(j)
        if a is None or b is None:
            continue  # the line changed since it was fingerprinted: nothing to verify against
        similarity = jaccard(a, b)
        if similarity >= threshold:
            kept.append((i, j, similarity))
    return kept


def _cached_shingles(row: int) -> np.ndarray | None:
    cache: OrderedDict[int, np.ndarray | None] = _worker_state["cache"]
    if row in cache:
        cache.move_to_end(row)
        return cache[row]
    handle: BinaryIO = _worker_state["handle"]
    handle.seek(int(_worker_state["offsets"][row]))
    raw = handle.readline()
    if raw.startswith(_BOM):
        raw = raw[len(_BOM):]
    try:
        _, text, reason = _parse(raw.decode("utf-8"))
    except UnicodeDecodeError:
        reason, text = "not UTF-8", ""
    hashes = shingles(text) if reason is None else None
    cache[row] = hashes
    if len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return hashes


# -- plumbing -----------------------------------------------------------------------------------------


@contextmanager
def _pool(wanted: bool, initializer: Callable[..., None] | None = None,
          initargs: tuple[Any, ...] = ()) -> Iterator[Pool | None]:
    """A pool of WORKERS processes when ``wanted``, else None (work in-process)."""
    if not wanted:
        yield None
        return
    pool = multiprocessing.Pool(WORKERS, initializer, initargs)
    try:
        yield pool
    finally:
        pool.terminate()  # every result is in, or the caller gave up: nothing left to wait for
        pool.join()


class _Reporter:
    """Progress lines every 5% of the work or every REPORT_SECONDS, whichever comes first."""

    def __init__(self, verb: str, total: int, progress: Callable[[str], None], unit: str = "lines") -> None:
        self._verb, self._total, self._progress, self._unit = verb, total, progress, unit
        self._done = 0
        self._started = self._last = time.perf_counter()
        self._next = max(1, total // 20)

    def advance(self, count: int) -> None:
        self._done += count
        now = time.perf_counter()
        if self._done >= self._next or now - self._last >= REPORT_SECONDS or self._done == self._total:
            share = self._done / self._total if self._total else 1.0
            self._progress(f"{self._verb} {self._done}/{self._total} {self._unit} ({share:.0%}, "
                           f"{now - self._started:.1f} s)")
            self._last = now
            while self._next <= self._done:
                self._next += max(1, self._total // 20)
