"""Contest administration pages and API; judge assignments with declared conflicts."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from api.audit.service import record
from api.auth.dependencies import Allow, AllowForm, client_address
from api.auth.models import ADMIN, INTEGRITY, JUDGE, REVIEWER, User
from api.auth.service import Principal
from api.errors import ERROR_RESPONSES, ApiError, RowId, Text
from api.web import render
from ingest.database import session_scope
from review.eligibility import ConfigError, load_config
from review.models import CONTEST_KINDS, Assignment, Contest, Submission
from review.service import assign, contests

router = APIRouter()
api = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)

PageAdmin = Annotated[Principal, Depends(Allow(ADMIN, api=False))]
FormAdmin = Annotated[Principal, Depends(AllowForm(ADMIN))]
ApiAdmin = Annotated[Principal, Depends(Allow(ADMIN, api=True))]
ApiStaff = Annotated[Principal, Depends(Allow(ADMIN, REVIEWER, INTEGRITY, api=True))]
ApiReviewer = Annotated[Principal, Depends(Allow(ADMIN, REVIEWER, api=True))]


class ContestIn(BaseModel):
    kind: Literal["thematic", "regional", "overseas"]
    name: Text = Field(min_length=1, max_length=200)
    edition: int = Field(ge=1, le=100)
    year: int = Field(ge=2015, le=2100)
    region: Text | None = Field(default=None, max_length=100)


class ContestOut(ContestIn):
    id: int
    submissions: int


class ContestList(BaseModel):
    items: list[ContestOut]


class RulesOut(BaseModel):
    overrides: dict[str, Any] = Field(description="the contest's own settings, over the defaults")
    effective: dict[str, Any] = Field(description="every rule as it runs: enabled, advisory, weight, params")


class AssignmentIn(BaseModel):
    submission: Text = Field(min_length=1, max_length=64, description="registration number, e.g. AM11-E-0001")
    judge: Text = Field(min_length=1, max_length=64, description="the judge's user name")
    conflict: Text | None = Field(default=None, max_length=300, description="a declared conflict of interest")


class AssignmentOut(BaseModel):
    id: int
    submission: str
    judge: str
    conflict: str | None


class AssignmentList(BaseModel):
    items: list[AssignmentOut]


def _create_contest(session, me: Principal, body: ContestIn, address: str) -> Contest:  # type: ignore[no-untyped-def]
    contest = Contest(kind=body.kind, name=body.name.strip(), edition=body.edition, year=body.year,
                      region=(body.region or "").strip() or None)
    session.add(contest)
    session.flush()
    record(session, me, "contest_created", "contest", contest.id, address=address, name=contest.name,
           year=contest.year, kind=contest.kind)
    return contest


def _counts(session) -> dict[int, int]:  # type: ignore[no-untyped-def]
    return dict(session.execute(select(Submission.contest_id, func.count()).group_by(Submission.contest_id)).all())


# ---------------------------------------------------------------- pages


@router.get("/admin/contests", response_class=HTMLResponse, include_in_schema=False)
def contests_page(request: Request, me: PageAdmin, error: str = "") -> HTMLResponse:
    with session_scope() as session:
        return render(request, "contests.html", contests=contests(session), counts=_counts(session),
                      kinds=CONTEST_KINDS, error=error, this_year=date.today().year)


@router.post("/admin/contests", include_in_schema=False)
def contests_create(request: Request, me: FormAdmin, kind: Annotated[str, Form()], name: Annotated[str, Form()],
                    edition: Annotated[int, Form()], year: Annotated[int, Form()],
                    region: Annotated[str, Form()] = "") -> Response:
    try:
        body = ContestIn(kind=kind, name=name, edition=edition, year=year, region=region)  # type: ignore[arg-type]
        with session_scope() as session:
            _create_contest(session, me, body, client_address(request))
    except (ValueError, IntegrityError):
        return RedirectResponse("/admin/contests?error=invalid_contest", status_code=303)
    return RedirectResponse("/admin/contests", status_code=303)


# ---------------------------------------------------------------- API


@api.get("/contests", tags=["contests"])
def contests_json(me: ApiStaff) -> ContestList:
    with session_scope() as session:
        counts = _counts(session)
        return ContestList(items=[ContestOut(id=c.id, kind=c.kind, name=c.name, edition=c.edition,  # type: ignore[arg-type]
                                             year=c.year, region=c.region, submissions=counts.get(c.id, 0))
                                  for c in contests(session)])


@api.post("/contests", status_code=201, tags=["contests"], responses={409: ERROR_RESPONSES[400]})
def contest_create_json(request: Request, body: ContestIn, me: ApiAdmin) -> ContestOut:
    try:
        with session_scope() as session:
            contest = _create_contest(session, me, body, client_address(request))
            return ContestOut(**body.model_dump(), id=contest.id, submissions=0)
    except IntegrityError:
        raise ApiError(409, "contest_exists", "a contest with this name, edition and year exists") from None


@api.get("/assignments", tags=["assignments"])
def assignments_json(me: ApiAdmin) -> AssignmentList:
    with session_scope() as session:
        rows = session.execute(select(Assignment, Submission.code, User.username)
                               .join(Submission, Submission.id == Assignment.submission_id)
                               .join(User, User.id == Assignment.judge_id).order_by(Assignment.id)).all()
        return AssignmentList(items=[AssignmentOut(id=a.id, submission=code, judge=judge, conflict=a.conflict)
                                     for a, code, judge in rows])


@api.post("/assignments", status_code=201, tags=["assignments"])
def assignment_create_json(request: Request, body: AssignmentIn, me: ApiAdmin) -> AssignmentOut:
    """Assign a judge to a submission (again: update the declared conflict)."""
    with session_scope() as session:
        submission = session.scalar(select(Submission).where(Submission.code == body.submission))
        judge = session.scalar(select(User).where(User.username == body.judge))
        if submission is None:
            raise ApiError(404, "not_found", f"no submission {body.submission}")
        if judge is None or judge.role != JUDGE:
            raise ApiError(400, "not_a_judge", f"{body.judge} is not a judge")
        assignment = assign(session, submission, judge.id, body.conflict)
        record(session, me, "assigned", "submission", submission.id, address=client_address(request),
               judge=judge.username, conflict=body.conflict)
        return AssignmentOut(id=assignment.id, submission=submission.code, judge=judge.username,
                             conflict=assignment.conflict)


def _rules_out(contest: Contest) -> RulesOut:
    return RulesOut(overrides=contest.rules or {}, effective=load_config(contest.rules).to_json()["rules"])


def _contest(session, contest_id: int) -> Contest:  # type: ignore[no-untyped-def]
    contest = session.get(Contest, contest_id)
    if contest is None:
        raise ApiError(404, "not_found", f"no contest {contest_id}")
    return contest


@api.get("/contests/{contest_id}/rules", tags=["contests"])
def contest_rules_json(contest_id: RowId, me: ApiReviewer) -> RulesOut:
    """The eligibility rules as they run for this contest, and the contest's own overrides."""
    with session_scope() as session:
        return _rules_out(_contest(session, contest_id))


@api.put("/contests/{contest_id}/rules", tags=["contests"])
def contest_rules_update(request: Request, contest_id: RowId, body: dict[str, Any], me: ApiAdmin) -> RulesOut:
    """Replace the contest's rule overrides, e.g. ``{"ip_ownership": {"advisory": false}}``; checked before stored."""
    try:
        load_config(body)
    except (ConfigError, TypeError, OverflowError) as exc:  # odd values deep in the mapping are errors too
        raise ApiError(400, "bad_rules", str(exc)) from None
    with session_scope() as session:
        contest = _contest(session, contest_id)
        contest.rules = body or None
        record(session, me, "contest_rules_changed", "contest", contest_id, address=client_address(request),
               rules=body)
        return _rules_out(contest)
