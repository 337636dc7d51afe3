"""The FastAPI application: documents now; each later domain adds its router here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import func, select

import api.tasks  # noqa: F401  (registers the job handlers)
from api.documents import router as documents_router
from api.jobs import unfinished_job_ids
from api.migrate import upgrade
from api.web import render, runner
from ingest.database import session_scope
from ingest.models import DocumentRecord
from review.models import Contest, Submission


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    upgrade()
    for job_id in unfinished_job_ids():  # work a crash interrupted runs again
        runner().submit(job_id)
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="amreview", version="0.1.0", lifespan=lifespan,
                  description="Document processing and review for the Maker China AM contest")
    app.include_router(documents_router)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        # Nothing uploaded is ever served with an active type; forbid sniffing and framing.
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard(request: Request) -> HTMLResponse:
        with session_scope() as session:
            contests = session.scalars(select(Contest).order_by(Contest.year.desc())).all()
            submissions = session.scalars(select(Submission).order_by(Submission.code)).all()
            counts = dict(session.execute(
                select(DocumentRecord.status, func.count()).group_by(DocumentRecord.status)).all())
            return render(request, "dashboard.html", contests=contests, submissions=submissions, counts=counts)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return app
