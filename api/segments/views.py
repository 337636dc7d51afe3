"""Segments (参赛领域): classify a text, correct a submission's segment, retrain the classifier.

Qualification reviewers and administrators classify and correct; only administrators retrain or
roll back the model. Judges and integrity officers get 403: the page classifies confidential
plan text and the corrections keep it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from api.audit.service import record
from api.auth.dependencies import Allow, AllowForm, client_address
from api.auth.models import ADMIN, INTEGRITY, JUDGE, REVIEWER
from api.auth.service import Principal
from api.errors import ERROR_RESPONSES, ApiError, PageError, RowId, Text
from api.jobs import QUEUED, RUNNING, Job, create_job
from api.web import render, runner
from ingest.database import session_scope
from review import qualify
from review.models import Submission
from review.segments import service
from review.segments.catalogue import segments
from review.segments.models import SegmentCorrection

router = APIRouter()
api = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)

ApiAnyone = Annotated[Principal, Depends(Allow(ADMIN, REVIEWER, JUDGE, INTEGRITY, api=True))]
ApiReviewer = Annotated[Principal, Depends(Allow(ADMIN, REVIEWER, api=True))]
ApiAdmin = Annotated[Principal, Depends(Allow(ADMIN, api=True))]
PageReviewer = Annotated[Principal, Depends(Allow(ADMIN, REVIEWER, api=False))]
FormReviewer = Annotated[Principal, Depends(AllowForm(ADMIN, REVIEWER))]
FormAdmin = Annotated[Principal, Depends(AllowForm(ADMIN))]

MAX_TEXT = 200_000  # characters: a 60-page plan is about 60,000
SegmentId = Annotated[int, Field(ge=1, le=7)]


class SegmentOut(BaseModel):
    id: int
    zh: str
    en: str
    description_zh: str
    description_en: str


class ClassifyIn(BaseModel):
    text: Text = Field(min_length=1, max_length=MAX_TEXT)


class ScoreOut(BaseModel):
    segment: int
    score: float


class ClassificationOut(BaseModel):
    primary: int
    secondary: list[int]
    segments: list[ScoreOut]
    evidence: list[dict[str, Any]]


class CorrectionIn(BaseModel):
    segment: SegmentId
    text: Text = Field(min_length=1, max_length=MAX_TEXT)
    note: Text = Field(default="", max_length=2000)


class SubmissionSegmentIn(BaseModel):
    segment: SegmentId
    note: Text = Field(default="", max_length=2000)


class CorrectionOut(BaseModel):
    id: int
    segment: int
    predicted: int | None
    submission_id: int | None
    note: str
    at: str
    excerpt: str


class RetrainQueued(BaseModel):
    job_id: str


def _correction(row: SegmentCorrection) -> CorrectionOut:
    return CorrectionOut(id=row.id, segment=row.segment, predicted=row.predicted, submission_id=row.submission_id,
                         note=row.note, at=row.created_at.isoformat(), excerpt=row.text[:200])


def _classify(text: str) -> dict[str, Any]:
    return service.classifier().classify_text(text).to_json()


def _corrections(limit: int = 50) -> list[CorrectionOut]:
    with session_scope() as session:
        rows = session.scalars(select(SegmentCorrection).order_by(SegmentCorrection.id.desc()).limit(limit))
        return [_correction(r) for r in rows]


def _queue_retrain(me: Principal, request: Request, force: bool) -> str:
    """A retrain job; one already waiting or running is the answer to a second request (a double click)."""
    with session_scope() as session:
        pending = session.scalar(select(Job.id).where(Job.kind == "retrain_segments",
                                                      Job.status.in_((QUEUED, RUNNING))).limit(1))
        if pending is not None:
            return pending
        job_id = create_job(session, "retrain_segments", {"force": force}).id
        record(session, me, "retrain", "segment_model", job_id, address=client_address(request), force=force)
    runner().submit(job_id)
    return job_id


def _correct_submission(request: Request, me: Principal, submission_id: int, segment: int, note: str,
                        via: str) -> SegmentCorrection:
    with session_scope() as session:
        submission = session.get(Submission, submission_id)
        if submission is None:
            raise ApiError(404, "not_found", f"no submission {submission_id}")
        correction = qualify.correct_segment(session, submission, segment, me.user_id, note)
        record(session, me, "segment_corrected", "submission", submission_id, address=client_address(request),
               segment=segment, declared=submission.segment, predicted=correction.predicted, via=via)
        session.expunge(correction)
    with session_scope() as session:
        job_id = create_job(session, "check_submissions", {"submission_ids": [submission_id]}).id
    runner().submit(job_id)  # segment_fit now compares the reviewer's segment
    return correction


# ---------------------------------------------------------------- API


@api.get("/segments", tags=["segments"])
def segments_json(me: ApiAnyone) -> list[SegmentOut]:
    """The seven segments: ids, Chinese and English names, descriptions."""
    return [SegmentOut(id=s.id, zh=s.zh, en=s.en, description_zh=s.description_zh, description_en=s.description_en)
            for s in segments().values()]


@api.post("/segments/classify", tags=["segments"])
async def classify_json(body: ClassifyIn, me: ApiReviewer) -> ClassificationOut:
    """Scores for all seven segments (best first), primary, secondary and evidence spans into ``text``."""
    return ClassificationOut(**await run_in_threadpool(_classify, body.text))


@api.get("/segments/model", tags=["segments"])
def model_json(me: ApiReviewer) -> dict[str, Any]:
    """The live and previous models' cards: when trained, from how many texts, cross-validated figures."""
    return service.model_cards()


@api.post("/segments/retrain", status_code=202, tags=["segments"])
def retrain_json(request: Request, me: ApiAdmin, force: bool = False) -> RetrainQueued:
    """Rebuild from the corpus and the corrections (a job); it replaces the live model unless it does worse."""
    return RetrainQueued(job_id=_queue_retrain(me, request, force))


@api.get("/segments/corrections", tags=["segments"])
def corrections_json(me: ApiReviewer) -> list[CorrectionOut]:
    """The latest reviewers' corrections, newest first."""
    return _corrections()


@api.post("/segments/corrections", status_code=201, tags=["segments"])
def correction_json(request: Request, body: CorrectionIn, me: ApiReviewer) -> CorrectionOut:
    """The right segment for a text (kept for the next retrain)."""
    with session_scope() as session:
        row = service.record_correction(session, body.segment, body.text, user_id=me.user_id, note=body.note)
        record(session, me, "segment_corrected", "text", row.id, address=client_address(request),
               segment=body.segment)
        return _correction(row)


@api.put("/submissions/{submission_id}/segment", tags=["segments"])
def submission_segment_json(request: Request, submission_id: RowId, body: SubmissionSegmentIn,
                            me: ApiReviewer) -> CorrectionOut:
    """A reviewer's segment for a submission: kept for retraining, and ``segment_fit`` checks against it."""
    return _correction(_correct_submission(request, me, submission_id, body.segment, body.note, "api"))


# ---------------------------------------------------------------- pages


def _page(request: Request, me: Principal, text: str = "", result: dict[str, Any] | None = None,
          status_code: int = 200) -> HTMLResponse:
    return render(request, "segments.html", status_code=status_code, text=text, result=result,
                  segments=segments(), cards=service.model_cards(), corrections=_corrections(20),
                  highlighted=highlight(text, result["evidence"]) if result else [])


def highlight(text: str, evidence: list[dict[str, Any]]) -> list[tuple[str, int | None]]:
    """``text`` cut into (piece, segment or None) runs, evidence spans marked (first one wins where they overlap)."""
    marks: list[tuple[int, int, int]] = sorted((e["span"][0], e["span"][1], e["segment"]) for e in evidence
                                               if e["kind"] == "term")
    pieces, position = [], 0
    for start, end, segment in marks:
        if start < position:
            continue
        pieces.append((text[position:start], None))
        pieces.append((text[start:end], segment))
        position = end
    pieces.append((text[position:], None))
    return [(piece, segment) for piece, segment in pieces if piece]


@router.get("/segments", response_class=HTMLResponse, include_in_schema=False)
def segments_page(request: Request, me: PageReviewer) -> HTMLResponse:
    return _page(request, me)


@router.post("/segments", response_class=HTMLResponse, include_in_schema=False)
async def classify_page(request: Request, me: FormReviewer,
                        text: Annotated[str, Form(max_length=MAX_TEXT)] = "") -> HTMLResponse:
    if not text.strip() or "\x00" in text:
        return _page(request, me, text, status_code=400)
    return _page(request, me, text, await run_in_threadpool(_classify, text))


@router.post("/segments/corrections", include_in_schema=False)
def correction_page(request: Request, me: FormReviewer, segment: Annotated[int, Form(ge=1, le=7)],
                    text: Annotated[str, Form(min_length=1, max_length=MAX_TEXT)],
                    note: Annotated[str, Form(max_length=2000)] = "") -> RedirectResponse:
    if "\x00" in text + note:
        raise PageError(400, "bad_request")
    with session_scope() as session:
        row = service.record_correction(session, segment, text, user_id=me.user_id, note=note)
        record(session, me, "segment_corrected", "text", row.id, address=client_address(request), segment=segment)
    return RedirectResponse("/segments#corrections", status_code=303)


@router.post("/segments/retrain", include_in_schema=False)
def retrain_page(request: Request, me: FormAdmin) -> RedirectResponse:
    _queue_retrain(me, request, force=False)
    return RedirectResponse("/segments?retrain=queued#model", status_code=303)


@router.post("/review/submissions/{submission_id}/segment", include_in_schema=False)
def submission_segment_page(request: Request, submission_id: RowId, me: FormReviewer,
                            segment: Annotated[int, Form(ge=1, le=7)],
                            note: Annotated[str, Form(max_length=2000)] = "") -> RedirectResponse:
    if "\x00" in note:
        raise PageError(400, "bad_request")
    try:
        _correct_submission(request, me, submission_id, segment, note, "page")
    except ApiError:
        raise PageError(404, "not_found") from None
    return RedirectResponse(f"/review/submissions/{submission_id}#segment", status_code=303)

