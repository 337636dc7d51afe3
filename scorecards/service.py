"""Judging, end to end: rubrics per contest, pre-filled cards, scores, conflicts, panels, standings, exports.

Everything here works on a session and plain values; the api layer checks roles and audits.
A judge may open and score an entry only when assigned to it with no conflict: neither a declared
one on the assignment nor a found one (``unknown`` counts until an administrator clears it).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ingest.database import utcnow
from ingest.document import Document
from ingest.facts import Fact
from review.models import Assignment, Contest, Submission
from review.qualify import business_plan
from scorecards import exports, ranking
from scorecards.models import (
    DRAFT,
    ENTRY_STATUSES,
    SUBMITTED,
    ConflictRecord,
    JudgeProfile,
    RoundEntry,
    RubricVersion,
    Scorecard,
)
from scorecards.panels import AssignmentPlan, EntryRef, MemberRef, conflicts, plan_assignments
from scorecards.panels import JudgeProfile as PanelJudge
from scorecards.prefill import Prefill, prefill, rewriter_from_env
from scorecards.rubrics import Rubric, default_for, parse_rubric

ROUND_NAMES = {"preliminary": ("初赛", "Preliminary"), "final": ("决赛", "Final")}
GROUP_NAMES = {"enterprise": ("企业组", "Enterprise group"), "startup": ("创业组", "Startup group")}
AWARD_NAMES = {"first": ("一等奖", "First prize"), "second": ("二等奖", "Second prize"),
               "third": ("三等奖", "Third prize"), "excellence": ("优秀奖", "Excellence prize")}
OUTCOME_NAMES = {"advanced": ("晋级", "Advances"), "replacement": ("递补晋级", "Advances as replacement"),
                 "reserve": ("未晋级", "Reserve"), "withdrawn": ("退赛", "Withdrawn"),
                 "disqualified": ("取消资格", "Disqualified"), "unscored": ("未评分", "Not scored")}


class ScoringError(ValueError):
    """A request the rules refuse: ``code`` is short and stable (``locked``, ``range``, ``incomplete``…)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def label(names: Mapping[str, tuple[str, str]], key: str, lang: str) -> str:
    zh, en = names.get(key, (key, key))
    return en if lang == "en" else zh


# -- rubrics -----------------------------------------------------------------------------------------

def rubric_for(session: Session, contest_id: int, group: str, round_: str) -> Rubric:
    """The contest's newest own rubric for the group and round, else the shipped default."""
    stored = session.scalar(select(RubricVersion).where(
        RubricVersion.contest_id == contest_id, RubricVersion.group == group, RubricVersion.round == round_)
        .order_by(RubricVersion.created_at.desc(), RubricVersion.id.desc()).limit(1))
    return _parsed(stored.source) if stored is not None else default_for(group, round_)


@functools.lru_cache(maxsize=64)
def _parsed(source: str) -> Rubric:
    return parse_rubric(source)


def store_rubric(session: Session, contest_id: int, source: str, user_id: int | None) -> RubricVersion:
    """A new version of a contest's rubric (RubricError when it does not parse; versions only go up)."""
    rubric = parse_rubric(source)
    newest = session.scalar(select(func.max(RubricVersion.version)).where(
        RubricVersion.contest_id == contest_id, RubricVersion.name == rubric.name))
    if newest is not None and rubric.version <= newest:
        raise ScoringError("version", f"rubric {rubric.name} is at version {newest}: give a higher version")
    if any(s.status == SUBMITTED for s in session.scalars(_cards_of(contest_id, rubric.group, rubric.round))):
        raise ScoringError("locked", "scores were submitted under the current rubric: reopen them first")
    stored = RubricVersion(contest_id=contest_id, name=rubric.name, version=rubric.version, group=rubric.group,
                           round=rubric.round, source=source, created_by=user_id)
    session.add(stored)
    session.flush()
    return stored


def _cards_of(contest_id: int, group: str, round_: str):  # type: ignore[no-untyped-def]
    return (select(Scorecard).join(Submission, Submission.id == Scorecard.submission_id)
            .where(Submission.contest_id == contest_id, Submission.group == group, Scorecard.round == round_))


# -- access ------------------------------------------------------------------------------------------

def may_judge(session: Session, judge_id: int, submission_id: int) -> bool:
    """Assigned, no declared conflict, and no found conflict that an administrator has not cleared."""
    assignment = session.scalar(select(Assignment).where(Assignment.judge_id == judge_id,
                                                         Assignment.submission_id == submission_id))
    if assignment is None or assignment.conflict is not None:
        return False
    found = session.scalars(select(ConflictRecord).where(ConflictRecord.judge_id == judge_id,
                                                         ConflictRecord.submission_id == submission_id))
    return all(c.decision == "cleared" for c in found)


# -- pre-fill and the card ---------------------------------------------------------------------------

def card_prefill(session: Session, submission: Submission, rubric: Rubric,
                 lang: str = "zh") -> tuple[int, Prefill] | None:
    """The plan's document id and the pre-fill of it (None when the entry has no readable plan yet)."""
    plan = business_plan(session, submission)
    if plan is None:
        return None
    record, document = plan
    return record.id, _cached_prefill(record.sha256, rubric, lang, submission.applicant,
                                      _checks_key(submission.checks), document,
                                      tuple(Fact.from_json(f) for f in record.facts or ()))


def _checks_key(checks: list | None) -> tuple[tuple[str, str, str], ...]:  # type: ignore[type-arg]
    return tuple((str(c.get("rule")), str(c.get("status")), str(c.get("reason") or "")) for c in checks or ())


_PREFILLS: dict[tuple[Any, ...], Prefill] = {}


def _cached_prefill(sha256: str, rubric: Rubric, lang: str, applicant: str, checks: tuple[tuple[str, str, str], ...],
                    document: Document, facts: tuple[Fact, ...]) -> Prefill:
    """A plan's pre-fill, computed once per rubric version, language and check results (it is advisory and
    deterministic: recomputing gives the same card)."""
    key = (sha256, rubric.name, rubric.version, rubric.source, lang, applicant, checks)
    if key not in _PREFILLS:
        if len(_PREFILLS) > 256:
            _PREFILLS.clear()
        _PREFILLS[key] = prefill(document, rubric, facts=facts, applicant=applicant, lang=lang,
                                 checks=[{"rule": r, "status": s, "reason": why} for r, s, why in checks],
                                 rewriter=rewriter_from_env(lang))
    return _PREFILLS[key]


def scorecard_of(session: Session, submission_id: int, judge_id: int, round_: str) -> Scorecard | None:
    return session.scalar(select(Scorecard).where(Scorecard.submission_id == submission_id,
                                                  Scorecard.judge_id == judge_id, Scorecard.round == round_))


def card(session: Session, submission: Submission, round_: str, judge_id: int | None, lang: str = "zh", *,  # type: ignore[type-arg]
         for_judge: bool = False) -> dict:
    """Everything a judge's page shows: the entry, each criterion with its pre-fill, and their scores.

    ``for_judge`` keeps a flag's rule and status but not its reason: a reason names other entries,
    integrity cases and their scores, which judges may not see (and an open case must not bias them).
    """
    rubric = rubric_for(session, submission.contest_id, submission.group, round_)
    filled = card_prefill(session, submission, rubric, lang)
    detail = filled[1].detail_json() if filled is not None else {"criteria": [], "summary": [], "flags": []}
    if for_judge:
        for item in [detail, *detail["criteria"]]:
            item["flags"] = [{"rule": f["rule"], "status": f["status"], "reason": ""} for f in item.get("flags", [])]
    by_id = {c["id"]: c for c in detail["criteria"]}
    scored = scorecard_of(session, submission.id, judge_id, round_) if judge_id is not None else None
    criteria = [{"id": c.id, "name": c.name(lang), "weight": c.weight, "min_score": c.min_score,
                 "max_score": c.max_score, "guidance": c.guidance(lang), "aspects": [a(lang) for a in c.aspects],
                 "score": (scored.scores.get(c.id) if scored else None),
                 "comment": (scored.comments.get(c.id, "") if scored else ""),
                 **{k: by_id.get(c.id, {}).get(k, []) for k in ("summary", "facts", "questions", "flags", "rewrite")},
                 "covered": by_id.get(c.id, {}).get("covered", False)} for c in rubric.criteria]
    return {"submission": {"id": submission.id, "code": submission.code, "project": submission.project,
                           "applicant": submission.applicant, "group": submission.group,
                           "segment": submission.segment, "contest": submission.contest.name,
                           "year": submission.contest.year},
            "round": round_, "rubric": {"name": rubric.name, "version": rubric.version, "title": rubric.title(lang)},
            "criteria": criteria, "summary": detail["summary"], "flags": detail.get("flags", []),
            "document_id": filled[0] if filled is not None else None, "status": scored.status if scored else DRAFT,
            "total": scored.total if scored else None, "comment": scored.comment if scored else "",
            "submitted_at": scored.submitted_at.isoformat() if scored and scored.submitted_at else None}


# -- scoring -----------------------------------------------------------------------------------------

def save_scores(session: Session, submission: Submission, judge_id: int, round_: str, *,
                scores: Mapping[str, float | None], comments: Mapping[str, str], comment: str,
                submit: bool) -> Scorecard:
    """Save a draft, or submit (every criterion scored). A submitted card is locked."""
    if round_ == "final" and submission.id not in {s.id for s in round_entries(
            session, submission.contest_id, submission.group, "final")}:
        raise ScoringError("round", "this entry did not advance to the final")
    rubric = rubric_for(session, submission.contest_id, submission.group, round_)
    known = {c.id: c for c in rubric.criteria}
    unknown = sorted(set(scores) - set(known)) + sorted(set(comments) - set(known))
    if unknown:
        raise ScoringError("criterion", f"not criteria of {rubric.name}: {', '.join(unknown)}")
    for criterion_id, value in scores.items():
        c = known[criterion_id]
        if value is not None and not c.min_score <= value <= c.max_score:
            raise ScoringError("range", f"{criterion_id}: {value:g} is outside {c.min_score:g}–{c.max_score:g}")
    card_row = scorecard_of(session, submission.id, judge_id, round_)
    if card_row is not None and card_row.status == SUBMITTED:
        raise ScoringError("locked", "this scorecard was submitted and is locked; an administrator can reopen it")
    values = {k: float(v) for k, v in scores.items() if v is not None}
    if submit and set(values) != set(known):
        missing = [c.id for c in rubric.criteria if c.id not in values]
        raise ScoringError("incomplete", f"score every criterion before submitting: {', '.join(missing)}")
    if card_row is None:
        card_row = Scorecard(submission_id=submission.id, judge_id=judge_id, round=round_)
        session.add(card_row)
    card_row.rubric, card_row.rubric_version = rubric.name, rubric.version
    card_row.scores, card_row.comments, card_row.comment = values, {k: v for k, v in comments.items() if v}, comment
    card_row.total = _total(values, rubric) if set(values) == set(known) else None
    if submit:
        card_row.status, card_row.submitted_at = SUBMITTED, utcnow()
    session.flush()
    return card_row


def _weights(rubric: Rubric) -> list[ranking.CriterionWeight]:
    return [ranking.CriterionWeight(c.id, c.weight, c.min_score, c.max_score) for c in rubric.criteria]


def _total(scores: Mapping[str, float], rubric: Rubric) -> float:
    return ranking.round_half_up(ranking.weighted_total(scores, _weights(rubric)), 2)


def reopen(session: Session, submission: Submission, judge_id: int, round_: str) -> Scorecard:
    card_row = scorecard_of(session, submission.id, judge_id, round_)
    if card_row is None or card_row.status != SUBMITTED:
        raise ScoringError("not_submitted", "there is no submitted scorecard of that judge for this entry")
    card_row.status, card_row.submitted_at = DRAFT, None
    session.flush()
    return card_row


# -- round entries, standings ------------------------------------------------------------------------

def set_entry_status(session: Session, submission: Submission, round_: str, status: str, reason: str) -> None:
    if status not in ENTRY_STATUSES:
        raise ScoringError("status", f"status must be one of {', '.join(ENTRY_STATUSES)}")
    entry = session.scalar(select(RoundEntry).where(RoundEntry.submission_id == submission.id,
                                                    RoundEntry.round == round_))
    if entry is None:
        entry = RoundEntry(submission_id=submission.id, round=round_)
        session.add(entry)
    entry.status, entry.reason = status, reason
    session.flush()


def round_entries(session: Session, contest_id: int, group: str, round_: str,
                  preliminary_rows: list[dict] | None = None) -> list[Submission]:  # type: ignore[type-arg]
    """The entries of a round: for the preliminary, every entry not rejected or ineligible; for the final,
    those the preliminary standings advance (replacements included; ``preliminary_rows`` if already known)."""
    query = (select(Submission).options(selectinload(Submission.members), selectinload(Submission.contest))
             .where(Submission.contest_id == contest_id, Submission.group == group).order_by(Submission.code))
    entries = [s for s in session.scalars(query) if s.decision != "reject" and s.verdict != "ineligible"]
    if round_ == "preliminary":
        return entries
    rows = preliminary_rows if preliminary_rows is not None else standings(
        session, contest_id, group, "preliminary")["rows"]
    advanced = {o["submission_id"] for o in rows if o["outcome"] in ("advanced", "replacement")}
    return [s for s in entries if s.id in advanced]


@dataclass(frozen=True)
class StandingRules:
    aggregation: ranking.AggregationRules = field(default_factory=ranking.AggregationRules)
    places: Mapping[str, int] | None = None
    awards: Mapping[str, tuple[ranking.AwardTier, ...]] | None = None


def standing_rules(contest: Contest) -> StandingRules:
    """The contest's aggregation, cut-off and award settings (``Contest.rules["scoring"]``) over the defaults."""
    settings = dict((contest.rules or {}).get("scoring") or {})
    aggregation = ranking.AggregationRules(**{k: (tuple(v) if k == "tie_break" else v)
                                              for k, v in settings.get("aggregation", {}).items()})
    awards = {g: tuple((str(t[0]), int(t[1])) for t in tiers) for g, tiers in (settings.get("awards") or {}).items()}
    return StandingRules(aggregation, settings.get("places") or None, awards or None)


def standings(session: Session, contest_id: int, group: str, round_: str, lang: str = "zh") -> dict:  # type: ignore[type-arg]
    """Scores aggregated over judges, ranked, with cut-off outcomes (preliminary) or awards (final)."""
    contest = session.get(Contest, contest_id)
    if contest is None:
        raise ScoringError("contest", "no such contest")
    rules = standing_rules(contest)
    # The final needs the preliminary standings twice (who advanced, and their scores for tie-breaks): once.
    earlier = standings(session, contest_id, group, "preliminary")["rows"] if round_ == "final" else None
    entries = round_entries(session, contest_id, group, round_, earlier)
    codes = {s.id: s.code for s in entries}
    cards = [c for c in session.scalars(_cards_of(contest_id, group, round_)) if c.submission_id in codes
             and c.status == SUBMITTED and c.total is not None]
    totals = [ranking.JudgeTotal(c.judge_id, c.submission_id, c.total) for c in cards if c.total is not None]
    preliminary = ({r["submission_id"]: r["score"] for r in earlier if r["score"] is not None}
                   if earlier is not None else None)
    means = _criterion_means(cards)
    scores = ranking.aggregate(totals, rules.aggregation, codes=codes, preliminary=preliminary,
                               criterion_means=means)
    ranked = ranking.rank(scores, rules.aggregation)
    status = _statuses(session, list(codes), round_)
    rows = _outcomes(ranked, status, group, round_, rules, lang)
    by_id = {s.id: s for s in entries}
    for row in rows:
        entry = by_id[row["submission_id"]]
        row.update(project=entry.project, applicant=entry.applicant, judges=scores[entry.id].judges,
                   score=scores[entry.id].score, dropped=list(scores[entry.id].dropped))
    return {"contest": contest.name, "year": contest.year, "group": group, "round": round_,
            "method": rules.aggregation.method, "rows": rows}


def _outcomes(ranked: list[ranking.Ranked], status: dict[int, ranking.Status], group: str, round_: str,
              rules: StandingRules, lang: str) -> list[dict]:  # type: ignore[type-arg]
    places = {**ranking.DEFAULT_PLACES, **(rules.places or {})}[group]
    by_id = {r.submission_id: r for r in ranked}
    if round_ == "final":
        tiers = {**ranking.DEFAULT_AWARDS, **(rules.awards or {})}[group]
        awards = ranking.allocate_awards(ranked, tiers, status)
        return [{"submission_id": a.submission_id, "code": a.code, "rank": a.rank, "outcome": a.award or "none",
                 "label": label(AWARD_NAMES, a.award, lang) if a.award else (a.note or "—"), "note": a.note,
                 "replaces": None, "unresolved": by_id[a.submission_id].unresolved} for a in awards]
    outcomes = ranking.cut_off(ranked, places, status)
    return [{"submission_id": o.submission_id, "code": o.code, "rank": o.rank, "outcome": o.outcome,
             "label": label(OUTCOME_NAMES, o.outcome, lang) + (f"（{o.replaces}）" if o.replaces else ""),
             "note": o.note, "replaces": o.replaces, "unresolved": by_id[o.submission_id].unresolved}
            for o in outcomes]


def _criterion_means(cards: Sequence[Scorecard]) -> dict[int, dict[str, float]]:
    sums: dict[int, dict[str, list[float]]] = {}
    for c in cards:
        for criterion_id, value in c.scores.items():
            sums.setdefault(c.submission_id, {}).setdefault(criterion_id, []).append(float(value))
    return {sid: {k: sum(v) / len(v) for k, v in per.items()} for sid, per in sums.items()}


def _statuses(session: Session, submission_ids: list[int], round_: str) -> dict[int, ranking.Status]:
    rows = session.scalars(select(RoundEntry).where(RoundEntry.submission_id.in_(submission_ids),
                                                    RoundEntry.round == round_))
    return {r.submission_id: r.status for r in rows}  # type: ignore[misc]


# -- judges, conflicts, panels -----------------------------------------------------------------------

def profile_of(session: Session, user_id: int, name: str) -> PanelJudge:
    stored = session.get(JudgeProfile, user_id)
    if stored is None:
        return PanelJudge(judge_id=user_id, name=name)
    return PanelJudge(judge_id=user_id, name=name, organisation=stored.organisation, uscc=stored.uscc,
                      city=stored.city, segments=tuple(stored.segments or ()), expertise=stored.expertise,  # type: ignore[arg-type]
                      declared=tuple(stored.declared or ()), max_load=stored.max_load)


def entry_ref(submission: Submission) -> EntryRef:
    registration = submission.registration or {}
    city = (registration.get("applicant") or {}).get("city") or registration.get("city")
    return EntryRef(submission_id=submission.id, code=submission.code, group=submission.group,
                    applicant=submission.applicant, uscc=submission.uscc, city=city, segment=submission.segment,
                    members=tuple(MemberRef(m.name, m.id_hash) for m in submission.members))


def plan_panel(session: Session, contest_id: int, group: str, round_: str, judges: Sequence[tuple[int, str]],
               per_project: int = 5) -> AssignmentPlan:
    """Find conflicts, then assign each entry of the round to ``per_project`` unconflicted judges."""
    entries = round_entries(session, contest_id, group, round_)
    profiles = [profile_of(session, user_id, name) for user_id, name in judges]
    refs = [entry_ref(s) for s in entries]
    cleared = {(c.judge_id, c.submission_id) for c in session.scalars(select(ConflictRecord).where(
        ConflictRecord.decision == "cleared"))}
    found = [c for p in profiles for e in refs for c in conflicts(p, e)]
    for conflict in found:
        _record_conflict(session, conflict)
    existing: dict[int, list[int]] = {}
    judge_ids = {p.judge_id for p in profiles}
    for a in session.scalars(select(Assignment).where(Assignment.submission_id.in_([e.submission_id for e in refs]))):
        if a.judge_id in judge_ids and a.conflict is None:
            existing.setdefault(a.submission_id, []).append(a.judge_id)
    plan = plan_assignments(refs, profiles, per_project=per_project, existing=existing, cleared=tuple(cleared))
    for submission_id, judge_list in plan.assignments.items():
        for judge_id in judge_list:
            if session.scalar(select(Assignment.id).where(Assignment.submission_id == submission_id,
                                                          Assignment.judge_id == judge_id)) is None:
                session.add(Assignment(submission_id=submission_id, judge_id=judge_id))
    session.flush()
    return plan


def _record_conflict(session: Session, conflict: Any) -> None:
    stored = session.scalar(select(ConflictRecord).where(
        ConflictRecord.judge_id == conflict.judge_id, ConflictRecord.submission_id == conflict.submission_id,
        ConflictRecord.kind == conflict.kind))
    if stored is None:
        session.add(ConflictRecord(judge_id=conflict.judge_id, submission_id=conflict.submission_id,
                                   verdict=conflict.verdict, kind=conflict.kind, reason=conflict.reason[:300]))
    session.flush()


def decide_conflict(session: Session, conflict_id: int, decision: str, user_id: int | None) -> ConflictRecord:
    """An administrator's decision on a found conflict: ``conflict`` (the judge may not see it) or ``cleared``."""
    if decision not in ("conflict", "cleared"):
        raise ScoringError("decision", "decision must be conflict or cleared")
    stored = session.get(ConflictRecord, conflict_id)
    if stored is None:
        raise ScoringError("missing", "no such conflict")
    stored.decision, stored.decided_by = decision, user_id
    session.flush()
    return stored


# -- exports -----------------------------------------------------------------------------------------

def card_export(session: Session, submission: Submission, round_: str, judge: tuple[int, str] | None,
                lang: str = "zh", *, for_judge: bool = False) -> exports.ProjectCard:
    data = card(session, submission, round_, judge[0] if judge else None, lang, for_judge=for_judge)
    criteria = tuple(exports.CriterionCard(
        id=c["id"], name=c["name"], weight=c["weight"], min_score=c["min_score"], max_score=c["max_score"],
        score=c["score"], comment=c["comment"],
        summary=tuple(exports.Citation(s["text"], s["page"]) for s in c["summary"]),
        facts=tuple(_fact_line(f, lang) for f in c["facts"]), questions=tuple(c["questions"]))
        for c in data["criteria"])
    entry = data["submission"]
    return exports.ProjectCard(
        contest=f"{entry['contest']} {entry['year']}", round=label(ROUND_NAMES, round_, lang),
        group=label(GROUP_NAMES, entry["group"], lang), code=entry["code"], project=entry["project"],
        applicant=entry["applicant"], segment=str(entry["segment"] or ""), judge=judge[1] if judge else None,
        status={"draft": ("草稿", "Draft"), "submitted": ("已提交", "Submitted")}[data["status"]][lang == "en"],
        total=data["total"], comment=data["comment"],
        flags=tuple(f"{f['rule']}: {f['status']}" + (f" — {f['reason']}" if f["reason"] else "")
                    for f in data["flags"]),
        criteria=criteria,
        lang=lang)


def _fact_line(fact: Mapping[str, Any], lang: str) -> str:
    year = f" {fact['year']}" if fact.get("year") else ""
    page = (f"（第{fact['page']}页）" if lang == "zh" else f" (p. {fact['page']})") if fact.get("page") else ""
    return f"{fact['kind']}{year}: {fact['value']}{page}"


def score_sheet(session: Session, contest_id: int, group: str, round_: str, names: Mapping[int, str],
                lang: str = "zh") -> exports.ScoreSheet:
    rubric = rubric_for(session, contest_id, group, round_)
    cards = list(session.scalars(_cards_of(contest_id, group, round_).order_by(Scorecard.submission_id,
                                                                               Scorecard.judge_id)))
    entries = {s.id: s for s in session.scalars(select(Submission).where(
        Submission.id.in_([c.submission_id for c in cards])))}
    rows = tuple(exports.SheetRow(code=entries[c.submission_id].code, project=entries[c.submission_id].project,
                                  judge=names.get(c.judge_id, str(c.judge_id)),
                                  scores={k: c.scores.get(k) for k in (x.id for x in rubric.criteria)},
                                  total=c.total, status={"draft": "草稿", "submitted": "已提交"}[c.status]
                                  if lang == "zh" else c.status, comment=c.comment)
                 for c in sorted(cards, key=lambda c: (entries[c.submission_id].code, c.judge_id)))
    title = f"{label(ROUND_NAMES, round_, lang)} · {label(GROUP_NAMES, group, lang)} · {rubric.title(lang)}"
    return exports.ScoreSheet(title=title, criteria=tuple((c.id, c.name(lang), c.weight) for c in rubric.criteria),
                              rows=rows, lang=lang)


def ranking_sheet(session: Session, contest_id: int, group: str, round_: str, lang: str = "zh") -> exports.RankingSheet:
    result = standings(session, contest_id, group, round_, lang)
    rows = tuple(exports.RankingRow(rank=r["rank"], code=r["code"], project=r["project"], applicant=r["applicant"],
                                    score=r["score"], judges=r["judges"], outcome=r["label"], note=r["note"])
                 for r in result["rows"])
    title = (f"{result['contest']} {result['year']} · {label(ROUND_NAMES, round_, lang)} · "
             f"{label(GROUP_NAMES, group, lang)}")
    return exports.RankingSheet(title=title, rows=rows, lang=lang)
