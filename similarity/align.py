"""Passage alignment: the passages two texts share, as character ranges of each original text.

Seed, extend, merge — the shape of the PAN text-alignment systems, written for Chinese and English
on the units and grams of ``similarity.units`` (the view the MinHash index uses too):

1. **Units.** A Chinese character or a Latin word/number is one unit, folded (traditional →
   simplified, NFKC, case) one character for one, so every unit keeps its span in the original text
   and changed punctuation, spacing, width or script cannot break a match.
2. **Seeds.** A seed is a gram (five units from a Chinese character, three from a word) both texts
   hold; its extent is that gram's units. Grams seen more than ``max_frequency`` times in either
   text (repeated headings, table rows) seed everywhere and are dropped; so are the grams of
   ``common`` — template headings and instructions, policy quotations, standard definitions learned
   from many submissions (``similarity.common``) — because text every plan holds says nothing about
   two of them. Shared grams are found by sorting hashes and binary search, not Python dicts.
3. **Extend.** Seeds on one diagonal that overlap are one run: text copied unbroken.
4. **Merge.** Runs are clustered by alternating projections (as in Sanchez-Perez et al., PAN 2014):
   split them where consecutive runs along the suspicious text leave a gap wider than ``gap``
   units, split each part the same way along the source, and repeat until neither side splits.
   Light edits and substituted words only leave holes smaller than the gap; sentences reordered
   inside a copied passage stay one cluster, because on each side they still fill one stretch; two
   passages far apart on either side come apart. What projections cannot cut off — a short shared
   term beside the passage in one text and anywhere inside it in the other — is trimmed when it
   continues no run of the cluster (``_stray``).
5. **Filter.** Seeds must cover ``min_units`` units of the passage on each side and at least
   ``min_score`` of its extent (``long_score`` once they cover ``long_units``): texts on one topic
   share terms and formulae (等离子旋转电极雾化法, 本发明公开了一种……) that seed short or loose
   clusters, never long dense ones. The score is that coverage, on the sparser side.

Offsets are 0-based code-point offsets into the texts as given, end exclusive; a passage runs from
its first shared unit to its last. Two 20,000-character Chinese documents sharing a few passages
align in under ten milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from similarity.units import Units, gram_lengths, grams, units


@dataclass(frozen=True)
class Settings:
    """Thresholds by language (``ZH`` when most units are Chinese characters), counted in units."""

    gap: int  # units between seeds that still belong to one passage
    min_units: int  # units a passage's seeds must cover on each side
    min_score: float  # share of the passage's units (each side) that seeds must cover
    long_units: int  # a passage whose seeds cover this many units on each side ...
    long_score: float  # ... needs only this share
    stray: int  # a run this short at a passage's edge that continues no other run is a stray shared term
    max_frequency: int = 8  # a gram seen more often in one text is boilerplate, not a seed


# Measured with benchmarks/align.py on its own cases, and on every pair of corpus texts
# (review/segments/data, about 330,000 pairs per language). Chinese: a substituted two-character word
# removes the six five-grams touching it, so even heavy rewording leaves seeds a few units apart, and
# 40 units (about two clauses) bridges a rewritten clause without joining unrelated passages. Shared
# terms and formulae of texts on one topic (本发明公开了一种……的制备方法, 在创客中国增材制造专题赛上……
# 获得一等奖) seed at most 30 units at a coverage of 0.6 or more and 40 units at 0.4–0.6; planted
# copies, even of 60 characters, seed 47 or more. So 36 units at 0.6, and 60 at 0.4 for long passages,
# whose heavy rewording brings coverage down to about 0.55.
ZH = Settings(gap=40, min_units=36, min_score=0.6, long_units=60, long_score=0.4, stray=12)
# English: a word is a unit and a gram is three words. Shared phrasing seeds at most 13 words at 0.6
# or more and 20 at 0.4–0.6; so 15 words at 0.6 and 30 at 0.4.
EN = Settings(gap=20, min_units=15, min_score=0.6, long_units=30, long_score=0.4, stray=6)


@dataclass(frozen=True)
class Match:
    source: tuple[int, int]
    suspicious: tuple[int, int]
    score: float

    def to_json(self) -> dict[str, object]:
        return {"source": list(self.source), "suspicious": list(self.suspicious), "score": round(self.score, 4)}


@dataclass(frozen=True)
class _Runs:
    """Seeds joined into runs — overlapping grams on one diagonal, i.e. text copied unbroken.

    Parallel arrays: a run's first unit on each side and its length in units (the same on both
    sides). Clustering runs instead of seeds is the same clustering with a few elements per
    sentence instead of one per unit.
    """

    source: np.ndarray
    suspicious: np.ndarray
    length: np.ndarray

    def __len__(self) -> int:
        return len(self.length)

    def side(self, which: int) -> tuple[np.ndarray, np.ndarray]:
        """(starts, ends) on the suspicious side (0) or the source side (1)."""
        starts = self.suspicious if which == 0 else self.source
        return starts, starts + self.length


def _occurrences(hashes: np.ndarray, max_frequency: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(distinct hashes seen at most ``max_frequency`` times, where each starts in ``order``, counts, order)."""
    order = np.argsort(hashes)  # any order of equal hashes will do: every pair of them is taken
    ordered = hashes[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))[:len(ordered)]
    counts = np.diff(np.append(starts, len(ordered)))
    keep = counts <= max_frequency
    return ordered[starts[keep]], starts[keep], counts[keep], order


def _seeds(source: Units, suspicious: Units, settings: Settings,
           common: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(source unit, suspicious unit, length) of every occurrence pair of every gram both texts share.

    Boilerplate (frequent in either text, or in ``common``) is left out.
    """
    src_hashes, src_first_unit = grams(source)
    sus_hashes, sus_first_unit = grams(suspicious)
    src_distinct, src_first, src_counts, src_order = _occurrences(src_hashes, settings.max_frequency)
    sus_distinct, sus_first, sus_counts, sus_order = _occurrences(sus_hashes, settings.max_frequency)
    at = np.minimum(np.searchsorted(sus_distinct, src_distinct), max(len(sus_distinct) - 1, 0))
    shared = sus_distinct[at] == src_distinct if len(sus_distinct) else np.zeros(len(src_distinct), dtype=bool)
    in_src = np.flatnonzero(shared)
    if common is not None and len(common):  # sorted: a binary search per shared gram, no sorting
        where = np.minimum(np.searchsorted(common, src_distinct[in_src]), len(common) - 1)
        in_src = in_src[common[where] != src_distinct[in_src]]
    in_sus = at[in_src]
    # A gram held a times in the source and b times in the suspicious text gives a·b seeds.
    a, b = src_counts[in_src], sus_counts[in_sus]
    pairs = a * b
    gram = np.repeat(np.arange(len(pairs)), pairs)
    local = np.arange(int(pairs.sum())) - np.repeat(np.cumsum(pairs) - pairs, pairs)
    src_at = src_first_unit[src_order[src_first[in_src][gram] + local // b[gram]]]
    sus_at = sus_first_unit[sus_order[sus_first[in_sus][gram] + local % b[gram]]]
    return src_at, sus_at, gram_lengths(source)[src_at]


def _runs(src_at: np.ndarray, sus_at: np.ndarray, lengths: np.ndarray) -> _Runs:
    """Seeds sorted by diagonal, then joined while each overlaps or touches the one before."""
    if not len(src_at):
        empty = np.empty(0, dtype=np.int64)
        return _Runs(empty, empty, empty)
    diagonal = sus_at - src_at
    order = np.lexsort((sus_at, diagonal))
    diagonal, sus_at, lengths = diagonal[order], sus_at[order], lengths[order]
    ends = sus_at + lengths
    first = np.flatnonzero(np.concatenate(([True], (diagonal[1:] != diagonal[:-1]) | (sus_at[1:] > ends[:-1]))))
    run_ends = np.maximum.reduceat(ends, first)
    return _Runs(sus_at[first] - diagonal[first], sus_at[first], run_ends - sus_at[first])


def _split(starts: np.ndarray, ends: np.ndarray, gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Runs in order along one side, and where the stretches (gaps over ``gap`` units apart) begin."""
    order = np.argsort(starts, kind="stable")
    reach = np.maximum.accumulate(ends[order])
    return order, np.concatenate(([0], np.flatnonzero(starts[order][1:] - reach[:-1] > gap) + 1))


def _distance(starts: np.ndarray, ends: np.ndarray, k: int) -> np.ndarray:
    """Units between interval ``k`` and every interval (0 when they touch or overlap)."""
    return np.maximum(0, np.maximum(starts - ends[k], starts[k] - ends))


def _stray(runs: _Runs, members: np.ndarray, settings: Settings) -> np.ndarray:
    """Positions (into ``members``) of short runs at an edge of the cluster that continue no other run.

    Such a run is a shared term that fell beside a copied passage in one text and anywhere inside its
    span in the other: the projections cannot cut it off. A run continues another when it lies within
    ``gap`` units of it on both sides and on nearly the same diagonal — edits and substituted words
    shift a copy's diagonal by a few units, not by the length of a sentence. A sentence moved to the
    edge of a reordered passage is longer than ``settings.stray`` units and is kept.
    """
    sides = [tuple(arr[members] for arr in runs.side(which)) for which in (0, 1)]
    diagonal = runs.suspicious[members] - runs.source[members]
    edges = {int(k) for starts, _ in sides for k in (np.argmin(starts), np.argmax(starts))}
    stray = []
    for k in edges:
        if runs.length[members[k]] > settings.stray:
            continue
        continues = (_distance(*sides[0], k) <= settings.gap) & (_distance(*sides[1], k) <= settings.gap) \
            & (np.abs(diagonal - diagonal[k]) <= settings.gap)
        if np.count_nonzero(continues) <= 1:  # only itself
            stray.append(k)
    return np.array(stray, dtype=np.int64)


def _clusters(runs: _Runs, settings: Settings) -> list[np.ndarray]:
    """Run indices of each passage: split along one side, then the other, until both are stable."""
    done: list[np.ndarray] = []
    # (run indices, side to split next, whether the other side is already known to be unbroken)
    pending = [(np.arange(len(runs)), 0, False)] if len(runs) else []
    while pending:
        members, side, other_settled = pending.pop()
        starts, ends = runs.side(side)
        order, firsts = _split(starts[members], ends[members], settings.gap)
        if len(firsts) > 1 or not other_settled:
            ordered = members[order]
            # Splitting never adds covered units, so a part already short of them is dropped.
            covered = np.add.reduceat(runs.length[ordered], firsts)
            bounds = np.append(firsts, len(ordered))
            # Each part is unbroken on the side just split; the other side is checked next.
            pending.extend((ordered[bounds[k]:bounds[k + 1]], 1 - side, True)
                           for k in np.flatnonzero(covered >= settings.min_units))
            continue
        stray = _stray(runs, members, settings) if len(members) > 1 else ()
        if not len(stray):
            done.append(members)
            continue
        kept = np.delete(members, stray)
        if runs.length[kept].sum() >= settings.min_units:
            pending.append((kept, 0, False))  # without the strays a gap may open: split again
    return done


def _extent(starts: np.ndarray, ends: np.ndarray) -> tuple[int, int, int]:
    """(first unit, end unit, units covered by at least one run) of runs on one side."""
    order = np.argsort(starts)
    starts, ends = starts[order], ends[order]
    reach = np.concatenate(([starts[0]], np.maximum.accumulate(ends)[:-1]))
    return int(starts[0]), int(ends.max()), int(np.maximum(0, ends - np.maximum(starts, reach)).sum())


def _match(runs: _Runs, members: np.ndarray, source: Units, suspicious: Units, settings: Settings) -> Match | None:
    sus_first, sus_end, sus_covered = _extent(*(arr[members] for arr in runs.side(0)))
    src_first, src_end, src_covered = _extent(*(arr[members] for arr in runs.side(1)))
    covered = min(sus_covered, src_covered)
    score = min(src_covered / (src_end - src_first), sus_covered / (sus_end - sus_first))
    needed = settings.long_score if covered >= settings.long_units else settings.min_score
    if covered < settings.min_units or score < needed:
        return None
    return Match(source.span(src_first, src_end - 1), suspicious.span(sus_first, sus_end - 1), score)


def settings_for(source: Units, suspicious: Units) -> Settings:
    """``ZH`` when, on average over the two texts, most units are Chinese characters, else ``EN``."""
    return ZH if (source.chinese_share() + suspicious.chinese_share()) / 2 >= 0.5 else EN


def align(source_text: str, suspicious_text: str, settings: Settings | None = None,
          common: np.ndarray | None = None) -> list[Match]:
    """The passages ``suspicious_text`` shares with ``source_text``, best first.

    ``common`` is a sorted array of gram hashes (``similarity.common``) that never seed a passage.
    """
    source, suspicious = units(source_text), units(suspicious_text)
    if not len(source) or not len(suspicious):
        return []
    settings = settings or settings_for(source, suspicious)
    runs = _runs(*_seeds(source, suspicious, settings, common))
    matches = [_match(runs, members, source, suspicious, settings) for members in _clusters(runs, settings)]
    return sorted((m for m in matches if m is not None), key=lambda m: (-m.score, m.suspicious))
