"""Documents as the rest of the system sees them: accept an upload, parse it, read it back.

Parsing happens outside any transaction (it can take minutes); its outcome is written
in one transaction, so a document is either queued or completely parsed/refused, never
half-written. Running the same parse twice is harmless: a document no longer queued is
left alone.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, defer

from ingest.blobs import BlobStore
from ingest.database import session_scope, utcnow
from ingest.document import Document
from ingest.facts import extract_facts
from ingest.limits import DEFAULT_LIMITS, Limits
from ingest.models import BUNDLE, PARSED, QUEUED, REFUSED, DocumentRecord
from ingest.parse import ParseResult
from ingest.settings import load_settings
from ingest.sniff import ZIP, sniff

Parser = Callable[[bytes, str], list[ParseResult]]

log = logging.getLogger("amreview.ingest")


def blob_store() -> BlobStore:
    return BlobStore(load_settings().blob_dir)


def accept_upload(session: Session, data: bytes, filename: str,
                  limits: Limits = DEFAULT_LIMITS) -> tuple[DocumentRecord, bool]:
    """Store the original and return its record and whether it is new.

    Refusals that need no parsing (empty, too large, not a type we read) raise ``Refused``
    before anything is stored; the same bytes uploaded again return the existing record.
    """
    limits.check_size(len(data))
    media_type = sniff(data, filename).media_type
    digest = hashlib.sha256(data).hexdigest()
    existing = session.scalar(select(DocumentRecord).where(DocumentRecord.sha256 == digest))
    if existing is not None:
        return existing, False
    blob_store().put(data)
    record = DocumentRecord(sha256=digest, filename=_safe_name(filename), size=len(data),
                            media_type=media_type, status=QUEUED)
    session.add(record)
    session.flush()
    return record, True


def parse_document(document_id: int, parser: Parser) -> str:
    """Parse a stored document and record the outcome; returns the final status."""
    with session_scope() as session:
        record = session.get(DocumentRecord, document_id)
        if record is None:
            raise LookupError(f"document {document_id} does not exist")
        if record.status != QUEUED:
            return record.status
        sha256, filename = record.sha256, record.filename
    results = parser(blob_store().get(sha256), filename)
    with session_scope() as session:
        # Row-locked on PostgreSQL: two runs racing on one document (a worker given up for lost while
        # still alive, and its replacement) write it once; the second sees it is no longer queued.
        record = session.get(DocumentRecord, document_id, with_for_update=True)
        assert record is not None
        if record.status != QUEUED:  # another worker finished it first
            return record.status
        if record.media_type == ZIP and not (len(results) == 1 and results[0].name == filename):
            _record_bundle(session, record, results)
        else:
            _record_result(record, results[0])
        status = record.status
    log.info("document %d recorded as %s", document_id, status)  # once per write: benchmarks count these
    return status


def _record_result(record: DocumentRecord, result: ParseResult) -> None:
    record.parsed_at = utcnow()
    if result.document is None:
        assert result.error is not None
        record.status, record.error_code, record.error_reason = REFUSED, result.error.code, result.error.reason
        return
    document = result.document
    record.status = PARSED
    record.media_type = document.media_type
    record.page_count = len(document.pages)
    record.ocr_page_count = len(document.ocr_pages)
    record.content = document.model_dump(mode="json")
    record.facts = _facts_of(document)


def _facts_of(document: Document) -> list | None:  # type: ignore[type-arg]
    """The document's facts; None (rules then say "not available") if extraction fails on this document.

    A bug in one extractor must not cost the parsed text, which reviewers and every other step still use.
    """
    try:
        return [fact.to_json() for fact in extract_facts(document)]
    except Exception:
        log.exception("fact extraction failed on document %s", document.sha256[:12])
        return None


def _record_bundle(session: Session, bundle: DocumentRecord, results: list[ParseResult]) -> None:
    """Each member becomes its own document; the bundle keeps the list of what became of them."""
    members: list[dict] = []
    for result in results:
        entry: dict = {"file": result.name}
        if result.data is not None:
            member, _ = _member_record(session, bundle, result)
            entry["document_id"] = member.id
        if result.error is not None:
            entry.update(error=result.error.reason, code=result.error.code)
        members.append(entry)
    bundle.status, bundle.parsed_at = BUNDLE, utcnow()
    bundle.content = {"members": members}


def _member_record(session: Session, bundle: DocumentRecord, result: ParseResult) -> tuple[DocumentRecord, bool]:
    assert result.data is not None
    digest = hashlib.sha256(result.data).hexdigest()
    existing = session.scalar(select(DocumentRecord).where(DocumentRecord.sha256 == digest))
    if existing is not None:
        return existing, False
    blob_store().put(result.data)
    record = DocumentRecord(sha256=digest, filename=_safe_name(result.name.split("!", 1)[-1]),
                            size=len(result.data), parent_id=bundle.id, status=QUEUED)
    _record_result(record, result)
    session.add(record)
    session.flush()
    return record, True


def get_document(session: Session, document_id: int) -> DocumentRecord | None:
    return session.get(DocumentRecord, document_id)


def list_documents(session: Session, *, limit: int = 100, offset: int = 0,
                   within: Select | None = None) -> list[DocumentRecord]:  # type: ignore[type-arg]
    """Newest first, without their parsed content (lists never show it); ``within``: a select of ids."""
    query = select(DocumentRecord).options(defer(DocumentRecord.content), defer(DocumentRecord.facts))
    if within is not None:
        query = query.where(DocumentRecord.id.in_(within))
    return list(session.scalars(query.order_by(DocumentRecord.id.desc()).limit(limit).offset(offset)))


def _safe_name(filename: str) -> str:
    """A display name only (files are stored by digest): no directories, bounded length."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "upload"  # no NUL or control characters
    return name[:255]
