"""Registrations (报名信息) for generated plans, clean or with one injected eligibility violation.

The eligibility checker compares what an entrant registered with what its documents say and with
the contest rules. To measure it we need registrations whose correct outcome is known: this module
builds, for a ``Plan`` from ``api.demo.plans``, a registration record in the national platform's JSON
Lines shape that agrees with the plan's own text (company, USCC, registration date, headcount, latest
actual revenue, core team), and optionally breaks exactly one rule. Each ``Entry`` carries its ground
truth: for every rule, the status the checker should give and the statuses that count as correct.

Where a violation lives in the document as well (a start-up registered too early, a large enterprise,
patents held by a university), the document is rendered from a modified *copy* of the plan, so that
registration and document still agree and only the intended rule breaks. ``build_set`` assembles a
whole evaluation set (including past top-list CSVs and the person shared by two teams) from one seed.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from api.demo.plans import (
    DEGREES,
    POSITIONS,
    REGIONS,
    SEGMENTS,
    UNIVERSITIES,
    Group,
    Plan,
    PlanSection,
    fmt_date,
    fmt_money,
    make_plan,
    make_uscc,
    person_name,
)
from ingest.codes import uscc_check_character
from ingest.identity import check_character

Status = Literal["pass", "fail", "unknown", "skipped"]
FileFormat = Literal["pdf", "docx"]

CONTEST: dict[str, Any] = {"kind": "thematic", "name": "增材制造专题赛", "edition": 11, "year": 2026, "region": None}
DEADLINE = date(2026, 6, 30)  # reference date of the start-up group's "less than two years old"
STARTUP_EARLIEST = date(2024, 1, 1)

VIOLATIONS = ("startup_age", "sme_size", "uscc_valid", "registration_consistent", "core_team_size",
              "one_team_per_person", "past_top_lists", "credit_record", "on_market", "ip_ownership",
              "documents_complete")
RULES = (*VIOLATIONS, "segment_fit")
# Rules that read the documents: with no readable plan they may only say "unknown" (or skip).
DOCUMENT_RULES = ("registration_consistent", "ip_ownership", "on_market", "segment_fit")

OK: frozenset[str] = frozenset({"pass", "skipped"})
FLAGGED: frozenset[str] = frozenset({"fail", "unknown"})

# Variants of each injected violation: the preferred status, then the statuses that count as caught.
VARIANTS: dict[str, dict[str, tuple[Status, frozenset[str]]]] = {
    "startup_age": {"before_2024": ("fail", frozenset({"fail"})), "dec_31_2023": ("fail", frozenset({"fail"})),
                    "over_two_years": ("fail", frozenset({"fail"})), "exactly_two_years": ("fail", FLAGGED)},
    "sme_size": {"large": ("fail", frozenset({"fail"})), "boundary": ("fail", frozenset({"fail"}))},
    "uscc_valid": {"check_char": ("unknown", FLAGGED), "not_91": ("unknown", FLAGGED)},
    "registration_consistent": {f: ("unknown", FLAGGED) for f in
                                ("name", "uscc", "registered_on", "employees", "revenue")},
    "core_team_size": {"eight": ("fail", frozenset({"fail"})), "ten": ("fail", frozenset({"fail"}))},
    "one_team_per_person": {"shared": ("fail", FLAGGED)},
    "past_top_lists": {f: ("unknown", FLAGGED) for f in ("exact", "brackets", "region", "joint_stock")},
    "credit_record": {"abnormal_operation": ("fail", frozenset({"fail"}))},
    "on_market": {"declared_false": ("unknown", FLAGGED)},
    "ip_ownership": {"university_all": ("unknown", FLAGGED), "university_some": ("unknown", FLAGGED),
                     "other_company": ("unknown", FLAGGED)},
    "documents_complete": {"missing": ("fail", FLAGGED), "no_files": ("fail", FLAGGED),
                           "one_byte": ("fail", FLAGGED), "corrupt": ("fail", FLAGGED),
                           "not_a_plan": ("fail", FLAGGED)},
}
# Clean registrations that sit near a rule's edge: every rule should still pass.
CLEAN_VARIANTS = ("plain", "holder_self", "sme_medium", "old_list", "namesake", "non_core_extra", "software")

# Which applicants a violation (or clean variant) can be injected into.
_NEEDS: dict[str, tuple[tuple[Group, ...], str]] = {  # (groups, "company" | "team" | "any")
    "startup_age": (("startup",), "company"), "sme_size": (("enterprise",), "company"),
    "uscc_valid": (("enterprise", "startup"), "company"), "registration_consistent": (("enterprise", "startup"), "any"),
    "core_team_size": (("startup",), "any"), "one_team_per_person": (("startup",), "any"),
    "past_top_lists": (("enterprise", "startup"), "company"), "credit_record": (("enterprise", "startup"), "company"),
    "on_market": (("enterprise",), "company"), "ip_ownership": (("enterprise", "startup"), "company"),
    "documents_complete": (("enterprise", "startup"), "any"),
    "plain": (("enterprise", "startup"), "any"), "holder_self": (("enterprise", "startup"), "company"),
    "sme_medium": (("enterprise",), "company"), "old_list": (("enterprise",), "company"),
    "namesake": (("startup",), "any"), "non_core_extra": (("startup",), "any"),
    "software": (("enterprise",), "company"),
}


@dataclass(frozen=True)
class Expectation:
    """Ground truth of one rule on one registration: the preferred status and all statuses counted correct."""

    expected: Status
    accepted: frozenset[str]

    @property
    def violated(self) -> bool:
        return self.expected in FLAGGED


@dataclass(frozen=True)
class Listing:
    """One row for a past top-list CSV: the list's year and group, and the entry as the list names it."""

    year: int
    group: Group
    name: str
    project: str
    region: str


@dataclass
class Entry:
    """One generated registration with the document behind it and its ground truth.

    ``document`` is the plan as rendered into the file (a modified copy where the violation needs
    it); ``file_problem`` says how the file on disk deviates from a plain rendering.
    """

    registration: dict[str, Any]
    plan: Plan
    document: Plan
    file_format: FileFormat
    violation: str | None
    variant: str
    expect: dict[str, Expectation]
    file_problem: str | None = None
    listings: list[Listing] = field(default_factory=list)
    seed: str = ""

    @property
    def id(self) -> str:
        return str(self.registration["id"])

    @property
    def expected_verdict(self) -> str:
        statuses = {e.expected for e in self.expect.values()}
        return "ineligible" if "fail" in statuses else "needs_review" if "unknown" in statuses else "eligible"

    def files(self) -> dict[str, bytes]:
        """The files to put in the folder, by name (a "missing" file is named but absent)."""
        from api.demo.render import render_docx, render_pdf

        names = self.registration["files"]
        if not names or self.file_problem == "missing":
            return {}
        rng = random.Random(f"{self.seed}/file")
        if self.file_problem == "one_byte":
            data = b"%"
        elif self.file_problem == "corrupt":
            head = b"%PDF-1.4\n" if self.file_format == "pdf" else b"PK\x03\x04"
            data = head + rng.randbytes(4000)
        elif self.file_format == "pdf":
            data = render_pdf(self.document)
        else:
            data = render_docx(self.document, heading_styles=rng.random() < 0.5)
        return {names[0]: data}

    def truth(self) -> dict[str, Any]:
        """The ground truth as JSON (kept next to the registrations for inspection)."""
        return {"id": self.id, "violation": self.violation, "variant": self.variant,
                "verdict": self.expected_verdict, "file_problem": self.file_problem,
                "rules": {rule: {"expected": e.expected, "accepted": sorted(e.accepted)}
                          for rule, e in self.expect.items()}}


# --------------------------------------------------------------------------------------------
# Reading a plan: the facts a consistent registration repeats
# --------------------------------------------------------------------------------------------

_STAFF = re.compile(r"(?:共有|现有|全职)员工(\d+)人")


def find_section(plan: Plan, title: str) -> PlanSection | None:
    """The first section whose heading ends with ``title`` (numbering such as "（一）" ignored)."""
    return next((s for s in plan.sections if s.heading.endswith(title)), None)


def plan_team(plan: Plan) -> list[list[str]]:
    """Rows (name, position, degree, bio) of the plan's core-team table."""
    section = find_section(plan, "核心团队")
    return [list(row) for row in section.tables[0][1:]] if section and section.tables else []


def plan_staff(plan: Plan) -> int | None:
    """The headcount the plan states ("公司共有员工120人"), if it states one."""
    match = _STAFF.search(plan.source_text())
    return int(match[1]) if match else None


def _finance_rows(plan: Plan) -> list[list[str]]:
    section = find_section(plan, "财务预测")
    return section.tables[0] if section and section.tables else []


def _number(cell: str) -> float:
    return float(cell.replace(",", ""))


def _latest_actual_column(table: list[list[str]]) -> int:
    labels = table[1]
    return max(i for i, label in enumerate(labels) if i > 0 and "预测" not in label)


def plan_revenue(plan: Plan) -> float | None:
    """Revenue in 万元 of the latest year in the finance table that is not a forecast."""
    table = _finance_rows(plan)
    row = next((r for r in table if r[0] == "营业收入"), None)
    return _number(row[_latest_actual_column(table)]) if row else None


def _region_prefix(plan: Plan) -> str:
    """The region the company name carries, "四川" in 四川锐熔… or "成都" in 锐熔增材（成都）科技有限公司."""
    bracket = re.search(r"（(.+?)）", plan.company)
    if bracket:
        return bracket[1]
    return next((prefix for prefix, *_ in REGIONS if plan.company.startswith(prefix)), "")


def company_key(name: str) -> str:
    """A company name without region, brackets and legal form: used to keep generated companies distinct."""
    key = re.sub(r"[（(].*?[)）]", "", name)
    for prefix in sorted({p for p, *_ in REGIONS}, key=len, reverse=True):
        key = key.removeprefix(prefix)
    return re.sub(r"(股份)?有限(责任)?公司$", "", key)


# --------------------------------------------------------------------------------------------
# Identifiers
# --------------------------------------------------------------------------------------------


def make_id_number(rng: random.Random, area: str | None = None) -> str:
    """A GB 11643 resident ID number: area code, birth date (1966–2002), sequence, MOD 11-2 check."""
    area = area or rng.choice(REGIONS)[3]
    born = date(1966, 1, 1) + timedelta(days=rng.randint(0, 13140))
    body = f"{area}{born:%Y%m%d}{rng.randint(1, 999):03d}"
    return body + check_character(body)


def _bad_check_uscc(uscc: str) -> str:
    """The same code with another, wrong check character."""
    right = uscc[17]
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    wrong = charset[(charset.index(right) + 7) % len(charset)]
    return uscc[:17] + wrong


def _not_91_uscc(uscc: str, rng: random.Random) -> str:
    """A well-formed code with a non-enterprise prefix (92 个体工商户, 93 合作社, 12 事业单位, 52 民办非企业)."""
    body = rng.choice(("92", "93", "12", "52")) + uscc[2:17]
    return body + uscc_check_character(body)


# --------------------------------------------------------------------------------------------
# Document variants: modified copies of a plan (plans.py generation is never changed)
# --------------------------------------------------------------------------------------------


def _map_text(plan: Plan, change: Callable[[str], str]) -> Plan:
    """A copy of the plan with ``change`` applied to every heading, paragraph and table cell."""
    result = copy.deepcopy(plan)
    for section in result.sections:
        section.heading = change(section.heading)
        section.paragraphs = [change(p) for p in section.paragraphs]
        section.tables = [[[change(c) for c in row] for row in table] for table in section.tables]
    return result


def with_uscc(plan: Plan, uscc: str) -> Plan:
    """The plan stating another USCC on its cover (and wherever else it is written)."""
    old = plan.uscc or ""
    result = _map_text(plan, lambda text: text.replace(old, uscc))
    result.uscc = uscc
    return result


def with_registered_on(plan: Plan, registered_on: date) -> Plan:
    """The plan stating another founding date (公司简介 and the first milestone)."""
    old = fmt_date(plan.registered_on)
    result = _map_text(plan, lambda text: text.replace(old, fmt_date(registered_on)))
    result.registered_on = registered_on
    return result


_AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)(万元|亿元)")


def with_size(plan: Plan, staff: int, revenue: float) -> Plan:
    """The plan of a bigger (or smaller) company: headcount and every finance figure scaled together.

    The latest actual revenue in the finance table becomes exactly ``revenue``; profit, R&D and the
    forecasts are scaled by the same factor, and so are the amounts quoted in 公司简介 and 财务分析
    (each mapped to the table figure it was written from, so text and table still agree).
    """
    result = copy.deepcopy(plan)
    old_staff = plan_staff(plan) or staff
    table = _finance_rows(result)
    column = _latest_actual_column(table)
    factor = revenue / _number(next(r for r in table if r[0] == "营业收入")[column])
    known: list[float] = []
    for row in table:
        if row[0] in ("营业收入", "净利润", "研发投入"):
            known += [_number(c) for c in row[1:]]
            row[1:] = [f"{_number(c) * factor:,.1f}" for c in row[1:]]
            if row[0] == "营业收入":
                row[column] = f"{revenue:,.1f}"

    def amount(match: re.Match[str]) -> str:
        if match.string[max(0, match.start() - 4):match.start()].endswith("注册资本"):
            return match[0]
        value = _number(match[1]) * (10000 if match[2] == "亿元" else 1)
        tolerance = 500.0 if match[2] == "亿元" else 0.6
        nearest = min(known, key=lambda k: abs(abs(k) - value))
        return fmt_money((abs(nearest) if abs(abs(nearest) - value) <= tolerance else value) * factor)

    def people(text: str) -> str:
        text = re.sub(r"员工(\d+)人", lambda m: f"员工{staff if int(m[1]) == old_staff else m[1]}人", text)
        return re.sub(r"研发人员(\d+)人", lambda m: f"研发人员{max(3, int(m[1]) * staff // old_staff)}人", text)

    in_finance = False
    for section in result.sections:
        in_finance = (section.level == 1 and section.heading.endswith("财务分析")) or (in_finance and section.level > 1)
        section.paragraphs = [people(p) for p in section.paragraphs]
        if in_finance or section.heading.endswith("公司简介"):
            section.paragraphs = [_AMOUNT.sub(amount, p) for p in section.paragraphs]
    return result


def with_team(plan: Plan, rows: list[list[str]]) -> Plan:
    """The plan with another core-team table (and the "核心团队共N人" sentence to match)."""
    result = copy.deepcopy(plan)
    section = find_section(result, "核心团队")
    assert section is not None and section.tables
    section.tables[0] = [section.tables[0][0], *rows]
    core = f"核心团队共{len(rows)}人"
    for s in result.sections:
        s.paragraphs = [re.sub(r"核心团队共\d+人", core, p) for p in s.paragraphs]
    return result


def with_patent_holders(plan: Plan, holder_of: Callable[[int], str]) -> Plan:
    """The plan whose patent table gains a 专利权人 column (``holder_of(i)`` names the holder of row i) and
    whose software-copyright table gains a 著作权人 column naming the company, so every IP item has a holder."""
    result = copy.deepcopy(plan)
    columns = (("专利清单", "专利权人", holder_of), ("软件著作权", "著作权人", lambda i: plan.company))
    for title, column, holder in columns:
        section = find_section(result, title)
        assert section is not None and section.tables
        table = section.tables[0]
        section.tables[0] = [[*table[0], column], *([*row, holder(i)] for i, row in enumerate(table[1:]))]
    return result


def not_a_plan(plan: Plan) -> Plan:
    """A short explanatory letter instead of a business plan: none of the plan's sections are there."""
    letter = [
        f"{plan.company}现就第十一届“创客中国”增材制造专题赛报名材料说明如下：",
        "我单位商业计划书正在根据专家意见进行修改完善，修改稿将在报名截止日前补充提交。",
        "本说明仅作为报名材料的临时占位文件，不包含项目的技术、市场、团队和财务等内容。",
        "特此说明。",
        "2026年4月20日",
    ]
    return Plan("关于参赛材料的情况说明", plan.company, plan.segment, plan.group, plan.uscc, plan.registered_on,
                [PlanSection("关于参赛材料的情况说明", 0, letter)])


def _extra_member(rng: random.Random, plan: Plan, taken: set[str]) -> list[str]:
    """A further core-team row written for this module: name, position, degree, one-sentence bio."""
    name = person_name(rng)
    while name in taken:
        name = person_name(rng)
    taken.add(name)
    position = rng.choice((*POSITIONS[1:], "工艺工程师", "应用工程师", "算法工程师", "销售经理"))
    degree = rng.choice(DEGREES)
    keyword = rng.choice(SEGMENTS[plan.segment].keyword)
    bio = f"{rng.choice(UNIVERSITIES)}{degree}，从事{keyword}相关工作{rng.randint(3, 15)}年，负责项目的具体实施。"
    return [name, position, degree, bio]


# --------------------------------------------------------------------------------------------
# One registration
# --------------------------------------------------------------------------------------------


def _shifted_date(rng: random.Random, plan: Plan) -> date:
    """Another plausible founding date for the same group, at least 90 days from the real one."""
    low, high = (date(2024, 7, 1), date(2025, 12, 31)) if plan.group == "startup" else (
        date(2009, 1, 1), date(2022, 12, 31))
    while True:
        candidate = low + timedelta(days=rng.randint(0, (high - low).days))
        if abs((candidate - plan.registered_on).days) >= 90:
            return candidate


def _too_old(rng: random.Random, variant: str) -> date:
    if variant == "dec_31_2023":
        return date(2023, 12, 31)
    if variant == "exactly_two_years":
        return date(DEADLINE.year - 2, DEADLINE.month, DEADLINE.day)
    if variant == "over_two_years":
        return date(2024, 1, 2) + timedelta(days=rng.randint(0, 175))  # 2024-01-02 … 2024-06-25
    return date(2020, 3, 1) + timedelta(days=rng.randint(0, 1360))  # 2020-03 … 2023-11


def _other_company_name(rng: random.Random, plan: Plan) -> str:
    """A different company name in the plan's style (another core name): not a variant of the real one."""
    key = company_key(plan.company)
    for _ in range(100):
        other = make_plan(plan.segment, rng.randint(10**6, 10**7), group="enterprise").company
        if company_key(other) != key:
            return other
    raise RuntimeError("no distinct company name found")


def _name_variant(plan: Plan, variant: str) -> str:
    """How a past list may spell the company: the same, other brackets, the region moved, or 股份有限公司."""
    name = plan.company
    if variant == "brackets":  # half-width brackets, around the region moved into the name if need be
        moved = name if "（" in name else _name_variant(plan, "region")
        return moved.replace("（", "(").replace("）", ")")
    if variant == "region":
        region = _region_prefix(plan)
        if f"（{region}）" in name:
            return region + name.replace(f"（{region}）", "")
        core = name.removeprefix(region)
        form = next(f for f in ("科技股份有限公司", "科技有限公司", "技术有限公司", "股份有限公司", "有限公司")
                    if core.endswith(f))
        return f"{core[: -len(form)]}（{region}）{form}"
    if variant == "joint_stock":
        return name.replace("股份有限公司", "有限公司") if "股份有限公司" in name else name.replace(
            "有限公司", "股份有限公司")
    return name


def _expectations(violation: str | None, variant: str) -> dict[str, Expectation]:
    expect = {rule: Expectation("pass", OK) for rule in RULES}
    if violation is None:
        return expect
    preferred, accepted = VARIANTS[violation][variant]
    expect[violation] = Expectation(preferred, accepted)
    if violation == "documents_complete":  # nothing readable: the document rules may only ask a person
        for rule in DOCUMENT_RULES:
            expect[rule] = Expectation("pass", OK | {"unknown"})
    return expect


@dataclass
class _Draft:
    """A registration being built: what the injectors change before it is frozen into an ``Entry``."""

    plan: Plan
    variant: str
    rng: random.Random
    applicant: dict[str, Any]
    rows: list[list[str]]  # core-team table rows (name, position, degree, bio)
    ids: list[str]
    document: Plan
    on_market: bool
    area: str | None
    extra: list[dict[str, Any]] = field(default_factory=list)  # non-core members
    listings: list[Listing] = field(default_factory=list)
    file_problem: str | None = None
    shared_member: dict[str, Any] | None = None
    namesake: str | None = None


def _draft(plan: Plan, variant: str, rng: random.Random) -> _Draft:
    """The clean registration: everything as the plan states it."""
    company = plan.uscc is not None
    area = plan.uscc[2:8] if plan.uscc else None
    rows = plan_team(plan)
    revenue = plan_revenue(plan)
    applicant: dict[str, Any] = {
        "kind": "company" if company else "team", "name": plan.company, "uscc": plan.uscc,
        "registered_on": plan.registered_on.isoformat() if company else None,
        "industry": "软件和信息技术服务业" if variant == "software" else "工业",
        "employees": plan_staff(plan) if company else None, "revenue_10k_cny": revenue if company else None,
        "assets_10k_cny": round((revenue or 0) * rng.uniform(0.9, 2.2), 1) if company else None,
        "credit_flags": [],
    }
    ids = [make_id_number(rng, area if rng.random() < 0.6 else None) for _ in rows]
    return _Draft(plan, variant, rng, applicant, rows, ids, plan, plan.group == "enterprise" or company, area)


def _inject_startup_age(d: _Draft) -> None:
    d.document = with_registered_on(d.plan, _too_old(d.rng, d.variant))
    d.applicant["registered_on"] = d.document.registered_on.isoformat()


def _inject_size(d: _Draft) -> None:
    """A large enterprise (or, for the clean ``sme_medium``, one with over 1000 people that is still medium)."""
    if d.variant == "boundary":
        staff, revenue = 1000, 40000.0
    elif d.variant == "large":
        staff, revenue = d.rng.randint(1000, 2600), round(d.rng.uniform(40500, 95000), 1)
    else:  # over 1000 people but under 40000万: medium, so still an SME (facts.md §1.1 worked example)
        staff, revenue = d.rng.randint(1001, 1990), round(d.rng.uniform(20000, 39500), 1)
    d.document = with_size(d.plan, staff, revenue)
    d.applicant.update(employees=staff, revenue_10k_cny=revenue,
                       assets_10k_cny=round(revenue * d.rng.uniform(0.9, 1.8), 1))


def _inject_uscc(d: _Draft) -> None:
    uscc = d.plan.uscc or ""
    bad = _bad_check_uscc(uscc) if d.variant == "check_char" else _not_91_uscc(uscc, d.rng)
    d.document = with_uscc(d.plan, bad)
    d.applicant["uscc"] = bad


def _inject_inconsistency(d: _Draft) -> None:
    """One registration field differs from the document (a team has only its name to differ in)."""
    plan, rng, applicant = d.plan, d.rng, d.applicant
    if plan.uscc is None:
        d.variant = "name"
    if d.variant == "name":
        applicant["name"] = _other_company_name(rng, plan) if plan.uscc else (
            f"{rng.choice([u for u in UNIVERSITIES if u not in plan.company])}增材制造创新团队")
    elif d.variant == "uscc":
        applicant["uscc"] = make_uscc(rng, d.area or "510107", plan.registered_on)
    elif d.variant == "registered_on":
        applicant["registered_on"] = _shifted_date(rng, plan).isoformat()
    elif d.variant == "employees":
        applicant["employees"] = (applicant["employees"] or 10) * rng.randint(3, 4) + rng.randint(20, 60)
    else:
        revenue = applicant["revenue_10k_cny"] or 100
        high = revenue * rng.uniform(2.5, 3.5)
        applicant["revenue_10k_cny"] = round(high if high < 40000 else revenue / 3, 1)


def _inject_big_team(d: _Draft) -> None:
    taken = {row[0] for row in d.rows}
    while len(d.rows) < (8 if d.variant == "eight" else 10):
        d.rows.append(_extra_member(d.rng, d.plan, taken))
        d.ids.append(make_id_number(d.rng, d.area))
    d.document = with_team(d.plan, d.rows)


def _inject_member(d: _Draft) -> None:
    """``one_team_per_person``: a member of another team (same name and ID) takes one seat; the first team
    of a pair is left as it is, its ground truth still says fail."""
    if d.shared_member is None:
        return
    slot = d.rng.randrange(1, len(d.rows))
    d.rows[slot][0] = d.shared_member["name"]
    d.ids[slot] = d.shared_member["id_number"]
    d.document = with_team(d.plan, d.rows)


def _inject_listing(d: _Draft) -> None:
    plan, rng = d.plan, d.rng
    year = rng.choice((2023, 2024, 2025))
    project = plan.title if rng.random() < 0.7 else plan.title.removesuffix("及产业化").removesuffix("及应用")
    region = f"{_region_prefix(plan) or '四川'}赛区" if rng.random() < 0.7 else "增材制造专题赛"
    d.listings.append(Listing(year, plan.group, _name_variant(plan, d.variant), project, region))


def _inject_credit(d: _Draft) -> None:
    d.applicant["credit_flags"] = ["abnormal_operation"]


def _inject_off_market(d: _Draft) -> None:
    d.on_market = False


def _inject_holders(d: _Draft) -> None:
    university = d.rng.choice(UNIVERSITIES)
    other = _other_company_name(d.rng, d.plan)
    holders: dict[str, Callable[[int], str]] = {
        "university_all": lambda i: university, "other_company": lambda i: other,
        "university_some": lambda i: university if i % 2 == 0 else d.plan.company}
    d.document = with_patent_holders(d.plan, holders[d.variant])


def _inject_bad_file(d: _Draft) -> None:
    if d.variant == "not_a_plan":
        d.document = not_a_plan(d.plan)
    else:
        d.file_problem = d.variant


def _clean_holder_self(d: _Draft) -> None:
    d.document = with_patent_holders(d.plan, lambda i: d.plan.company)


def _clean_old_list(d: _Draft) -> None:
    d.listings.append(Listing(2022, d.plan.group, d.plan.company, d.plan.title, f"{_region_prefix(d.plan)}赛区"))


def _clean_namesake(d: _Draft) -> None:
    if d.namesake is not None:
        d.rows[d.rng.randrange(1, len(d.rows))][0] = d.namesake
        d.document = with_team(d.plan, d.rows)


def _clean_non_core(d: _Draft) -> None:
    taken = {row[0] for row in d.rows}
    for _ in range(d.rng.randint(2, 3)):
        d.extra.append({"name": _extra_member(d.rng, d.plan, taken)[0], "id_number": make_id_number(d.rng, d.area),
                        "role": "项目成员", "core": False})


_INJECT: dict[str, Callable[[_Draft], None]] = {
    "startup_age": _inject_startup_age, "sme_size": _inject_size, "uscc_valid": _inject_uscc,
    "registration_consistent": _inject_inconsistency, "core_team_size": _inject_big_team,
    "one_team_per_person": _inject_member, "past_top_lists": _inject_listing, "credit_record": _inject_credit,
    "on_market": _inject_off_market, "ip_ownership": _inject_holders, "documents_complete": _inject_bad_file,
    "holder_self": _clean_holder_self, "sme_medium": _inject_size, "old_list": _clean_old_list,
    "namesake": _clean_namesake, "non_core_extra": _clean_non_core,
}


def registration_for(plan: Plan, code: str, *, seed: int | str = 0, violation: str | None = None,
                     variant: str | None = None, file_format: FileFormat = "pdf",
                     contest: dict[str, Any] | None = None, shared_member: dict[str, Any] | None = None,
                     namesake: str | None = None) -> Entry:
    """The registration of ``plan`` as entry ``code``, clean or with one injected ``violation``.

    ``variant`` picks how the violation (or, for a clean entry, which edge case) is made; by default
    the first one. ``shared_member`` (a team member of another entry, for ``one_team_per_person``)
    replaces one of this team's members, in the registration and in the document; ``namesake`` gives
    one member the name of someone in another team but their own ID. Same arguments, same result.
    """
    if violation is not None and violation not in VIOLATIONS:
        raise ValueError(f"unknown violation {violation!r}")
    variants = list(VARIANTS[violation]) if violation else list(CLEAN_VARIANTS)
    variant = variant or variants[0]
    if variant not in variants:
        raise ValueError(f"{variant!r} is not a variant of {violation or 'a clean entry'}")
    d = _draft(plan, variant, random.Random(f"amreview-registration/{seed}/{code}/{violation}/{variant}"))
    d.shared_member, d.namesake = shared_member, namesake
    inject = _INJECT.get(violation or variant)
    if inject is not None:
        inject(d)
    team = [{"name": row[0], "id_number": number, "role": "负责人" if i == 0 else row[1], "core": True}
            for i, (row, number) in enumerate(zip(d.rows, d.ids, strict=True))]
    files = [] if d.file_problem == "no_files" else [f"{code}-商业计划书.{file_format}"]
    registration = {
        "id": code, "contest": dict(contest or CONTEST), "group": plan.group, "segment": plan.segment,
        "project": plan.title, "applicant": d.applicant, "on_market": d.on_market, "team": team + d.extra,
        "files": files,
    }
    return Entry(registration, plan, d.document, file_format, violation, d.variant,
                 _expectations(violation, d.variant), d.file_problem, d.listings,
                 f"amreview-registration/{seed}/{code}")


# --------------------------------------------------------------------------------------------
# Past top lists
# --------------------------------------------------------------------------------------------

_FILLER_FIRST = "华东南北中西新正永丰嘉和长兴大通国泰安顺"
_FILLER_SECOND = "洋岭桥湾江海港川原野坪州林泉"
_FILLER_TAILS = ("精密机械有限公司", "电子有限公司", "生物科技有限公司", "新能源科技有限公司", "环保科技股份有限公司",
                 "农业发展有限公司", "信息技术有限公司", "食品有限公司")
_FILLER_PROJECTS = ("智慧农业物联网监测平台", "新能源汽车电池热管理系统", "高效污水处理膜组件",
                    "工业互联网设备运维平台", "功能性食品配方研发及产业化", "智能仓储机器人", "医用敷料新材料",
                    "光伏组件清洗机器人", "城市垃圾智能分拣系统", "中药材种植溯源平台")
_FILLER_REGIONS = ("浙江赛区", "江苏赛区", "广东赛区", "山东赛区", "河南赛区", "湖北赛区", "四川赛区",
                   "工业互联网专题赛")


def past_list_title(year: int, group: Group) -> str:
    """The list's own title: 500 for the enterprise group; 300 for 创客组 (until 2024) / 创业组 (2025 on)."""
    if group == "enterprise":
        return f"{year}年创客中国企业组500强名单"
    return f"{year}年创客中国{'创客组' if year <= 2024 else '创业组'}300强名单"


def past_list_csv(year: int, group: Group, listings: Iterable[Listing], *, seed: int | str = 0,
                  fillers: int = 60, avoid: Iterable[str] = ()) -> bytes:
    """A past top-list CSV: a title row, then 序号, 参赛主体, 项目名称, 推荐赛区; listings among filler rows.

    Filler entrants use vocabulary of their own and never share a company key with ``avoid``.
    """
    rng = random.Random(f"amreview-past-list/{seed}/{year}/{group}")
    avoid_keys = set(avoid)
    rows = [[item.name, item.project, item.region] for item in listings]
    target = fillers + len(rows)
    while len(rows) < target:
        name = rng.choice(_FILLER_FIRST) + rng.choice(_FILLER_SECOND) + rng.choice(_FILLER_TAILS)
        name = rng.choice(("浙江", "江苏", "广东", "山东", "")) + name
        if company_key(name) in avoid_keys:
            continue
        rows.append([name, rng.choice(_FILLER_PROJECTS), rng.choice(_FILLER_REGIONS)])
    rng.shuffle(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([past_list_title(year, group), "", "", ""])
    writer.writerow(["序号", "参赛主体", "项目名称", "推荐赛区"])
    writer.writerows([str(i + 1), *row] for i, row in enumerate(rows))
    return buffer.getvalue().encode("utf-8-sig")


# --------------------------------------------------------------------------------------------
# A whole evaluation set
# --------------------------------------------------------------------------------------------


@dataclass
class EvaluationSet:
    """Entries plus the past-list CSVs they are checked against (file name → bytes)."""

    entries: list[Entry]
    past_lists: dict[str, bytes]

    def write(self, folder: Path) -> tuple[Path, Path, list[Path]]:
        """Write registrations.jsonl, truth.jsonl, files/ and past_lists/; returns (jsonl, files dir, lists)."""
        files_dir = folder / "files"
        lists_dir = folder / "past_lists"
        files_dir.mkdir(parents=True, exist_ok=True)
        lists_dir.mkdir(parents=True, exist_ok=True)
        jsonl = folder / "registrations.jsonl"
        jsonl.write_text("".join(json.dumps(e.registration, ensure_ascii=False) + "\n" for e in self.entries),
                         encoding="utf-8")
        (folder / "truth.jsonl").write_text(
            "".join(json.dumps(e.truth(), ensure_ascii=False) + "\n" for e in self.entries), encoding="utf-8")
        for entry in self.entries:
            for name, data in entry.files().items():
                (files_dir / name).write_bytes(data)
        lists = []
        for name, data in self.past_lists.items():
            path = lists_dir / name
            path.write_bytes(data)
            lists.append(path)
        return jsonl, files_dir, lists


def _plan_for(needs: tuple[tuple[Group, ...], str], index: int, seed: int, used: set[str],
              segment: int | None = None) -> Plan:
    """A plan of a fitting group and applicant kind, segment cycling with ``index``, company not yet used."""
    groups, kind = needs
    group = groups[index % len(groups)]
    rng = random.Random(f"amreview-set/{seed}/{index}")
    for attempt in range(500):
        plan = make_plan(segment or index % 7 + 1, seed * 100000 + index * 500 + attempt,
                         pages=rng.randint(14, 20), group=group)
        is_company = plan.uscc is not None
        if (kind == "company" and not is_company) or (kind == "team" and is_company):
            continue
        if company_key(plan.company) in used:
            continue
        used.add(company_key(plan.company))
        return plan
    raise RuntimeError("no fitting plan found")


def _schedule(count: int) -> list[tuple[str | None, str]]:
    """(violation, variant) for each entry: about a seventh clean, the rest spread over the violations."""
    per = max(2, count * 6 // 7 // len(VIOLATIONS))
    per += per % 2  # one_team_per_person comes in pairs
    slots: list[tuple[str | None, str]] = []
    for violation in VIOLATIONS:
        variants = list(VARIANTS[violation])
        slots += [(violation, variants[i % len(variants)]) for i in range(per)]
    clean = max(1, count - len(slots))
    slots += [(None, CLEAN_VARIANTS[i % len(CLEAN_VARIANTS)]) for i in range(clean)]
    return slots


def build_set(count: int = 210, seed: int = 11) -> EvaluationSet:
    """About ``count`` registrations over both groups, all segments, PDF and DOCX, with their ground truth.

    Entries of ``one_team_per_person`` come in pairs (the second takes a member of the first), and so
    do clean ``namesake`` entries (the second has someone of the first's name, with another ID number).
    """
    used: set[str] = set()
    entries: list[Entry] = []
    counters = {"enterprise": 0, "startup": 0}
    partner: dict[str, Entry | None] = {"one_team_per_person": None, "namesake": None}
    for index, (violation, variant) in enumerate(_schedule(count)):
        key = variant if violation is None else violation
        plan = _plan_for(_NEEDS[key], index, seed, used, 6 if key == "software" else None)
        counters[plan.group] += 1
        code = f"AM11-{'E' if plan.group == 'enterprise' else 'S'}-{counters[plan.group]:04d}"
        kwargs: dict[str, Any] = {}
        first = partner.get(key)
        if first is not None:
            team = first.registration["team"]
            member = team[1 + index % (len(team) - 1)]
            kwargs = {"shared_member": member} if key == "one_team_per_person" else {"namesake": member["name"]}
        entry = registration_for(plan, code, seed=seed, violation=violation, variant=variant,
                                 file_format="docx" if index % 10 in (3, 7, 9) else "pdf", **kwargs)
        if key in partner:
            partner[key] = entry if first is None else None
        entries.append(entry)
    if partner["one_team_per_person"] is not None:
        raise AssertionError("one_team_per_person entries must come in pairs")
    if partner["namesake"] is not None:  # no second team took the name: an ordinary clean entry
        partner["namesake"].variant = "plain"
    return EvaluationSet(entries, _past_lists(entries, seed, used))


def _past_lists(entries: list[Entry], seed: int, used: set[str]) -> dict[str, bytes]:
    by_list: dict[tuple[int, Group], list[Listing]] = {}
    for entry in entries:
        for listing in entry.listings:
            by_list.setdefault((listing.year, listing.group), []).append(listing)
    for year in (2023, 2024, 2025):  # every recent list exists, even with no one of ours on it
        for group in ("enterprise", "startup"):
            by_list.setdefault((year, group), [])
    return {f"{past_list_title(year, group)}.csv": past_list_csv(year, group, items, seed=seed, avoid=used)
            for (year, group), items in sorted(by_list.items())}
