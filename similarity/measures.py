"""The PAN text-alignment measures at character level: precision, recall, granularity, plagdet.

Written from the published definitions (``../shared/benchmarks/pan/MEASURES.md``). A case and a
detection are each a pair of ranges (suspicious, source) within one document pair; characters count on
both sides. Macro-averaged, as the official script does by default.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Range = tuple[int, int]


@dataclass(frozen=True)
class Passage:
    """A case or a detection: ``pair`` names the document pair it belongs to."""

    pair: str
    suspicious: Range
    source: Range

    def size(self) -> int:
        return (self.suspicious[1] - self.suspicious[0]) + (self.source[1] - self.source[0])


def _overlaps(a: Range, b: Range) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _detects(r: Passage, s: Passage) -> bool:
    return r.pair == s.pair and _overlaps(r.suspicious, s.suspicious) and _overlaps(r.source, s.source)


def _covered(target: Range, others: Sequence[Range]) -> int:
    """Characters of ``target`` covered by the union of ``others``."""
    points = sorted((max(o[0], target[0]), min(o[1], target[1])) for o in others)
    covered, reach = 0, target[0]
    for start, end in points:
        start = max(start, reach)
        if end > start:
            covered += end - start
            reach = end
    return covered


def _coverage(items: Sequence[Passage], by: Sequence[Passage]) -> float:
    """Mean share of each item's characters covered by the ``by`` passages that overlap it on both sides."""
    if not items:
        return 1.0 if not by else 0.0
    total = 0.0
    for item in items:
        touching = [b for b in by if _detects(b, item)]
        covered = _covered(item.suspicious, [b.suspicious for b in touching]) + \
            _covered(item.source, [b.source for b in touching])
        total += covered / item.size() if item.size() else 0.0
    return total / len(items)


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    granularity: float
    plagdet: float
    cases: int
    detections: int


def score(cases: Sequence[Passage], detections: Sequence[Passage]) -> Scores:
    recall = _coverage(cases, detections)
    precision = _coverage(detections, cases) if detections else (1.0 if not cases else 0.0)
    detected = [s for s in cases if any(_detects(r, s) for r in detections)]
    granularity = (sum(sum(1 for r in detections if _detects(r, s)) for s in detected) / len(detected)
                   if detected else 1.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, granularity, f1 / math.log2(1 + granularity), len(cases), len(detections))
