"""``amreview align``: the passages two texts share (contract of issue 6).

``amreview align SOURCE.txt SUSPICIOUS.txt --json`` prints ``{"matches": [{"source", "suspicious", "score"}]}``;
``amreview align --pairs PAIRS.jsonl --jsonl`` prints ``{"id", "matches"}`` per line ``{"id", "source",
"suspicious"}`` (paths relative to the pairs file), or ``{"id", "error"}`` when a line cannot be read.
Offsets are 0-based code-point offsets into the files' UTF-8 text, end exclusive.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from similarity.align import align


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
