"""Integrity (诚信/查重): cases of repeat entries and copied text, passages side by side, findings.

Integrity officers and administrators read cases and record findings; administrators also load
reference texts (to check against, or to ignore as template text) and rebuild the index.
Qualification reviewers see only the verdict's reason on the submission page; judges see nothing
of this: the passages are confidential plan text of two applicants.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from api.audit.service import record
from api.auth.dependencies import Allow, AllowForm, client_address
from api.auth.models import ADMIN, INTEGRITY
from api.auth.service import Principal
from api.errors import ERROR_RESPONSES, ApiError, PageError, RowId, Text
from api.integrity import service
from api.jobs import create_job
from api.web import render, runner
from ingest.database import session_scope
from similarity.align import align
from similarity.cases import KINDS
from similarity.models import COMPARE, FINDINGS, REFERENCE_KINDS, IntegrityCase, ReferenceText

router = APIRouter()
api = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)

ApiOfficer = Annotated[Principal, Depends(Allow(ADMIN, INTEGRITY, api=True))]
ApiAdmin = Annotated[Principal, Depends(Allow(ADMIN, api=True))]
PageOfficer = Annotated[Principal, Depends(Allow(ADMIN, INTEGRITY, api=False))]
FormOfficer = Annotated[Principal, Depends(AllowForm(ADMIN, INTEGRITY))]
FormAdmin = Annotated[Principal, Depends(AllowForm(ADMIN))]

MAX_TEXT = 500_000
CaseKind = Literal["repeat", "copying", "reference", "mixed"]
CaseStatus = Literal["open", "decided"]
Finding = Literal["confirmed_repeat", "plagiarism", "false_alarm"]
ReferenceKind = Literal["compare", "ignore", "corpus"]
assert set(KINDS) <= set(CaseKind.__args__)  # type: ignore[attr-defined]
assert set(FINDINGS) == set(Finding.__args__)  # type: ignore[attr-defined]
assert set(REFERENCE_KINDS) == set(ReferenceKind.__args__)  # type: ignore[attr-defined]


class FindingIn(BaseModel):
    finding: Finding
    comment: Text = Field(default="", max_length=4000)
    at_fault: list[Annotated[str, Field(max_length=64)]] = Field(default=[], max_length=50)  # registration numbers


class ReferenceIn(BaseModel):
    kind: ReferenceKind
    title: Text = Field(min_length=1, max_length=300)
    text: Text = Field(min_length=1, max_length=MAX_TEXT)
    source: Text = Field(default="", max_length=500)


class AlignIn(BaseModel):
    source: Text = Field(min_length=1, max_length=MAX_TEXT)
    suspicious: Text = Field(min_length=1, max_length=MAX_TEXT)


class ReferenceOut(BaseModel):
    id: int
    kind: str
    title: str
    source: str
    chars: int
    at: str


class Queued(BaseModel):
    job_id: str


def _case(session: Any, case_id: int) -> IntegrityCase:
    case = session.get(IntegrityCase, case_id)
    if case is None or not case.members:
        raise ApiError(404, "not_found", f"no case {case_id}")
    return case


def _keys_of(session: Any, case: IntegrityCase, codes: list[str]) -> list[str]:
    """Registration numbers of members → their keys; an unknown one is refused."""
    by_code = {m["code"]: m["key"] for m in service.describe_members(session, case.members)}
    unknown = sorted(set(codes) - set(by_code))
    if unknown:
        raise ApiError(422, "invalid", f"not members of case {case.id}: {', '.join(unknown)}")
    return [by_code[c] for c in codes]


def _decide(request: Request, me: Principal, case_id: int, body: FindingIn, via: str) -> dict[str, Any]:
    with session_scope() as session:
        case = _case(session, case_id)
        row = service.record_finding(session, case, body.finding, body.comment, _keys_of(session, case, body.at_fault),
                                     me.user_id)
        record(session, me, "integrity_finding", "integrity_case", case_id, address=client_address(request),
               finding=body.finding, at_fault=body.at_fault, via=via)
        members = sorted(int(k[2:]) for k in case.members if k.startswith("s:"))
        job_id = create_job(session, "check_submissions", {"submission_ids": members, "integrity": False}).id
        detail = {"id": row.id, "case": case_id, "finding": row.finding, "job_id": job_id}
    runner().submit(job_id)  # the findings change the members' verdicts
    return detail


def _queue_rebuild(me: Principal, request: Request) -> str:
    """One rebuild at a time: a second request (a double click) gets the one already waiting."""
    with session_scope() as session:
        job_id, created = service.queue_rebuild(session)
        if created:
            record(session, me, "integrity_rebuild", "integrity_index", job_id, address=client_address(request))
    if created:
        runner().submit(job_id)
    return job_id


def _add_reference(request: Request, me: Principal, body: ReferenceIn) -> ReferenceOut:
    with session_scope() as session:
        try:
            reference = service.add_reference(session, body.kind, body.title, body.text, body.source, me.user_id)
        except ValueError as exc:
            raise ApiError(422, "invalid", str(exc)) from None
        record(session, me, "reference_added", "reference_text", reference.id, address=client_address(request),
               kind=body.kind, title=body.title)
        out = _reference(reference)
    if body.kind != COMPARE:
        _queue_rebuild(me, request)  # what is common changes every fingerprint
    return out


def _reference(row: ReferenceText) -> ReferenceOut:
    return ReferenceOut(id=row.id, kind=row.kind, title=row.title, source=row.source, chars=len(row.text),
                        at=row.created_at.isoformat(timespec="seconds"))


def _references() -> list[ReferenceOut]:
    with session_scope() as session:
        return [_reference(r) for r in session.scalars(select(ReferenceText).order_by(ReferenceText.id.desc()))]


# ---------------------------------------------------------------- API


@api.get("/integrity/cases", tags=["integrity"])
def cases_json(me: ApiOfficer, kind: CaseKind | None = None, status: CaseStatus | None = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 100,
               offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[dict[str, Any]]:
    """Cases, most suspicious first: kind, score, status, latest finding and members."""
    with session_scope() as session:
        return service.list_cases(session, kind=kind, status=status, limit=limit, offset=offset)


@api.get("/integrity/cases/{case_id}", tags=["integrity"])
def case_json(case_id: RowId, me: ApiOfficer) -> dict[str, Any]:
    """One case: members, each pair's reasons (similarity, shares, shared entities), passages, findings."""
    with session_scope() as session:
        return service.case_detail(session, _case(session, case_id))


@api.post("/integrity/cases/{case_id}/findings", status_code=201, tags=["integrity"])
def finding_json(request: Request, case_id: RowId, body: FindingIn, me: ApiOfficer) -> dict[str, Any]:
    """Record a finding (confirmed repeat, plagiarism, false alarm); the members' eligibility is checked again."""
    return _decide(request, me, case_id, body, "api")


@api.get("/integrity/references", tags=["integrity"])
def references_json(me: ApiOfficer) -> list[ReferenceOut]:
    """Reference texts: checked against (``compare``) or ignored as template text (``ignore``)."""
    return _references()


@api.post("/integrity/references", status_code=201, tags=["integrity"])
def reference_json(request: Request, body: ReferenceIn, me: ApiAdmin) -> ReferenceOut:
    """Load a reference text; a ``compare`` text is checked against every submission now."""
    return _add_reference(request, me, body)


@api.post("/integrity/rebuild", status_code=202, tags=["integrity"])
def rebuild_json(request: Request, me: ApiAdmin) -> Queued:
    """Learn common text again and compare everything anew (a job)."""
    return Queued(job_id=_queue_rebuild(me, request))


@api.post("/integrity/align", tags=["integrity"])
async def align_json(body: AlignIn, me: ApiOfficer) -> dict[str, Any]:
    """The passages two texts share (as ``amreview align``), with common text discounted."""
    common = service.common_grams()
    matches = await run_in_threadpool(align, body.source, body.suspicious, None, common)
    return {"matches": [m.to_json() for m in matches]}


# ---------------------------------------------------------------- pages


@router.get("/integrity", response_class=HTMLResponse, include_in_schema=False)
def cases_page(request: Request, me: PageOfficer, kind: CaseKind | None = None,
               status: CaseStatus | None = None) -> HTMLResponse:
    with session_scope() as session:
        cases = service.list_cases(session, kind=kind, status=status, limit=500)
    return render(request, "integrity.html", cases=cases, kind=kind or "", status=status or "",
                  references=_references() if me.role == ADMIN else [])


@router.get("/integrity/cases/{case_id}", response_class=HTMLResponse, include_in_schema=False)
def case_page(request: Request, case_id: RowId, me: PageOfficer) -> HTMLResponse:
    with session_scope() as session:
        try:
            detail = service.case_detail(session, _case(session, case_id))
        except ApiError:
            raise PageError(404, "not_found") from None
    return render(request, "integrity_case.html", case=detail, findings=FINDINGS)


@router.post("/integrity/cases/{case_id}/findings", include_in_schema=False)
def finding_page(request: Request, case_id: RowId, me: FormOfficer, finding: Annotated[Finding, Form()],
                 comment: Annotated[str, Form(max_length=4000)] = "",
                 at_fault: Annotated[list[str] | None, Form(max_length=50)] = None) -> RedirectResponse:
    if "\x00" in comment or any("\x00" in code or len(code) > 64 for code in at_fault or []):
        raise PageError(400, "bad_request")
    try:
        _decide(request, me, case_id, FindingIn(finding=finding, comment=comment, at_fault=at_fault or []), "page")
    except ApiError as exc:
        raise PageError(exc.status, "not_found" if exc.status == 404 else "bad_request") from None
    return RedirectResponse(f"/integrity/cases/{case_id}#findings", status_code=303)


@router.post("/integrity/references", include_in_schema=False)
def reference_page(request: Request, me: FormAdmin, kind: Annotated[ReferenceKind, Form()],
                   title: Annotated[str, Form(min_length=1, max_length=300)],
                   text: Annotated[str, Form(min_length=1, max_length=MAX_TEXT)],
                   source: Annotated[str, Form(max_length=500)] = "") -> RedirectResponse:
    if "\x00" in title + text + source:
        raise PageError(400, "bad_request")
    try:
        _add_reference(request, me, ReferenceIn(kind=kind, title=title, text=text, source=source))
    except ApiError:
        raise PageError(422, "bad_request") from None
    return RedirectResponse("/integrity#references", status_code=303)


@router.post("/integrity/rebuild", include_in_schema=False)
def rebuild_page(request: Request, me: FormAdmin) -> RedirectResponse:
    _queue_rebuild(me, request)
    return RedirectResponse("/integrity?rebuild=queued#references", status_code=303)
