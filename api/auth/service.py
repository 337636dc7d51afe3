"""Accounts, passwords, sessions, tokens and login throttling, without any web framework.

Passwords are hashed with Argon2id (argon2-cffi's current defaults). Session cookies and
API tokens are random 256-bit values; the database keeps only their SHA-256, so a leaked
database backup cannot be replayed as credentials.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from api.auth.models import ROLES, ApiToken, LoginFailure, User, WebSession
from ingest.database import utcnow

TOKEN_PREFIX = "amr_"
SESSION_HOURS = 12
# Five wrong passwords for one account, or thirty from one address, within the window lock
# further attempts until the window has passed: slow enough to stop guessing, short enough
# that a judge who mistypes is not locked out for the day.
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 30

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the timing of both cases alike.
_DUMMY_HASH = _hasher.hash("not a password")


class AuthError(Exception):
    """A refused credential or account change, with a stable code for the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user and how they proved it."""

    user_id: int
    username: str
    role: str
    display_name: str = ""
    session_id: str | None = None
    csrf_token: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _principal(user: User, web_session: WebSession | None = None) -> Principal:
    return Principal(user.id, user.username, user.role, user.display_name,
                     web_session.id if web_session else None, web_session.csrf_token if web_session else None)


# ---------------------------------------------------------------- users


def validate_password(password: str) -> None:
    if len(password) < 10:
        raise AuthError("weak_password", "passwords need at least 10 characters")


def create_user(session: Session, username: str, role: str, password: str, display_name: str = "") -> User:
    username = username.strip()
    if not username or len(username) > 64 or any(ch.isspace() for ch in username):
        raise AuthError("invalid_username", "user names are 1–64 characters without spaces")
    if role not in ROLES:
        raise AuthError("invalid_role", f"role must be one of {', '.join(ROLES)}")
    validate_password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AuthError("user_exists", f"user {username} already exists")
    user = User(username=username, role=role, display_name=display_name.strip(),
                password_hash=_hasher.hash(password), active=True)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    validate_password(password)
    user.password_hash = _hasher.hash(password)
    end_sessions(session, user.id)


def update_user(session: Session, user: User, *, role: str | None = None, active: bool | None = None) -> None:
    if role is not None:
        if role not in ROLES:
            raise AuthError("invalid_role", f"role must be one of {', '.join(ROLES)}")
        user.role = role
    if active is not None:
        user.active = active
    end_sessions(session, user.id)  # a changed role or a deactivation takes effect at once


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


# ---------------------------------------------------------------- login


def login(session: Session, username: str, password: str, address: str) -> tuple[Principal, str]:
    """Check a password under the rate limit; returns the principal and a new session cookie.

    A refusal raises ``AuthError``; the caller records it with ``record_failure`` in a
    transaction of its own (this one is rolled back by the exception).
    """
    _check_rate_limit(session, username, address)
    user = find_user(session, username)
    if user is None or not user.active or not _verify(user.password_hash, password):
        raise AuthError("invalid_login", "wrong user name or password")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
    cookie = secrets.token_urlsafe(32)
    web_session = WebSession(id=_digest(cookie), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                             expires_at=utcnow() + timedelta(hours=SESSION_HOURS))
    session.add(web_session)
    return _principal(user, web_session), cookie


def record_failure(session: Session, username: str, address: str) -> None:
    session.add(LoginFailure(username=username[:64], address=address[:64]))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_rate_limit(session: Session, username: str, address: str) -> None:
    since = utcnow() - FAILURE_WINDOW
    recent = select(func.count()).select_from(LoginFailure).where(LoginFailure.at >= since)
    per_user = session.scalar(recent.where(LoginFailure.username == username)) or 0
    per_address = session.scalar(recent.where(LoginFailure.address == address)) or 0
    if per_user >= MAX_FAILURES_PER_USER or per_address >= MAX_FAILURES_PER_ADDRESS:
        _hasher.verify(_DUMMY_HASH, "not a password")  # same cost as a real attempt
        minutes = int(FAILURE_WINDOW.total_seconds() // 60)
        raise AuthError("too_many_attempts", f"too many failed logins; try again in {minutes} minutes")


def session_principal(session: Session, cookie: str) -> Principal | None:
    web_session = session.get(WebSession, _digest(cookie))
    if web_session is None or web_session.expires_at < utcnow():
        return None
    user = session.get(User, web_session.user_id)
    if user is None or not user.active:
        return None
    return _principal(user, web_session)


def logout(session: Session, session_id: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id == session_id))


def end_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def csrf_matches(principal: Principal, submitted: str | None) -> bool:
    return bool(principal.csrf_token and submitted and hmac.compare_digest(principal.csrf_token, submitted))


# ---------------------------------------------------------------- API tokens


def issue_token(session: Session, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new bearer token for ``user``; the plaintext is returned here and never again."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name.strip()[:100], token_hash=_digest(plaintext))
    session.add(token)
    session.flush()
    return token, plaintext


def token_principal(session: Session, plaintext: str) -> Principal | None:
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plaintext)))
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now  # written at most once a minute: no write on every call
    return _principal(user)


def revoke_token(session: Session, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))
