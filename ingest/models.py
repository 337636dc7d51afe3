"""Stored documents: one row per distinct file (by SHA-256), with its parsed Document.

A ZIP bundle is a row too (``media_type`` application/zip); its members point at it
through ``parent_id``. Uploading the same bytes again finds the same row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ingest.database import Base, utcnow

QUEUED, PARSED, REFUSED, BUNDLE = "queued", "parsed", "refused", "bundle"


class DocumentRecord(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    filename: Mapped[str] = mapped_column(String(512))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"), index=True)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_reason: Mapped[str | None] = mapped_column(Text)
    page_count: Mapped[int | None] = mapped_column(Integer)
    ocr_page_count: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[dict | None] = mapped_column(JSON)  # the Document as JSON, set only when parsed
    facts: Mapped[list | None] = mapped_column(JSON)  # ingest.facts.Fact.to_json() of each fact, when parsed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    parsed_at: Mapped[datetime | None] = mapped_column()
