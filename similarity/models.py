"""Integrity's stored data: fingerprints, reference texts, entity keys, suspicious pairs, cases, findings.

Keys name what is compared: ``s:ID`` a submission (its business plan), ``r:ID`` a reference text.
The fingerprints here are the source of truth; the on-disk indexes in the data directory are
derived from them and from the stored documents, and can be rebuilt (``amreview integrity rebuild``).
Submissions are referred to by id only: this package knows nothing of how they are stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ingest.database import Base, utcnow

OPEN, DECIDED = "open", "decided"
CONFIRMED_REPEAT, PLAGIARISM, FALSE_ALARM = "confirmed_repeat", "plagiarism", "false_alarm"
FINDINGS = (CONFIRMED_REPEAT, PLAGIARISM, FALSE_ALARM)
# A reference text to check against; text to discount whole (the template, policies); or plans from
# elsewhere (past years, public collections) that only teach which text is common.
COMPARE, IGNORE, CORPUS = "compare", "ignore", "corpus"
REFERENCE_KINDS = (COMPARE, IGNORE, CORPUS)


class ReferenceText(Base):
    """An external text: checked against, ignored, or counted for common text (see ``REFERENCE_KINDS``)."""

    __tablename__ = "similarity_references"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Fingerprint(Base):
    """One compared text's MinHash signature (128 × 8 bytes), so the index can be rebuilt without reparsing."""

    __tablename__ = "similarity_fingerprints"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    reference_id: Mapped[int | None] = mapped_column(ForeignKey("similarity_references.id", ondelete="CASCADE"),
                                                     index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    shingles: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EntityKey(Base):
    """An entity a submission names (uscc, company key, person hash, patent), indexed to find repeats."""

    __tablename__ = "integrity_entities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(300), index=True)


class IntegrityCase(Base):
    """Connected suspicious pairs: one project entered several times, or one text copied by several."""

    __tablename__ = "integrity_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # repeat | copying | reference | mixed
    score: Mapped[float] = mapped_column(Float, index=True)
    members: Mapped[list] = mapped_column(JSON)  # keys, s:ID / r:ID
    status: Mapped[str] = mapped_column(String(16), default=OPEN, index=True)
    finding: Mapped[str | None] = mapped_column(String(24))  # the latest finding
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class IntegrityPair(Base):
    """Two compared texts with their evidence; ``case_id`` None: not (or no longer) suspicious."""

    __tablename__ = "integrity_pairs"
    __table_args__ = (UniqueConstraint("a", "b"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    a: Mapped[str] = mapped_column(String(32), index=True)
    b: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    resemblance: Mapped[float] = mapped_column(Float)
    a_share: Mapped[float] = mapped_column(Float)
    b_share: Mapped[float] = mapped_column(Float)
    passages: Mapped[list] = mapped_column(JSON)  # {"a": [s, e], "b": [s, e], "score"}: offsets into each text
    links: Mapped[list] = mapped_column(JSON)  # entities.Link.to_json()
    a_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    b_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("integrity_cases.id", ondelete="SET NULL"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class IntegrityFinding(Base):
    """An integrity officer's decision on a case, with the entries it holds against (``at_fault``)."""

    __tablename__ = "integrity_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("integrity_cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    finding: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str] = mapped_column(Text, default="")
    members: Mapped[list] = mapped_column(JSON)  # the case's members when decided
    at_fault: Mapped[list] = mapped_column(JSON)  # submission keys the finding holds against
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
