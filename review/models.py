"""Contests, their submissions (registrations), team members, past ranking lists and review decisions.

A submission keeps its registration record as imported, except ID numbers: those exist only as a
keyed hash (to find one person in several teams) and a masked form (to show). The latest
eligibility check is stored on the submission; reviewers' decisions are kept as a history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ingest.database import Base, utcnow

CONTEST_KINDS = ("thematic", "regional", "overseas")
GROUPS = ("enterprise", "startup")
VERDICTS = ("eligible", "needs_review", "ineligible")
DECISIONS = ("accept", "reject", "return")


class Contest(Base):
    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    edition: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(String(100))
    # Per-contest rule configuration (enabled / advisory / parameters), over the defaults.
    rules: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submissions: Mapped[list[Submission]] = relationship(back_populates="contest")

    __table_args__ = (UniqueConstraint("name", "edition", "year", name="uq_contest_name_edition_year"),)


class Submission(Base):
    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # the registration number, e.g. AM11-E-0001
    group: Mapped[str] = mapped_column(String(16))
    segment: Mapped[int | None] = mapped_column(Integer)
    project: Mapped[str] = mapped_column(String(300))
    applicant: Mapped[str] = mapped_column(String(300))
    uscc: Mapped[str | None] = mapped_column(String(32), index=True)
    applicant_key: Mapped[str | None] = mapped_column(String(300), index=True)  # normalised company name
    # The registration record as imported (ID numbers replaced by hash and mask).
    registration: Mapped[dict | None] = mapped_column(JSON)
    verdict: Mapped[str | None] = mapped_column(String(16), index=True)
    risk: Mapped[float | None] = mapped_column(Float)  # sorts the queue: riskiest first
    checks: Mapped[list | None] = mapped_column(JSON)  # the rules' results of the latest check
    checked_at: Mapped[datetime | None] = mapped_column()
    decision: Mapped[str | None] = mapped_column(String(16), index=True)  # the latest reviewer decision
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contest: Mapped[Contest] = relationship(back_populates="submissions")
    files: Mapped[list[SubmissionFile]] = relationship(cascade="all, delete-orphan")
    members: Mapped[list[TeamMember]] = relationship(cascade="all, delete-orphan", order_by="TeamMember.position")


class SubmissionFile(Base):
    __tablename__ = "submission_files"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    # The file as the registration names it: the stored document may carry another name (same bytes sent before).
    name: Mapped[str | None] = mapped_column(String(512))


class Assignment(Base):
    """A judge assigned to a submission; with a declared conflict the judge may not see it.

    ``judge_id`` refers to the user account of the judge (``users``, owned by the api layer).
    """

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    conflict: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("submission_id", "judge_id", name="uq_assignment_submission_judge"),)


class TeamMember(Base):
    """A team member of a registration; ``id_hash`` is HMAC-SHA256 of the upper-cased ID number."""

    __tablename__ = "team_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(100))
    core: Mapped[bool] = mapped_column(Boolean, default=True)
    id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_masked: Mapped[str | None] = mapped_column(String(32))
    id_valid: Mapped[bool | None] = mapped_column(Boolean)


class PastListEntry(Base):
    """One row of a past national ranking list (企业组500强 / 创业组300强) of some year."""

    __tablename__ = "past_list_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_name: Mapped[str] = mapped_column(String(100))  # e.g. 2024年企业组500强
    group: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer, index=True)
    rank: Mapped[int | None] = mapped_column(Integer)
    project: Mapped[str | None] = mapped_column(String(300))
    applicant: Mapped[str | None] = mapped_column(String(300))
    applicant_key: Mapped[str | None] = mapped_column(String(300), index=True)
    region: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(String(500))  # file name or provenance URL
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewDecision(Base):
    """A qualification reviewer's decision on a submission; the latest is copied to the submission."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    verdict: Mapped[str | None] = mapped_column(String(16))  # what the machine said when the person decided
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
