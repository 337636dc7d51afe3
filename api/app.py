"""The FastAPI application: every domain's pages and API routes, behind one edge and one error shape."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse

import api.tasks  # noqa: F401  (registers the job handlers)
from api import errors
from api.audit.views import api as audit_api
from api.audit.views import router as audit_pages
from api.auth.dependencies import Public
from api.auth.views import api as auth_api
from api.auth.views import router as auth_pages
from api.contests.views import api as contests_api
from api.contests.views import router as contests_pages
from api.dashboard.views import router as dashboard_pages
from api.documents.views import api as documents_api
from api.documents.views import router as documents_pages
from api.edge import Edge
from api.integrity.views import api as integrity_api
from api.integrity.views import router as integrity_pages
from api.jobs import unfinished_job_ids
from api.migrate import upgrade
from api.qualification.views import api as qualification_api
from api.qualification.views import router as qualification_pages
from api.scorecards.views import api as scorecards_api
from api.scorecards.views import router as scorecards_pages
from api.segments.views import api as segments_api
from api.segments.views import router as segments_pages
from api.web import runner


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    upgrade()
    for job_id in unfinished_job_ids():  # work a crash interrupted runs again
        runner().submit(job_id)
    yield


# Every router of the service, pages first: the route-table authorisation test walks these.
ROUTERS = (auth_pages, dashboard_pages, documents_pages, contests_pages, audit_pages, qualification_pages,
           segments_pages, integrity_pages, scorecards_pages, auth_api, documents_api, contests_api, audit_api,
           qualification_api, segments_api, integrity_api, scorecards_api)


def create_app() -> FastAPI:
    app = FastAPI(title="amreview", version="0.2.0", lifespan=lifespan,
                  description="Document processing and review for the Maker China AM contest. Every /api/v1 "
                              "call needs `Authorization: Bearer TOKEN` (`amreview users token NAME`).")
    for router in ROUTERS:
        app.include_router(router)
    errors.install(app)
    app.add_middleware(Edge)

    @app.get("/healthz", include_in_schema=False, dependencies=[Depends(Public())])
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return app
