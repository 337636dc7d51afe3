"""The dashboard: processing progress and per-contest counts for staff, assigned projects for judges."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from api.auth.dependencies import EVERYONE, Allow
from api.auth.models import JUDGE, User
from api.auth.service import Principal
from api.dashboard.charts import Bar, bar_chart
from api.i18n import language, translator
from api.jobs import Job
from api.web import render
from ingest.database import session_scope
from ingest.models import DocumentRecord
from review.models import Contest, Submission
from review.service import judge_submissions

router = APIRouter()
PageUser = Annotated[Principal, Depends(Allow(*EVERYONE, api=False))]
_STATUS_COLOURS = {"parsed": "#1b7f3b", "queued": "#e0a800", "refused": "#b42318", "bundle": "#3e7cb1"}


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def dashboard(request: Request, me: PageUser) -> HTMLResponse:
    if me.role == JUDGE:
        with session_scope() as session:
            projects = judge_submissions(session, me.user_id)
        return render(request, "dashboard_judge.html", projects=projects)
    return _staff_dashboard(request)


def _staff_dashboard(request: Request) -> HTMLResponse:
    t = translator(language(request))
    with session_scope() as session:
        statuses = dict(session.execute(select(DocumentRecord.status, func.count())
                                        .group_by(DocumentRecord.status)).all())
        jobs = dict(session.execute(select(Job.status, func.count()).group_by(Job.status)).all())
        contests = list(session.scalars(select(Contest).order_by(Contest.year.desc(), Contest.name)))
        per_contest = dict(session.execute(select(Submission.contest_id, func.count())
                                           .group_by(Submission.contest_id)).all())
        submissions = list(session.scalars(select(Submission).options(selectinload(Submission.files))
                                           .order_by(Submission.code).limit(200)))
        users = session.scalar(select(func.count()).select_from(User)) or 0
    status_chart = bar_chart([Bar(t(s), statuses.get(s, 0), c) for s, c in _STATUS_COLOURS.items()],
                             title=t("chart_processing"))
    contest_chart = bar_chart([Bar(f"{c.name} {c.year}", per_contest.get(c.id, 0)) for c in contests],
                              title=t("chart_contests"), empty=t("no_data"))
    return render(request, "dashboard.html", counts=statuses, jobs=jobs, contests=contests, users=users,
                  submissions=submissions, status_chart=Markup(status_chart), contest_chart=Markup(contest_chart))
