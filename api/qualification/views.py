"""Qualification review (资格审查): registration and past-list import, the intake queue, decisions.

Reviewers and administrators work the queue; only administrators import. Judges and
integrity officers get 403 here: eligibility evidence holds the applicants' registration
details, which they have no need to see.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.audit.service import record
from api.auth.dependencies import Allow, AllowForm, client_address
from api.auth.models import ADMIN, REVIEWER
from api.auth.service import Principal
from api.documents.views import read_capped
from api.errors import ERROR_RESPONSES, ApiError, PageError, RowId, Text
from api.jobs import create_job
from api.qualification import service
from api.web import render, runner
from ingest.database import session_scope
from ingest.errors import Refused
from review import triage
from review.models import DECISIONS, GROUPS, Submission
from review.segments.catalogue import segments
from review.service import contests

router = APIRouter()
api = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)

PageReviewer = Annotated[Principal, Depends(Allow(ADMIN, REVIEWER, api=False))]
FormReviewer = Annotated[Principal, Depends(AllowForm(ADMIN, REVIEWER))]
ApiReviewer = Annotated[Principal, Depends(Allow(ADMIN, REVIEWER, api=True))]
PageAdmin = Annotated[Principal, Depends(Allow(ADMIN, api=False))]
FormAdmin = Annotated[Principal, Depends(AllowForm(ADMIN))]
ApiAdmin = Annotated[Principal, Depends(Allow(ADMIN, api=True))]

VerdictFilter = Literal["eligible", "needs_review", "ineligible", "unchecked"]
DecisionFilter = Literal["accept", "reject", "return", "pending"]
PAGE_SIZE = 100


class QueueQuery(BaseModel):
    verdict: VerdictFilter | None = None
    group: Literal["enterprise", "startup"] | None = None
    segment: int | None = Field(default=None, ge=1, le=7)
    contest_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    decision: DecisionFilter | None = None
    q: Text | None = Field(default=None, max_length=100)
    sort: Literal["risk", "code", "applicant", "segment", "group", "decision"] = "risk"

    def to_filter(self) -> triage.QueueFilter:
        return triage.QueueFilter(verdict=self.verdict, group=self.group, segment=self.segment,
                                  contest_id=self.contest_id, decision=self.decision, search=self.q or None,
                                  sort=self.sort)


def _queue_query(verdict: str = "", group: str = "", segment: str = "", contest_id: str = "", decision: str = "",
                 q: str = "", sort: str = "") -> QueueQuery:
    """Page filters arrive as strings (an empty select means "any"); anything invalid is a 400."""
    values = {"verdict": verdict, "group": group, "segment": segment, "contest_id": contest_id,
              "decision": decision, "q": q, "sort": sort}
    try:
        return QueueQuery(**{key: value for key, value in values.items() if value})  # type: ignore[arg-type]
    except ValueError:
        raise PageError(400, "bad_request") from None


class SubmissionRow(BaseModel):
    id: int
    code: str
    contest: str
    group: str
    segment: int | None
    project: str
    applicant: str
    verdict: str | None
    risk: float | None
    decision: str | None
    problems: list[dict]  # type: ignore[type-arg]


class SubmissionPage(BaseModel):
    items: list[SubmissionRow]
    total: int
    limit: int
    offset: int


class DecisionIn(BaseModel):
    decision: Literal["accept", "reject", "return"]
    comment: Text = Field(default="", max_length=2000)


class DecisionOut(BaseModel):
    id: int
    decision: str
    comment: str
    verdict: str | None
    reviewer: str | None
    at: str


class SubmissionDetail(SubmissionRow):
    registration: dict | None  # type: ignore[type-arg]
    members: list[dict]  # type: ignore[type-arg]
    checks: list[dict] | None  # type: ignore[type-arg]
    checked_at: str | None
    documents: list[dict]  # type: ignore[type-arg]
    decisions: list[DecisionOut]


class CheckQueued(BaseModel):
    job_id: str


class ImportOut(BaseModel):
    created: int
    updated: int
    files: int
    submissions: list[int]
    errors: list[str]
    job_id: str | None


class PastListOut(BaseModel):
    imported: int
    list_name: str
    group: str
    year: int
    errors: list[str]


def _row(submission: Submission) -> SubmissionRow:
    return SubmissionRow(id=submission.id, code=submission.code, contest=submission.contest.name,
                         group=submission.group, segment=submission.segment, project=submission.project,
                         applicant=submission.applicant, verdict=submission.verdict, risk=submission.risk,
                         decision=submission.decision, problems=triage.problems(submission))


def _submission(session, submission_id: int) -> Submission:  # type: ignore[no-untyped-def]
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise ApiError(404, "not_found", f"no submission {submission_id}")
    return submission


def _queue_check(submission_ids: list[int]) -> str | None:
    if not submission_ids:
        return None
    with session_scope() as session:
        job_id = create_job(session, "check_submissions", {"submission_ids": submission_ids}).id
    runner().submit(job_id)
    return job_id


# ---------------------------------------------------------------- API


@api.get("/submissions", tags=["qualification"])
def submissions_json(me: ApiReviewer, query: Annotated[QueueQuery, Query()],
                     limit: Annotated[int, Query(ge=1, le=500)] = 100,
                     offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> SubmissionPage:
    """The intake queue, riskiest first, with each submission's failed and unknown rules."""
    with session_scope() as session:
        items, total = triage.queue(session, query.to_filter(), limit=limit, offset=offset)
        return SubmissionPage(items=[_row(s) for s in items], total=total, limit=limit, offset=offset)


@api.get("/submissions/{submission_id}", tags=["qualification"])
def submission_json(request: Request, submission_id: RowId, me: ApiReviewer) -> SubmissionDetail:
    """One submission: registration (ID numbers masked), facts of its documents, every rule's evidence."""
    with session_scope() as session:
        submission = _submission(session, submission_id)
        record(session, me, "view", "submission", submission_id, address=client_address(request), via="api")
        return SubmissionDetail(**service.detail(session, submission), **_row(submission).model_dump())


@api.post("/submissions/{submission_id}/decisions", status_code=201, tags=["qualification"])
def decision_json(request: Request, submission_id: RowId, body: DecisionIn, me: ApiReviewer) -> DecisionOut:
    """Accept, reject or return a submission for correction (rejections and returns need a comment)."""
    with session_scope() as session:
        submission = _submission(session, submission_id)
        try:
            entry = triage.decide(session, submission, body.decision, body.comment, me.user_id)
        except ValueError as exc:
            raise ApiError(400, "comment_required", str(exc)) from None
        record(session, me, "decision", "submission", submission_id, address=client_address(request),
               decision=body.decision, verdict=submission.verdict)
        return DecisionOut(id=entry.id, decision=entry.decision, comment=entry.comment, verdict=entry.verdict,
                           reviewer=me.username, at=entry.created_at.isoformat())


@api.post("/submissions/{submission_id}/check", status_code=202, tags=["qualification"])
def check_json(request: Request, submission_id: RowId, me: ApiReviewer) -> CheckQueued:
    """Run the eligibility rules again (a background job)."""
    with session_scope() as session:
        _submission(session, submission_id)
        record(session, me, "check", "submission", submission_id, address=client_address(request))
    job_id = _queue_check([submission_id])
    assert job_id is not None
    return CheckQueued(job_id=job_id)


@api.post("/registrations", status_code=201, tags=["qualification"],
          responses={413: ERROR_RESPONSES[400]})
async def registrations_json(request: Request, me: ApiAdmin, registrations: UploadFile,
                             files: UploadFile | None = None) -> ImportOut:
    """Import registrations (JSON Lines, CSV or XLSX) and, optionally, a ZIP of the files they name."""
    summary = await _import(request, me, registrations, files)
    return ImportOut(**summary.to_json(), job_id=_queue_check(summary.submission_ids))


@api.post("/past-lists", status_code=201, tags=["qualification"], responses={413: ERROR_RESPONSES[400]})
async def past_list_json(request: Request, me: ApiAdmin, file: UploadFile,
                         year: Annotated[int | None, Form(ge=2015, le=2100)] = None,
                         group: Annotated[Literal["enterprise", "startup"] | None, Form()] = None,
                         columns: Annotated[str | None, Form(max_length=2000, description=COLUMNS_HELP)] = None,
                         ) -> PastListOut:
    """Import a past national ranking list (企业组500强 / 创业组300强) from CSV or XLSX; columns are detected."""
    outcome = await _import_past_list(request, me, file, year, group, _column_mapping(columns))
    return PastListOut(**outcome)


COLUMNS_HELP = ('optional JSON naming columns the detection misses: {"project": "参赛作品", "applicant": 2} '
                "(a header text or a 0-based column index) for any of rank, project, applicant, region, year, "
                "edition, group")


def _column_mapping(text: str | None) -> dict[str, str | int] | None:
    """The explicit column mapping of a past-list import (its columns are checked by the reader)."""
    if not text or not text.strip():
        return None
    try:
        mapping = json.loads(text)
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict):
        raise ApiError(400, "bad_columns", "columns must be a JSON object")
    return mapping


async def _import(request: Request, me: Principal, registrations: UploadFile,
                  files: UploadFile | None) -> service.ImportSummary:
    try:
        data = await read_capped(registrations)
        bundle = await read_capped(files) if files is not None and files.filename else None
        summary = await run_in_threadpool(service.import_registrations, data, registrations.filename or "", bundle)
    except Refused as refusal:
        raise ApiError(400, refusal.code, refusal.reason) from None
    with session_scope() as session:
        record(session, me, "registrations_imported", "contest", "", address=client_address(request),
               created=summary.created, updated=summary.updated, files=summary.files, errors=len(summary.errors))
    return summary


async def _import_past_list(request: Request, me: Principal, upload: UploadFile, year: int | None,
                            group: str | None, columns: dict[str, str | int] | None) -> dict:  # type: ignore[type-arg]
    try:
        data = await read_capped(upload)
        outcome = await run_in_threadpool(service.import_past_list, data, upload.filename or "", year, group,
                                          columns)
    except Refused as refusal:
        raise ApiError(400, refusal.code, refusal.reason) from None
    with session_scope() as session:
        record(session, me, "past_list_imported", "past_list", outcome["list_name"], address=client_address(request),
               rows=outcome["imported"], year=outcome["year"], group=outcome["group"])
    return outcome


# ---------------------------------------------------------------- pages


@router.get("/review", response_class=HTMLResponse, include_in_schema=False)
def queue_page(request: Request, me: PageReviewer, verdict: str = "", group: str = "", segment: str = "",
               contest_id: str = "", decision: str = "", q: str = "", sort: str = "",
               offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> HTMLResponse:
    query = _queue_query(verdict, group, segment, contest_id, decision, q, sort)
    with session_scope() as session:
        items, total = triage.queue(session, query.to_filter(), limit=PAGE_SIZE, offset=offset)
        filters = {k: v for k, v in query.model_dump().items() if v is not None}
        unsorted = urlencode({k: v for k, v in filters.items() if k != "sort"})
        return render(request, "review_queue.html", items=items, total=total, offset=offset, page_size=PAGE_SIZE,
                      filters=filters, query=urlencode(filters), unsorted=unsorted, contests=contests(session),
                      counts=triage.verdict_counts(session, query.contest_id), groups=GROUPS,
                      decisions=DECISIONS, problems=triage.problems)


@router.get("/review/export.xlsx", include_in_schema=False)
def queue_export(request: Request, me: PageReviewer, verdict: str = "", group: str = "", segment: str = "",
                 contest_id: str = "", decision: str = "", q: str = "", sort: str = "") -> Response:
    query = _queue_query(verdict, group, segment, contest_id, decision, q, sort)
    with session_scope() as session:
        rows = triage.export_rows(session, query.to_filter())
        record(session, me, "export", "queue", "", address=client_address(request), rows=len(rows),
               **{k: v for k, v in query.model_dump().items() if v is not None})
    data = triage.export_xlsx(rows)
    name = f"qualification-{date.today().isoformat()}.xlsx"
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "private, no-store"})


@router.get("/review/submissions/{submission_id}", response_class=HTMLResponse, include_in_schema=False)
def submission_page(request: Request, submission_id: RowId, me: PageReviewer, error: str = "") -> HTMLResponse:
    with session_scope() as session:
        submission = session.get(Submission, submission_id)
        if submission is None:
            raise PageError(404, "not_found")
        record(session, me, "view", "submission", submission_id, address=client_address(request), via="page")
        detail = service.detail(session, submission, excerpts=True)
        return render(request, "review_submission.html", s=submission, d=detail, error=error,
                      decisions=DECISIONS, problems=triage.problems(submission), segments=segments(),
                      reviewed=service.reviewed_segment(session, submission_id))


@router.post("/review/submissions/{submission_id}/decision", include_in_schema=False)
def decision_page(request: Request, submission_id: RowId, me: FormReviewer, decision: Annotated[str, Form()],
                  comment: Annotated[str, Form(max_length=2000)] = "") -> RedirectResponse:
    target = f"/review/submissions/{submission_id}"
    with session_scope() as session:
        submission = session.get(Submission, submission_id)
        if submission is None:
            raise PageError(404, "not_found")
        try:
            triage.decide(session, submission, decision, comment.replace("\x00", ""), me.user_id)
        except ValueError:
            return RedirectResponse(f"{target}?error=comment_required", status_code=303)
        record(session, me, "decision", "submission", submission_id, address=client_address(request),
               decision=decision, verdict=submission.verdict)
    return RedirectResponse(target, status_code=303)


@router.post("/review/submissions/{submission_id}/check", include_in_schema=False)
def check_page(request: Request, submission_id: RowId, me: FormReviewer) -> RedirectResponse:
    with session_scope() as session:
        if session.get(Submission, submission_id) is None:
            raise PageError(404, "not_found")
        record(session, me, "check", "submission", submission_id, address=client_address(request))
    _queue_check([submission_id])
    return RedirectResponse(f"/review/submissions/{submission_id}", status_code=303)


def _imports_page(request: Request, outcome: dict | None) -> HTMLResponse:  # type: ignore[type-arg]
    with session_scope() as session:
        lists = service.past_lists(session)
    return render(request, "registrations.html", lists=lists, outcome=outcome, this_year=date.today().year)


@router.get("/admin/registrations", response_class=HTMLResponse, include_in_schema=False)
def registrations_page(request: Request, me: PageAdmin) -> HTMLResponse:
    return _imports_page(request, None)


@router.post("/admin/registrations", response_class=HTMLResponse, include_in_schema=False)
async def registrations_upload_page(request: Request, me: FormAdmin) -> HTMLResponse:
    form = await request.form()
    registrations, files = form.get("registrations"), form.get("files")
    if isinstance(registrations, str) or registrations is None or not registrations.filename:
        raise PageError(400, "bad_request")
    try:
        summary = await _import(request, me, registrations,  # type: ignore[arg-type]
                                None if isinstance(files, str) else files)  # type: ignore[arg-type]
        outcome: dict = {"kind": "registrations", **summary.to_json()}  # type: ignore[type-arg]
        _queue_check(summary.submission_ids)
    except ApiError as error:
        outcome = {"kind": "registrations", "refused": error.message}
    return _imports_page(request, outcome)


@router.post("/admin/past-lists", response_class=HTMLResponse, include_in_schema=False)
async def past_list_page(request: Request, me: FormAdmin) -> HTMLResponse:
    form = await request.form()
    upload = form.get("file")
    if isinstance(upload, str) or upload is None or not upload.filename:
        raise PageError(400, "bad_request")
    year_text, group_text = str(form.get("year") or ""), str(form.get("group") or "")
    year = int(year_text) if year_text.isdigit() and 2015 <= int(year_text) <= 2100 else None
    group = group_text if group_text in GROUPS else None
    try:
        columns = _column_mapping(str(form.get("columns") or ""))
        outcome = {"kind": "past_list",
                   **await _import_past_list(request, me, upload, year, group, columns)}  # type: ignore[arg-type]
    except ApiError as error:
        outcome = {"kind": "past_list", "refused": error.message}
    return _imports_page(request, outcome)


