"""The qualification reviewers' intake queue: filter, sort riskiest first, decide, export.

The machine's verdict only orders the queue and explains itself; a submission is accepted,
rejected or returned for correction only by a person, and every decision is kept.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, selectinload

from review.models import DECISIONS, Contest, ReviewDecision, Submission

# Unchecked submissions sort with the ineligible: nobody has looked at them yet.
_VERDICT_ORDER = {"ineligible": 0, None: 1, "needs_review": 2, "eligible": 3}


@dataclass(frozen=True)
class QueueFilter:
    verdict: str | None = None  # a verdict, or "unchecked"
    group: str | None = None
    segment: int | None = None
    contest_id: int | None = None
    decision: str | None = None  # a decision, or "pending"
    search: str | None = None  # registration number, project or applicant contains
    sort: str = "risk"  # one of SORTS


# How the queue can be ordered; every order ends on the registration number, so pages are stable.
SORTS = ("risk", "code", "applicant", "segment", "group", "decision")


def _filtered(query: Select, wanted: QueueFilter) -> Select:  # type: ignore[type-arg]
    if wanted.verdict == "unchecked":
        query = query.where(Submission.verdict.is_(None))
    elif wanted.verdict:
        query = query.where(Submission.verdict == wanted.verdict)
    if wanted.decision == "pending":
        query = query.where(Submission.decision.is_(None))
    elif wanted.decision:
        query = query.where(Submission.decision == wanted.decision)
    if wanted.group:
        query = query.where(Submission.group == wanted.group)
    if wanted.segment is not None:
        query = query.where(Submission.segment == wanted.segment)
    if wanted.contest_id is not None:
        query = query.where(Submission.contest_id == wanted.contest_id)
    if wanted.search:
        pattern = f"%{wanted.search.strip()}%"
        query = query.where(Submission.code.like(pattern) | Submission.project.like(pattern)
                            | Submission.applicant.like(pattern))
    return query


def queue(session: Session, wanted: QueueFilter = QueueFilter(), *, limit: int = 200,
          offset: int = 0) -> tuple[list[Submission], int]:
    """One page of the queue in the wanted order (riskiest first by default), and the total."""
    query = _filtered(select(Submission).options(selectinload(Submission.contest)), wanted).order_by(
        *_order(wanted.sort), Submission.code)
    total = session.scalar(_filtered(select(func.count()).select_from(Submission), wanted)) or 0
    return list(session.scalars(query.limit(limit).offset(offset))), total


def _order(sort: str) -> tuple:  # type: ignore[type-arg]
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    if sort == "risk":  # verdict first, then the risk score within it
        verdict_rank = case(*((Submission.verdict == v, rank) for v, rank in _VERDICT_ORDER.items() if v), else_=1)
        return verdict_rank, func.coalesce(Submission.risk, 0).desc()
    column = {"code": Submission.code, "applicant": Submission.applicant_key, "segment": Submission.segment,
              "group": Submission.group, "decision": Submission.decision}[sort]
    return (column,)


def verdict_counts(session: Session, contest_id: int | None = None) -> dict[str | None, int]:
    query = select(Submission.verdict, func.count()).group_by(Submission.verdict)
    if contest_id is not None:
        query = query.where(Submission.contest_id == contest_id)
    return {verdict: count for verdict, count in session.execute(query).all()}


def decide(session: Session, submission: Submission, decision: str, comment: str,
           user_id: int | None) -> ReviewDecision:
    """Record a reviewer's decision; it becomes the submission's current decision."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
    if decision in ("reject", "return") and not comment.strip():
        raise ValueError("a rejection or a return for correction needs a comment for the applicant")
    entry = ReviewDecision(submission_id=submission.id, user_id=user_id, decision=decision,
                           comment=comment.strip(), verdict=submission.verdict)
    session.add(entry)
    submission.decision = decision
    session.flush()
    return entry


def decisions_of(session: Session, submission_id: int) -> list[ReviewDecision]:
    return list(session.scalars(select(ReviewDecision).where(ReviewDecision.submission_id == submission_id)
                                .order_by(ReviewDecision.id.desc())))


def latest_decisions(session: Session, submission_ids: Iterable[int]) -> dict[int, ReviewDecision]:
    ids = list(submission_ids)
    latest = (select(func.max(ReviewDecision.id)).where(ReviewDecision.submission_id.in_(ids))
              .group_by(ReviewDecision.submission_id))
    return {d.submission_id: d for d in session.scalars(select(ReviewDecision).where(ReviewDecision.id.in_(latest)))}


def problems(submission: Submission) -> list[dict]:  # type: ignore[type-arg]
    """The rules of the latest check that failed or need a person, failures first."""
    results = submission.checks or []
    return ([r for r in results if r.get("status") == "fail"] + [r for r in results if r.get("status") == "unknown"])


# ---------------------------------------------------------------- export

EXPORT_COLUMNS = ("报名编号 Registration", "赛事 Contest", "组别 Group", "领域 Segment", "项目名称 Project",
                  "申报主体 Applicant", "统一社会信用代码 USCC", "机器结论 Verdict", "风险 Risk",
                  "未通过/待核实规则 Rules failed or unknown", "审查决定 Decision", "审查意见 Comment",
                  "决定时间 Decided at")
_FILLS = {"ineligible": "F8D7DA", "needs_review": "FFF3CD", "eligible": "D4EDDA"}


def export_rows(session: Session, wanted: QueueFilter = QueueFilter()) -> list[list[object]]:
    submissions, _total = queue(session, wanted, limit=10**7)
    decisions = latest_decisions(session, [s.id for s in submissions])
    rows: list[list[object]] = []
    for s in submissions:
        decision = decisions.get(s.id)
        contest: Contest = s.contest
        rows.append([
            s.code, f"{contest.name}（{contest.year}）", s.group, s.segment, s.project, s.applicant, s.uscc or "",
            s.verdict or "unchecked", round(s.risk or 0, 2),
            "; ".join(f"{r['rule']}: {r['status']} — {r.get('reason', '')}" for r in problems(s)),
            decision.decision if decision else "", decision.comment if decision else "",
            decision.created_at.strftime("%Y-%m-%d %H:%M") if decision else "",
        ])
    return rows


def export_xlsx(rows: list[list[object]]) -> bytes:
    """The queue as a workbook: one sheet, frozen header, verdict cells coloured, ready to print."""
    book = Workbook()
    sheet = book.active
    sheet.title = "资格审查 Qualification"
    sheet.append(list(EXPORT_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    verdict_column = EXPORT_COLUMNS.index("机器结论 Verdict")
    for row in rows:
        sheet.append([_cell(value) for value in row])
        fill = _FILLS.get(str(row[verdict_column]))
        if fill:
            sheet.cell(sheet.max_row, verdict_column + 1).fill = PatternFill("solid", fgColor=fill)
    for letter, width in zip("ABCDEFGHIJKLM", (16, 22, 11, 8, 36, 30, 22, 14, 7, 60, 10, 40, 17), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value: object) -> object:
    # A cell starting with = + - @ would be read as a formula by a spreadsheet: keep it text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


