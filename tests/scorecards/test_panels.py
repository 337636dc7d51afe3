"""Conflicts of interest between judges and entries, and the panels planned from them.

The conflict cases are a table of one judge against one fixed entry; the planning tests check the properties
the contest needs (full panels, nobody conflicted, balanced loads, a finance expert each, segment experts)
rather than one particular assignment, except where the answer is forced.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pytest

from scorecards.panels import (
    AssignmentPlan,
    Conflict,
    EntryRef,
    JudgeProfile,
    MemberRef,
    conflicts,
    division_of,
    normalise_city,
    plan_assignments,
)

LUZHOU_USCC = "91510500MA62A1B2CT"  # registered in 泸州 (5105)
LUZHOU_OTHER_USCC = "91510502MA62B1234L"  # another firm, 泸州 江阳区 (510502 → 5105)
CHENGDU_USCC = "91510100MA61X2Y3WC"  # 成都 (5101)

ENTRY = EntryRef(
    submission_id=42,
    code="QY-2025-042",
    group="enterprise",
    applicant="泸州天川三维打印科技股份有限公司",
    uscc=LUZHOU_USCC,
    city="泸州市",
    segment=3,
    members=(MemberRef("张三", "hash-zhang"), MemberRef("李四")),
)


JUDGE = JudgeProfile(judge_id=7, name="王五")


def judge(**fields: Any) -> JudgeProfile:
    """Judge 7, 王五, with nothing in common with ENTRY but ``fields``."""
    return replace(JUDGE, **fields)


# --- conflicts ----------------------------------------------------------------------------------------------------

CONFLICT_CASES = [
    ("declared code", judge(declared=("QY-2025-042",)), ENTRY, {("conflict", "declared", "QY-2025-042")}),
    ("declared applicant, other wording", judge(declared=("天川三维打印科技（泸州）股份有限公司",)), ENTRY,
     {("conflict", "declared", "天川三维打印科技（泸州）股份有限公司")}),
    ("declared something else", judge(declared=("QY-2025-043", "成都天川科技有限公司")), ENTRY, set()),
    ("same USCC", judge(organisation="某某投资管理中心", uscc=LUZHOU_USCC.lower()), ENTRY,
     {("conflict", "uscc", LUZHOU_USCC)}),
    ("same organisation, legal form and region moved", judge(organisation="天川三维打印科技（泸州）股份有限公司"),
     ENTRY, {("conflict", "organisation", "天川三维打印科技（泸州）股份有限公司")}),
    ("same organisation, province prefix and 有限公司", judge(organisation="四川天川三维打印科技有限公司"), ENTRY,
     {("conflict", "organisation", "四川天川三维打印科技有限公司")}),
    ("USCC and organisation both", judge(organisation="泸州天川三维打印科技股份有限公司", uscc=LUZHOU_USCC), ENTRY,
     {("conflict", "uscc", LUZHOU_USCC), ("conflict", "organisation", "泸州天川三维打印科技股份有限公司")}),
    ("same person by id hash, other name written", judge(name="张老三", id_hash="hash-zhang"), ENTRY,
     {("conflict", "member", "张三")}),
    ("same person: no namesake unknown on top", judge(name="张三", city="泸州", id_hash="hash-zhang"), ENTRY,
     {("conflict", "member", "张三")}),
    ("same name, same city", judge(name="李四", city="泸州"), ENTRY, {("unknown", "city_name", "李四 in 泸州")}),
    ("same name with a full-width space", judge(name="李\u3000四", city="四川省泸州市"), ENTRY,
     {("unknown", "city_name", "李四 in 泸州")}),
    ("same name, different city", judge(name="李四", city="成都市"), ENTRY, set()),
    ("same name, no city known", judge(name="李四"), ENTRY, set()),
    ("same name, different ID hashes: two people", judge(name="张三", city="泸州", id_hash="hash-other"), ENTRY, set()),
    ("same name, city from the judge's USCC", judge(name="李四", organisation="泸州老窖", uscc=LUZHOU_OTHER_USCC),
     ENTRY, {("unknown", "city_name", "division 5105")}),
    ("same name, judge's division vs entry's USCC", judge(name="李四", division="510502"),
     replace(ENTRY, city=None), {("unknown", "city_name", "division 5105")}),
    ("same name, divisions differ", judge(name="李四", uscc=CHENGDU_USCC), replace(ENTRY, city=None), set()),
    ("trade name shared in the same city", judge(organisation="泸州天川增材制造有限公司", city="泸州"), ENTRY,
     {("unknown", "city_trade_name", "天川 in 泸州")}),
    ("trade name shared, other city", judge(organisation="成都天川科技有限公司", city="成都"), ENTRY, set()),
    ("trade name shared, city unknown", judge(organisation="泸州天川增材制造有限公司"), ENTRY, set()),
    ("unrelated judge", judge(name="赵六", organisation="四川大学", city="成都", uscc=CHENGDU_USCC), ENTRY, set()),
    ("unrelated judge in the same city", judge(name="赵六", organisation="西南医科大学", city="泸州"), ENTRY, set()),
]


@pytest.mark.parametrize(("profile", "entry", "expected"), [c[1:] for c in CONFLICT_CASES],
                         ids=[c[0] for c in CONFLICT_CASES])
def test_conflicts(profile: JudgeProfile, entry: EntryRef, expected: set[tuple[str, str, str]]) -> None:
    found = conflicts(profile, entry)
    assert {(c.verdict, c.kind) for c in found} == {(verdict, kind) for verdict, kind, _ in expected}
    for verdict, kind, detail in expected:
        (hit,) = [c for c in found if c.kind == kind]
        assert (hit.judge_id, hit.submission_id, hit.verdict) == (7, 42, verdict)
        assert detail in hit.reason, hit.reason


def test_conflict_reasons_read_as_documented() -> None:
    both = judge(declared=("QY-2025-042",), organisation="泸州天川三维打印科技股份有限公司", uscc=LUZHOU_USCC)
    assert [c.reason for c in conflicts(both, ENTRY)] == [
        "declared code QY-2025-042",
        f"same USCC {LUZHOU_USCC}",
        "same organisation 泸州天川三维打印科技股份有限公司",
    ]
    assert conflicts(judge(id_hash="hash-zhang"), ENTRY) == [Conflict(7, 42, "conflict", "team member 张三", "member")]


@pytest.mark.parametrize(("code", "expected"), [
    (LUZHOU_USCC, "5105"),
    (LUZHOU_OTHER_USCC, "5105"),
    (CHENGDU_USCC, "5101"),
    ("9151 0500 ma62 a1b2 ct", "5105"),  # spacing and case as typed
    ("91510500MA62A1B2CX", "5105"),  # a wrong check character still says where it was registered
    ("9151X500MA62A1B2CT", None),  # letters where the division belongs
    ("91510500", None),
    ("", None),
    (None, None),
])
def test_division_of(code: str | None, expected: str | None) -> None:
    assert division_of(code) == expected


@pytest.mark.parametrize(("city", "expected"), [
    ("泸州", "泸州"), ("泸州市", "泸州"), ("四川省泸州市", "泸州"), ("四川省泸州市江阳区", "泸州"),
    (" 泸州 市 ", "泸州"), ("ＬＵＺＨＯＵ", "luzhou"),
    ("凉山彝族自治州", "凉山"), ("凉山州", "凉山"), ("阿坝藏族羌族自治州", "阿坝"), ("阿里地区", "阿里"),
    ("杭州", "杭州"), ("广西壮族自治区南宁市", "南宁"), ("", ""), (None, ""),
])
def test_normalise_city(city: str | None, expected: str) -> None:
    assert normalise_city(city) == expected


# --- planning: a 12 × 8 contest -----------------------------------------------------------------------------------

# Six industry experts covering segments 1–7 twice over, two finance experts without segments.
JUDGES = (
    JudgeProfile(1, "周一", organisation="泸州天川三维打印科技股份有限公司", city="泸州", segments=(1, 2)),
    JudgeProfile(2, "吴二", city="成都", segments=(2, 3), id_hash="hash-wu"),
    JudgeProfile(3, "郑三", city="绵阳", segments=(3, 4)),
    JudgeProfile(4, "冯四", city="德阳", segments=(4, 5)),
    JudgeProfile(5, "陈五", city="成都", segments=(5, 6)),
    JudgeProfile(6, "褚六", city="宜宾", segments=(6, 7, 1)),
    JudgeProfile(7, "卫七", city="成都", expertise="finance", declared=("QY-104",)),
    JudgeProfile(8, "蒋八", city="重庆", expertise="finance"),
)


def contest_entries() -> tuple[EntryRef, ...]:
    """Twelve entries over segments 1–6, four of them with a conflict or an unknown."""
    entries = [
        EntryRef(100 + i, f"QY-{100 + i}", "enterprise", f"某{i}增材科技有限公司", city="成都", segment=1 + i % 6,
                 members=(MemberRef(f"成员{i}"),))
        for i in range(12)
    ]
    # judge 1 works at entry 101, judge 2 is on 102's team, judge 3 has a namesake on 103's in his city
    entries[1] = replace(entries[1], applicant="天川三维打印科技（泸州）股份有限公司", city="泸州")
    entries[2] = replace(entries[2], members=(MemberRef("吴二", "hash-wu"),))
    entries[3] = replace(entries[3], city="绵阳", members=(MemberRef("郑三"),))
    return tuple(entries)


def blocked_pairs(plan: AssignmentPlan) -> set[tuple[int, int]]:
    return {(c.submission_id, c.judge_id) for c in plan.conflicts}


def segment_matches(plan: AssignmentPlan, entries: Sequence[EntryRef], judges: Sequence[JudgeProfile]) -> int:
    segments = {j.judge_id: j.segments for j in judges}
    return sum(e.segment in segments[jid] for e in entries for jid in plan.assignments[e.submission_id])


def assigned_pairs(assignments: Mapping[int, Sequence[int]]) -> set[tuple[int, int]]:
    return {(sid, jid) for sid, jids in assignments.items() for jid in jids}


def test_contest_conflicts_are_all_found() -> None:
    plan = plan_assignments(contest_entries(), JUDGES)
    assert {(c.submission_id, c.judge_id, c.verdict, c.kind) for c in plan.conflicts} == {
        (101, 1, "conflict", "organisation"),
        (102, 2, "conflict", "member"),
        (103, 3, "unknown", "city_name"),
        (104, 7, "conflict", "declared"),
    }


def test_contest_panels() -> None:
    entries = contest_entries()
    plan = plan_assignments(entries, JUDGES, per_project=5)
    finance = {j.judge_id for j in JUDGES if j.expertise == "finance"}

    assert set(plan.assignments) == {e.submission_id for e in entries}
    assert all(len(jids) == 5 and list(jids) == sorted(set(jids)) for jids in plan.assignments.values())
    assert plan.shortfalls == {}
    assert not assigned_pairs(plan.assignments) & blocked_pairs(plan)  # the unknown (103, 3) included
    assert sum(plan.loads.values()) == 60 and set(plan.loads) == {j.judge_id for j in JUDGES}
    assert max(plan.loads.values()) - min(plan.loads.values()) <= 1
    assert all(set(jids) & finance for jids in plan.assignments.values())
    assert plan.assignments[104][-1] == 8  # judge 7 declared QY-104: the other finance expert is the one


def test_contest_prefers_segment_experts() -> None:
    entries = contest_entries()
    plan = plan_assignments(entries, JUDGES)
    for entry in entries:
        experts = {j.judge_id for j in JUDGES if entry.segment in j.segments}
        assert set(plan.assignments[entry.submission_id]) & experts, entry.code
    # The same contest planned without segments is the segment-blind baseline.
    blind = plan_assignments([replace(e, segment=None) for e in entries], JUDGES)
    assert max(blind.loads.values()) - min(blind.loads.values()) <= 1
    assert segment_matches(plan, entries, JUDGES) > segment_matches(blind, entries, JUDGES)


def test_finance_quota_of_two() -> None:
    judges = (*JUDGES, JudgeProfile(9, "沈九", expertise="finance"))
    plan = plan_assignments(contest_entries(), judges, finance_per_project=2)
    finance = {j.judge_id for j in judges if j.expertise == "finance"}
    assert all(len(set(jids) & finance) >= 2 for jids in plan.assignments.values())
    assert plan.shortfalls == {}


def test_no_finance_experts_panels_still_filled() -> None:
    industry = [j for j in JUDGES if j.expertise == "industry"]
    plan = plan_assignments(contest_entries()[4:], industry, per_project=4)
    assert all(len(jids) == 4 for jids in plan.assignments.values())


def test_determinism_whatever_the_input_order() -> None:
    entries = contest_entries()
    first = plan_assignments(entries, JUDGES)
    assert plan_assignments(entries, JUDGES) == first
    assert plan_assignments(entries[::-1], JUDGES[::-1]) == first


# --- planning: shortfalls, limits, existing panels ----------------------------------------------------------------


def test_shortfall_when_too_few_eligible_judges() -> None:
    entries = [
        EntryRef(1, "QY-1", "enterprise", "某甲科技有限公司"),
        EntryRef(2, "QY-2", "startup", "某乙科技有限公司"),
    ]
    judges = [
        JudgeProfile(1, "甲", declared=("QY-1",)),
        JudgeProfile(2, "乙", declared=("QY-1", "QY-2")),
        JudgeProfile(3, "丙", expertise="finance"),
    ]
    plan = plan_assignments(entries, judges)
    assert plan.assignments == {1: (3,), 2: (1, 3)}
    assert plan.shortfalls == {1: 4, 2: 3}


def test_entry_nobody_may_judge() -> None:
    entry = EntryRef(1, "QY-1", "enterprise", "某甲科技有限公司")
    plan = plan_assignments([entry], [JudgeProfile(1, "甲", declared=("QY-1",))], per_project=3)
    assert plan.assignments == {1: ()}
    assert plan.shortfalls == {1: 3}
    assert plan.loads == {1: 0}


def test_max_load_respected() -> None:
    entries = [EntryRef(i, f"QY-{i}", "enterprise", f"某{i}科技有限公司") for i in range(1, 7)]
    judges = [JudgeProfile(1, "甲", max_load=1), JudgeProfile(2, "乙", max_load=2, expertise="finance"),
              *(JudgeProfile(j, f"评委{j}") for j in range(3, 6))]
    plan = plan_assignments(entries, judges, per_project=3)
    assert plan.loads[1] <= 1 and plan.loads[2] <= 2
    assert plan.shortfalls == {}
    assert sum(plan.loads.values()) == 18


def test_max_load_leaves_a_shortfall() -> None:
    entries = [EntryRef(i, f"QY-{i}", "enterprise", f"某{i}科技有限公司") for i in range(1, 4)]
    judges = [JudgeProfile(j, f"评委{j}", max_load=2) for j in range(1, 4)]
    plan = plan_assignments(entries, judges, per_project=3)
    assert plan.loads == {1: 2, 2: 2, 3: 2}
    # The shortage is spread: every entry gets two judges rather than one entry none.
    assert all(len(jids) == 2 for jids in plan.assignments.values())
    assert plan.shortfalls == {1: 1, 2: 1, 3: 1}


def test_existing_assignments_kept_and_conflicted_ones_dropped() -> None:
    entries = contest_entries()
    # Judge 1 already holds six panels, more than a balanced plan would give, and beyond his max_load;
    # judge 1 on 101 is now conflicted, judge 99 has left the panel.
    existing = {100: [1, 8], 101: [1], 102: [1, 99], 104: [1], 105: [1], 106: [1], 107: [1]}
    judges = tuple(replace(j, max_load=4) if j.judge_id == 1 else j for j in JUDGES)
    plan = plan_assignments(entries, judges, existing=existing)
    kept = {(sid, jid) for sid, jids in existing.items() for jid in jids} - {(101, 1), (102, 99)}
    assert kept <= assigned_pairs(plan.assignments)
    assert plan.dropped == ((1, 101), (99, 102))
    assert 1 not in plan.assignments[101]
    assert plan.loads[1] == 6  # the existing six kept, nothing new beyond max_load
    assert all(len(jids) == 5 for jids in plan.assignments.values())


def test_existing_panel_larger_than_needed_is_kept() -> None:
    entry = EntryRef(1, "QY-1", "enterprise", "某甲科技有限公司")
    judges = [JudgeProfile(j, f"评委{j}") for j in range(1, 5)]
    plan = plan_assignments([entry], judges, per_project=2, existing={1: [1, 2, 3]})
    assert plan.assignments == {1: (1, 2, 3)}
    assert plan.shortfalls == {}


def test_unknown_is_assigned_only_once_cleared() -> None:
    entry = EntryRef(1, "QY-1", "enterprise", "某甲科技有限公司", city="泸州", members=(MemberRef("郑三"),))
    judges = [JudgeProfile(j, f"评委{j}") for j in range(1, 5)] + [JudgeProfile(5, "郑三", city="泸州")]
    assert plan_assignments([entry], judges).assignments == {1: (1, 2, 3, 4)}
    assert plan_assignments([entry], judges, existing={1: [5]}).dropped == ((5, 1),)
    cleared = plan_assignments([entry], judges, cleared={(5, 1)})
    assert cleared.assignments == {1: (1, 2, 3, 4, 5)}
    assert [c.kind for c in cleared.conflicts] == ["city_name"]  # still reported


def test_cleared_never_lifts_a_conflict() -> None:
    entry = EntryRef(1, "QY-1", "enterprise", "某甲科技有限公司")
    plan = plan_assignments([entry], [JudgeProfile(1, "甲", declared=("QY-1",))], cleared={(1, 1)})
    assert plan.assignments == {1: ()}


@pytest.mark.parametrize(("entries", "judges", "options"), [
    ([EntryRef(1, "A", "g", "x"), EntryRef(1, "B", "g", "y")], [JudgeProfile(1, "甲")], {}),
    ([EntryRef(1, "A", "g", "x")], [JudgeProfile(1, "甲"), JudgeProfile(1, "乙")], {}),
    ([EntryRef(1, "A", "g", "x")], [JudgeProfile(1, "甲")], {"per_project": 0}),
    ([EntryRef(1, "A", "g", "x")], [JudgeProfile(1, "甲")], {"finance_per_project": -1}),
])
def test_bad_input(entries: list[EntryRef], judges: list[JudgeProfile], options: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        plan_assignments(entries, judges, **options)


# --- planning at contest scale ------------------------------------------------------------------------------------


def large_contest(seed: int = 2025) -> tuple[list[EntryRef], list[JudgeProfile]]:
    """300 entries × 40 judges (8 finance), with conflicts and namesakes sprinkled in."""
    rng = random.Random(seed)
    cities = ("成都", "泸州", "绵阳", "德阳", "宜宾", "深圳", "西安")
    judges = [
        JudgeProfile(
            j, f"评委{j}", organisation=f"第{j}研究院", city=rng.choice(cities),
            segments=() if j > 32 else tuple(sorted(rng.sample(range(1, 8), 2))),
            expertise="finance" if j > 32 else "industry",
            declared=tuple(f"QY-{rng.randrange(300)}" for _ in range(2)),
        )
        for j in range(1, 41)
    ]
    entries = [
        EntryRef(
            s, f"QY-{s}", "enterprise" if s % 3 else "startup",
            f"第{rng.randrange(1, 41)}研究院" if s % 17 == 0 else f"企业{s}增材科技有限公司",
            city=rng.choice(cities), segment=rng.randrange(1, 8),
            members=(MemberRef(f"评委{rng.randrange(1, 41)}"), MemberRef(f"队员{s}")),
        )
        for s in range(300)
    ]
    return entries, judges


def test_large_contest() -> None:
    entries, judges = large_contest()
    plan = plan_assignments(entries, judges)
    assert {c.kind for c in plan.conflicts} == {"declared", "organisation", "city_name"}
    assert len(plan.conflicts) > 100
    assert plan.shortfalls == {}
    assert not assigned_pairs(plan.assignments) & blocked_pairs(plan)
    assert sum(plan.loads.values()) == 1500
    assert max(plan.loads.values()) - min(plan.loads.values()) <= 1
    finance = {j.judge_id for j in judges if j.expertise == "finance"}
    assert all(set(jids) & finance for jids in plan.assignments.values())
    blind = plan_assignments([replace(e, segment=None) for e in entries], judges)
    assert segment_matches(plan, entries, judges) > segment_matches(blind, entries, judges)
    assert plan_assignments(entries[::-1], judges[::-1]) == plan
