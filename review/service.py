"""Which submissions and documents a judge may open: assigned to them and not conflicted."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from ingest.models import DocumentRecord
from review.models import Assignment, Contest, Submission, SubmissionFile


def _open_assignments(judge_id: int) -> Select:  # type: ignore[type-arg]
    return select(Assignment.submission_id).where(Assignment.judge_id == judge_id, Assignment.conflict.is_(None))


def judge_submissions(session: Session, judge_id: int) -> list[Submission]:
    """The judge's assigned, unconflicted submissions, by registration number."""
    query = (select(Submission).options(selectinload(Submission.files))
             .where(Submission.id.in_(_open_assignments(judge_id))).order_by(Submission.code))
    return list(session.scalars(query))


def documents_of(submission_ids: Select) -> Select:  # type: ignore[type-arg]
    """The documents of those submissions: their files, and the members of any ZIP bundle among them."""
    files = select(SubmissionFile.document_id).where(SubmissionFile.submission_id.in_(submission_ids))
    member = aliased(DocumentRecord)
    return select(member).where(or_(member.id.in_(files), member.parent_id.in_(files)))


def judge_document_ids(judge_id: int) -> Select:  # type: ignore[type-arg]
    """Ids of the documents a judge may read: files of their submissions, and those files' members."""
    documents = documents_of(_open_assignments(judge_id)).subquery()
    return select(documents.c.id)


def judge_may_read(session: Session, judge_id: int, document_id: int) -> bool:
    visible = judge_document_ids(judge_id).subquery()
    return session.scalar(select(visible.c.id).where(visible.c.id == document_id)) is not None


def assign(session: Session, submission: Submission, judge_id: int, conflict: str | None = None) -> Assignment:
    """Assign (or re-assign, updating the declared conflict) a judge to a submission."""
    existing = session.scalar(select(Assignment).where(Assignment.submission_id == submission.id,
                                                       Assignment.judge_id == judge_id))
    if existing is not None:
        existing.conflict = conflict
        return existing
    assignment = Assignment(submission_id=submission.id, judge_id=judge_id, conflict=conflict)
    session.add(assignment)
    session.flush()
    return assignment


def contests(session: Session) -> list[Contest]:
    return list(session.scalars(select(Contest).order_by(Contest.year.desc(), Contest.name)))
