"""Upload quotas and what each role may see of a document.

Quotas bound what one account can push in a day (a compromised account, or a script
gone wrong, must not fill the disk or the job queue); sizes count every upload, even of
bytes already stored, because each one costs a request and a check.
"""

from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth.service import Principal
from api.documents.models import Upload
from ingest.database import utcnow
from ingest.errors import Refused
from ingest.identity import mask_in
from ingest.limits import MB, format_size
from ingest.models import DocumentRecord
from review.service import judge_document_ids, judge_may_read

QUOTA_WINDOW = timedelta(days=1)


def quota_bytes() -> int:
    return int(os.environ.get("AMREVIEW_UPLOAD_QUOTA_MB", "2048")) * MB


def quota_files() -> int:
    return int(os.environ.get("AMREVIEW_UPLOAD_QUOTA_FILES", "2000"))


def check_quota(session: Session, user_id: int, size: int) -> None:
    """Refuse an upload that would take the user past their daily quota."""
    since = utcnow() - QUOTA_WINDOW
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(Upload.size), 0))
        .where(Upload.user_id == user_id, Upload.created_at >= since)).one()
    if count + 1 > quota_files():
        raise Refused("quota_exceeded", f"the daily quota of {quota_files()} uploads is used up")
    if total + size > quota_bytes():
        raise Refused("quota_exceeded", f"the daily quota of {format_size(quota_bytes())} would be exceeded "
                                        f"({format_size(total)} used)")


def record_upload(session: Session, user_id: int, record: DocumentRecord, filename: str, size: int) -> None:
    session.add(Upload(user_id=user_id, document_id=record.id, filename=filename[:512], size=size))


def may_read(session: Session, principal: Principal, document_id: int) -> bool:
    if principal.role == "judge":
        return judge_may_read(session, principal.user_id, document_id)
    return principal.role in ("admin", "reviewer", "integrity")


def visible_ids(principal: Principal):  # type: ignore[no-untyped-def]
    """None (everything) or a select of the document ids the principal may list."""
    return judge_document_ids(principal.user_id) if principal.role == "judge" else None


def for_viewer(principal: Principal, body: dict) -> dict:  # type: ignore[type-arg]
    """The document body as this principal may see it: ID numbers masked except for administrators."""
    return body if principal.is_admin else mask_in(body)  # type: ignore[return-value]
