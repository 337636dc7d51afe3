"""Reviewers' segment corrections: the right segment for a submission or a text, kept to retrain on.

A correction keeps the text it corrects (what the classifier read, capped) so a retrain needs no
document to be parsed again, and outlives the submission it came from (a withdrawn entry still
taught the model something).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from ingest.database import Base, utcnow

CORRECTION_TEXT_CHARS = 20_000  # what a retrain reads of a corrected document: its weightiest passages


class SegmentCorrection(Base):
    __tablename__ = "segment_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    segment: Mapped[int] = mapped_column(Integer)
    predicted: Mapped[int | None] = mapped_column(Integer)  # what the classifier said when corrected
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
