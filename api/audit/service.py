"""Writing and reading the audit log.

``record`` adds the event to the caller's transaction, so an action and its audit entry
are committed together or not at all.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.audit.models import AuditEvent
from api.auth.service import Principal

CSV_COLUMNS = ("id", "at", "username", "role", "action", "object_type", "object_id", "address", "detail")


def record(session: Session, principal: Principal | None, action: str, object_type: str = "",
           object_id: object = "", *, address: str = "", **detail: object) -> None:
    session.add(AuditEvent(
        user_id=principal.user_id if principal else None,
        username=principal.username if principal else str(detail.pop("username", "")),
        role=principal.role if principal else "",
        action=action, object_type=object_type, object_id=str(object_id)[:64], address=address[:64],
        detail=detail,
    ))


@dataclass(frozen=True)
class AuditFilter:
    username: str = ""
    action: str = ""
    object_type: str = ""

    def apply(self, query: Select) -> Select:  # type: ignore[type-arg]
        if self.username:
            query = query.where(AuditEvent.username == self.username)
        if self.action:
            query = query.where(AuditEvent.action == self.action)
        if self.object_type:
            query = query.where(AuditEvent.object_type == self.object_type)
        return query


def events(session: Session, where: AuditFilter, *, limit: int = 100, offset: int = 0) -> tuple[list[AuditEvent], int]:
    """One page of events, newest first, and how many match in all."""
    total = session.scalar(where.apply(select(func.count()).select_from(AuditEvent))) or 0
    query = where.apply(select(AuditEvent)).order_by(AuditEvent.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query)), total


def as_dict(event: AuditEvent) -> dict[str, object]:
    return {"id": event.id, "at": event.at.isoformat(timespec="seconds") + "Z", "username": event.username,
            "role": event.role, "action": event.action, "object_type": event.object_type,
            "object_id": event.object_id, "address": event.address, "detail": event.detail}


def to_csv(rows: Iterable[AuditEvent]) -> str:
    """CSV with a UTF-8 BOM, so that spreadsheet programs open the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in rows:
        row = as_dict(event)
        writer.writerow([_cell(row[column]) for column in CSV_COLUMNS])
    return "\ufeff" + buffer.getvalue()


def _cell(value: object) -> str:
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = value if isinstance(value, str) else ("" if value is None else str(value))
    # A cell starting with = + - @ would run as a formula in Excel: make it plain text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
