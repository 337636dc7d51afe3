"""Glue between the qualification pages and the review domain: imports, the detail view, checks.

The review domain does not know the job queue; this module gives it the two things it needs
from the service platform: storing an upload (``accept_upload``) and queuing a parse job.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.jobs import create_job
from api.web import runner
from ingest.database import session_scope
from ingest.identity import mask_in
from ingest.models import DocumentRecord
from ingest.service import accept_upload
from review import qualify
from review.intake import FileBundle, ImportSummary, import_batch
from review.models import PastListEntry, Submission
from review.triage import decisions_of

__all__ = ["ImportSummary", "detail", "import_past_list", "import_registrations", "past_lists"]

_EXCERPT = 60  # characters of context either side of a highlighted span


def import_registrations(data: bytes, filename: str, bundle: bytes | None) -> ImportSummary:
    """Read a registrations file and store every readable registration with the bundle's files.

    Parse jobs are created in the same transaction as their documents; the caller queues the
    check, and each parse job re-checks its submissions when it finishes.
    """
    registrations, errors = qualify.read_registrations_bytes(data, filename)
    files = FileBundle(bundle)
    parse_jobs: list[str] = []

    def queue_parse(session: Session, record: DocumentRecord) -> None:
        parse_jobs.append(create_job(session, "parse_document", {"document_id": record.id}).id)

    with session_scope() as session:
        summary = import_batch(session, registrations, files, accept_upload, queue_parse)
    summary.errors[:0] = errors
    for job_id in parse_jobs:  # after the commit: a worker must find the job's row
        runner().submit(job_id)
    return summary


def import_past_list(data: bytes, filename: str, year: int | None, group: str | None,  # type: ignore[type-arg]
                     columns: dict[str, str | int] | None = None) -> dict:
    with session_scope() as session:
        return qualify.import_past_list(session, data, filename, year=year, group=group, mapping=columns)


def past_lists(session: Session) -> list[dict]:  # type: ignore[type-arg]
    rows = session.execute(select(PastListEntry.list_name, PastListEntry.group, PastListEntry.year, func.count())
                           .group_by(PastListEntry.list_name, PastListEntry.group, PastListEntry.year)
                           .order_by(PastListEntry.year.desc(), PastListEntry.list_name)).all()
    return [{"list_name": name, "group": group, "year": year, "rows": count} for name, group, year, count in rows]


def detail(session: Session, submission: Submission, *, excerpts: bool = False) -> dict:  # type: ignore[type-arg]
    """What a reviewer sees of a submission; ID numbers in any text are masked."""
    documents = qualify.submission_documents(session, submission)
    named = qualify.documents_by_name(session, submission, documents)
    texts = {record.id: (record.content or {}).get("text", "") for record in documents}
    checks = [dict(result, evidence=[_evidence(e, named, texts, excerpts) for e in result.get("evidence", [])])
              for result in submission.checks or []]
    return mask_in({  # type: ignore[return-value]
        "registration": submission.registration,
        "members": [{"name": m.name, "role": m.role, "core": m.core, "id_masked": m.id_masked, "id_valid": m.id_valid}
                    for m in submission.members],
        "checks": checks if submission.checks is not None else None,
        "checked_at": submission.checked_at.isoformat() if submission.checked_at else None,
        "documents": [{"id": r.id, "filename": r.filename, "status": r.status, "pages": r.page_count,
                       "facts": r.facts or []} for r in documents],
        "decisions": [{"id": d.id, "decision": d.decision, "comment": d.comment, "verdict": d.verdict,
                       "reviewer": d.user_id and _username(session, d.user_id), "at": d.created_at.isoformat()}
                      for d in decisions_of(session, submission.id)],
    })


def _evidence(item: dict, named: dict[str, list[DocumentRecord]], texts: dict[int, str],  # type: ignore[type-arg]
              excerpts: bool) -> dict:  # type: ignore[type-arg]
    """A document evidence item with its document's id and, for pages, the text around its span."""
    if item.get("source") != "document":
        return item
    records = named.get(str(item.get("file")), [])
    span = item.get("span")
    # a ZIP stands for its members: the span is in the one whose text holds the quoted passage
    record = next((r for r in records if span and texts.get(r.id, "")[span[0]:span[1]] == item.get("text")),
                  records[0] if records else None)
    enriched = dict(item, document_id=record.id if record else None)
    if excerpts and record is not None and span:
        text = texts.get(record.id, "")
        start, end = int(span[0]), int(span[1])
        enriched.update(before=text[max(0, start - _EXCERPT):start], text=text[start:end] or item.get("text", ""),
                        after=text[end:end + _EXCERPT])
    return enriched


def reviewed_segment(session: Session, submission_id: int) -> dict | None:  # type: ignore[type-arg]
    """The latest reviewer's segment correction of a submission, if any."""
    row = qualify.latest_corrections(session, [submission_id]).get(submission_id)
    return {"segment": row.segment, "note": row.note, "at": row.created_at.isoformat()} if row else None


def _username(session: Session, user_id: int) -> str | None:
    from api.auth.models import User

    user = session.get(User, user_id)
    return user.username if user else None
