"""Fixtures for the web service: one account per role, and clients signed in as any of them.

Later issues reuse these: ``people`` creates the accounts (with API tokens), ``sign_in``
gives a TestClient holding a browser session and the bearer token of the role asked for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.web import set_runner

PASSWORD = "correct horse battery staple"
ROLES = ("admin", "reviewer", "judge", "integrity")


@dataclass(frozen=True)
class Person:
    username: str
    role: str
    password: str
    token: str
    user_id: int


@pytest.fixture
def people(data_dir: Path) -> dict[str, Person]:
    """admin, reviewer, judge, integrity, and a second judge ``judge2``; each with one API token."""
    from api.auth.service import create_user, issue_token
    from ingest.database import session_scope

    accounts: dict[str, Person] = {}
    with session_scope() as session:
        for username, role in [(r, r) for r in ROLES] + [("judge2", "judge")]:
            user = create_user(session, username, role, PASSWORD, display_name=username.title())
            _, token = issue_token(session, user, "tests")
            accounts[username] = Person(username, role, PASSWORD, token, user.id)
    return accounts


@pytest.fixture
def app_client(data_dir: Path) -> Iterator[TestClient]:
    """A client of a fresh app, signed in as nobody."""
    from api.app import create_app

    set_runner(None)  # a fresh runner for this data directory
    with TestClient(create_app()) as test_client:
        yield test_client
    set_runner(None)


def csrf_in(html: str) -> str:
    """The CSRF token a page's form carries."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page's form carries a CSRF token"
    return match[1]


def login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    token = csrf_in(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                           "next": "/"}, follow_redirects=False)
    assert response.status_code == 303, f"login as {username} failed: {response.status_code}"
    return client


def csrf_of(client: TestClient, page: str = "/account") -> str:
    return csrf_in(client.get(page).text)


@pytest.fixture
def sign_in(app_client: TestClient, people: dict[str, Person]) -> Callable[[str], TestClient]:
    """``sign_in("judge")``: the client, signed in as that person, with their bearer token as a default header."""

    def as_person(username: str) -> TestClient:
        app_client.cookies.clear()
        login(app_client, username)
        app_client.headers["Authorization"] = f"Bearer {people[username].token}"
        return app_client

    return as_person


@pytest.fixture
def client(sign_in: Callable[[str], TestClient]) -> TestClient:
    """The client signed in as the administrator (pages and API)."""
    return sign_in("admin")
