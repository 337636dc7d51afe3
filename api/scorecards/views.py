"""Scorecards (评分): judges' pre-filled cards and scores; administrators' panels, standings and exports.

A judge reaches only the entries assigned to them without a conflict (``scorecards.service.may_judge``):
anything else is 403, the same answer whether or not the entry exists, so ids cannot be probed.
Administrators see every card, reopen submitted ones with a reason, record withdrawals, plan panels
and export. Qualification reviewers and integrity officers never see scores.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.audit.service import record
from api.auth.dependencies import Allow, AllowForm, client_address
from api.auth.models import ADMIN, JUDGE, User
from api.auth.service import Principal
from api.errors import ERROR_RESPONSES, ApiError, PageError, RowId, Text
from api.i18n import language
from api.web import render
from ingest.database import session_scope
from review.models import Contest, Submission
from scorecards import exports, service
from scorecards.models import ConflictRecord
from scorecards.rubrics import RubricError

router = APIRouter()
api = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)

ApiJudging = Annotated[Principal, Depends(Allow(ADMIN, JUDGE, api=True))]
ApiJudge = Annotated[Principal, Depends(Allow(JUDGE, api=True))]
ApiAdmin = Annotated[Principal, Depends(Allow(ADMIN, api=True))]
PageJudging = Annotated[Principal, Depends(Allow(ADMIN, JUDGE, api=False))]
PageAdmin = Annotated[Principal, Depends(Allow(ADMIN, api=False))]
FormJudge = Annotated[Principal, Depends(AllowForm(JUDGE))]
FormAdmin = Annotated[Principal, Depends(AllowForm(ADMIN))]

Round = Literal["preliminary", "final"]
Group = Literal["enterprise", "startup"]
Lang = Literal["zh", "en"]
Score = Annotated[float, Field(ge=0, le=1000)]
MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class ScoresIn(BaseModel):
    round: Round = "preliminary"
    scores: dict[Annotated[str, Field(max_length=64)], Score | None] = Field(default={}, max_length=20)
    comments: dict[Annotated[str, Field(max_length=64)], Annotated[Text, Field(max_length=2000)]] = Field(
        default={}, max_length=20)
    comment: Text = Field(default="", max_length=4000)
    submit: bool = False


class ReopenIn(BaseModel):
    round: Round = "preliminary"
    judge: Text = Field(min_length=1, max_length=64, description="the judge's user name")
    reason: Text = Field(min_length=1, max_length=500)


class EntryStatusIn(BaseModel):
    round: Round = "preliminary"
    status: Literal["active", "withdrawn", "disqualified"]
    reason: Text = Field(default="", max_length=300)


class PanelIn(BaseModel):
    contest_id: int = Field(ge=1, le=2**31 - 1)
    group: Group
    round: Round = "preliminary"
    judges: list[Annotated[str, Field(max_length=64)]] = Field(default=[], max_length=500,
                                                               description="user names; empty: every judge")
    per_project: int = Field(default=5, ge=1, le=50)


class ProfileIn(BaseModel):
    organisation: Text | None = Field(default=None, max_length=300)
    uscc: Text | None = Field(default=None, max_length=32)
    city: Text | None = Field(default=None, max_length=100)
    segments: list[Annotated[int, Field(ge=1, le=7)]] = Field(default=[], max_length=7)
    expertise: Literal["industry", "finance"] = "industry"
    declared: list[Annotated[Text, Field(max_length=300)]] = Field(default=[], max_length=200)
    max_load: int | None = Field(default=None, ge=1, le=10_000)


class DecisionIn(BaseModel):
    decision: Literal["conflict", "cleared"]


class RubricIn(BaseModel):
    yaml: Text = Field(min_length=1, max_length=256 * 1024)


# ---------------------------------------------------------------- shared


def _entry(session: Any, me: Principal, submission_id: int) -> Submission:
    """The entry, if the caller may judge it: 403 for a judge without an open assignment (existing or not)."""
    if me.role == JUDGE and not service.may_judge(session, me.user_id, submission_id):
        raise ApiError(403, "forbidden", "you are not assigned to this project, or have a conflict of interest")
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise ApiError(404, "not_found", f"no submission {submission_id}")
    return submission


def _user(session: Any, username: str, role: str | None = None) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or (role is not None and user.role != role):
        raise ApiError(422, "invalid", f"no {role or 'user'} named {username}")
    return user


def _refused(exc: service.ScoringError) -> ApiError:
    return ApiError(409 if exc.code == "locked" else 422, exc.code, str(exc))


def _save(request: Request, me: Principal, submission_id: int, body: ScoresIn, via: str) -> dict[str, Any]:
    with session_scope() as session:
        submission = _entry(session, me, submission_id)
        try:
            card = service.save_scores(session, submission, me.user_id, body.round, scores=body.scores,
                                       comments=body.comments, comment=body.comment, submit=body.submit)
        except service.ScoringError as exc:
            raise _refused(exc) from None
        record(session, me, "scores_submitted" if body.submit else "scores_saved", "submission", submission_id,
               address=client_address(request), round=body.round, total=card.total, via=via)
        return {"status": card.status, "total": card.total, "scores": card.scores}


def _export_card(me: Principal, submission_id: int, round_: str, kind: str, lang: str,
                 judge_name: str | None) -> Response:
    with session_scope() as session:
        submission = _entry(session, me, submission_id)
        judge = (me.user_id, me.display_name or me.username) if me.role == JUDGE else None
        if judge is None and judge_name:
            user = _user(session, judge_name, JUDGE)
            judge = (user.id, user.display_name or user.username)
        card = service.card_export(session, submission, round_, judge, lang, for_judge=me.role == JUDGE)
        record(session, me, "scorecard_exported", "submission", submission_id, round=round_, format=kind)
        code = submission.code
    try:
        data = exports.scorecard_pdf(card) if kind == "pdf" else exports.scorecard_docx(card)
    except exports.ExportError as exc:
        raise ApiError(503, "export_unavailable", str(exc)) from None
    return _download(data, kind, f"scorecard-{code}-{round_}.{kind}")


def _download(data: bytes, kind: str, filename: str) -> Response:
    return Response(data, media_type=MEDIA[kind], headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                                            "Cache-Control": "no-store"})


def _judge_names(session: Any) -> dict[int, str]:
    return {u.id: u.display_name or u.username for u in session.scalars(select(User).where(User.role == JUDGE))}


def _standings(contest_id: int, group: str, round_: str, lang: str) -> dict[str, Any]:
    with session_scope() as session:
        try:
            return service.standings(session, contest_id, group, round_, lang)
        except service.ScoringError as exc:
            raise ApiError(404, exc.code, str(exc)) from None


# ---------------------------------------------------------------- API: judges


@api.get("/scorecards/{submission_id}", tags=["scorecards"])
def card_json(submission_id: RowId, me: ApiJudging, round: Round = "preliminary", lang: Lang = "zh",
              judge: Annotated[str | None, Query(max_length=64)] = None) -> dict[str, Any]:
    """The pre-filled card (cited sentences, facts, flags, questions per criterion) and the judge's scores.
    An administrator reads a judge's card with ``judge=USERNAME``."""
    with session_scope() as session:
        submission = _entry(session, me, submission_id)
        judge_id = me.user_id if me.role == JUDGE else (_user(session, judge, JUDGE).id if judge else None)
        return service.card(session, submission, round, judge_id, lang, for_judge=me.role == JUDGE)


@api.put("/scorecards/{submission_id}", tags=["scorecards"])
def scores_json(request: Request, submission_id: RowId, body: ScoresIn, me: ApiJudge) -> dict[str, Any]:
    """Save a draft, or submit (every criterion scored); a submitted card is locked (409 on change)."""
    return _save(request, me, submission_id, body, "api")


@api.get("/scorecards/{submission_id}/export.{kind}", tags=["scorecards"])
def card_export_json(submission_id: RowId, kind: Literal["docx", "pdf"], me: ApiJudging,
                     round: Round = "preliminary", lang: Lang = "zh",
                     judge: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    """The card as DOCX or PDF (Chinese fonts embedded), ready for signature."""
    return _export_card(me, submission_id, round, kind, lang, judge)


# ---------------------------------------------------------------- API: administrators


@api.post("/scorecards/{submission_id}/reopen", tags=["scorecards"])
def reopen_json(request: Request, submission_id: RowId, body: ReopenIn, me: ApiAdmin) -> dict[str, Any]:
    """Unlock a judge's submitted card, with a reason (audited)."""
    with session_scope() as session:
        submission = _entry(session, me, submission_id)
        judge = _user(session, body.judge, JUDGE)
        try:
            card = service.reopen(session, submission, judge.id, body.round)
        except service.ScoringError as exc:
            raise ApiError(409, exc.code, str(exc)) from None
        record(session, me, "scores_reopened", "submission", submission_id, address=client_address(request),
               judge=body.judge, round=body.round, reason=body.reason)
        return {"status": card.status}


@api.put("/rounds/{submission_id}", tags=["scorecards"])
def entry_status_json(request: Request, submission_id: RowId, body: EntryStatusIn, me: ApiAdmin) -> dict[str, Any]:
    """Record a withdrawal or disqualification in a round (the next in rank takes the place)."""
    with session_scope() as session:
        submission = _entry(session, me, submission_id)
        service.set_entry_status(session, submission, body.round, body.status, body.reason)
        record(session, me, "entry_status", "submission", submission_id, address=client_address(request),
               round=body.round, status=body.status, reason=body.reason)
    return {"submission_id": submission_id, "round": body.round, "status": body.status}


@api.get("/standings", tags=["scorecards"])
def standings_json(me: ApiAdmin, contest_id: Annotated[int, Query(ge=1, le=2**31 - 1)], group: Group,
                   round: Round = "preliminary", lang: Lang = "zh") -> dict[str, Any]:
    """Aggregated scores, ranking with tie-breaks, and cut-off outcomes (preliminary) or awards (final)."""
    return _standings(contest_id, group, round, lang)


@api.get("/standings/export.xlsx", tags=["scorecards"])
def standings_export(me: ApiAdmin, contest_id: Annotated[int, Query(ge=1, le=2**31 - 1)], group: Group,
                     round: Round = "preliminary", lang: Lang = "zh") -> Response:
    """The ranking as XLSX, with signature rows."""
    _standings(contest_id, group, round, lang)  # 404 for an unknown contest
    with session_scope() as session:
        sheet = service.ranking_sheet(session, contest_id, group, round, lang)
        record(session, me, "ranking_exported", "contest", contest_id, group=group, round=round)
    return _download(exports.ranking_xlsx(sheet), "xlsx", f"ranking-{contest_id}-{group}-{round}.xlsx")


@api.get("/scoresheets/export.xlsx", tags=["scorecards"])
def score_sheet_export(me: ApiAdmin, contest_id: Annotated[int, Query(ge=1, le=2**31 - 1)], group: Group,
                       round: Round = "preliminary", lang: Lang = "zh") -> Response:
    """Every judge's scores of the group and round as XLSX (the panel's score sheet), with signature rows."""
    _standings(contest_id, group, round, lang)
    with session_scope() as session:
        sheet = service.score_sheet(session, contest_id, group, round, _judge_names(session), lang)
        record(session, me, "score_sheet_exported", "contest", contest_id, group=group, round=round)
    return _download(exports.score_sheet_xlsx(sheet), "xlsx", f"scores-{contest_id}-{group}-{round}.xlsx")


@api.post("/panels", tags=["scorecards"])
def panel_json(request: Request, body: PanelIn, me: ApiAdmin) -> dict[str, Any]:
    """Find conflicts, then assign each entry of the round to ``per_project`` unconflicted judges."""
    with session_scope() as session:
        if session.get(Contest, body.contest_id) is None:
            raise ApiError(404, "not_found", f"no contest {body.contest_id}")
        users = ([_user(session, name, JUDGE) for name in body.judges] if body.judges
                 else list(session.scalars(select(User).where(User.role == JUDGE, User.active.is_(True)))))
        plan = service.plan_panel(session, body.contest_id, body.group, body.round,
                                  [(u.id, u.display_name or u.username) for u in users], body.per_project)
        record(session, me, "panel_planned", "contest", body.contest_id, address=client_address(request),
               group=body.group, round=body.round, judges=len(users), per_project=body.per_project)
        return {"assignments": {str(k): list(v) for k, v in plan.assignments.items()},
                "shortfalls": {str(k): v for k, v in plan.shortfalls.items()}, "loads": plan.loads,
                "conflicts": [{"judge_id": c.judge_id, "submission_id": c.submission_id, "verdict": c.verdict,
                               "kind": c.kind, "reason": c.reason} for c in plan.conflicts]}


@api.put("/judges/{username}/profile", tags=["scorecards"])
def profile_json(request: Request, username: Annotated[str, Field(max_length=64)], body: ProfileIn,
                 me: ApiAdmin) -> dict[str, Any]:
    """A judge's organisation, city, segments, expertise and declared conflicts (for conflicts and panels)."""
    from scorecards.models import JudgeProfile

    with session_scope() as session:
        user = _user(session, username, JUDGE)
        profile = session.get(JudgeProfile, user.id) or JudgeProfile(user_id=user.id)
        for key, value in body.model_dump().items():
            setattr(profile, key, value)
        session.add(profile)
        record(session, me, "judge_profile", "user", user.id, address=client_address(request))
    return {"username": username, **body.model_dump()}


@api.get("/conflicts", tags=["scorecards"])
def conflicts_json(me: ApiAdmin) -> list[dict[str, Any]]:
    """Conflicts found between judges and entries; ``unknown`` ones wait for a decision."""
    with session_scope() as session:
        names = _judge_names(session)
        codes = dict(session.execute(select(Submission.id, Submission.code)).all())
        return [{"id": c.id, "judge": names.get(c.judge_id), "submission": codes.get(c.submission_id),
                 "verdict": c.verdict, "kind": c.kind, "reason": c.reason, "decision": c.decision}
                for c in session.scalars(select(ConflictRecord).order_by(ConflictRecord.id))]


@api.post("/conflicts/{conflict_id}", tags=["scorecards"])
def conflict_decision_json(request: Request, conflict_id: RowId, body: DecisionIn, me: ApiAdmin) -> dict[str, Any]:
    """Decide a found conflict: ``conflict`` (the judge may not see the entry) or ``cleared``."""
    with session_scope() as session:
        try:
            stored = service.decide_conflict(session, conflict_id, body.decision, me.user_id)
        except service.ScoringError as exc:
            raise ApiError(404 if exc.code == "missing" else 422, exc.code, str(exc)) from None
        record(session, me, "conflict_decided", "judge_conflict", conflict_id, address=client_address(request),
               decision=body.decision)
        return {"id": stored.id, "decision": stored.decision}


@api.post("/contests/{contest_id}/rubrics", status_code=201, tags=["scorecards"])
def rubric_json(request: Request, contest_id: RowId, body: RubricIn, me: ApiAdmin) -> dict[str, Any]:
    """Store a new version of a contest's rubric (YAML; ``base`` may name a default to build on)."""
    with session_scope() as session:
        if session.get(Contest, contest_id) is None:
            raise ApiError(404, "not_found", f"no contest {contest_id}")
        try:
            stored = service.store_rubric(session, contest_id, body.yaml, me.user_id)
        except RubricError as exc:
            raise ApiError(422, "invalid", str(exc)) from None
        except service.ScoringError as exc:
            raise _refused(exc) from None
        record(session, me, "rubric_stored", "contest", contest_id, address=client_address(request),
               name=stored.name, version=stored.version)
        return {"name": stored.name, "version": stored.version, "group": stored.group, "round": stored.round}


# ---------------------------------------------------------------- pages


def _page_entry(session: Any, me: Principal, submission_id: int) -> Submission:
    try:
        return _entry(session, me, submission_id)
    except ApiError as exc:
        raise PageError(exc.status, "forbidden" if exc.status == 403 else "not_found") from None


@router.get("/scorecards/{submission_id}", response_class=HTMLResponse, include_in_schema=False)
def card_page(request: Request, submission_id: RowId, me: PageJudging, round: Round = "preliminary",
              judge: Annotated[str | None, Query(max_length=64)] = None) -> HTMLResponse:
    lang = language(request)
    with session_scope() as session:
        submission = _page_entry(session, me, submission_id)
        judge_id = me.user_id if me.role == JUDGE else None
        if me.role == ADMIN and judge:
            user = session.scalar(select(User).where(User.username == judge, User.role == JUDGE))
            if user is None:  # not an empty card that looks like erased scores
                raise PageError(404, "not_found")
            judge_id = user.id
        card = service.card(session, submission, round, judge_id, lang, for_judge=me.role == JUDGE)
    return render(request, "scorecard.html", card=card, judge=judge or "", editable=me.role == JUDGE
                  and card["status"] != "submitted", saved=request.query_params.get("saved", ""))


@router.post("/scorecards/{submission_id}", include_in_schema=False)
async def card_form(request: Request, submission_id: RowId, me: FormJudge) -> RedirectResponse:
    form = await request.form()
    round_ = str(form.get("round") or "preliminary")
    scores: dict[str, float | None] = {}
    comments: dict[str, str] = {}
    for key, value in form.multi_items():
        text = str(value)
        if "\x00" in text or len(text) > 4000:
            raise PageError(400, "bad_request")
        if key.startswith("score_"):
            try:
                scores[key[6:]] = float(text) if text.strip() else None
            except ValueError:
                raise PageError(422, "bad_request") from None
        elif key.startswith("comment_") and text.strip():
            comments[key[8:]] = text
    try:
        body = ScoresIn(round=round_, scores=scores, comments=comments, comment=str(form.get("comment") or ""),  # type: ignore[arg-type]
                        submit=form.get("action") == "submit")
        _save(request, me, submission_id, body, "page")
    except ApiError as exc:
        raise PageError(exc.status, "forbidden" if exc.status == 403 else "bad_request") from None
    except ValueError:
        raise PageError(422, "bad_request") from None
    state = "submitted" if body.submit else "draft"
    return RedirectResponse(f"/scorecards/{submission_id}?round={round_}&saved={state}", status_code=303)


@router.get("/standings", response_class=HTMLResponse, include_in_schema=False)
def standings_page(request: Request, me: PageAdmin,
                   contest_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                   group: Group = "enterprise", round: Round = "preliminary") -> HTMLResponse:
    lang = language(request)
    with session_scope() as session:
        contests = service_contests(session)
    chosen = contest_id or (contests[0]["id"] if contests else None)
    try:
        result = _standings(chosen, group, round, lang) if chosen else None
    except ApiError:
        raise PageError(404, "not_found") from None
    return render(request, "standings.html", contests=contests, contest_id=chosen, group=group, round=round,
                  result=result)


def service_contests(session: Any) -> list[dict[str, Any]]:
    return [{"id": c.id, "name": c.name, "year": c.year}
            for c in session.scalars(select(Contest).order_by(Contest.year.desc(), Contest.name))]


@router.post("/scorecards/{submission_id}/reopen", include_in_schema=False)
def reopen_page(request: Request, submission_id: RowId, me: FormAdmin, judge: Annotated[str, Form(max_length=64)],
                reason: Annotated[str, Form(min_length=1, max_length=500)],
                round: Annotated[Round, Form()] = "preliminary") -> RedirectResponse:
    try:
        reopen_json(request, submission_id, ReopenIn(round=round, judge=judge, reason=reason), me)
    except (ApiError, ValueError):
        raise PageError(409, "bad_request") from None
    query = urlencode({"round": round, "judge": judge})
    return RedirectResponse(f"/scorecards/{submission_id}?{query}", status_code=303)
