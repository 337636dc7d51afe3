"""The bilingual domain lexicon: AM terms per segment, found in a text with their spans.

Terms are matched on the normalised text (NFKC, lower case, traditional → simplified, see
``ingest.text.normalize``), so 選區雷射熔化, ＬＰＢＦ and lpbf all count. Chinese terms match as
substrings (they sit inside longer words: 激光选区熔化成形); ASCII terms only at word boundaries,
so "SLA" never matches inside "SLAB". Matching is leftmost-longest: 选区激光熔化 is one hit, not also
激光熔化. A term may point to several segments with its own weight for each (光敏树脂: materials
strongly, polymer printing less).

The scan looks each position's first two characters up in a table of terms (a trie cut to one
level): one dict lookup per character, so a 60-page plan is scanned in milliseconds, where a regular
expression alternation over two thousand terms would try every term at every position.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from ingest.text import normalize
from review.segments.catalogue import DATA, SEGMENT_IDS

_ASCII_WORD = re.compile(r"[a-z0-9]")


@dataclass(frozen=True)
class Term:
    """One normalised term and how strongly it points to each segment."""

    text: str
    weights: dict[int, float]
    kind: str


@dataclass(frozen=True)
class Hit:
    """A term found at ``start:end`` of the normalised text."""

    term: Term
    start: int
    end: int


@dataclass
class Lexicon:
    """Terms indexed by their first two characters, longest first."""

    terms: dict[str, Term]
    _index: dict[str, list[Term]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for term in sorted(self.terms.values(), key=lambda t: -len(t.text)):
            self._index.setdefault(term.text[:2], []).append(term)

    def find(self, text: str) -> list[Hit]:
        """Leftmost-longest hits in an already normalised text."""
        hits: list[Hit] = []
        position, length = 0, len(text)
        while position < length - 1:
            match = self._match_at(text, position)
            if match is None:
                position += 1
                continue
            hits.append(Hit(match, position, position + len(match.text)))
            position += len(match.text)
        return hits

    def _match_at(self, text: str, position: int) -> Term | None:
        for term in self._index.get(text[position:position + 2], ()):
            if not text.startswith(term.text, position):
                continue
            if term.text[0].isascii() and position > 0 and _ASCII_WORD.match(text[position - 1]):
                continue
            end = position + len(term.text)
            if term.text[-1].isascii() and end < len(text) and _ASCII_WORD.match(text[end]):
                continue
            return term
        return None


def scores(hits: Sequence[Hit], weights: Sequence[float] | None = None) -> np.ndarray:
    """Per-segment evidence mass: each distinct term counts its weight, repeats add only log-wise.

    A plan that says 激光选区熔化 forty times is not forty times more metal AM than one that says it
    twice; damping repeats keeps one hammered term from outweighing a breadth of others. ``weights``
    (one per hit, default 1) count a hit in a low-weight passage as a fraction of one occurrence: a
    term seen only in a plan's finance chapter counts only that fraction.
    """
    counts: dict[str, float] = {}
    terms: dict[str, Term] = {}
    for hit, weight in zip(hits, weights if weights is not None else [1.0] * len(hits), strict=True):
        counts[hit.term.text] = counts.get(hit.term.text, 0.0) + weight
        terms[hit.term.text] = hit.term
    mass = np.zeros(len(SEGMENT_IDS))
    for text, count in counts.items():
        factor = count if count < 1 else 1 + math.log(count)
        for segment, weight in terms[text].weights.items():
            mass[segment - 1] += weight * factor
    return mass


def _normalised_term(raw: object) -> str:
    return normalize(str(raw), simplified=True).text.strip()


def read_lexicon(path: Path) -> Lexicon:
    """The lexicon file (``segments: {id: [{kind, weight, terms: [...]}, ...]}``); a term in several
    groups of one segment keeps its highest weight there."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    weights: dict[str, dict[int, float]] = {}
    kinds: dict[str, str] = {}
    for segment, groups in data["segments"].items():
        if int(segment) not in SEGMENT_IDS:
            raise ValueError(f"{path.name}: unknown segment {segment!r}")
        for group in groups:
            for raw in group["terms"]:
                text = _normalised_term(raw)
                if len(text) < 2:
                    continue  # one character matches everywhere
                per_segment = weights.setdefault(text, {})
                per_segment[int(segment)] = max(per_segment.get(int(segment), 0.0), float(group["weight"]))
                kinds.setdefault(text, str(group["kind"]))
    return Lexicon({text: Term(text, w, kinds[text]) for text, w in weights.items()})


@functools.lru_cache(maxsize=1)
def shipped_lexicon() -> Lexicon:
    """The lexicon that ships with the project (``data/lexicon.yaml``), read once."""
    return read_lexicon(DATA / "lexicon.yaml")
