"""FastAPI dependencies that decide who may call a route.

Every route declares ``Depends(Allow(...))`` with the roles it admits (or ``ANYONE`` for
public pages such as the login form). The route-table test reads these declarations and
checks them against what each role actually gets, so a route without one fails the suite.

The API authenticates by bearer token only; pages by the session cookie only. Keeping
them apart means a cross-site form can never ride on an API token, and a stolen cookie
cannot script the API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.auth.models import ROLES
from api.auth.service import Principal, csrf_matches, session_principal, token_principal
from api.errors import ApiError, LoginRequired, PageError
from ingest.database import session_scope

SESSION_COOKIE = "amreview_session"
_bearer = HTTPBearer(auto_error=False, description="an API token from `amreview users token NAME`")
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


class Allow:
    """Admit callers whose role is in ``roles``; ``api`` chooses token or session authentication."""

    def __init__(self, *roles: str, api: bool) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {unknown}")
        self.roles = frozenset(roles)
        self.api = api

    def __call__(self, request: Request,
                 credentials: Bearer) -> Principal:
        principal = self._api_principal(credentials) if self.api else self._page_principal(request)
        request.state.principal = principal  # also for the error page: it shows who is signed in
        if principal.role not in self.roles:
            if self.api:
                raise ApiError(403, "forbidden", f"the {principal.role} role may not do this")
            raise PageError(403, "forbidden")
        return principal

    @staticmethod
    def _api_principal(credentials: HTTPAuthorizationCredentials | None) -> Principal:
        challenge = {"WWW-Authenticate": "Bearer"}
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise ApiError(401, "unauthorized", "an Authorization: Bearer token is required", challenge)
        with session_scope() as session:
            principal = token_principal(session, credentials.credentials)
        if principal is None:
            raise ApiError(401, "unauthorized", "the token is invalid or revoked", challenge)
        return principal

    @staticmethod
    def _page_principal(request: Request) -> Principal:
        cookie = request.cookies.get(SESSION_COOKIE)
        principal = None
        if cookie:
            with session_scope() as session:
                principal = session_principal(session, cookie)
        if principal is None:
            raise LoginRequired()
        return principal


class Public:
    """Marks a route that anyone may call (login form, health check); it authenticates nothing."""

    def __call__(self) -> None:
        return None


EVERYONE = tuple(ROLES)


class AllowForm(Allow):
    """``Allow`` for forms posted from pages: the form must also carry the session's CSRF token.

    The token (field ``csrf_token``) is random per session and compared in constant time;
    a cross-site form cannot read it, so it cannot forge it.
    """

    def __init__(self, *roles: str) -> None:
        super().__init__(*roles, api=False)

    async def __call__(self, request: Request,  # type: ignore[override]
                       credentials: Bearer) -> Principal:
        principal = await run_in_threadpool(Allow.__call__, self, request, credentials)
        form = await request.form()
        submitted = form.get("csrf_token")
        if not csrf_matches(principal, submitted if isinstance(submitted, str) else None):
            raise PageError(403, "csrf")
        return principal
