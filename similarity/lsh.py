"""Banded LSH over MinHash signatures: candidate pairs without comparing all pairs, and a persistent index.

A signature's 128 bins are cut into ``BANDS`` bands of ``ROWS`` bins; two documents become a
**candidate pair** when all the bins of at least one band agree. Bins agree with probability equal to
the Jaccard resemblance ``J``, so a pair is a candidate with probability ``1 - (1 - J**ROWS)**BANDS``
— an S-curve. With 128 bins the choice is between these (P = chance a pair becomes a candidate):

==========  =======  =======  ======  ======  =======  =====================================
bands×rows  J=0.02   J=0.05   J=0.3   J=0.5   J=0.7    meaning
==========  =======  =======  ======  ======  =======  =====================================
64 × 2      0.025    0.148    0.998   1.000   1.000    unrelated plans pile up as candidates
**42 × 3**  0.00034  0.0052   0.683   0.9963  1.000    chosen
32 × 4      0.00001  0.0002   0.229   0.873   0.9999   loses one pair in eight at J=0.5
==========  =======  =======  ======  ======  =======  =====================================

The target is recall ≥ 0.98 for pairs with ``J ≥ 0.5``, so ``42 × 3`` is the only workable choice: it
keeps 99.6% of the pairs at exactly 0.5 and 99.996% at 0.6, while an unrelated pair of plans from one
contest (J ≈ 0.02–0.05: a shared template, common phrasing) becomes a candidate once in 3,000 to 200 times —
at 100,000 plans about six million candidates, which the estimate filter clears in seconds. Every
candidate is then checked on its estimated resemblance and verified exactly (``similarity.dedup``),
so candidates cost time, never precision. (datasketch picks ``b, r`` to minimise the weighted
false-positive and false-negative areas, which at threshold 0.5 gives 25 × 5, an S-curve centred
there: it loses about 45% of the pairs at exactly 0.5.) Below ``J = 0.5``
the recall falls off the curve (0.68 at 0.3), so thresholds under 0.5 find fewer pairs.

A band's key is a 64-bit hash of its bins salted with the band number, so one key column holds all
bands without collisions between bands; it is a signed int64 so SQLite stores it as an integer. An
empty text's signature (``minhash.EMPTY``) has no keys: it resembles nothing and is never a candidate.

``BandIndex`` keeps signatures and band keys in one SQLite file in the data directory, updated one
document at a time when a submission arrives (each change one transaction, WAL journal), and answers
"which indexed documents may resemble this one" in a few milliseconds at 100,000 documents.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

import numpy as np

from similarity.minhash import BINS, EMPTY
from similarity.units import distinct, mix

BANDS = 42
ROWS = 3
NO_KEY = np.int64(-(2**63))  # an EMPTY signature's keys; no real key takes this value (see band_key_matrix)
_BULK = 1_000  # documents added at once after which the WAL is checkpointed
_SALTS = (np.arange(BANDS, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, doc TEXT NOT NULL UNIQUE, signature BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (key, id)) WITHOUT ROWID;
"""


def band_key_matrix(signatures: np.ndarray) -> np.ndarray:
    """(n, BANDS) int64 band keys of an (n, 128) uint64 signature matrix; EMPTY rows get ``NO_KEY``."""
    signatures = np.asarray(signatures, dtype=np.uint64).reshape(-1, BINS)
    bands = signatures[:, : BANDS * ROWS].reshape(len(signatures), BANDS, ROWS)
    with np.errstate(over="ignore"):
        keys = np.broadcast_to(_SALTS, (len(signatures), BANDS)).copy()
        for row in range(ROWS):
            keys = mix(keys ^ bands[:, :, row])
    keys = keys.view(np.int64)
    keys[keys == NO_KEY] += 1  # one value in 2**64 moves over, so NO_KEY only ever marks an empty text
    keys[signatures[:, 0] == EMPTY] = NO_KEY
    return keys


def band_keys(signature: np.ndarray) -> np.ndarray:
    """The BANDS int64 keys of one signature (empty for an EMPTY signature: it is nobody's candidate)."""
    keys = band_key_matrix(signature)[0]
    return keys[keys != NO_KEY]


def candidate_pairs(key_matrix: np.ndarray) -> np.ndarray:
    """Distinct (i, j) row pairs, i < j, sharing a key in at least one band, as an (m, 2) int64 array.

    Each band's keys are sorted and every run of equal keys yields all its pairs, so the work grows
    with the number of candidates, not with the square of the rows. Rows are sorted by (i, j).
    """
    count = len(key_matrix)
    found = [np.empty(0, dtype=np.int64)]
    for band in range(key_matrix.shape[1]):
        rows = np.flatnonzero(key_matrix[:, band] != NO_KEY)
        order = rows[np.argsort(key_matrix[rows, band], kind="stable")]
        keys = key_matrix[order, band]
        found.append(_run_pairs(order, keys, count))
    codes = distinct(np.concatenate(found))
    return np.column_stack((codes // max(count, 1), codes % max(count, 1)))


def _run_pairs(order: np.ndarray, keys: np.ndarray, count: int) -> np.ndarray:
    """All pairs inside runs of equal ``keys`` (sorted), coded ``i * count + j`` with i < j."""
    if len(keys) < 2:
        return np.empty(0, dtype=np.int64)
    new_run = np.concatenate(([True], keys[1:] != keys[:-1]))
    positions = np.flatnonzero(~new_run[1:])  # every place with an equal key right after it
    if not len(positions):
        return np.empty(0, dtype=np.int64)
    run_starts = np.flatnonzero(new_run)
    run_ends = np.append(run_starts[1:], len(keys))
    run_of = np.cumsum(new_run) - 1
    # Position p of a run ending at e pairs with p + 1 … e - 1.
    partners = run_ends[run_of[positions]] - positions - 1
    left = np.repeat(positions, partners)
    right = left + 1 + np.arange(len(left)) - np.repeat(np.cumsum(partners) - partners, partners)
    a, b = order[left], order[right]
    return np.minimum(a, b) * count + np.maximum(a, b)


def estimated_resemblance(signatures: np.ndarray, pairs: np.ndarray, chunk: int = 50_000) -> np.ndarray:
    """Estimated resemblance (share of equal bins) of each (i, j) row pair of a signature matrix.

    Pairs go in chunks, so memory stays at about 2 KB × ``chunk`` (100 MB) however many pairs there are.
    """
    out = np.empty(len(pairs), dtype=np.float32)
    for start in range(0, len(pairs), chunk):
        part = pairs[start:start + chunk]
        equal = signatures[part[:, 0]] == signatures[part[:, 1]]
        out[start:start + chunk] = equal.sum(axis=1) / BINS
    if len(pairs):
        out[(signatures[pairs[:, 0], 0] == EMPTY) | (signatures[pairs[:, 1], 0] == EMPTY)] = 0.0
    return out


class BandIndex:
    """A persistent, incremental LSH index: document keys, their signatures and band keys in one SQLite file.

    ``docs`` holds each document's signature (the index's source of truth: the band keys can always
    be rebuilt from it); ``bands`` holds one (key, id) row per band, as a clustered b-tree on (key, id)
    (``WITHOUT ROWID``: half the size of a table plus an index, and a query reads one range per key).
    A write is one transaction, so a crash leaves the file as it was before or after the change.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection, shared by threads under a lock (sqlite3 objects are not safe to use concurrently).
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self._lock = threading.RLock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable to the last checkpoint, never torn
        self._db.executescript(_SCHEMA)

    # -- writes ---------------------------------------------------------------------------------------

    def add(self, doc: str, signature: np.ndarray) -> None:
        """Index ``doc`` under ``signature``, replacing what was indexed under that key before."""
        self.add_many([(doc, signature)])

    def add_many(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        """Index many documents in one transaction (100,000 in about ten seconds)."""
        items = list(items)
        if not items:
            return
        docs = [doc for doc, _ in items]
        if len(set(docs)) != len(docs):
            latest = {doc: signature for doc, signature in items}  # the last signature given for a key wins
            docs, items = list(latest), list(latest.items())
        matrix = np.stack([np.asarray(s, dtype=np.uint64).reshape(BINS) for _, s in items])
        with self._transaction():
            if self._db.execute("SELECT 1 FROM docs LIMIT 1").fetchone() is not None:
                self._delete(docs)  # replacing: the old bands go first
            first = self._db.execute("SELECT coalesce(max(id), 0) + 1 FROM docs").fetchone()[0]
            ids = np.arange(first, first + len(items), dtype=np.int64)
            self._db.executemany("INSERT INTO docs (id, doc, signature) VALUES (?, ?, ?)",
                                 zip(ids.tolist(), docs, (row.tobytes() for row in matrix), strict=True))
            keys = band_key_matrix(matrix)
            keep = keys != NO_KEY
            rows = np.column_stack((keys[keep], np.broadcast_to(ids[:, None], keys.shape)[keep]))
            rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]  # in key order: a bulk load appends to the b-tree
            self._db.executemany("INSERT INTO bands (key, id) VALUES (?, ?)",
                                 zip(rows[:, 0].tolist(), rows[:, 1].tolist(), strict=True))
        if len(items) >= _BULK:
            with self._lock:  # a bulk load leaves the whole index in the WAL file: fold it in, and shrink the WAL
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def remove(self, doc: str) -> bool:
        """Take ``doc`` out of the index; False when it was not there."""
        with self._transaction():
            return self._delete([doc]) > 0

    def _delete(self, docs: list[str]) -> int:
        removed = 0
        for doc in docs:
            row = self._db.execute("SELECT id, signature FROM docs WHERE doc = ?", (doc,)).fetchone()
            if row is None:
                continue
            keys = band_keys(np.frombuffer(row[1], dtype=np.uint64)).tolist()
            self._db.executemany("DELETE FROM bands WHERE key = ? AND id = ?", ((key, row[0]) for key in keys))
            self._db.execute("DELETE FROM docs WHERE id = ?", (row[0],))
            removed += 1
        return removed

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db, self._lock)

    # -- reads ----------------------------------------------------------------------------------------

    def candidates(self, signature: np.ndarray, exclude: str | None = None,
                   limit: int | None = None) -> list[tuple[str, float]]:
        """Indexed documents sharing a band key with ``signature``, with their estimated resemblance, best first.

        Ties are broken by document key so the order is reproducible; ``exclude`` leaves one key out
        (the document itself, when it is already indexed).
        """
        signature = np.asarray(signature, dtype=np.uint64).reshape(BINS)
        keys = band_keys(signature).tolist()
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        with self._lock:
            rows = self._db.execute(
                f"SELECT doc, signature FROM docs WHERE id IN (SELECT id FROM bands WHERE key IN ({marks}))",
                keys).fetchall()
        rows = [row for row in rows if row[0] != exclude]
        if not rows:
            return []
        stored = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.uint64).reshape(len(rows), BINS)
        scores = np.count_nonzero(stored == signature, axis=1) / BINS
        found = sorted(zip((row[0] for row in rows), scores.tolist(), strict=True), key=lambda c: (-c[1], c[0]))
        return found[:limit] if limit is not None else found

    def signature_of(self, doc: str) -> np.ndarray | None:
        with self._lock:
            row = self._db.execute("SELECT signature FROM docs WHERE doc = ?", (doc,)).fetchone()
        return None if row is None else np.frombuffer(row[0], dtype=np.uint64).copy()

    def docs(self) -> Iterator[str]:
        """Every indexed key, in the order they were added."""
        with self._lock:
            docs = [doc for (doc,) in self._db.execute("SELECT doc FROM docs ORDER BY id")]
        yield from docs

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM docs").fetchone()[0])

    def __contains__(self, doc: object) -> bool:
        if not isinstance(doc, str):
            return False
        with self._lock:
            return self._db.execute("SELECT 1 FROM docs WHERE doc = ?", (doc,)).fetchone() is not None

    # -- lifetime -------------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> BandIndex:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK when the block raises: a write lands whole or not at all."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock) -> None:
        self._db, self._lock = db, lock

    def __enter__(self) -> None:
        self._lock.acquire()
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            self._db.execute("COMMIT" if kind is None else "ROLLBACK")
        finally:
            self._lock.release()
