"""``amreview align``: the passages two texts share (contract of issue 6).

``amreview align SOURCE.txt SUSPICIOUS.txt --json`` prints ``{"matches": [{"source", "suspicious", "score"}]}``;
``amreview align --pairs PAIRS.jsonl --jsonl`` prints ``{"id", "matches"}`` per line ``{"id", "source",
"suspicious"}`` (paths relative to the pairs file), or ``{"id", "error"}`` when a line cannot be read.
Offsets are 0-based code-point offsets into the files' UTF-8 text, end exclusive.

``amreview dedup DOCS.jsonl --jsonl [--threshold T]`` prints ``{"a", "b", "similarity"}`` per pair of lines
``{"id", "text"}`` whose exact Jaccard resemblance is ≥ T (``similarity.dedup``); progress and skipped lines
go to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from similarity.align import align
from similarity.dedup import near_duplicates


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")  # as read: offsets count the file's own code points


def align_files(source: Path, suspicious: Path) -> dict[str, Any]:
    return {"matches": [m.to_json() for m in align(_read(source), _read(suspicious))]}


def align_pairs(pairs: Path) -> None:
    base = pairs.parent
    for number, line in enumerate(pairs.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            result: dict[str, Any] = {"id": row.get("id"),
                                      **align_files(base / row["source"], base / row["suspicious"])}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            result = {"id": None, "error": f"line {number}: {exc.__class__.__name__}: {exc}"}
        except OSError as exc:
            result = {"id": row.get("id"), "error": f"line {number}: unreadable: {exc.strerror or exc}"}
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


def dedup_file(path: Path, threshold: float = 0.5) -> int:
    """Print the near-duplicate pairs of ``path`` as JSON lines (as soon as each is verified); their number."""
    count = 0
    for pair in near_duplicates(path, threshold, progress=_to_stderr):
        sys.stdout.write(json.dumps(pair, ensure_ascii=False) + "\n")
        count += 1
    sys.stdout.flush()
    _to_stderr(f"{count} near-duplicate pairs at similarity ≥ {threshold}")
    return count


def _to_stderr(message: str) -> None:
    sys.stderr.write(f"amreview: dedup: {message}\n")
    sys.stderr.flush()
