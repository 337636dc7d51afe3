"""The passage index: which documents hold a sample of each gram — candidates for shared passages.

Document resemblance (MinHash, ``similarity.lsh``) finds whole documents entered twice; it cannot find
three paragraphs copied into an otherwise different plan, whose resemblance is a few per cent. For
those, every gram whose hash is 0 modulo ``SAMPLE`` is posted under its document (Manber's and
Broder's "0 mod p" sampling): the selection depends only on the gram, so a copied passage of L units
shares about L / ``SAMPLE`` posted grams with its source wherever it sits, and a 300-character
passage about 19. A candidate must share ``min_shared`` of them.

The postings' lengths are also each gram's document frequency: grams held by many documents are
template text (headings, instructions, policy quotations) and are neither posted nor counted.

One SQLite file, one transaction per change, so it is never half-written; it is derived data,
rebuilt from the stored documents when lost.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from similarity.units import distinct

SAMPLE = 16


def sampled(gram_hashes: np.ndarray) -> np.ndarray:
    """The distinct grams of the sample (0 modulo ``SAMPLE``), as signed int64 for SQLite."""
    chosen = distinct(gram_hashes[gram_hashes % np.uint64(SAMPLE) == 0])
    return chosen.view(np.int64)


class PostingIndex:
    """Sampled gram → documents, persisted in one SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Several workers write the file: a writer waits for another's transaction rather than failing.
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS postings (gram INTEGER NOT NULL, doc TEXT NOT NULL)")
        self._db.execute("CREATE INDEX IF NOT EXISTS postings_gram ON postings (gram)")
        self._db.execute("CREATE INDEX IF NOT EXISTS postings_doc ON postings (doc)")

    def __enter__(self) -> PostingIndex:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def add(self, doc: str, grams: np.ndarray) -> None:
        """Post ``doc`` under its sampled grams, replacing what it had."""
        with self._transaction():
            self._db.execute("DELETE FROM postings WHERE doc = ?", (doc,))
            self._db.executemany("INSERT INTO postings (gram, doc) VALUES (?, ?)",
                                 ((int(g), doc) for g in grams))

    def remove(self, doc: str) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM postings WHERE doc = ?", (doc,))

    def documents(self) -> int:
        return int(self._db.execute("SELECT COUNT(DISTINCT doc) FROM postings").fetchone()[0])

    def candidates(self, grams: np.ndarray, *, min_shared: int = 3, max_frequency: int | None = None,
                   exclude: Iterable[str] = ()) -> list[tuple[str, int]]:
        """Documents sharing at least ``min_shared`` of ``grams``, most shared first.

        A gram posted under more than ``max_frequency`` documents is template text and does not count.
        """
        if len(grams) == 0:
            return []
        values = [int(g) for g in grams]
        shared: dict[str, int] = {}
        for start in range(0, len(values), 500):  # SQLite's bound-parameter limit
            chunk = values[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT gram, doc FROM postings WHERE gram IN ({marks})", chunk).fetchall()
            holders: dict[int, list[str]] = {}
            for gram, doc in rows:
                holders.setdefault(gram, []).append(doc)
            for docs in holders.values():
                if max_frequency is not None and len(docs) > max_frequency:
                    continue
                for doc in docs:
                    shared[doc] = shared.get(doc, 0) + 1
        skip = set(exclude)
        found = [(doc, count) for doc, count in shared.items() if count >= min_shared and doc not in skip]
        return sorted(found, key=lambda item: (-item[1], item[0]))

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error: a change lands whole or not at all."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
