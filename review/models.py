"""Contests and their submissions (the registration details grow with the qualification issue)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ingest.database import Base, utcnow

CONTEST_KINDS = ("thematic", "regional", "overseas")
GROUPS = ("enterprise", "startup")


class Contest(Base):
    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    edition: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(String(100))
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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contest: Mapped[Contest] = relationship(back_populates="submissions")
    files: Mapped[list[SubmissionFile]] = relationship(cascade="all, delete-orphan")


class SubmissionFile(Base):
    __tablename__ = "submission_files"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)


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
