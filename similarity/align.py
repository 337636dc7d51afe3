"""Passage alignment: the passages two texts share, as character ranges of each original text.

Seed, extend, merge — the shape of the PAN text-alignment systems, written for Chinese and English:

1. **Units.** Both texts are normalised (NFKC, case, traditional → simplified; ``ingest.text``) and
   cut into units: one per Chinese character, one per run of Latin letters or digits. Punctuation
   and spaces are not units, so changed punctuation or spacing cannot break a match; every unit
   remembers its span in the original text.
2. **Seeds.** Every n consecutive units of the source are hashed (n = 5 for Chinese, 3 for English):
   a seed is an n-gram that both texts hold. N-grams frequent in either text (repeated headings,
   boilerplate) are dropped, because they seed everywhere.
3. **Extend and merge.** Seeds are grouped along the suspicious text when the next seed lies within
   a gap of both the previous one's suspicious and source positions: light edits and substituted
   words only leave holes between seeds. Groups are then merged when they touch in the suspicious
   text and their source ranges lie near each other in either order, which joins sentences that
   were reordered inside a copied passage into one detection.
4. **Filter.** A passage needs several seeds and a minimum length; its score is the share of its
   units (on the shorter side) covered by seeds.

Offsets are 0-based code-point offsets into the texts as given, end exclusive.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from ingest.text import is_cjk, normalize

_UNIT = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[a-z0-9]+")


@dataclass(frozen=True)
class Settings:
    """Thresholds by language (``zh`` when most units are Chinese characters)."""

    n: int
    gap: int  # units between seeds that still belong to one passage
    min_units: int  # a passage shorter than this (on either side) is not reported
    min_seeds: int
    max_frequency: int = 8  # an n-gram seen more often in one text is boilerplate, not a seed


ZH = Settings(n=5, gap=40, min_units=30, min_seeds=4)
EN = Settings(n=3, gap=20, min_units=15, min_seeds=3)


@dataclass(frozen=True)
class Units:
    """Units of a text and, for each, its (start, end) in the original text."""

    tokens: list[str]
    spans: list[tuple[int, int]]

    @classmethod
    def of(cls, text: str) -> Units:
        normalised = normalize(text, simplified=True)
        tokens, spans = [], []
        for match in _UNIT.finditer(normalised.text):
            tokens.append(match.group())
            spans.append(normalised.source_span(match.start(), match.end()))
        return cls(tokens, spans)

    def chinese_share(self) -> float:
        return sum(1 for t in self.tokens if is_cjk(t)) / len(self.tokens) if self.tokens else 0.0


@dataclass(frozen=True)
class Match:
    source: tuple[int, int]
    suspicious: tuple[int, int]
    score: float

    def to_json(self) -> dict[str, object]:
        return {"source": list(self.source), "suspicious": list(self.suspicious), "score": round(self.score, 4)}


@dataclass
class _Group:
    """Seeds of one passage: unit ranges on both sides and the seeds' unit positions."""

    src_start: int
    src_end: int
    sus_start: int
    sus_end: int
    src_units: set[int]
    sus_units: set[int]

    def absorb(self, other: _Group) -> None:
        self.src_start, self.src_end = min(self.src_start, other.src_start), max(self.src_end, other.src_end)
        self.sus_start, self.sus_end = min(self.sus_start, other.sus_start), max(self.sus_end, other.sus_end)
        self.src_units |= other.src_units
        self.sus_units |= other.sus_units


def _ngrams(tokens: list[str], n: int) -> dict[tuple[str, ...], list[int]]:
    grams: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i in range(len(tokens) - n + 1):
        grams[tuple(tokens[i:i + n])].append(i)
    return grams


def _seeds(source: Units, suspicious: Units, settings: Settings) -> list[tuple[int, int]]:
    """(suspicious position, source position) of every shared n-gram, boilerplate left out."""
    in_source = _ngrams(source.tokens, settings.n)
    in_suspicious = _ngrams(suspicious.tokens, settings.n)
    seeds = []
    for gram, sus_positions in in_suspicious.items():
        src_positions = in_source.get(gram)
        if not src_positions or len(src_positions) > settings.max_frequency \
                or len(sus_positions) > settings.max_frequency:
            continue
        seeds.extend((j, i) for j in sus_positions for i in src_positions)
    return sorted(seeds)


def _group(seeds: list[tuple[int, int]], settings: Settings) -> list[_Group]:
    """Seeds chained along the suspicious text while both positions stay within the gap."""
    groups: list[_Group] = []
    n = settings.n
    for j, i in seeds:
        for group in reversed(groups[-8:]):  # a seed joins one of the few passages still open near it
            if (j - group.sus_end <= settings.gap and -n <= i - group.src_end <= settings.gap) \
                    or (group.sus_start <= j <= group.sus_end and group.src_start <= i <= group.src_end):
                group.absorb(_Group(i, i + n, j, j + n, set(range(i, i + n)), set(range(j, j + n))))
                break
        else:
            groups.append(_Group(i, i + n, j, j + n, set(range(i, i + n)), set(range(j, j + n))))
    return groups


def _near(a: tuple[int, int], b: tuple[int, int], gap: int) -> bool:
    return a[0] - gap <= b[1] and b[0] - gap <= a[1]


def _merge(groups: list[_Group], settings: Settings) -> list[_Group]:
    """Groups that touch on both sides (in any order: reordered sentences) become one passage."""
    merged: list[_Group] = []
    for group in sorted(groups, key=lambda g: g.sus_start):
        for other in merged:
            if _near((other.sus_start, other.sus_end), (group.sus_start, group.sus_end), settings.gap) and \
                    _near((other.src_start, other.src_end), (group.src_start, group.src_end), settings.gap * 2):
                other.absorb(group)
                break
        else:
            merged.append(group)
    return merged


def _settings(source: Units, suspicious: Units) -> Settings:
    return ZH if (source.chinese_share() + suspicious.chinese_share()) / 2 >= 0.5 else EN


def align(source_text: str, suspicious_text: str, settings: Settings | None = None) -> list[Match]:
    """The passages ``suspicious_text`` shares with ``source_text``, best first."""
    source, suspicious = Units.of(source_text), Units.of(suspicious_text)
    if not source.tokens or not suspicious.tokens:
        return []
    settings = settings or _settings(source, suspicious)
    groups = _merge(_group(_seeds(source, suspicious, settings), settings), settings)
    matches = []
    for g in groups:
        src_len, sus_len = g.src_end - g.src_start, g.sus_end - g.sus_start
        seeds = len(g.sus_units) - settings.n + 1
        if min(src_len, sus_len) < settings.min_units or seeds < settings.min_seeds:
            continue
        score = min(len(g.src_units) / src_len, len(g.sus_units) / sus_len)
        matches.append(Match((source.spans[g.src_start][0], source.spans[g.src_end - 1][1]),
                             (suspicious.spans[g.sus_start][0], suspicious.spans[g.sus_end - 1][1]), score))
    return sorted(matches, key=lambda m: (-m.score, m.suspicious))
