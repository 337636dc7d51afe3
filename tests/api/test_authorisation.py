"""The whole route table, walked: every route declares who may call it, and each role gets exactly that.

A route added without an entry in ``POLICY`` fails ``test_every_route_has_a_policy``; a
route whose declared roles differ from ``POLICY``, or that lets a role through which it
should not (or stops one it should admit), fails ``test_each_role_gets_what_its_policy_says``.
Later issues add their routes to ``POLICY``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.auth.dependencies import Allow, Public
from tests.api.conftest import Person, csrf_of
from tests.documents import one_page_pdf

pytestmark = pytest.mark.storage

ALL = frozenset({"admin", "reviewer", "judge", "integrity"})
STAFF = frozenset({"admin", "reviewer", "integrity"})
UPLOADERS = frozenset({"admin", "reviewer"})
REVIEWERS = frozenset({"admin", "reviewer"})
OFFICERS = frozenset({"admin", "integrity"})
JUDGING = frozenset({"admin", "judge"})
JUDGES = frozenset({"judge"})
ADMIN = frozenset({"admin"})
PUBLIC = "public"

# (method, path) -> the roles admitted, or PUBLIC.
POLICY: dict[tuple[str, str], frozenset[str] | str] = {
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("POST", "/logout"): ALL,
    ("GET", "/account"): ALL,
    ("POST", "/account/tokens"): ALL,
    ("POST", "/account/tokens/{token_id}/revoke"): ALL,
    ("GET", "/admin/users"): ADMIN,
    ("POST", "/admin/users"): ADMIN,
    ("POST", "/admin/users/{user_id}"): ADMIN,
    ("GET", "/"): ALL,
    ("GET", "/documents"): STAFF,
    ("POST", "/documents"): UPLOADERS,
    ("GET", "/documents/{document_id}"): ALL,
    ("GET", "/documents/{document_id}/original"): STAFF,
    ("GET", "/admin/contests"): ADMIN,
    ("POST", "/admin/contests"): ADMIN,
    ("GET", "/admin/audit"): ADMIN,
    ("GET", "/admin/audit.csv"): ADMIN,
    ("GET", "/api/v1/me"): ALL,
    ("GET", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users"): ADMIN,
    ("GET", "/api/v1/tokens"): ALL,
    ("POST", "/api/v1/tokens"): ALL,
    ("DELETE", "/api/v1/tokens/{token_id}"): ALL,
    ("POST", "/api/v1/documents"): UPLOADERS,
    ("GET", "/api/v1/jobs/{job_id}"): UPLOADERS,
    ("GET", "/api/v1/documents/{document_id}"): ALL,
    ("GET", "/api/v1/documents"): ALL,
    ("GET", "/api/v1/contests"): STAFF,
    ("POST", "/api/v1/contests"): ADMIN,
    ("GET", "/api/v1/assignments"): ADMIN,
    ("POST", "/api/v1/assignments"): ADMIN,
    ("GET", "/api/v1/audit"): ADMIN,
    ("GET", "/api/v1/contests/{contest_id}/rules"): REVIEWERS,
    ("PUT", "/api/v1/contests/{contest_id}/rules"): ADMIN,
    ("GET", "/review"): REVIEWERS,
    ("GET", "/review/export.xlsx"): REVIEWERS,
    ("GET", "/review/submissions/{submission_id}"): REVIEWERS,
    ("POST", "/review/submissions/{submission_id}/decision"): REVIEWERS,
    ("POST", "/review/submissions/{submission_id}/check"): REVIEWERS,
    ("GET", "/admin/registrations"): ADMIN,
    ("POST", "/admin/registrations"): ADMIN,
    ("POST", "/admin/past-lists"): ADMIN,
    ("GET", "/api/v1/submissions"): REVIEWERS,
    ("GET", "/api/v1/submissions/{submission_id}"): REVIEWERS,
    ("POST", "/api/v1/submissions/{submission_id}/decisions"): REVIEWERS,
    ("POST", "/api/v1/submissions/{submission_id}/check"): REVIEWERS,
    ("POST", "/api/v1/registrations"): ADMIN,
    ("POST", "/api/v1/past-lists"): ADMIN,
    ("GET", "/segments"): REVIEWERS,
    ("POST", "/segments"): REVIEWERS,
    ("POST", "/segments/corrections"): REVIEWERS,
    ("POST", "/segments/retrain"): ADMIN,
    ("POST", "/review/submissions/{submission_id}/segment"): REVIEWERS,
    ("GET", "/api/v1/segments"): ALL,
    ("POST", "/api/v1/segments/classify"): REVIEWERS,
    ("GET", "/api/v1/segments/model"): REVIEWERS,
    ("POST", "/api/v1/segments/retrain"): ADMIN,
    ("GET", "/api/v1/segments/corrections"): REVIEWERS,
    ("POST", "/api/v1/segments/corrections"): REVIEWERS,
    ("PUT", "/api/v1/submissions/{submission_id}/segment"): REVIEWERS,
    ("GET", "/integrity"): OFFICERS,
    ("GET", "/integrity/cases/{case_id}"): OFFICERS,
    ("POST", "/integrity/cases/{case_id}/findings"): OFFICERS,
    ("POST", "/integrity/references"): ADMIN,
    ("POST", "/integrity/rebuild"): ADMIN,
    ("GET", "/api/v1/integrity/cases"): OFFICERS,
    ("GET", "/api/v1/integrity/cases/{case_id}"): OFFICERS,
    ("POST", "/api/v1/integrity/cases/{case_id}/findings"): OFFICERS,
    ("GET", "/api/v1/integrity/references"): OFFICERS,
    ("POST", "/api/v1/integrity/references"): ADMIN,
    ("POST", "/api/v1/integrity/rebuild"): ADMIN,
    ("POST", "/api/v1/integrity/align"): OFFICERS,
    ("GET", "/scorecards/{submission_id}"): JUDGING,
    ("POST", "/scorecards/{submission_id}"): JUDGES,
    ("POST", "/scorecards/{submission_id}/reopen"): ADMIN,
    ("GET", "/standings"): ADMIN,
    ("GET", "/api/v1/scorecards/{submission_id}"): JUDGING,
    ("PUT", "/api/v1/scorecards/{submission_id}"): JUDGES,
    ("GET", "/api/v1/scorecards/{submission_id}/export.{kind}"): JUDGING,
    ("POST", "/api/v1/scorecards/{submission_id}/reopen"): ADMIN,
    ("PUT", "/api/v1/rounds/{submission_id}"): ADMIN,
    ("GET", "/api/v1/standings"): ADMIN,
    ("GET", "/api/v1/standings/export.xlsx"): ADMIN,
    ("GET", "/api/v1/scoresheets/export.xlsx"): ADMIN,
    ("POST", "/api/v1/panels"): ADMIN,
    ("PUT", "/api/v1/judges/{username}/profile"): ADMIN,
    ("GET", "/api/v1/conflicts"): ADMIN,
    ("POST", "/api/v1/conflicts/{conflict_id}"): ADMIN,
    ("POST", "/api/v1/contests/{contest_id}/rubrics"): ADMIN,
}


def _routes() -> list[tuple[str, str, object]]:
    """(method, path, route) for every route the app serves: its own and every included router's."""
    from api.app import ROUTERS, create_app

    app = create_app()
    own = [r for r in app.router.routes if hasattr(r, "path") and hasattr(r, "methods")]
    routes = own + [route for router in ROUTERS for route in router.routes]
    return [(method, route.path, route) for route in routes for method in sorted(route.methods - {"HEAD"})]


def _declared(route: object) -> frozenset[str] | str | None:
    """The roles a route's Allow dependency admits, PUBLIC for Public, None when it declares neither."""
    if not isinstance(route, APIRoute):
        return None
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        if isinstance(dependency.call, Public):
            return PUBLIC
        if isinstance(dependency.call, Allow):
            return dependency.call.roles
        stack.extend(dependency.dependencies)
    return None


def test_every_route_has_a_policy() -> None:
    served = {(method, path) for method, path, _ in _routes()}
    assert served == set(POLICY), f"routes without a policy: {served - set(POLICY)}; stale: {set(POLICY) - served}"


def test_declared_roles_match_the_policy() -> None:
    for method, path, route in _routes():
        if path in ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"):
            continue  # FastAPI's own documentation routes: public, no dependency to declare
        assert _declared(route) == POLICY[(method, path)], f"{method} {path} declares {_declared(route)}"


# ---------------------------------------------------------------- behaviour


@dataclass
class World:
    """Objects the path parameters point at: a document of judge's project, a token, a user, a job."""

    document_id: int
    job_id: str
    token_id: int
    user_id: int
    submission_id: int
    contest_id: int
    case_id: int


@pytest.fixture
def world(sign_in: Callable[[str], TestClient], people: dict[str, Person]) -> World:
    from api.auth.models import User
    from api.auth.service import issue_token
    from ingest.database import session_scope
    from review.models import Contest, Submission, SubmissionFile
    from review.service import assign
    from similarity.models import IntegrityCase

    admin = sign_in("admin")
    plan = one_page_pdf("项目概述：激光选区熔化成形装备。")
    upload = admin.post("/api/v1/documents", files={"file": ("plan.pdf", plan)}).json()
    with session_scope() as session:
        contest = Contest(kind="thematic", name="增材制造专题赛", edition=11, year=2026)
        session.add(contest)
        session.flush()
        submission = Submission(contest_id=contest.id, code="AM11-E-0001", group="enterprise", segment=1,
                                project="装备", applicant="四川某某增材科技有限公司")
        session.add(submission)
        session.flush()
        session.add(SubmissionFile(submission_id=submission.id, document_id=upload["id"]))
        assign(session, submission, people["judge"].user_id)
        judge2 = session.get(User, people["judge2"].user_id)
        assert judge2 is not None
        token, _ = issue_token(session, judge2, "someone else's")
        case = IntegrityCase(kind="repeat", score=0.9, members=[f"s:{submission.id}"])
        session.add(case)
        session.flush()
        token_id, submission_id, contest_id, case_id = token.id, submission.id, contest.id, case.id
    return World(upload["id"], upload["job_id"], token_id, people["judge2"].user_id, submission_id, contest_id,
                 case_id)


def _path(path: str, world: World) -> str:
    return path.format(document_id=world.document_id, job_id=world.job_id, token_id=world.token_id,
                       user_id=world.user_id, submission_id=world.submission_id, contest_id=world.contest_id,
                       case_id=world.case_id, username="judge", conflict_id=world.case_id, kind="pdf")


def _call(client: TestClient, method: str, path: str, *, csrf: str | None) -> int:
    data = {"csrf_token": csrf} if csrf is not None else None
    if method == "GET":
        return client.get(path, follow_redirects=False).status_code
    if method == "DELETE":
        return client.delete(path).status_code
    if method == "PUT":
        return client.put(path, json={}).status_code
    if path.startswith("/api/"):
        return client.post(path, json={}).status_code
    return client.post(path, data=data, follow_redirects=False).status_code


def _checked_routes() -> list[tuple[str, str]]:
    # Logout would end the session the other checks use; it is checked on its own below.
    return [key for key in POLICY if POLICY[key] != PUBLIC and key != ("POST", "/logout")]


@pytest.mark.parametrize("role", sorted(ALL))
def test_each_role_gets_what_its_policy_says(sign_in: Callable[[str], TestClient], world: World, role: str) -> None:
    client = sign_in(role)
    csrf = csrf_of(client)
    for method, path in _checked_routes():
        status = _call(client, method, _path(path, world), csrf=csrf)
        allowed = POLICY[(method, path)]
        if role in allowed:
            assert status not in (401, 403), f"{role} was refused {method} {path} ({status})"
        else:
            assert status == 403, f"{role} got {status} for {method} {path}; expected 403"


def test_anonymous_callers_are_sent_to_login_or_get_401(app_client: TestClient, world: World) -> None:
    app_client.cookies.clear()
    app_client.headers.pop("Authorization", None)
    for method, path in [key for key in POLICY if POLICY[key] != PUBLIC]:
        status = _call(app_client, method, _path(path, world), csrf="forged")
        expected = 401 if path.startswith("/api/") else 303
        assert status == expected, f"anonymous {method} {path}: {status}"
    for _method, path in [key for key in POLICY if POLICY[key] == PUBLIC and key[0] == "GET"]:
        assert app_client.get(path).status_code == 200, path


def test_logout_needs_the_csrf_token_and_ends_the_session(sign_in: Callable[[str], TestClient]) -> None:
    client = sign_in("reviewer")
    assert client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200
    csrf = csrf_of(client)
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303  # back to the login form


def test_judges_see_only_their_unconflicted_projects(sign_in: Callable[[str], TestClient], world: World,
                                                     people: dict[str, Person]) -> None:
    from ingest.database import session_scope
    from review.models import Submission
    from review.service import assign

    judge = sign_in("judge")
    assert judge.get(f"/api/v1/documents/{world.document_id}").status_code == 200
    assert judge.get(f"/documents/{world.document_id}").status_code == 200
    assert [d["id"] for d in judge.get("/api/v1/documents").json()["items"]] == [world.document_id]
    assert "AM11-E-0001" in judge.get("/").text

    other = sign_in("judge2")  # not assigned: the document does not exist for them
    assert other.get(f"/api/v1/documents/{world.document_id}").json()["error"]["code"] == "not_found"
    assert other.get(f"/documents/{world.document_id}").status_code == 404
    assert other.get("/api/v1/documents").json()["items"] == []

    with session_scope() as session:
        submission = session.query(Submission).one()
        assign(session, submission, people["judge"].user_id, conflict="曾在申报单位任职")
    judge = sign_in("judge")
    assert judge.get(f"/api/v1/documents/{world.document_id}").status_code == 404
    assert "AM11-E-0001" not in judge.get("/").text
