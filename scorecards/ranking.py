"""From judges' scores to a ranking, the preliminary cut-off and the final awards.

The contest rules this module follows:

* every judge scores each project per rubric criterion; ``weighted_total`` turns one judge's sheet into a
  0–100 total;
* the judge totals of a project are aggregated (``aggregate``): by default the single highest and single
  lowest total are dropped once a project has at least five judges, so one outlying judge cannot carry or
  sink an entry; ``zscore`` instead normalises every judge's scale first, for panels where each judge saw
  only part of the field;
* ``rank`` orders the entries on the score *as published* (rounded), so two entries that look equal on the
  results sheet are treated as tied, and breaks ties by the configured keys; when only the registration
  number separated two entries the order is arbitrary and marked ``unresolved`` for an admin to decide;
* ``cut_off``: the preliminary round advances the top 30 (enterprise) / 20 (startup) entries, withdrawn or
  disqualified entries being replaced by the next in rank;
* ``allocate_awards``: the final ranking hands out the award tiers in rank order.

Everything is a pure function over frozen dataclasses: no database, no clock, the same input gives the same
output, so a published ranking can be recomputed and audited from the stored judge totals.

Rounding is half-up ("四舍五入", as results sheets are read), not Python's round-half-even, and the tie-break
values are rounded to the same precision as the score so that float noise (80.0 vs 79.99999999) never decides
a tie.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Literal

Method = Literal["trimmed_mean", "mean", "zscore"]
Status = Literal["active", "withdrawn", "disqualified"]
AwardTier = tuple[str, int]  # (award id, number of places), e.g. ("first", 1)

DEFAULT_AWARDS: dict[str, tuple[AwardTier, ...]] = {
    "enterprise": (("first", 1), ("second", 3), ("third", 6), ("excellence", 10)),
    "startup": (("first", 1), ("second", 2), ("third", 3), ("excellence", 6)),
}
DEFAULT_PLACES: dict[str, int] = {"enterprise": 30, "startup": 20}

SIMPLE_KEYS = frozenset({"preliminary", "median", "max", "trimmed_off_mean", "code"})
CRITERION_PREFIX = "criterion:"
STATUSES = frozenset({"active", "withdrawn", "disqualified"})


# --- one judge's sheet --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionWeight:
    id: str
    weight: float  # relative weight, e.g. 30 for 30 %
    min_score: float = 0.0
    max_score: float = 10.0


def weighted_total(scores: Mapping[str, float], criteria: Sequence[CriterionWeight]) -> float:
    """0–100: 100 × Σ wᵢ·(sᵢ−minᵢ)/(maxᵢ−minᵢ) / Σ wᵢ.

    Raises ValueError naming the criterion if a score is missing or outside its range, and also for a score
    of a criterion the rubric does not have (the sheet and the rubric disagree: silently dropping the mark
    would change the judge's total).
    """
    known = {c.id for c in criteria}
    unknown = sorted(set(scores) - known)
    if unknown:
        raise ValueError(f"score for criterion not in the rubric: {', '.join(unknown)}")
    weights = math.fsum(c.weight for c in criteria)
    if not criteria or weights <= 0:
        raise ValueError("the rubric needs at least one criterion and a positive total weight")
    return 100 * math.fsum(c.weight * _fraction(scores, c) for c in criteria) / weights


def _fraction(scores: Mapping[str, float], criterion: CriterionWeight) -> float:
    """The score as a fraction of its criterion's range, after checking it is there and in range."""
    if criterion.max_score <= criterion.min_score or criterion.weight < 0:
        raise ValueError(f"criterion {criterion.id!r}: needs max_score > min_score and weight ≥ 0")
    if criterion.id not in scores:
        raise ValueError(f"criterion {criterion.id!r}: score missing")
    value = scores[criterion.id]
    # `not (a <= x <= b)` also rejects NaN
    if not criterion.min_score <= value <= criterion.max_score:
        raise ValueError(
            f"criterion {criterion.id!r}: score {value} outside {criterion.min_score}–{criterion.max_score}"
        )
    return (value - criterion.min_score) / (criterion.max_score - criterion.min_score)


# --- aggregation --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JudgeTotal:
    judge_id: int
    submission_id: int
    total: float  # that judge's weighted total for that project


@dataclass(frozen=True)
class AggregationRules:
    """How judge totals become a score, and how ties are broken.

    ``tie_break`` keys are applied in order, higher wins, except ``code`` (ascending registration number),
    which is always the last resort: it is appended when missing, and rejected anywhere but last.
    ``trimmed_mean`` drops the single highest and lowest total from ``trim_from`` judges on; ``zscore``
    never trims (the normalisation already removes a judge's bias, and trimming normalised values of
    different judges would mix the two corrections).
    """

    method: Method = "trimmed_mean"
    trim_from: int = 5
    precision: int = 2
    tie_break: tuple[str, ...] = ("preliminary", "trimmed_off_mean", "max", "code")

    def __post_init__(self) -> None:
        if self.method not in ("trimmed_mean", "mean", "zscore"):
            raise ValueError(f"unknown aggregation method {self.method!r}")
        # trimming two of fewer than three totals would leave nothing to average
        if self.trim_from < 3:
            raise ValueError("trim_from must be at least 3")
        if self.precision < 0:
            raise ValueError("precision must be ≥ 0")
        for key in self.tie_break:
            if key not in SIMPLE_KEYS and not (key.startswith(CRITERION_PREFIX) and len(key) > len(CRITERION_PREFIX)):
                raise ValueError(f"unknown tie-break key {key!r}")
        if "code" in self.tie_break[:-1]:
            raise ValueError("'code' can only be the last tie-break key")

    @property
    def keys(self) -> tuple[str, ...]:
        """The tie-break keys in order, always ending with "code"."""
        return self.tie_break if self.tie_break[-1:] == ("code",) else (*self.tie_break, "code")

    @property
    def value_keys(self) -> tuple[str, ...]:
        """The tie-break keys that carry a computed value (all but "code")."""
        return self.keys[:-1]


@dataclass(frozen=True)
class EntryScore:
    submission_id: int
    code: str
    score: float | None  # aggregated, rounded to precision; None when no judge scored it
    judges: int
    totals: tuple[float, ...]  # the judge totals used (after z-score mapping for zscore), sorted
    dropped: tuple[float, ...]  # totals dropped by trimming
    keys: dict[str, float | None]  # the tie-break values computed


def round_half_up(value: float, precision: int) -> float:
    """Round as a results sheet does (2.675 → 2.68), not to even; 9 decimals first absorb float noise."""
    exact = Decimal(f"{value:.9f}")
    return float(exact.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP))


def aggregate(
    totals: Sequence[JudgeTotal],
    rules: AggregationRules,
    *,
    codes: Mapping[int, str],
    preliminary: Mapping[int, float] | None = None,
    criterion_means: Mapping[int, Mapping[str, float]] | None = None,
) -> dict[int, EntryScore]:
    """One EntryScore per entry in ``codes``; entries without totals get score None and 0 judges.

    Raises ValueError for a total of an entry missing from ``codes``, a judge scoring one entry twice, a
    non-finite total, or two entries sharing a code (the code is the final tie-break, it must be unique).
    """
    _check_inputs(totals, codes)
    by_entry = _values_by_entry(totals, rules.method)
    result: dict[int, EntryScore] = {}
    for sid, code in codes.items():
        values = sorted(by_entry.get(sid, []))
        used, dropped = _trim(values, rules)
        score = round_half_up(statistics.fmean(used), rules.precision) if used else None
        keys = _tie_values(sid, values, rules, preliminary or {}, criterion_means or {})
        result[sid] = EntryScore(sid, code, score, len(values), tuple(used), tuple(dropped), keys)
    return result


def _check_inputs(totals: Sequence[JudgeTotal], codes: Mapping[int, str]) -> None:
    if len(set(codes.values())) != len(codes):
        raise ValueError("two entries share a registration code")
    seen: set[tuple[int, int]] = set()
    for t in totals:
        if t.submission_id not in codes:
            raise ValueError(f"judge {t.judge_id} scored submission {t.submission_id}, which has no code")
        if (t.judge_id, t.submission_id) in seen:
            raise ValueError(f"judge {t.judge_id} scored submission {t.submission_id} twice")
        if not math.isfinite(t.total):
            raise ValueError(f"judge {t.judge_id}: total for submission {t.submission_id} is not a number")
        seen.add((t.judge_id, t.submission_id))


def _values_by_entry(totals: Sequence[JudgeTotal], method: Method) -> dict[int, list[float]]:
    """Each entry's judge totals, mapped onto the common scale first for zscore."""
    values = _zscore_mapped(totals) if method == "zscore" else [t.total for t in totals]
    by_entry: dict[int, list[float]] = defaultdict(list)
    for t, value in zip(totals, values, strict=True):
        by_entry[t.submission_id].append(value)
    return by_entry


def _zscore_mapped(totals: Sequence[JudgeTotal]) -> list[float]:
    """μ_all + σ_all × z for every total, z taken over its judge's own totals.

    Mapping back through the overall mean and σ keeps the result on the 0–100 scale, so a zscore ranking
    reads like the others. A judge with one project, or who gave every project the same total, says
    nothing about relative merit: their z is 0 and their totals map to the overall mean.
    """
    by_judge: dict[int, list[float]] = defaultdict(list)
    for t in totals:
        by_judge[t.judge_id].append(t.total)
    spread = {judge: (statistics.fmean(v), statistics.pstdev(v)) for judge, v in by_judge.items()}
    every = [t.total for t in totals]
    mu_all = statistics.fmean(every) if every else 0.0
    sigma_all = statistics.pstdev(every) if every else 0.0
    mapped = []
    for t in totals:
        mu, sigma = spread[t.judge_id]
        z = (t.total - mu) / sigma if sigma > 0 else 0.0
        mapped.append(mu_all + sigma_all * z)
    return mapped


def _trim(values: list[float], rules: AggregationRules) -> tuple[list[float], list[float]]:
    """(used, dropped) of sorted values: the extremes go only for trimmed_mean with enough judges."""
    if rules.method == "trimmed_mean" and len(values) >= rules.trim_from:
        return values[1:-1], [values[0], values[-1]]
    return values, []


def _tie_values(
    sid: int,
    values: list[float],
    rules: AggregationRules,
    preliminary: Mapping[int, float],
    criterion_means: Mapping[int, Mapping[str, float]],
) -> dict[str, float | None]:
    """The entry's value for every tie-break key; the judge-total keys use all totals, dropped ones included."""
    raw: dict[str, float | None] = {}
    for key in rules.value_keys:
        if key == "preliminary":
            raw[key] = preliminary.get(sid)
        elif key.startswith(CRITERION_PREFIX):
            raw[key] = criterion_means.get(sid, {}).get(key[len(CRITERION_PREFIX) :])
        elif not values:
            raw[key] = None
        elif key == "median":
            raw[key] = statistics.median(values)
        elif key == "max":
            raw[key] = max(values)
        else:  # trimmed_off_mean
            raw[key] = statistics.fmean(values)
    return {k: None if v is None else round_half_up(v, rules.precision) for k, v in raw.items()}


# --- ranking ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    submission_id: int
    code: str
    rank: int  # 1-based position after tie-breaking (unique positions)
    score: float | None
    tied_with: tuple[str, ...]  # codes of entries with the same rounded score (before tie-break)
    decided_by: str | None  # the tie-break key that separated it from the entry above/below it, None if no tie
    unresolved: bool  # True when only "code" separated it from a tied neighbour: an admin must decide
    # codes of tied entries that only the code separates from this one (all tie-break values equal); lets
    # cut_off and allocate_awards tell whether two entries on either side of a boundary are truly tied
    unresolved_with: tuple[str, ...] = ()


def rank(scores: Mapping[int, EntryScore], rules: AggregationRules) -> list[Ranked]:
    """Entries by rounded score descending (None last), then by the tie-break keys in order.

    ``decided_by`` is the last key, in tie-break order, needed to separate the entry from its tied
    neighbours above and below, so it is "code" exactly when ``unresolved``. Unscored entries are never
    reported as tied: they have no score to be tied on.
    """
    entries = sorted(scores.values(), key=lambda e: _sort_key(e, rules))
    rounded = [_score(e, rules) for e in entries]
    groups: dict[float, list[int]] = defaultdict(list)  # rounded score → positions; unscored never tie
    for i, score in enumerate(rounded):
        if score is not None:
            groups[score].append(i)
    ranked = []
    for i, entry in enumerate(entries):
        peers = [j for j in groups.get(rounded[i], []) if j != i] if rounded[i] is not None else []
        # the group's positions are consecutive, so the tied neighbours are i - 1 and i + 1 when in the group
        deciders = [_decider(entry, entries[j], rules) for j in (i - 1, i + 1) if j in peers]
        decided_by = max(deciders, key=rules.keys.index) if deciders else None
        ranked.append(
            Ranked(
                submission_id=entry.submission_id,
                code=entry.code,
                rank=i + 1,
                score=rounded[i],
                tied_with=tuple(entries[j].code for j in peers),
                decided_by=decided_by,
                unresolved=decided_by == "code",
                unresolved_with=tuple(entries[j].code for j in peers if _decider(entry, entries[j], rules) == "code"),
            )
        )
    return ranked


def _score(entry: EntryScore, rules: AggregationRules) -> float | None:
    # rounded again in case the EntryScore was built by hand; idempotent for aggregate's output
    return None if entry.score is None else round_half_up(entry.score, rules.precision)


def _sort_key(entry: EntryScore, rules: AggregationRules) -> tuple[object, ...]:
    """Ascending sort key: best first; a None value sorts below every number."""
    parts: list[tuple[bool, float]] = [_descending(_score(entry, rules))]
    parts += [_descending(entry.keys.get(key)) for key in rules.value_keys]
    # the submission id only matters for hand-built inputs with duplicate codes: it keeps the order total
    return (*parts, entry.code, entry.submission_id)


def _descending(value: float | None) -> tuple[bool, float]:
    return (True, 0.0) if value is None else (False, -value)


def _decider(a: EntryScore, b: EntryScore, rules: AggregationRules) -> str:
    """The first tie-break key on which two tied entries differ ("code" when all values agree)."""
    for key in rules.value_keys:
        if a.keys.get(key) != b.keys.get(key):
            return key
    return "code"


# --- preliminary cut-off ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    submission_id: int
    code: str
    rank: int
    outcome: Literal["advanced", "replacement", "reserve", "withdrawn", "disqualified", "unscored"]
    replaces: str | None = None  # for a replacement: the code of the entry it replaces
    note: str = ""  # e.g. "tie at the cut-off, admin to decide"


def cut_off(ranking: Sequence[Ranked], places: int, status: Mapping[int, Status]) -> list[Outcome]:
    """Who advances from the preliminary round, in rank order.

    The top ``places`` of the original ranking advance. Each withdrawn, disqualified (or unscored) entry among
    them frees its place, and the freed places, in rank order, go to the next active scored entries below
    the top. Entries missing from ``status`` are active; a withdrawn or disqualified entry keeps that outcome
    even when unscored. An unresolved tie between the last advancing entry and the first reserve is noted on
    every entry of that tie on either side of the cut.
    """
    if places < 0:
        raise ValueError("places must be ≥ 0")
    ordered = sorted(ranking, key=lambda r: r.rank)
    top, rest = ordered[:places], ordered[places:]
    freed = [r for r in top if not _eligible(r, status)]
    waiting = [r for r in rest if _eligible(r, status)]
    # zip stops at the shorter list: freed places beyond the last eligible entry stay empty
    replacing = {r.code: gone.code for gone, r in zip(freed, waiting, strict=False)}
    outcomes = {r.code: _outcome(r, status, i < places, replacing.get(r.code)) for i, r in enumerate(ordered)}
    passing = [r for r in ordered if outcomes[r.code].outcome in ("advanced", "replacement")]
    reserves = [r for r in ordered if outcomes[r.code].outcome == "reserve"]
    notes = _boundary_notes(passing[-1:], reserves[:1], ordered, status, "tie at the cut-off")
    return [_with_note(outcomes[r.code], notes.get(r.code, [])) for r in ordered]


def _status(r: Ranked, status: Mapping[int, Status]) -> Status:
    value = status.get(r.submission_id, "active")
    if value not in STATUSES:
        raise ValueError(f"{r.code}: unknown status {value!r}")
    return value


def _eligible(r: Ranked, status: Mapping[int, Status]) -> bool:
    return r.score is not None and _status(r, status) == "active"


def _outcome(r: Ranked, status: Mapping[int, Status], in_top: bool, replaces: str | None) -> Outcome:
    state = _status(r, status)
    if state != "active":
        return Outcome(r.submission_id, r.code, r.rank, state)
    if r.score is None:
        return Outcome(r.submission_id, r.code, r.rank, "unscored")
    if in_top:
        return Outcome(r.submission_id, r.code, r.rank, "advanced")
    if replaces is not None:
        return Outcome(r.submission_id, r.code, r.rank, "replacement", replaces=replaces)
    return Outcome(r.submission_id, r.code, r.rank, "reserve")


def _boundary_notes(
    above: Sequence[Ranked], below: Sequence[Ranked], ordered: Sequence[Ranked], status: Mapping[int, Status], what: str
) -> dict[str, list[str]]:
    """Notes for an unresolved tie between the last entry above a boundary and the first below it.

    Every eligible entry of that tie is noted, not just the two at the boundary: with A, B, C tied for two
    places, A's place is as undecided as B's.
    """
    if not above or not below or below[0].code not in above[0].unresolved_with:
        return {}
    group = {above[0].code, *above[0].unresolved_with}
    members = [r.code for r in ordered if r.code in group and _eligible(r, status)]
    return {code: [f"{what} with {', '.join(c for c in members if c != code)}, admin to decide"] for code in members}


def _with_note(item: Outcome, notes: Iterable[str]) -> Outcome:
    text = "; ".join(notes)
    if not text:
        return item
    return Outcome(item.submission_id, item.code, item.rank, item.outcome, item.replaces, text)


# --- awards -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Award:
    submission_id: int
    code: str
    rank: int
    award: str | None  # tier id, None for no award (or withdrawn/disqualified/unscored)
    note: str = ""


def allocate_awards(ranking: Sequence[Ranked], tiers: Sequence[AwardTier], status: Mapping[int, Status]) -> list[Award]:
    """Award tiers in rank order to active scored entries; the others get None with the reason as note.

    Withdrawn and disqualified entries are skipped, so everyone below moves up. An unresolved tie across a
    boundary between two tiers, or between the last award and no award, is noted on its entries.
    """
    for tier_id, count in tiers:
        if count < 0:
            raise ValueError(f"award {tier_id!r}: negative number of places")
    ordered = sorted(ranking, key=lambda r: r.rank)
    eligible = [r for r in ordered if _eligible(r, status)]
    slots = [tier_id for tier_id, count in tiers for _ in range(count)]
    awards = {r.code: tier_id for r, tier_id in zip(eligible, slots, strict=False)}
    notes: dict[str, list[str]] = defaultdict(list)
    for upper, lower in pairwise(eligible):
        if awards.get(upper.code) != awards.get(lower.code):
            what = f"tie across the {awards.get(upper.code)}/{awards.get(lower.code) or 'no award'} boundary"
            for code, found in _boundary_notes([upper], [lower], ordered, status, what).items():
                notes[code] += found
    return [_award(r, awards.get(r.code), status, notes.get(r.code, [])) for r in ordered]


def _award(r: Ranked, award: str | None, status: Mapping[int, Status], notes: list[str]) -> Award:
    state = _status(r, status)
    reasons = [state] if state != "active" else ["unscored"] if r.score is None else []
    return Award(r.submission_id, r.code, r.rank, award, "; ".join(reasons + notes))
