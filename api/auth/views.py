"""Login and logout, the account page with API tokens, user administration; their API routes."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.audit.service import record
from api.auth.dependencies import EVERYONE, SESSION_COOKIE, Allow, AllowForm, Public, client_address
from api.auth.models import ADMIN, ROLES, ApiToken, User
from api.auth.service import (
    AuthError,
    Principal,
    create_user,
    issue_token,
    login,
    logout,
    record_failure,
    revoke_token,
    set_password,
    tokens_of,
    update_user,
)
from api.errors import ERROR_RESPONSES, ApiError, RowId, Text
from api.i18n import language, translator
from api.web import render
from ingest.database import session_scope

router = APIRouter()
api = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)

LOGIN_CSRF_COOKIE = "amreview_login_csrf"
PageUser = Annotated[Principal, Depends(Allow(*EVERYONE, api=False))]
PageAdmin = Annotated[Principal, Depends(Allow(ADMIN, api=False))]
ApiUser = Annotated[Principal, Depends(Allow(*EVERYONE, api=True))]
ApiAdmin = Annotated[Principal, Depends(Allow(ADMIN, api=True))]
FormUser = Annotated[Principal, Depends(AllowForm(*EVERYONE))]
FormAdmin = Annotated[Principal, Depends(AllowForm(ADMIN))]


def _secure(request: Request) -> bool:
    """Cookies are Secure whenever the service is reached over HTTPS (directly or via the proxy)."""
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def _safe_next(target: str) -> str:
    """Only same-site paths: ``next`` must not send a user to another site after login."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


# ---------------------------------------------------------------- pages: login, logout


@router.get("/login", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(Public())])
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return _login_page(request, _safe_next(next))


def _login_page(request: Request, next_path: str, error: str = "", username: str = "",
                status: int = 200) -> HTMLResponse:
    # Double-submit token: the form and a cookie carry the same random value.
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", status_code=status, login_csrf=token, next=next_path,
                      error=error, username=username)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request))
    return response


@router.post("/login", include_in_schema=False, dependencies=[Depends(Public())])
def login_submit(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()],
                 csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    t = translator(language(request))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return _login_page(request, _safe_next(next), t("error_csrf"), username, status=403)
    address = client_address(request)
    try:
        with session_scope() as session:
            principal, cookie = login(session, username, password, address)
            record(session, principal, "login", "user", principal.user_id, address=address)
    except AuthError as refusal:
        with session_scope() as session:
            if refusal.code == "invalid_login":
                record_failure(session, username, address)
            record(session, None, "login_failed", "user", username[:64], address=address, username=username[:64],
                   reason=refusal.code)
        status = 429 if refusal.code == "too_many_attempts" else 401
        return _login_page(request, _safe_next(next), t("error_" + refusal.code), username, status=status)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="lax", secure=_secure(request),
                        max_age=12 * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout", include_in_schema=False)
def logout_submit(request: Request, me: FormUser) -> Response:
    with session_scope() as session:
        if me.session_id:
            logout(session, me.session_id)
        record(session, me, "logout", "user", me.user_id, address=client_address(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


# ---------------------------------------------------------------- pages: my account and tokens


@router.get("/account", response_class=HTMLResponse, include_in_schema=False)
def account_page(request: Request, me: PageUser, new_token: str = "") -> HTMLResponse:
    with session_scope() as session:
        tokens = tokens_of(session, me.user_id)
    return render(request, "account.html", tokens=tokens, new_token=new_token)


@router.post("/account/tokens", include_in_schema=False)
def account_token_create(request: Request, me: FormUser, name: Annotated[str, Form()] = "") -> Response:
    with session_scope() as session:
        user = session.get(User, me.user_id)
        assert user is not None
        token, plaintext = issue_token(session, user, name)
        record(session, me, "token_created", "token", token.id, address=client_address(request))
    # Shown once, on the page that answers this POST, and never stored in plaintext.
    return _account_with_token(request, me, plaintext)


def _account_with_token(request: Request, me: Principal, plaintext: str) -> HTMLResponse:
    with session_scope() as session:
        tokens = tokens_of(session, me.user_id)
    response = render(request, "account.html", tokens=tokens, new_token=plaintext)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/account/tokens/{token_id}/revoke", include_in_schema=False)
def account_token_revoke(request: Request, me: FormUser, token_id: RowId) -> Response:
    with session_scope() as session:
        token = session.get(ApiToken, token_id)
        if token is None or token.user_id != me.user_id:
            return render(request, "error.html", status_code=404, status=404, code="not_found")
        revoke_token(session, token)
        record(session, me, "token_revoked", "token", token.id, address=client_address(request))
    return RedirectResponse("/account", status_code=303)


# ---------------------------------------------------------------- pages: user administration


@router.get("/admin/users", response_class=HTMLResponse, include_in_schema=False)
def users_page(request: Request, me: PageAdmin, error: str = "") -> HTMLResponse:
    with session_scope() as session:
        users = list(session.scalars(select(User).order_by(User.username)))
    return render(request, "users.html", users=users, roles=ROLES, error=error)


@router.post("/admin/users", include_in_schema=False)
def users_create(request: Request, me: FormAdmin, username: Annotated[str, Form()], role: Annotated[str, Form()],
                 password: Annotated[str, Form()], display_name: Annotated[str, Form()] = "") -> Response:
    try:
        with session_scope() as session:
            user = create_user(session, username, role, password, display_name)
            record(session, me, "user_created", "user", user.id, address=client_address(request),
                   username_created=user.username, role=user.role)
    except AuthError as refusal:
        return RedirectResponse(f"/admin/users?error={refusal.code}", status_code=303)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}", include_in_schema=False)
def users_update(request: Request, me: FormAdmin, user_id: RowId, role: Annotated[str, Form()] = "",
                 active: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "") -> Response:
    try:
        with session_scope() as session:
            user = session.get(User, user_id)
            if user is None:
                return render(request, "error.html", status_code=404, status=404, code="not_found")
            _apply_changes(session, me, user, role, active, password, client_address(request))
    except AuthError as refusal:
        return RedirectResponse(f"/admin/users?error={refusal.code}", status_code=303)
    return RedirectResponse("/admin/users", status_code=303)


def _apply_changes(session, me: Principal, user: User, role: str, active: str, password: str,  # type: ignore[no-untyped-def]
                   address: str) -> None:
    if user.id == me.user_id and (active == "0" or (role and role != ADMIN)):
        raise AuthError("self_lockout", "administrators cannot demote or deactivate themselves")
    update_user(session, user, role=role or None, active=None if active == "" else active == "1")
    if password:
        set_password(session, user, password)
    record(session, me, "user_updated", "user", user.id, address=address, role=user.role, active=user.active,
           password_changed=bool(password))


# ---------------------------------------------------------------- API


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    active: bool


class UserIn(BaseModel):
    username: Text = Field(min_length=1, max_length=64)
    role: str
    password: Text = Field(min_length=10, max_length=200)
    display_name: Text = Field(default="", max_length=100)


class TokenOut(BaseModel):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class NewToken(TokenOut):
    token: str = Field(description="the bearer token; shown only in this response")


class TokenIn(BaseModel):
    name: Text = Field(default="", max_length=100)


class UserList(BaseModel):
    items: list[UserOut]


class TokenList(BaseModel):
    items: list[TokenOut]


def _user_out(user: User) -> UserOut:
    return UserOut(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                   active=user.active)


def _token_out(token: ApiToken) -> TokenOut:
    return TokenOut(id=token.id, name=token.name, created_at=token.created_at, last_used_at=token.last_used_at,
                    revoked=token.revoked_at is not None)


@api.get("/me", tags=["users"])
def me_json(me: ApiUser) -> UserOut:
    """The caller's own account."""
    with session_scope() as session:
        user = session.get(User, me.user_id)
        assert user is not None
        return _user_out(user)


@api.get("/users", tags=["users"])
def users_json(me: ApiAdmin) -> UserList:
    with session_scope() as session:
        return UserList(items=[_user_out(u) for u in session.scalars(select(User).order_by(User.username))])


@api.post("/users", status_code=201, tags=["users"])
def users_create_json(request: Request, body: UserIn, me: ApiAdmin) -> UserOut:
    try:
        with session_scope() as session:
            user = create_user(session, body.username, body.role, body.password, body.display_name)
            record(session, me, "user_created", "user", user.id, address=client_address(request),
                   username_created=user.username, role=user.role)
            return _user_out(user)
    except AuthError as refusal:
        raise ApiError(409 if refusal.code == "user_exists" else 400, refusal.code, refusal.message) from None


@api.get("/tokens", tags=["tokens"])
def tokens_json(me: ApiUser) -> TokenList:
    """The caller's API tokens (never their values)."""
    with session_scope() as session:
        return TokenList(items=[_token_out(t) for t in tokens_of(session, me.user_id)])


@api.post("/tokens", status_code=201, tags=["tokens"])
def token_create_json(request: Request, body: TokenIn, me: ApiUser) -> NewToken:
    with session_scope() as session:
        user = session.get(User, me.user_id)
        assert user is not None
        token, plaintext = issue_token(session, user, body.name)
        record(session, me, "token_created", "token", token.id, address=client_address(request))
        return NewToken(**_token_out(token).model_dump(), token=plaintext)


@api.delete("/tokens/{token_id}", status_code=204, tags=["tokens"])
def token_revoke_json(request: Request, token_id: RowId, me: ApiUser) -> Response:
    """Revoke one of the caller's tokens; an administrator may revoke anyone's."""
    with session_scope() as session:
        token = session.get(ApiToken, token_id)
        if token is None or (token.user_id != me.user_id and not me.is_admin):
            raise ApiError(404, "not_found", f"no token {token_id}")
        revoke_token(session, token)
        record(session, me, "token_revoked", "token", token.id, address=client_address(request))
    return Response(status_code=204)
