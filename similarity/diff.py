"""What differs inside one matched passage pair: the highlighting of the side-by-side view.

``align`` says which passages two submissions share; an integrity officer then reads them side by
side and needs to see at a glance what the second author changed. Both passages are compared as
units (``similarity.units``: a Chinese character, a Latin word or number, folded traditional →
simplified, NFKC and case one character for one), so what the aligner ignores is not "different"
either: changed punctuation, spacing, full-width forms, case or traditional characters. A
substituted word, an inserted or a dropped one is.

A unit counts as the same when ``difflib.SequenceMatcher`` (over unit ids, ``autojunk=False``: in a
passage a frequent character is not noise) pairs it with a unit of the other side, or when a gram
holding it (five units from a Chinese character, three from a word) appears anywhere in the other
passage — the matcher only pairs text in order, and a sentence moved inside a reordered passage is
copied, not different.

Each side becomes segments ``(start, end, same)`` in original-text offsets that cover its span
exactly: a different segment runs from the first to the last unit of a run of different units
(with the punctuation between them); everything else — punctuation and spaces around same units —
is same.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import NamedTuple

import numpy as np

from similarity.units import Units, gram_lengths, grams, units


class Segment(NamedTuple):
    start: int  # code-point offset into the original text
    end: int  # end exclusive
    same: bool


@dataclass(frozen=True)
class PassageDiff:
    """Segments of each side, and the share of both sides' units that are the same."""

    source: list[Segment]
    suspicious: list[Segment]
    same_share: float

    def to_json(self) -> dict[str, object]:
        return {"source": [list(s) for s in self.source], "suspicious": [list(s) for s in self.suspicious],
                "same_share": round(self.same_share, 4)}


def _span_units(text: str, span: tuple[int, int]) -> Units:
    """The units of ``text[start:end]`` with offsets into ``text`` (folding is per character, so exact)."""
    start, end = span
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"span {span} is not within a text of {len(text)} characters")
    inner = units(text[start:end])
    return Units(inner.ids, inner.starts + start, inner.ends + start, inner.cjk)


def _in_shared_grams(side: Units, other: Units) -> np.ndarray:
    """Whether each unit of ``side`` lies in a gram that ``other`` also holds (anywhere, in any order)."""
    hashes, first = grams(side)
    shared = first[np.isin(hashes, grams(other)[0])]
    depth = np.zeros(len(side) + 1, dtype=np.int64)
    np.add.at(depth, shared, 1)
    np.add.at(depth, shared + gram_lengths(side)[shared], -1)
    return np.cumsum(depth)[:-1] > 0


def _same(source: Units, suspicious: Units) -> tuple[np.ndarray, np.ndarray]:
    source_same, suspicious_same = _in_shared_grams(source, suspicious), _in_shared_grams(suspicious, source)
    matcher = SequenceMatcher(None, source.ids.tolist(), suspicious.ids.tolist(), autojunk=False)
    for block in matcher.get_matching_blocks():
        source_same[block.a:block.a + block.size] = True
        suspicious_same[block.b:block.b + block.size] = True
    return source_same, suspicious_same


def _segments(side: Units, same: np.ndarray, span: tuple[int, int]) -> list[Segment]:
    """Segments covering ``span`` exactly: each run of different units is one different segment."""
    segments: list[Segment] = []
    cursor = span[0]
    different = np.flatnonzero(~same)
    if len(different):
        breaks = np.flatnonzero(np.diff(different) > 1)
        firsts = different[np.concatenate(([0], breaks + 1))]
        lasts = different[np.append(breaks, len(different) - 1)]
        for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True):
            start, end = int(side.starts[first]), int(side.ends[last])
            if start > cursor:
                segments.append(Segment(cursor, start, True))
            segments.append(Segment(start, end, False))
            cursor = end
    if cursor < span[1]:
        segments.append(Segment(cursor, span[1], True))
    return segments


def differences(source_text: str, source_span: tuple[int, int], suspicious_text: str,
                suspicious_span: tuple[int, int]) -> PassageDiff:
    """What differs between ``source_text[source_span]`` and ``suspicious_text[suspicious_span]``."""
    source, suspicious = _span_units(source_text, source_span), _span_units(suspicious_text, suspicious_span)
    source_same, suspicious_same = _same(source, suspicious)
    total = len(source) + len(suspicious)
    share = (int(source_same.sum()) + int(suspicious_same.sum())) / total if total else 1.0
    return PassageDiff(_segments(source, source_same, tuple(source_span)),
                       _segments(suspicious, suspicious_same, tuple(suspicious_span)), share)
