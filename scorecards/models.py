"""Storage of judging: judges' profiles, conflicts of interest, scorecards, round entries, rubric versions.

``judge_id``/``user_id`` refer to user accounts (``users``, owned by the api layer), as assignments do.
A scorecard is one judge's scores for one project in one round: a draft until submitted, then locked
until an administrator reopens it with a reason (audited by the api layer).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ingest.database import Base, utcnow

DRAFT, SUBMITTED = "draft", "submitted"
ENTRY_STATUSES = ("active", "withdrawn", "disqualified")


class JudgeProfile(Base):
    """What conflict checks and assignment need to know about a judge."""

    __tablename__ = "judge_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    organisation: Mapped[str | None] = mapped_column(String(300))
    uscc: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(String(100))
    segments: Mapped[list | None] = mapped_column(JSON)  # AM segments 1–7
    expertise: Mapped[str] = mapped_column(String(16), default="industry")  # industry | finance
    declared: Mapped[list | None] = mapped_column(JSON)  # codes or applicant names declared as conflicts
    max_load: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConflictRecord(Base):
    """A conflict found between a judge and an entry; an ``unknown`` waits for an administrator's decision."""

    __tablename__ = "judge_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[str] = mapped_column(String(16))  # conflict | unknown
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(300))
    decision: Mapped[str | None] = mapped_column(String(16))  # conflict | cleared, by an administrator
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("judge_id", "submission_id", "kind", name="uq_conflict_judge_entry_kind"),)


class Scorecard(Base):
    __tablename__ = "scorecards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    round: Mapped[str] = mapped_column(String(16))
    rubric: Mapped[str] = mapped_column(String(64))
    rubric_version: Mapped[int] = mapped_column(Integer)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)  # criterion id → points
    comments: Mapped[dict] = mapped_column(JSON, default=dict)  # criterion id → the judge's note
    comment: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("submission_id", "judge_id", "round", name="uq_scorecard_entry_judge_round"),)


class RoundEntry(Base):
    """An entry's standing in a round when it is not simply active: withdrawn, or disqualified."""

    __tablename__ = "round_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    round: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("submission_id", "round", name="uq_round_entry"),)


class RubricVersion(Base):
    """A contest's own rubric (YAML as uploaded); the newest version of a name is the one used."""

    __tablename__ = "rubric_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    group: Mapped[str] = mapped_column(String(16))
    round: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("contest_id", "name", "version", name="uq_rubric_contest_name_version"),)
