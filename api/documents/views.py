"""Document routes: upload, job status, the parsed Document as JSON, the viewer pages.

Who may do what: administrators and reviewers upload; administrators, reviewers and
integrity officers read every document; judges read only the files of submissions they
are assigned to without a conflict, and get 404 for any other (so ids reveal nothing).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.audit.service import record
from api.auth.dependencies import EVERYONE, Allow, AllowForm, client_address
from api.auth.models import ADMIN, INTEGRITY, REVIEWER
from api.auth.service import Principal
from api.documents.service import check_quota, for_viewer, may_read, record_upload, visible_ids
from api.errors import ERROR_RESPONSES, ApiError, JobId, PageError, RowId
from api.jobs import Job, create_job
from api.web import render, runner
from ingest.database import session_scope
from ingest.errors import Refused
from ingest.limits import DEFAULT_LIMITS
from ingest.models import BUNDLE, PARSED, QUEUED, DocumentRecord
from ingest.service import accept_upload, blob_store, get_document, list_documents

router = APIRouter()
api = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)

ApiUploader = Annotated[Principal, Depends(Allow(ADMIN, REVIEWER, api=True))]
ApiReader = Annotated[Principal, Depends(Allow(*EVERYONE, api=True))]
PageReader = Annotated[Principal, Depends(Allow(*EVERYONE, api=False))]
PageStaff = Annotated[Principal, Depends(Allow(ADMIN, REVIEWER, INTEGRITY, api=False))]
FormUploader = Annotated[Principal, Depends(AllowForm(ADMIN, REVIEWER))]

_STATUS_FOR_CODE = {"too_large": 413, "unsupported_type": 415, "legacy_office": 415, "empty": 400, "corrupt": 400,
                    "quota_exceeded": 429}


async def read_capped(upload: UploadFile) -> bytes:
    """Read an upload, stopping as soon as it passes the size limit (never buffer a huge body)."""
    chunks, size = [], 0
    while chunk := await upload.read(1 << 20):
        size += len(chunk)
        DEFAULT_LIMITS.check_size(size)  # refused at the first megabyte over, the rest never read
        chunks.append(chunk)
    return b"".join(chunks)


def _submit(principal: Principal, data: bytes, filename: str, address: str) -> tuple[int, str | None, str]:
    """Store the upload and queue its parse in one transaction; returns (document id, job id or None, status)."""
    filename = "".join(ch for ch in filename if ch.isprintable())[:255] or "upload"  # as the client named it
    with session_scope() as session:
        check_quota(session, principal.user_id, len(data))
        document, created = accept_upload(session, data, filename)
        job_id = create_job(session, "parse_document", {"document_id": document.id}).id if created else None
        record_upload(session, principal.user_id, document, filename, len(data))
        record(session, principal, "upload", "document", document.id, address=address, filename=filename[:200],
               size=len(data), new=created)
        document_id, status = document.id, document.status
    if job_id:
        runner().submit(job_id)
    return document_id, job_id, status


# ---------------------------------------------------------------- API


class UploadAccepted(BaseModel):
    id: int
    job_id: str | None = Field(description="null when the same bytes were uploaded before")
    status: str


class JobOut(BaseModel):
    id: str
    status: str = Field(description="queued | running | done | failed")
    attempts: int
    error: str | None = None


class DocumentSummary(BaseModel):
    id: int
    filename: str
    status: str
    media_type: str | None
    sha256: str
    pages: int | None
    ocr_pages: int | None
    parent_id: int | None
    error: str | None
    code: str | None


class DocumentList(BaseModel):
    items: list[DocumentSummary]
    limit: int
    offset: int


class DocumentOut(BaseModel):
    """Once parsed, every field of ``amreview parse --json`` (``pages`` is then the page list,
    ``text`` the whole text…); before that, the summary fields."""

    model_config = ConfigDict(extra="allow")

    id: int
    filename: str
    status: str
    media_type: str | None
    sha256: str
    parent_id: int | None
    error: str | None
    code: str | None


@api.post("/documents", status_code=202, tags=["documents"],
          responses={413: ERROR_RESPONSES[400], 415: ERROR_RESPONSES[400], 429: ERROR_RESPONSES[400]})
async def upload_document(request: Request, file: UploadFile, me: ApiUploader) -> UploadAccepted:
    """Upload one file (or a ZIP bundle); parsing runs as a background job."""
    try:
        data = await read_capped(file)
        # Storing (file write, fsync, database) blocks: off the event loop, so pages keep answering.
        document_id, job_id, status = await run_in_threadpool(_submit, me, data, file.filename or "upload",
                                                              client_address(request))
    except Refused as refusal:
        raise ApiError(_STATUS_FOR_CODE.get(refusal.code, 400), refusal.code, refusal.reason) from None
    return UploadAccepted(id=document_id, job_id=job_id, status=status)


@api.get("/jobs/{job_id}", tags=["jobs"])
def job_status(job_id: JobId, me: ApiUploader) -> JobOut:
    with session_scope() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise ApiError(404, "not_found", f"no job {job_id}")
        return JobOut(id=job.id, status=job.status, attempts=job.attempts, error=job.error)


@api.get("/documents/{document_id}", tags=["documents"])
def document_json(request: Request, document_id: RowId, me: ApiReader) -> DocumentOut:
    with session_scope() as session:
        document = get_document(session, document_id)
        if document is None or not may_read(session, me, document_id):
            raise ApiError(404, "not_found", f"no document {document_id}")
        record(session, me, "view", "document", document_id, address=client_address(request), via="api")
        return DocumentOut(**for_viewer(me, _document_body(document)))


@api.get("/documents", tags=["documents"])
def documents_json(me: ApiReader, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                   offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> DocumentList:
    """Documents newest first; a judge sees only those of their assigned projects."""
    with session_scope() as session:
        items = [DocumentSummary(**_summary(r))
                 for r in list_documents(session, limit=limit, offset=offset, within=visible_ids(me))]
    return DocumentList(items=items, limit=limit, offset=offset)


def _summary(document: DocumentRecord) -> dict:  # type: ignore[type-arg]
    return {"id": document.id, "filename": document.filename, "status": document.status,
            "media_type": document.media_type, "sha256": document.sha256, "pages": document.page_count,
            "ocr_pages": document.ocr_page_count, "parent_id": document.parent_id,
            "error": document.error_reason, "code": document.error_code}


def _document_body(document: DocumentRecord) -> dict:  # type: ignore[type-arg]
    body = _summary(document)
    if document.status in (PARSED, BUNDLE) and document.content:
        body.update(document.content)
        body["id"], body["status"] = document.id, document.status
    return body


# ---------------------------------------------------------------- pages


@router.get("/documents", response_class=HTMLResponse, include_in_schema=False)
def documents_page(request: Request, me: PageStaff) -> HTMLResponse:
    with session_scope() as session:
        documents = list_documents(session, limit=200)
    pending = sum(d.status == QUEUED for d in documents)
    return render(request, "documents.html", documents=documents, pending=pending,
                  may_upload=me.role in (ADMIN, REVIEWER), max_mb=DEFAULT_LIMITS.max_bytes // 2**20,
                  refused=request.query_params.getlist("refused"))


@router.post("/documents", include_in_schema=False)
async def upload_page(request: Request, me: FormUploader) -> RedirectResponse:
    form = await request.form()
    refused: list[str] = []
    for upload in form.getlist("files"):
        if isinstance(upload, str) or not upload.filename:
            continue
        try:
            await run_in_threadpool(_submit, me, await read_capped(upload), upload.filename, client_address(request))
        except Refused as refusal:  # the rest of the batch carries on; the page lists what was refused
            refused.append(f"{upload.filename}: {refusal.reason}")
    query = "&".join(f"refused={_quote(item)}" for item in refused[:20])
    return RedirectResponse("/documents" + (f"?{query}" if query else ""), status_code=303)


def _quote(text: str) -> str:
    return quote(text[:300], safe="")


@router.get("/documents/{document_id}", response_class=HTMLResponse, include_in_schema=False)
def document_page(request: Request, document_id: RowId, me: PageReader) -> HTMLResponse:
    with session_scope() as session:
        document = get_document(session, document_id)
        if document is None or not may_read(session, me, document_id):
            raise PageError(404, "not_found")
        record(session, me, "view", "document", document_id, address=client_address(request), via="page")
        doc = for_viewer(me, document.content or {})
        return render(request, "document.html", record=document, doc=doc,
                      may_download=me.role in (ADMIN, REVIEWER, INTEGRITY))


@router.get("/documents/{document_id}/original", include_in_schema=False)
def document_original(request: Request, document_id: RowId, me: PageStaff) -> Response:
    """The uploaded bytes, always as an attachment of an inert type: never rendered by the browser."""
    with session_scope() as session:
        document = get_document(session, document_id)
        if document is None:
            raise PageError(404, "not_found")
        record(session, me, "download", "document", document_id, address=client_address(request))
        sha256, filename = document.sha256, document.filename
    data = blob_store().get(sha256)
    ascii_name = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "._-" else "_" for ch in filename)
    return Response(data, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{_quote(filename)}",
        "Content-Security-Policy": "sandbox", "Cache-Control": "private, no-store"})
