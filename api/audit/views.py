"""The audit log for administrators: a filterable page, a CSV export, and the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from api.audit.service import AuditFilter, as_dict, events, record, to_csv
from api.auth.dependencies import Allow, client_address
from api.auth.models import ADMIN
from api.auth.service import Principal
from api.errors import ERROR_RESPONSES
from api.web import render
from ingest.database import session_scope

router = APIRouter()
api = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)

PageAdmin = Annotated[Principal, Depends(Allow(ADMIN, api=False))]
ApiAdmin = Annotated[Principal, Depends(Allow(ADMIN, api=True))]
EXPORT_LIMIT = 100_000
PAGE_SIZE = 100


class AuditEventOut(BaseModel):
    id: int
    at: str
    username: str
    role: str
    action: str
    object_type: str
    object_id: str
    address: str
    detail: dict[str, object]


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    total: int
    limit: int
    offset: int


@router.get("/admin/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(request: Request, me: PageAdmin, username: str = "", action: str = "", object_type: str = "",
               offset: Annotated[int, Query(ge=0)] = 0) -> HTMLResponse:
    where = AuditFilter(username, action, object_type)
    with session_scope() as session:
        rows, total = events(session, where, limit=PAGE_SIZE, offset=offset)
    return render(request, "audit.html", rows=rows, total=total, where=where, offset=offset, page_size=PAGE_SIZE)


@router.get("/admin/audit.csv", include_in_schema=False)
def audit_export(request: Request, me: PageAdmin, username: str = "", action: str = "",
                 object_type: str = "") -> Response:
    where = AuditFilter(username, action, object_type)
    with session_scope() as session:
        rows, _ = events(session, where, limit=EXPORT_LIMIT)
        record(session, me, "export", "audit", "", address=client_address(request), rows=len(rows),
               filter=as_filter_dict(where))
        body = to_csv(rows)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="amreview-audit.csv"',
                             "Cache-Control": "private, no-store"})


def as_filter_dict(where: AuditFilter) -> dict[str, str]:
    return {k: v for k, v in (("username", where.username), ("action", where.action),
                              ("object_type", where.object_type)) if v}


@api.get("/audit", tags=["audit"])
def audit_json(me: ApiAdmin, username: str = "", action: str = "", object_type: str = "",
               limit: Annotated[int, Query(ge=1, le=1000)] = 100,
               offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> AuditPage:
    with session_scope() as session:
        rows, total = events(session, AuditFilter(username, action, object_type), limit=limit, offset=offset)
        return AuditPage(items=[AuditEventOut(**as_dict(r)) for r in rows], total=total, limit=limit, offset=offset)
