"""Expert panels: conflicts of interest between judges and entries, and who judges which entry.

Every entry of the contest is judged by a panel of at least ``per_project`` judges (industry experts and
finance/investment experts), none of whom may be conflicted. ``conflicts`` finds, for one judge and one entry:

* ``conflict`` (the judge must not judge the entry):
  ``declared`` – the judge or an admin declared the entry's code or its applicant;
  ``uscc`` – the judge's organisation has the applicant's unified social credit code;
  ``organisation`` – the judge's organisation is the applicant (same key under ``ingest.names.normalise_company``,
  so legal form, brackets and region prefixes do not matter);
  ``member`` – the judge is a team member of the entry (same ``id_hash``, the HMAC of the ID number);
* ``unknown`` (an admin must decide; until then the judge is not assigned):
  ``city_name`` – the judge has a team member's name and lives in the applicant's city;
  ``city_trade_name`` – the judge's organisation shares the applicant's trade name (字号) in the same city
  (a sister firm, a subsidiary, or chance).

Cities are compared by name when both sides have one, else by the prefecture code (GB/T 2260, its first four
digits) that positions 3–6 of a USCC carry. Without a city on either side no ``unknown`` is raised: a shared
name alone is too common in China to be evidence.

``plan_assignments`` then builds the panels. Its objective, in order of priority:

1. coverage: every entry gets ``per_project`` judges, or as many as its eligible judges with room allow (the
   rest is a shortfall), the shortage spread over entries rather than one entry left with nobody;
2. at least ``finance_per_project`` finance experts per entry, when eligible ones exist;
3. balanced load: the spread (max − min) of the judges' loads as small as the greedy and its moves reach;
4. segment experts: judges whose ``segments`` include the entry's segment;
5. industry experts for the remaining places, then the lowest judge_id (determinism). The finance quota is a
   minimum: beyond it load balance decides, or the few finance experts would sit idle while industry
   experts carry twice their load.

It is a greedy in rounds (hardest entries first, fewest eligible judges; each round gives every entry its next
least-loaded eligible judge) followed by local passes: judges moved from full panels to panels two or more
smaller (when judges run short), from the most to the least loaded judges, and moves that bring a segment
expert in without widening the spread. Existing assignments are kept unless the pair is now conflicted or
unknown; they are never moved. Everything is a pure function of its input (no clock, no randomness, and the
order of ``entries`` and ``judges`` does not matter).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from ingest.codes import check_uscc, normalise_uscc
from ingest.names import normalise_company, normalise_person, trade_name

Verdict = Literal["conflict", "unknown"]
Expertise = Literal["industry", "finance"]
Kind = Literal["declared", "uscc", "organisation", "member", "city_name", "city_trade_name"]

DEFAULT_PER_PROJECT = 5


@dataclass(frozen=True)
class JudgeProfile:
    judge_id: int
    name: str
    organisation: str | None = None
    uscc: str | None = None  # the organisation's USCC, if known
    city: str | None = None  # e.g. "泸州" or "泸州市"
    division: str | None = None  # 4-digit prefecture code if known, e.g. "5105"; else derived from uscc
    segments: tuple[int, ...] = ()  # AM segments 1–7 they are expert in
    expertise: Expertise = "industry"
    id_hash: str | None = None  # HMAC of their ID number: the same hash as a team member's is the same person
    declared: tuple[str, ...] = ()  # submission codes or applicant names the judge declared a conflict with
    max_load: int | None = None  # most projects they will take in this round; None: no limit


@dataclass(frozen=True)
class MemberRef:
    name: str
    id_hash: str | None = None


@dataclass(frozen=True)
class EntryRef:
    submission_id: int
    code: str
    group: str
    applicant: str
    uscc: str | None = None
    city: str | None = None
    segment: int | None = None
    members: tuple[MemberRef, ...] = ()


@dataclass(frozen=True)
class Conflict:
    judge_id: int
    submission_id: int
    verdict: Verdict
    reason: str  # short English reason code + detail, e.g. "same USCC 91510500…", "team member 张三"
    kind: Kind


# --- cities -------------------------------------------------------------------------------------------------------

# Autonomous prefectures are written both in full ("凉山彝族自治州") and short ("凉山州"): the peoples go too.
_PEOPLES = "藏|羌|彝|苗|侗|土家|布依|朝鲜|蒙古|哈萨克|柯尔克孜|回|傣|白|哈尼|壮|景颇|傈僳"
_CITY_SUFFIX = re.compile(rf"^(.{{2,}}?)(?:(?:{_PEOPLES})族)*(?:自治州|地区|市|州|盟)$")
_SPACES = re.compile(r"\s+")


def division_of(uscc: str | None) -> str | None:
    """The registering prefecture's code (GB/T 2260, first four digits): positions 3–6 of a well-formed USCC."""
    if not uscc:
        return None
    check = check_uscc(uscc)
    # The shape check already requires digits at positions 3–8; the check character is not needed for this.
    return check.code[2:6] if check.well_formed else None


@lru_cache(maxsize=4096)
def normalise_city(city: str | None) -> str:
    """A city's comparison key: "四川省泸州市江阳区", "泸州市" and "泸州" all become "泸州"; "" for none."""
    text = _SPACES.sub("", unicodedata.normalize("NFKC", city or "")).casefold()
    for province in ("自治区", "省"):  # the province is not part of the prefecture's name
        head, found, rest = text.partition(province)
        if found and rest and head:
            text = rest
    cut = text.find("市")
    if 0 < cut < len(text) - 1:  # a district after the city: "泸州市江阳区" → "泸州市"
        text = text[: cut + 1]
    # Repeated, so that "X州市" and "X州" meet; a two-character name ("泸州", "杭州") is never cut.
    while match := _CITY_SUFFIX.match(text):
        text = match.group(1)
    return text


def _division_key(division: str | None) -> str | None:
    """Four digits of a prefecture code; a full six-digit county code is cut to its prefecture."""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", division or "") if ch.isdigit())
    return digits[:4] if len(digits) >= 4 else None


def _shared_city(judge: JudgeProfile, entry: EntryRef) -> str | None:
    """The city judge and entry share (its key, or "division 5105"); None when not known to share one."""
    judge_city, entry_city = normalise_city(judge.city), normalise_city(entry.city)
    if judge_city and entry_city:
        return entry_city if judge_city == entry_city else None
    judge_division = _division_key(judge.division) or division_of(judge.uscc)
    entry_division = division_of(entry.uscc)
    if judge_division and judge_division == entry_division:
        return f"division {entry_division}"
    return None


# --- conflicts ----------------------------------------------------------------------------------------------------

# Planning compares every judge with every entry: the name keys are worth computing once.
_company_key = lru_cache(maxsize=8192)(normalise_company)
_person_key = lru_cache(maxsize=8192)(normalise_person)
_trade_key = lru_cache(maxsize=8192)(trade_name)


Finding = tuple[Verdict, Kind, str]


def conflicts(judge: JudgeProfile, entry: EntryRef) -> list[Conflict]:
    """Every conflict found between one judge and one entry (empty when none), one per kind at most."""
    found: list[Finding] = []
    for check in (_declared, _same_uscc, _same_organisation, _team_member, _same_name_in_city, _trade_name_in_city):
        hit = check(judge, entry, found)
        if hit:
            found.append(hit)
    return [Conflict(judge.judge_id, entry.submission_id, verdict, reason, kind) for verdict, kind, reason in found]


def _declared(judge: JudgeProfile, entry: EntryRef, _found: list[Finding]) -> Finding | None:
    applicant = _company_key(entry.applicant)
    for item in judge.declared:
        if item.strip() == entry.code.strip():
            return "conflict", "declared", f"declared code {entry.code}"
        if applicant and _company_key(item) == applicant:
            return "conflict", "declared", f"declared applicant {item}"
    return None


def _same_uscc(judge: JudgeProfile, entry: EntryRef, _found: list[Finding]) -> Finding | None:
    if judge.uscc and entry.uscc and normalise_uscc(judge.uscc) == normalise_uscc(entry.uscc):
        return "conflict", "uscc", f"same USCC {normalise_uscc(entry.uscc)}"
    return None


def _same_organisation(judge: JudgeProfile, entry: EntryRef, _found: list[Finding]) -> Finding | None:
    key = _company_key(judge.organisation)
    if key and key == _company_key(entry.applicant):
        return "conflict", "organisation", f"same organisation {judge.organisation}"
    return None


def _team_member(judge: JudgeProfile, entry: EntryRef, _found: list[Finding]) -> Finding | None:
    if not judge.id_hash:
        return None
    for member in entry.members:
        if member.id_hash == judge.id_hash:
            return "conflict", "member", f"team member {member.name}"
    return None


def _same_name_in_city(judge: JudgeProfile, entry: EntryRef, found: list[Finding]) -> Finding | None:
    name = _person_key(judge.name)
    if not name or any(kind == "member" for _, kind, _ in found):
        return None
    # Two different ID hashes prove two different people, whatever their names.
    namesakes = [
        m for m in entry.members
        if _person_key(m.name) == name and not (judge.id_hash and m.id_hash and judge.id_hash != m.id_hash)
    ]
    city = _shared_city(judge, entry) if namesakes else None
    if city:
        return "unknown", "city_name", f"same name {namesakes[0].name} in {city}"
    return None


def _trade_name_in_city(judge: JudgeProfile, entry: EntryRef, found: list[Finding]) -> Finding | None:
    # Once the judge is known to work at the applicant, a sister-firm question is moot.
    if any(kind in ("uscc", "organisation") for _, kind, _ in found):
        return None
    judge_key, entry_key = _company_key(judge.organisation), _company_key(entry.applicant)
    if not judge_key or not entry_key:
        return None
    trade = _trade_key(judge_key)
    if len(trade) < 2 or trade != _trade_key(entry_key):
        return None
    city = _shared_city(judge, entry)
    if city:
        return "unknown", "city_trade_name", f"trade name {trade} in {city}"
    return None


# --- assignment ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentPlan:
    assignments: dict[int, tuple[int, ...]]  # submission_id → judge_ids (including kept existing ones), sorted
    shortfalls: dict[int, int]  # submission_id → judges missing to reach per_project (only entries short of it)
    conflicts: tuple[Conflict, ...]  # every conflict/unknown found between the judges and entries
    loads: dict[int, int]  # judge_id → projects assigned (every judge, 0 included)
    dropped: tuple[tuple[int, int], ...] = ()  # existing (judge_id, submission_id) pairs not kept, as ``cleared``


def plan_assignments(
    entries: Sequence[EntryRef],
    judges: Sequence[JudgeProfile],
    *,
    per_project: int = DEFAULT_PER_PROJECT,
    existing: Mapping[int, Sequence[int]] | None = None,
    finance_per_project: int = 1,
    cleared: Collection[tuple[int, int]] = (),
) -> AssignmentPlan:
    """Panels for ``entries`` from ``judges`` (see the module docstring for the objective).

    A judge with a ``conflict`` on an entry is never assigned to it, nor one with an ``unknown`` verdict: an
    admin decides those first, and passes the (judge_id, submission_id) pairs found harmless as ``cleared``.
    ``existing`` assignments (submission_id → judge_ids) are kept and count towards loads and quotas, even
    beyond a judge's ``max_load``; pairs now conflicted or unknown, or naming a judge not in ``judges``, are
    dropped and listed in ``dropped``. Raises ValueError for duplicate ids or a ``per_project`` below 1.
    """
    _check_input(entries, judges, per_project, finance_per_project)
    planner = _Planner(entries, judges, per_project, min(finance_per_project, per_project), set(cleared))
    dropped = planner.keep(existing or {})
    planner.fill()
    planner.spread_shortfalls()
    planner.rebalance()
    planner.bring_in_experts()
    return planner.plan(dropped)


def _check_input(entries: Sequence[EntryRef], judges: Sequence[JudgeProfile], per_project: int, finance: int) -> None:
    if per_project < 1 or finance < 0:
        raise ValueError("per_project must be at least 1 and finance_per_project at least 0")
    ids = {"submission_id": Counter(e.submission_id for e in entries), "judge_id": Counter(j.judge_id for j in judges)}
    for what, counts in ids.items():
        repeated = sorted(i for i, n in counts.items() if n > 1)
        if repeated:
            raise ValueError(f"duplicate {what}: {repeated}")


class _Planner:
    """The mutable state of one planning run: panels, loads, and who may judge what."""

    def __init__(self, entries: Sequence[EntryRef], judges: Sequence[JudgeProfile], per_project: int,
                 finance: int, cleared: set[tuple[int, int]]) -> None:
        self.entries = {e.submission_id: e for e in sorted(entries, key=lambda e: e.submission_id)}
        self.judges = {j.judge_id: j for j in sorted(judges, key=lambda j: j.judge_id)}
        self.per_project, self.finance = per_project, finance
        self.found = tuple(c for e in self.entries.values() for j in self.judges.values() for c in conflicts(j, e))
        blocked = {
            (c.judge_id, c.submission_id) for c in self.found
            if c.verdict == "conflict" or (c.judge_id, c.submission_id) not in cleared
        }
        self.eligible = {
            sid: [jid for jid in self.judges if (jid, sid) not in blocked] for sid in self.entries
        }
        self.allowed = {sid: set(jids) for sid, jids in self.eligible.items()}
        self.panel: dict[int, set[int]] = {sid: set() for sid in self.entries}
        self.fixed: dict[int, set[int]] = {sid: set() for sid in self.entries}
        self.load = dict.fromkeys(self.judges, 0)

    # -- predicates -------------------------------------------------------------------------------------------

    def is_finance(self, jid: int) -> bool:
        return self.judges[jid].expertise == "finance"

    def is_expert(self, jid: int, sid: int) -> bool:
        segment = self.entries[sid].segment
        return segment is not None and segment in self.judges[jid].segments

    def has_room(self, jid: int) -> bool:
        cap = self.judges[jid].max_load
        return cap is None or self.load[jid] < cap

    def finance_count(self, sid: int) -> int:
        return sum(self.is_finance(jid) for jid in self.panel[sid])

    def candidates(self, sid: int) -> list[int]:
        return [jid for jid in self.eligible[sid] if jid not in self.panel[sid] and self.has_room(jid)]

    def may_leave(self, sid: int, leaving: int, coming: int) -> bool:
        """Whether swapping ``leaving`` for ``coming`` on an entry keeps its finance quota."""
        if not self.is_finance(leaving) or self.is_finance(coming):
            return True
        return self.finance_count(sid) - 1 >= self.finance

    def rank(self, jid: int, sid: int) -> tuple[int, bool, bool, int]:
        """Preference of a candidate: least loaded, then segment expert, then industry, then lowest id."""
        return self.load[jid], not self.is_expert(jid, sid), self.is_finance(jid), jid

    # -- steps ------------------------------------------------------------------------------------------------

    def add(self, sid: int, jid: int) -> None:
        self.panel[sid].add(jid)
        self.load[jid] += 1

    def move(self, sid: int, leaving: int, coming: int) -> None:
        self.panel[sid].remove(leaving)
        self.load[leaving] -= 1
        self.add(sid, coming)

    def keep(self, existing: Mapping[int, Sequence[int]]) -> tuple[tuple[int, int], ...]:
        """Record the existing assignments still allowed; return the (judge_id, submission_id) pairs dropped."""
        dropped: list[tuple[int, int]] = []
        for sid in sorted(set(existing) & set(self.entries)):
            for jid in sorted(set(existing[sid])):
                if jid in self.allowed[sid]:
                    self.fixed[sid].add(jid)
                    self.add(sid, jid)
                else:
                    dropped.append((jid, sid))
        return tuple(dropped)

    def order(self) -> list[int]:
        """Entries hardest first: fewest judges able to take them, then fewest finance experts among those."""
        def hardness(sid: int) -> tuple[int, int, int]:
            able = [jid for jid in self.eligible[sid] if jid in self.panel[sid] or self.has_room(jid)]
            return len(able), sum(self.is_finance(jid) for jid in able), sid

        return sorted(self.entries, key=hardness)

    def fill(self) -> None:
        """The greedy, in rounds: each entry takes one finance expert per round up to its quota, then one judge
        per round up to ``per_project``. Rounds rather than whole panels at a time spread a shortage of judges
        over many entries instead of leaving the last entries with nobody.
        """
        order = self.order()
        for _ in range(self.finance):
            for sid in order:
                if self.finance_count(sid) < self.finance:
                    self._take(sid, finance_only=True)
        for _ in range(self.per_project):
            for sid in order:
                self._take(sid, finance_only=False)

    def _take(self, sid: int, *, finance_only: bool) -> bool:
        if len(self.panel[sid]) >= self.per_project:
            return False
        pool = [jid for jid in self.candidates(sid) if self.is_finance(jid) or not finance_only]
        if not pool:
            return False
        self.add(sid, min(pool, key=lambda jid: self.rank(jid, sid)))
        return True

    def spread_shortfalls(self) -> None:
        """Move a judge from a fuller panel to one at least two smaller that he may also judge.

        The greedy can leave one entry with nobody while others are full; this evens panel sizes out without
        changing any load. Each move lowers the sum of squared panel sizes, so the loop ends.
        """
        while (move := self._spreading_move()) is not None:
            fuller, emptier, jid = move
            self.panel[fuller].remove(jid)
            self.panel[emptier].add(jid)

    def _spreading_move(self) -> tuple[int, int, int] | None:
        short = sorted((sid for sid in self.entries if len(self.panel[sid]) < self.per_project),
                       key=lambda sid: (len(self.panel[sid]), sid))
        by_size = sorted(self.entries, key=lambda sid: (-len(self.panel[sid]), sid))
        for emptier in short:
            for fuller in by_size:
                if len(self.panel[fuller]) < len(self.panel[emptier]) + 2:
                    break
                for jid in sorted(self.panel[fuller] - self.fixed[fuller]):
                    if (jid in self.allowed[emptier] and jid not in self.panel[emptier]
                            and (not self.is_finance(jid) or self.finance_count(fuller) > self.finance)):
                        return fuller, emptier, jid
        return None

    def rebalance(self) -> None:
        """Move new assignments from heavily to lightly loaded judges until no move narrows the spread.

        Each move goes to a judge at least two below, so the sum of squared loads falls and the loop ends.
        """
        while (move := self._balancing_move()) is not None:
            self.move(*move)

    def _balancing_move(self) -> tuple[int, int, int] | None:
        lowest = min(self.load.values(), default=0)
        for leaving in sorted(self.judges, key=lambda jid: (-self.load[jid], jid)):
            if self.load[leaving] - lowest < 2:
                return None
            options = [
                (self.is_expert(leaving, sid) - self.is_expert(coming, sid), self.rank(coming, sid), sid, coming)
                for sid in self.entries
                if leaving in self.panel[sid] and leaving not in self.fixed[sid]
                for coming in self.candidates(sid)
                if self.load[coming] <= self.load[leaving] - 2 and self.may_leave(sid, leaving, coming)
            ]
            if options:
                _, _, sid, coming = min(options)  # losing a segment expert last
                return sid, leaving, coming
        return None

    def bring_in_experts(self) -> None:
        """Replace a new non-expert by a less loaded segment expert: more experts, the spread no wider."""
        changed = True
        while changed:  # each move adds an expert, so the loop ends
            changed = False
            for sid in self.entries:
                for leaving in sorted(self.panel[sid] - self.fixed[sid]):
                    if self.is_expert(leaving, sid):
                        continue
                    pool = [
                        jid for jid in self.candidates(sid)
                        if self.is_expert(jid, sid) and self.load[jid] < self.load[leaving]
                        and self.may_leave(sid, leaving, jid)
                    ]
                    if pool:
                        self.move(sid, leaving, min(pool, key=lambda jid: self.rank(jid, sid)))
                        changed = True

    def plan(self, dropped: Iterable[tuple[int, int]]) -> AssignmentPlan:
        return AssignmentPlan(
            assignments={sid: tuple(sorted(panel)) for sid, panel in self.panel.items()},
            shortfalls={
                sid: self.per_project - len(panel) for sid, panel in self.panel.items()
                if len(panel) < self.per_project
            },
            conflicts=self.found,
            loads=dict(self.load),
            dropped=tuple(dropped),
        )
