"""Document routes: upload, job status, the parsed Document as JSON, and the viewer pages."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from api.jobs import Job, create_job
from api.web import render, runner
from ingest.database import session_scope
from ingest.errors import Refused
from ingest.limits import DEFAULT_LIMITS, format_size
from ingest.models import BUNDLE, PARSED, DocumentRecord
from ingest.service import accept_upload, get_document, list_documents

router = APIRouter()

_STATUS_FOR_CODE = {"too_large": 413, "unsupported_type": 415, "legacy_office": 415, "empty": 400, "corrupt": 400}


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def _read_capped(upload: UploadFile) -> bytes:
    """Read an upload, stopping as soon as it passes the size limit (never buffer a huge body)."""
    limit = DEFAULT_LIMITS.max_bytes
    chunks, size = [], 0
    while chunk := await upload.read(1 << 20):
        size += len(chunk)
        if size > limit:
            raise Refused("too_large", f"the file is over the {format_size(limit)} limit")
        chunks.append(chunk)
    return b"".join(chunks)


def _submit(data: bytes, filename: str) -> tuple[int, str | None, str]:
    """Store the upload and queue its parse; returns (document id, job id or None, status)."""
    with session_scope() as session:
        record, created = accept_upload(session, data, filename)
        job_id = create_job(session, "parse_document", {"document_id": record.id}).id if created else None
        document_id, status = record.id, record.status
    if job_id:
        runner().submit(job_id)
    return document_id, job_id, status


@router.post("/api/v1/documents", status_code=202, tags=["documents"])
async def upload_document(file: UploadFile) -> JSONResponse:
    """Upload one file (or a ZIP bundle); parsing runs as a background job."""
    try:
        data = await _read_capped(file)
        document_id, job_id, status = _submit(data, file.filename or "upload")
    except Refused as refusal:
        return _error(_STATUS_FOR_CODE.get(refusal.code, 400), refusal.code, refusal.reason)
    return JSONResponse({"id": document_id, "job_id": job_id, "status": status}, status_code=202)


@router.get("/api/v1/jobs/{job_id}", tags=["jobs"])
def job_status(job_id: str) -> JSONResponse:
    with session_scope() as session:
        job = session.get(Job, job_id)
        if job is None:
            return _error(404, "not_found", f"no job {job_id}")
        body = {"id": job.id, "status": job.status, "attempts": job.attempts}
        if job.error:
            body["error"] = job.error
    return JSONResponse(body)


@router.get("/api/v1/documents/{document_id}", tags=["documents"])
def document_json(document_id: int) -> JSONResponse:
    with session_scope() as session:
        record = get_document(session, document_id)
        if record is None:
            return _error(404, "not_found", f"no document {document_id}")
        return JSONResponse(_document_body(record))


@router.get("/api/v1/documents", tags=["documents"])
def documents_json(limit: int = 50, offset: int = 0) -> JSONResponse:
    limit = max(1, min(limit, 200))
    with session_scope() as session:
        items = [_summary(r) for r in list_documents(session, limit=limit, offset=max(offset, 0))]
    return JSONResponse({"items": items, "limit": limit, "offset": offset})


def _summary(record: DocumentRecord) -> dict:
    return {"id": record.id, "filename": record.filename, "status": record.status, "media_type": record.media_type,
            "sha256": record.sha256, "pages": record.page_count, "ocr_pages": record.ocr_page_count,
            "parent_id": record.parent_id, "error": record.error_reason, "code": record.error_code}


def _document_body(record: DocumentRecord) -> dict:
    body = _summary(record)
    if record.status in (PARSED, BUNDLE) and record.content:
        body.update(record.content)
        body["id"], body["status"] = record.id, record.status
    return body


# ---------------------------------------------------------------- pages


@router.get("/documents", response_class=HTMLResponse, include_in_schema=False)
def documents_page(request: Request) -> HTMLResponse:
    with session_scope() as session:
        records = list_documents(session, limit=200)
        pending = any(r.status == "queued" for r in records)
        return render(request, "documents.html", documents=records, pending=pending,
                      max_mb=DEFAULT_LIMITS.max_bytes // 2**20)


@router.post("/documents", include_in_schema=False)
async def upload_page(request: Request) -> RedirectResponse:
    form = await request.form()
    for upload in form.getlist("files"):
        if isinstance(upload, str) or not upload.filename:
            continue
        try:
            _submit(await _read_capped(upload), upload.filename)
        except Refused:
            continue  # the list page shows stored refusals; cheap refusals are reported by the API
    return RedirectResponse("/documents", status_code=303)


@router.get("/documents/{document_id}", response_class=HTMLResponse, include_in_schema=False)
def document_page(request: Request, document_id: int) -> HTMLResponse:
    with session_scope() as session:
        record = get_document(session, document_id)
        if record is None:
            raise HTTPException(404)
        return render(request, "document.html", record=record, doc=record.content or {})
