"""Aggregation, ranking, the preliminary cut-off and awards, each checked against numbers worked out by hand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from scorecards.ranking import (
    DEFAULT_AWARDS,
    DEFAULT_PLACES,
    AggregationRules,
    Award,
    CriterionWeight,
    EntryScore,
    JudgeTotal,
    Ranked,
    Status,
    aggregate,
    allocate_awards,
    cut_off,
    rank,
    weighted_total,
)

# An entry's judge totals: one number is one judge, a tuple several judges, None no judge at all.
Totals = float | tuple[float, ...] | None

RUBRIC = (
    CriterionWeight("innovation", 30),
    CriterionWeight("market", 20),
    CriterionWeight("technology", 50, 0, 20),
)
SMALL_RUBRIC = (CriterionWeight("team", 1, 1, 5), CriterionWeight("plan", 3, 1, 5))


def build(
    entries: Mapping[str, Totals],
    rules: AggregationRules,
    preliminary: Mapping[str, float] | None = None,
    criterion_means: Mapping[str, Mapping[str, float]] | None = None,
) -> dict[int, EntryScore]:
    """Aggregate a table {code: totals}; submission ids follow the table order, judge k gives the k-th total."""
    codes = {sid: code for sid, code in enumerate(entries, start=1)}
    ids = {code: sid for sid, code in codes.items()}
    totals = []
    for code, values in entries.items():
        judged = () if values is None else values if isinstance(values, tuple) else (values,)
        totals += [JudgeTotal(judge, ids[code], total) for judge, total in enumerate(judged, start=1)]
    return aggregate(
        totals,
        rules,
        codes=codes,
        preliminary={ids[c]: v for c, v in (preliminary or {}).items()},
        criterion_means={ids[c]: v for c, v in (criterion_means or {}).items()},
    )


def by_code(scores: Mapping[int, EntryScore]) -> dict[str, EntryScore]:
    return {e.code: e for e in scores.values()}


def ranking(values: Sequence[Totals]) -> list[Ranked]:
    """A ranking of E01, E02, … with the given totals, default rules."""
    return rank(build({f"E{i:02d}": v for i, v in enumerate(values, start=1)}, AggregationRules()), AggregationRules())


def statuses(ranked: Sequence[Ranked], by_code: Mapping[str, Status]) -> dict[int, Status]:
    return {r.submission_id: by_code[r.code] for r in ranked if r.code in by_code}


def codes(first: int, last: int) -> list[str]:
    return [f"E{i:02d}" for i in range(first, last + 1)]


# --- weighted_total -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "scores", "expected"),
    [
        # 100 × (30·8/10 + 20·5/10 + 50·15/20) / 100 = 24 + 10 + 37.5
        pytest.param(RUBRIC, {"innovation": 8, "market": 5, "technology": 15}, 71.5, id="mixed-ranges"),
        pytest.param(RUBRIC, {"innovation": 10, "market": 10, "technology": 20}, 100.0, id="all-max"),
        pytest.param(RUBRIC, {"innovation": 0, "market": 0, "technology": 0}, 0.0, id="all-min"),
        # ranges 1–5: team (4−1)/4 = 0.75, plan (2−1)/4 = 0.25 → 100 × (1·0.75 + 3·0.25) / 4
        pytest.param(SMALL_RUBRIC, {"team": 4, "plan": 2}, 37.5, id="non-zero-minimum"),
        pytest.param(SMALL_RUBRIC, {"team": 1, "plan": 5}, 75.0, id="minimum-and-maximum"),
    ],
)
def test_weighted_total(criteria: Sequence[CriterionWeight], scores: dict[str, float], expected: float) -> None:
    assert weighted_total(scores, criteria) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        pytest.param({"innovation": 8, "technology": 15}, "'market': score missing", id="missing"),
        pytest.param({"innovation": 8, "market": 5, "technology": 21}, "'technology': score 21 outside", id="above"),
        pytest.param({"innovation": -1, "market": 5, "technology": 15}, "'innovation': score -1 outside", id="below"),
        pytest.param({"innovation": float("nan"), "market": 5, "technology": 15}, "'innovation'", id="nan"),
        pytest.param(
            {"innovation": 8, "market": 5, "technology": 15, "design": 3}, "not in the rubric: design", id="unknown"
        ),
    ],
)
def test_weighted_total_rejects_bad_sheets(scores: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        weighted_total(scores, RUBRIC)


# --- aggregate ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "totals", "score", "used", "dropped"),
    [
        pytest.param(AggregationRules(), (70, 80, 90, 60), 75.0, (60, 70, 80, 90), (), id="4-judges-plain-mean"),
        pytest.param(AggregationRules(), (60, 70, 80, 100), 77.5, (60, 70, 80, 100), (), id="4-judges-outlier-kept"),
        # (70 + 80) / 2 once trimming starts at four judges
        pytest.param(AggregationRules(trim_from=4), (60, 70, 80, 100), 75.0, (70, 80), (60, 100), id="trim-from-4"),
        # (70 + 75 + 80) / 3
        pytest.param(AggregationRules(), (50, 99, 75, 70, 80), 75.0, (70, 75, 80), (50, 99), id="5-judges-trimmed"),
        # (70 + 72 + 74 + 76) / 4
        pytest.param(
            AggregationRules(), (95, 70, 40, 72, 74, 76), 73.0, (70, 72, 74, 76), (40, 95), id="6-judges-trimmed"
        ),
        # (62 + … + 66) / 5: only one total is dropped at each end, however many judges
        pytest.param(
            AggregationRules(), (61, 62, 63, 64, 65, 66, 99), 64.0, (62, 63, 64, 65, 66), (61, 99), id="7-judges"
        ),
        # 374 / 5, nothing dropped
        pytest.param(
            AggregationRules(method="mean"), (50, 99, 75, 70, 80), 74.8, (50, 70, 75, 80, 99), (), id="mean-5-judges"
        ),
        # 241 / 3 = 80.333…
        pytest.param(AggregationRules(), (80, 80, 81), 80.33, (80, 80, 81), (), id="rounded-to-2"),
        pytest.param(AggregationRules(precision=1), (80, 80, 81), 80.3, (80, 80, 81), (), id="rounded-to-1"),
        # 340.5 / 4 = 85.125 exactly: half-up gives 85.13 where round() would give 85.12
        pytest.param(AggregationRules(), (85, 85, 85, 85.5), 85.13, (85, 85, 85, 85.5), (), id="half-up"),
        pytest.param(AggregationRules(), (77.7,), 77.7, (77.7,), (), id="single-judge"),
    ],
)
def test_aggregate_score(
    rules: AggregationRules,
    totals: tuple[float, ...],
    score: float,
    used: tuple[float, ...],
    dropped: tuple[float, ...],
) -> None:
    entry = by_code(build({"E01": totals}, rules))["E01"]
    assert (entry.score, entry.judges, entry.totals, entry.dropped) == (score, len(totals), used, dropped)


def test_tie_break_values_use_every_total_including_dropped() -> None:
    rules = AggregationRules(tie_break=("preliminary", "trimmed_off_mean", "max", "median", "criterion:team"))
    entry = by_code(build({"E01": (50, 99, 75, 70, 80)}, rules, {"E01": 81.456}, {"E01": {"team": 7.25}}))["E01"]
    # plain mean 374 / 5 = 74.8, max 99 (a dropped total), median 75; preliminary rounded half-up to 81.46
    assert entry.keys == {
        "preliminary": 81.46,
        "trimmed_off_mean": 74.8,
        "max": 99.0,
        "median": 75.0,
        "criterion:team": 7.25,
    }


def test_entries_without_scores() -> None:
    scores = by_code(build({"E01": (80, 90), "E02": None}, AggregationRules(), {"E02": 66.0}))
    assert scores["E01"].score == 85.0
    none = scores["E02"]
    assert (none.score, none.judges, none.totals, none.dropped) == (None, 0, (), ())
    assert none.keys == {"preliminary": 66.0, "trimmed_off_mean": None, "max": None}


# Harsh judge 1 gives 50/60/70 and lenient judge 2 gives 70/80/90 to the same three projects: μ 60 and 80,
# σ √(200/3) each, so both give z = −√1.5, 0, +√1.5. Over all six totals μ_all = 70, σ_all = √(1000/6), and
# σ_all·√1.5 = √250 = 15.8114: scores 70 ∓ 15.8114 = 54.19 / 70 / 85.81.
HARSH_AND_LENIENT = (
    JudgeTotal(1, 1, 50),
    JudgeTotal(1, 2, 60),
    JudgeTotal(1, 3, 70),
    JudgeTotal(2, 1, 70),
    JudgeTotal(2, 2, 80),
    JudgeTotal(2, 3, 90),
)
# Judges 1 and 2 give 50/70 and 70/90 (σ 10, z = −1, +1); judge 3 scores only project 3, 95 (z = 0).
# μ_all = 375 / 5 = 75, σ_all² = (25² + 5² + 5² + 15² + 20²) / 5 = 260, σ_all = 16.1245:
# project 1 = 75 − 16.1245 = 58.88, project 2 = 91.12, project 3 = μ_all = 75.
ONE_PROJECT_JUDGE = (
    JudgeTotal(1, 1, 50),
    JudgeTotal(1, 2, 70),
    JudgeTotal(2, 1, 70),
    JudgeTotal(2, 2, 90),
    JudgeTotal(3, 3, 95),
)


@pytest.mark.parametrize(
    ("totals", "method", "expected", "order"),
    [
        pytest.param(HARSH_AND_LENIENT, "zscore", {1: 54.19, 2: 70.0, 3: 85.81}, ["P3", "P2", "P1"], id="harsh-z"),
        pytest.param(HARSH_AND_LENIENT, "mean", {1: 60.0, 2: 70.0, 3: 80.0}, ["P3", "P2", "P1"], id="harsh-mean"),
        # the lone 95 says nothing relative to other projects: P3 drops to the overall mean, below P2
        pytest.param(ONE_PROJECT_JUDGE, "zscore", {1: 58.88, 2: 91.12, 3: 75.0}, ["P2", "P3", "P1"], id="single-z"),
        pytest.param(ONE_PROJECT_JUDGE, "mean", {1: 60.0, 2: 80.0, 3: 95.0}, ["P3", "P2", "P1"], id="single-mean"),
    ],
)
def test_zscore(totals: Sequence[JudgeTotal], method: str, expected: dict[int, float], order: list[str]) -> None:
    rules = AggregationRules(method=method)  # type: ignore[arg-type]
    scores = aggregate(totals, rules, codes={1: "P1", 2: "P2", 3: "P3"})
    assert {sid: e.score for sid, e in scores.items()} == expected
    assert [r.code for r in rank(scores, rules)] == order


def test_zscore_makes_harsh_and_lenient_judge_equal() -> None:
    scores = aggregate(HARSH_AND_LENIENT, AggregationRules(method="zscore"), codes={1: "P1", 2: "P2", 3: "P3"})
    for entry, mapped in zip(scores.values(), (54.1886, 70.0, 85.8114), strict=True):
        # judge 1's 50 and judge 2's 70 for P1 both become 54.19: the same opinion on different scales
        assert entry.totals == pytest.approx((mapped, mapped), abs=1e-4)
        assert entry.dropped == ()


def test_zscore_never_trims_and_maps_a_one_project_judge_to_the_mean() -> None:
    five = [JudgeTotal(judge, 1, 60 + judge) for judge in range(1, 6)]  # each judge saw only this project
    entry = aggregate(five, AggregationRules(method="zscore"), codes={1: "P1"})[1]
    # μ_all = 63; every z is 0, so all five map to 63 and none is dropped although five ≥ trim_from
    assert (entry.score, entry.judges, entry.dropped) == (63.0, 5, ())
    assert entry.totals == pytest.approx((63.0,) * 5)


@pytest.mark.parametrize(
    ("totals", "codes_", "message"),
    [
        pytest.param([JudgeTotal(1, 1, 80), JudgeTotal(1, 1, 70)], {1: "E01"}, "scored submission 1 twice", id="twice"),
        pytest.param([JudgeTotal(1, 2, 80)], {1: "E01"}, "submission 2, which has no code", id="no-code"),
        pytest.param([JudgeTotal(1, 1, float("nan"))], {1: "E01"}, "not a number", id="nan"),
        pytest.param([], {1: "E01", 2: "E01"}, "share a registration code", id="same-code"),
    ],
)
def test_aggregate_rejects_bad_input(totals: list[JudgeTotal], codes_: dict[int, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        aggregate(totals, AggregationRules(), codes=codes_)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"tie_break": ("code", "max")}, "'code' can only be the last", id="code-first"),
        pytest.param({"tie_break": ("average",)}, "unknown tie-break key 'average'", id="unknown-key"),
        pytest.param({"tie_break": ("criterion:",)}, "unknown tie-break key", id="criterion-without-id"),
        pytest.param({"trim_from": 2}, "trim_from must be at least 3", id="trim-from-2"),
        pytest.param({"method": "median"}, "unknown aggregation method", id="method"),
    ],
)
def test_rules_are_checked(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AggregationRules(**kwargs)  # type: ignore[arg-type]


def test_code_is_always_the_last_resort() -> None:
    assert AggregationRules(tie_break=("max",)).keys == ("max", "code")
    assert AggregationRules().keys == ("preliminary", "trimmed_off_mean", "max", "code")


# --- rank ---------------------------------------------------------------------------------------------------------

# expected, best first: (code, published score, tied_with, decided_by, unresolved)
RANK_CASES = [
    pytest.param(
        AggregationRules(),
        {"E-001": (90,), "E-002": (80,)},
        {},
        {},
        [("E-001", 90.0, (), None, False), ("E-002", 80.0, (), None, False)],
        id="no-tie",
    ),
    # both 80; the preliminary round decides, 88 over 85
    pytest.param(
        AggregationRules(),
        {"E-001": (80, 80, 80), "E-002": (70, 80, 90)},
        {"E-001": 85, "E-002": 88},
        {},
        [("E-002", 80.0, ("E-001",), "preliminary", False), ("E-001", 80.0, ("E-002",), "preliminary", False)],
        id="preliminary",
    ),
    # a missing preliminary score counts as the lowest
    pytest.param(
        AggregationRules(),
        {"E-001": (80,), "E-002": (80,)},
        {"E-002": 40},
        {},
        [("E-002", 80.0, ("E-001",), "preliminary", False), ("E-001", 80.0, ("E-002",), "preliminary", False)],
        id="preliminary-missing-lowest",
    ),
    # both trim to 80; plain means 390 / 5 = 78 and 410 / 5 = 82
    pytest.param(
        AggregationRules(),
        {"E-001": (60, 80, 80, 80, 90), "E-002": (70, 80, 80, 80, 100)},
        {},
        {},
        [
            ("E-002", 80.0, ("E-001",), "trimmed_off_mean", False),
            ("E-001", 80.0, ("E-002",), "trimmed_off_mean", False),
        ],
        id="trimmed-off-mean",
    ),
    # both mean 80 with three judges (nothing trimmed, so the plain means agree too); max 90 over 85
    pytest.param(
        AggregationRules(),
        {"E-001": (75, 80, 85), "E-002": (70, 80, 90)},
        {},
        {},
        [("E-002", 80.0, ("E-001",), "max", False), ("E-001", 80.0, ("E-002",), "max", False)],
        id="max",
    ),
    pytest.param(
        AggregationRules(tie_break=("criterion:innovation", "code")),
        {"E-001": (80,), "E-002": (80,)},
        {},
        {"E-001": {"innovation": 7.5}, "E-002": {"innovation": 8.25}},
        [
            ("E-002", 80.0, ("E-001",), "criterion:innovation", False),
            ("E-001", 80.0, ("E-002",), "criterion:innovation", False),
        ],
        id="criterion-mean",
    ),
    # means 80 both; medians 75 and 85
    pytest.param(
        AggregationRules(tie_break=("median",)),
        {"E-001": (75, 75, 90), "E-002": (70, 85, 85)},
        {},
        {},
        [("E-002", 80.0, ("E-001",), "median", False), ("E-001", 80.0, ("E-002",), "median", False)],
        id="median",
    ),
    # identical in every respect: only the registration number orders them, an admin must decide
    pytest.param(
        AggregationRules(),
        {"E-002": (80, 80), "E-001": (80, 80)},
        {},
        {},
        [("E-001", 80.0, ("E-002",), "code", True), ("E-002", 80.0, ("E-001",), "code", True)],
        id="unresolved",
    ),
    # E-003 wins on the preliminary; E-001 and E-002 agree on everything else
    pytest.param(
        AggregationRules(),
        {"E-001": (80,), "E-002": (80,), "E-003": (80,)},
        {"E-001": 85, "E-002": 85, "E-003": 90},
        {},
        [
            ("E-003", 80.0, ("E-001", "E-002"), "preliminary", False),
            ("E-001", 80.0, ("E-003", "E-002"), "code", True),
            ("E-002", 80.0, ("E-003", "E-001"), "code", True),
        ],
        id="three-way",
    ),
    # 80.07 and 80.12 differ at two decimals …
    pytest.param(
        AggregationRules(),
        {"E-001": (80.12, 80.12), "E-002": (79.0, 81.14)},
        {},
        {},
        [("E-001", 80.12, (), None, False), ("E-002", 80.07, (), None, False)],
        id="precision-2-no-tie",
    ),
    # … but are both published as 80.1 at one decimal: tied, plain means tie again at 80.1, max 81.1 over 80.1
    pytest.param(
        AggregationRules(precision=1),
        {"E-001": (80.12, 80.12), "E-002": (79.0, 81.14)},
        {},
        {},
        [("E-002", 80.1, ("E-001",), "max", False), ("E-001", 80.1, ("E-002",), "max", False)],
        id="precision-1-rounding-tie",
    ),
    # unscored entries go last and are not reported as tied with each other
    pytest.param(
        AggregationRules(),
        {"E-001": None, "E-002": None, "E-003": (50,)},
        {},
        {},
        [("E-003", 50.0, (), None, False), ("E-001", None, (), None, False), ("E-002", None, (), None, False)],
        id="unscored-last",
    ),
]


@pytest.mark.parametrize(("rules", "entries", "preliminary", "criterion_means", "expected"), RANK_CASES)
def test_rank(
    rules: AggregationRules,
    entries: dict[str, Totals],
    preliminary: dict[str, float],
    criterion_means: dict[str, dict[str, float]],
    expected: list[tuple[str, float | None, tuple[str, ...], str | None, bool]],
) -> None:
    ranked = rank(build(entries, rules, preliminary, criterion_means), rules)
    assert [(r.code, r.score, r.tied_with, r.decided_by, r.unresolved) for r in ranked] == expected
    assert [r.rank for r in ranked] == list(range(1, len(expected) + 1))


def test_unresolved_with_names_only_the_entries_the_code_separates() -> None:
    rules = AggregationRules()
    ranked = rank(build({"E-001": (80,), "E-002": (80,), "E-003": (80,)}, rules, {"E-003": 90}), rules)
    assert {r.code: r.unresolved_with for r in ranked} == {"E-003": (), "E-001": ("E-002",), "E-002": ("E-001",)}


# --- cut_off ------------------------------------------------------------------------------------------------------

SIX = (90, 85, 80, 75, 70, 65)
NINE = (90, 85, 80, 75, 70, 65, 60, 55, 50)

# expected in rank order: (code, outcome, replaces)
CUT_OFF_CASES = [
    pytest.param(
        SIX,
        3,
        {},
        [
            ("E01", "advanced", None),
            ("E02", "advanced", None),
            ("E03", "advanced", None),
            ("E04", "reserve", None),
            ("E05", "reserve", None),
            ("E06", "reserve", None),
        ],
        id="no-withdrawals",
    ),
    pytest.param(
        SIX,
        3,
        {"E02": "withdrawn"},
        [
            ("E01", "advanced", None),
            ("E02", "withdrawn", None),
            ("E03", "advanced", None),
            ("E04", "replacement", "E02"),
            ("E05", "reserve", None),
            ("E06", "reserve", None),
        ],
        id="withdrawal-in-top",
    ),
    # freed places E01, E02, E04 go, in that order, to E06, E07, E08
    pytest.param(
        NINE,
        5,
        {"E01": "disqualified", "E02": "withdrawn", "E04": "withdrawn"},
        [
            ("E01", "disqualified", None),
            ("E02", "withdrawn", None),
            ("E03", "advanced", None),
            ("E04", "withdrawn", None),
            ("E05", "advanced", None),
            ("E06", "replacement", "E01"),
            ("E07", "replacement", "E02"),
            ("E08", "replacement", "E04"),
            ("E09", "reserve", None),
        ],
        id="two-withdrawals-and-a-disqualification",
    ),
    pytest.param(
        SIX,
        3,
        {"E05": "withdrawn"},
        [
            ("E01", "advanced", None),
            ("E02", "advanced", None),
            ("E03", "advanced", None),
            ("E04", "reserve", None),
            ("E05", "withdrawn", None),
            ("E06", "reserve", None),
        ],
        id="reserve-withdraws-no-change",
    ),
    # the first reserve has withdrawn as well, so the second one moves in
    pytest.param(
        SIX,
        3,
        {"E02": "withdrawn", "E04": "withdrawn"},
        [
            ("E01", "advanced", None),
            ("E02", "withdrawn", None),
            ("E03", "advanced", None),
            ("E04", "withdrawn", None),
            ("E05", "replacement", "E02"),
            ("E06", "reserve", None),
        ],
        id="withdrawn-reserve-skipped",
    ),
    # one scored reserve for two freed places: the second freed place stays empty, unscored never advance
    pytest.param(
        (90, 85, 80, 75, None, None),
        3,
        {"E01": "withdrawn", "E02": "withdrawn"},
        [
            ("E01", "withdrawn", None),
            ("E02", "withdrawn", None),
            ("E03", "advanced", None),
            ("E04", "replacement", "E01"),
            ("E05", "unscored", None),
            ("E06", "unscored", None),
        ],
        id="unscored",
    ),
    pytest.param(
        (90, 80, 70),
        5,
        {},
        [("E01", "advanced", None), ("E02", "advanced", None), ("E03", "advanced", None)],
        id="fewer-entries-than-places",
    ),
    pytest.param(
        (90, None),
        5,
        {"E01": "withdrawn"},
        [("E01", "withdrawn", None), ("E02", "unscored", None)],
        id="fewer-entries-unscored-and-withdrawn",
    ),
]


@pytest.mark.parametrize(("values", "places", "status", "expected"), CUT_OFF_CASES)
def test_cut_off(
    values: Sequence[Totals], places: int, status: dict[str, Status], expected: list[tuple[str, str, str | None]]
) -> None:
    ranked = ranking(values)
    outcomes = cut_off(ranked, places, statuses(ranked, status))
    assert [(o.code, o.outcome, o.replaces) for o in outcomes] == expected
    assert [o.rank for o in outcomes] == list(range(1, len(expected) + 1))
    assert all(o.note == "" for o in outcomes)


# expected notes by code; entries not listed have no note
CUT_OFF_TIES = [
    pytest.param(
        (90, 80, 80, 70),
        2,
        {},
        ["advanced", "advanced", "reserve", "reserve"],
        {"E02": "tie at the cut-off with E03, admin to decide", "E03": "tie at the cut-off with E02, admin to decide"},
        id="unresolved-at-cut-off",
    ),
    pytest.param((90, 80, 80, 70), 3, {}, ["advanced", "advanced", "advanced", "reserve"], {}, id="tie-inside-top"),
    # E02 and E03 both mean 80, but E02's highest total is 85
    pytest.param(
        (90, (75, 85), (80, 80), 70), 2, {}, ["advanced", "advanced", "reserve", "reserve"], {}, id="resolved-by-max"
    ),
    # E01 withdraws, so the cut moves down to the E03 | E04 tie
    pytest.param(
        (90, 85, 80, 80),
        2,
        {"E01": "withdrawn"},
        ["withdrawn", "advanced", "replacement", "reserve"],
        {"E03": "tie at the cut-off with E04, admin to decide", "E04": "tie at the cut-off with E03, admin to decide"},
        id="after-replacement",
    ),
    pytest.param(
        (90, 80, 80, 80),
        2,
        {},
        ["advanced", "advanced", "reserve", "reserve"],
        {
            "E02": "tie at the cut-off with E03, E04, admin to decide",
            "E03": "tie at the cut-off with E02, E04, admin to decide",
            "E04": "tie at the cut-off with E02, E03, admin to decide",
        },
        id="three-way",
    ),
]


@pytest.mark.parametrize(("values", "places", "status", "outcomes", "notes"), CUT_OFF_TIES)
def test_cut_off_ties(
    values: Sequence[Totals], places: int, status: dict[str, Status], outcomes: list[str], notes: dict[str, str]
) -> None:
    ranked = ranking(values)
    result = cut_off(ranked, places, statuses(ranked, status))
    assert [o.outcome for o in result] == outcomes
    assert {o.code: o.note for o in result if o.note} == notes


def test_default_places() -> None:
    ranked = ranking([100 - i for i in range(35)])
    result = cut_off(ranked, DEFAULT_PLACES["enterprise"], {})
    assert [o.code for o in result if o.outcome == "advanced"] == codes(1, 30)
    assert [o.code for o in result if o.outcome == "reserve"] == codes(31, 35)
    assert DEFAULT_PLACES == {"enterprise": 30, "startup": 20}


# --- allocate_awards ----------------------------------------------------------------------------------------------

ENTERPRISE_25 = {
    "first": ["E01"],
    "second": codes(2, 4),
    "third": codes(5, 10),
    "excellence": codes(11, 20),
    None: codes(21, 25),
}
STARTUP_15 = {
    "first": ["E01"],
    "second": codes(2, 3),
    "third": codes(4, 6),
    "excellence": codes(7, 12),
    None: codes(13, 15),
}
# E02 withdraws: E03 takes the second second prize and everyone below moves up one tier slot
STARTUP_15_E02_WITHDRAWN = {
    "first": ["E01"],
    "second": ["E03", "E04"],
    "third": codes(5, 7),
    "excellence": codes(8, 13),
    None: ["E02", "E14", "E15"],
}
ENTERPRISE_E01_DISQUALIFIED = {
    "first": ["E02"],
    "second": codes(3, 5),
    "third": codes(6, 11),
    "excellence": codes(12, 21),
    None: ["E01", *codes(22, 25)],
}
AWARD_CASES = [
    pytest.param(25, "enterprise", {}, ENTERPRISE_25, {}, id="enterprise-25"),
    pytest.param(15, "startup", {}, STARTUP_15, {}, id="startup-15"),
    pytest.param(15, "startup", {"E02": "withdrawn"}, STARTUP_15_E02_WITHDRAWN, {"E02": "withdrawn"}, id="withdrawal"),
    pytest.param(
        25,
        "enterprise",
        {"E01": "disqualified"},
        ENTERPRISE_E01_DISQUALIFIED,
        {"E01": "disqualified"},
        id="first-disqualified",
    ),
    pytest.param(
        5, "enterprise", {}, {"first": ["E01"], "second": codes(2, 4), "third": ["E05"]}, {}, id="fewer-than-prizes"
    ),
]


def grouped(awards: Sequence[Award]) -> dict[str | None, list[str]]:
    groups: dict[str | None, list[str]] = {}
    for a in awards:
        groups.setdefault(a.award, []).append(a.code)
    return groups


@pytest.mark.parametrize(("count", "group", "status", "expected", "notes"), AWARD_CASES)
def test_allocate_awards(
    count: int,
    group: str,
    status: dict[str, Status],
    expected: dict[str | None, list[str]],
    notes: dict[str, str],
) -> None:
    ranked = ranking([100 - i for i in range(count)])
    awards = allocate_awards(ranked, DEFAULT_AWARDS[group], statuses(ranked, status))
    assert grouped(awards) == expected
    assert [a.rank for a in awards] == list(range(1, count + 1))
    assert {a.code: a.note for a in awards if a.note} == notes


def test_award_tier_counts() -> None:
    for group, count, sizes in (("enterprise", 25, [1, 3, 6, 10, 5]), ("startup", 15, [1, 2, 3, 6, 3])):
        awards = allocate_awards(ranking([100 - i for i in range(count)]), DEFAULT_AWARDS[group], {})
        assert [len(codes_) for codes_ in grouped(awards).values()] == sizes, group


AWARD_TIES = [
    pytest.param(
        (90, 90, 80, 70),
        {"first": ["E01"], "second": ["E02", "E03"], "third": ["E04"]},
        {
            "E01": "tie across the first/second boundary with E02, admin to decide",
            "E02": "tie across the first/second boundary with E01, admin to decide",
        },
        id="first-second",
    ),
    # the tie is inside the second tier: nothing to decide
    pytest.param(
        (90, 80, 80, 70), {"first": ["E01"], "second": ["E02", "E03"], "third": ["E04"]}, {}, id="inside-a-tier"
    ),
    pytest.param(
        (*(100 - i for i in range(11)), 50, 50, 40),
        {
            "first": ["E01"],
            "second": codes(2, 3),
            "third": codes(4, 6),
            "excellence": codes(7, 12),
            None: ["E13", "E14"],
        },
        {
            "E12": "tie across the excellence/no award boundary with E13, admin to decide",
            "E13": "tie across the excellence/no award boundary with E12, admin to decide",
        },
        id="last-award",
    ),
    pytest.param(
        (90, 80, None, None),
        {"first": ["E01"], "second": ["E02"], None: ["E03", "E04"]},
        {"E03": "unscored", "E04": "unscored"},
        id="unscored",
    ),
]


@pytest.mark.parametrize(("values", "expected", "notes"), AWARD_TIES)
def test_allocate_awards_ties(
    values: Sequence[Totals], expected: dict[str | None, list[str]], notes: dict[str, str]
) -> None:
    awards = allocate_awards(ranking(values), DEFAULT_AWARDS["startup"], {})
    assert grouped(awards) == expected
    assert {a.code: a.note for a in awards if a.note} == notes
