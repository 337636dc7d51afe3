"""Security properties of the service: passwords, login throttling, CSRF, tokens, masking, audit, uploads."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.api.conftest import PASSWORD, Person, csrf_in, csrf_of, login
from tests.documents import one_page_pdf

pytestmark = pytest.mark.storage
ID_NUMBER = "11010519491231002X"  # the standard's example, with a valid check character




def _wait(client: TestClient, job_id: str) -> None:
    import time

    for _ in range(600):
        if client.get(f"/api/v1/jobs/{job_id}").json()["status"] in ("done", "failed"):
            return
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def test_passwords_are_stored_as_argon2id_hashes(people: dict[str, Person]) -> None:
    from api.auth.models import User
    from ingest.database import session_scope

    with session_scope() as session:
        hashes = [u.password_hash for u in session.query(User)]
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_login_is_rate_limited_per_account(app_client: TestClient, people: dict[str, Person]) -> None:
    form = app_client.get("/login")
    token = csrf_in(form.text)
    for _ in range(5):
        wrong = app_client.post("/login", data={"username": "reviewer", "password": "wrong password!",
                                                "csrf_token": token})
        assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
        token = csrf_in(wrong.text)
    blocked = app_client.post("/login", data={"username": "reviewer", "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429 and "15 分钟" in blocked.text
    login(app_client, "admin")  # other accounts are not locked


def test_login_form_needs_its_csrf_token(app_client: TestClient, people: dict[str, Person]) -> None:
    app_client.get("/login")
    forged = app_client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": "forged"})
    assert forged.status_code == 403
    assert "amreview_session" not in forged.cookies


def test_forms_without_the_session_csrf_token_are_refused(client: TestClient) -> None:
    created = client.post("/admin/users", data={"username": "eve", "role": "admin", "password": "x" * 12},
                          follow_redirects=False)
    assert created.status_code == 403 and "csrf" in created.text
    assert "eve" not in client.get("/admin/users").text


def test_session_cookie_flags(app_client: TestClient, people: dict[str, Person]) -> None:
    page = app_client.get("/login")
    token = csrf_in(page.text)
    response = app_client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token},
                               follow_redirects=False, headers={"x-forwarded-proto": "https"})
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "amreview_session" in v)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie


def test_tokens_can_be_revoked_and_die_with_their_account(client: TestClient, people: dict[str, Person]) -> None:
    new = client.post("/api/v1/tokens", json={"name": "script"}).json()
    mine = {"Authorization": f"Bearer {new['token']}"}
    assert client.get("/api/v1/me", headers=mine).json()["username"] == "admin"
    assert client.delete(f"/api/v1/tokens/{new['id']}").status_code == 204
    assert client.get("/api/v1/me", headers=mine).status_code == 401
    assert new["token"] not in str(client.get("/api/v1/tokens").json())  # never shown again

    judge = {"Authorization": f"Bearer {people['judge'].token}"}
    assert client.get("/api/v1/me", headers=judge).status_code == 200
    csrf = csrf_of(client, "/admin/users")
    client.post(f"/admin/users/{people['judge'].user_id}", data={"csrf_token": csrf, "role": "judge", "active": "0"})
    assert client.get("/api/v1/me", headers=judge).json()["error"]["code"] == "unauthorized"


def test_id_numbers_are_masked_except_for_admins(sign_in: Callable[[str], TestClient]) -> None:
    admin = sign_in("admin")
    plan = one_page_pdf(f"负责人张三 身份证号 {ID_NUMBER}")
    upload = admin.post("/api/v1/documents", files={"file": ("team.pdf", plan)})
    body = upload.json()
    _wait(admin, body["job_id"])
    assert ID_NUMBER in admin.get(f"/api/v1/documents/{body['id']}").json()["text"]
    reviewer = sign_in("reviewer")
    seen = reviewer.get(f"/api/v1/documents/{body['id']}").json()
    assert ID_NUMBER not in str(seen) and "110105********002X" in seen["text"]
    page = reviewer.get(f"/documents/{body['id']}")
    assert ID_NUMBER not in page.text and "110105********002X" in page.text


def test_every_view_and_change_is_audited_and_the_log_is_append_only(client: TestClient,
                                                                     people: dict[str, Person]) -> None:
    from ingest.database import get_engine

    upload = client.post("/api/v1/documents", files={"file": ("a.pdf", one_page_pdf("审计测试"))}).json()
    client.get(f"/api/v1/documents/{upload['id']}")
    client.post("/api/v1/contests", json={"kind": "regional", "name": "四川赛区", "edition": 11, "year": 2026})
    form = csrf_in(client.get("/login").text)
    client.post("/login", data={"username": '=HYPERLINK("http://x")', "password": "x", "csrf_token": form})
    actions = [e["action"] for e in client.get("/api/v1/audit").json()["items"]]
    assert {"login", "upload", "view", "contest_created"} <= set(actions)

    export = client.get("/admin/audit.csv")
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert any(r["action"] == "upload" and r["username"] == "admin" for r in rows)
    failed = next(r for r in rows if r["action"] == "login_failed")
    assert failed["username"] == "'=HYPERLINK(\"http://x\")"  # a formula is exported as plain text
    assert client.get("/api/v1/audit", params={"action": "export"}).json()["total"] == 1

    with get_engine().connect() as connection, pytest.raises(Exception, match="append-only"):
        connection.execute(text("UPDATE audit_events SET action = 'nothing'"))
    with get_engine().connect() as connection, pytest.raises(Exception, match="append-only"):
        connection.execute(text("DELETE FROM audit_events"))


def test_uploads_count_against_a_daily_quota(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMREVIEW_UPLOAD_QUOTA_FILES", "2")
    assert client.post("/api/v1/documents", files={"file": ("1.pdf", one_page_pdf("一"))}).status_code == 202
    assert client.post("/api/v1/documents", files={"file": ("2.pdf", one_page_pdf("二"))}).status_code == 202
    third = client.post("/api/v1/documents", files={"file": ("3.pdf", one_page_pdf("三"))})
    assert third.status_code == 429 and third.json()["error"]["code"] == "quota_exceeded"


def test_oversized_bodies_are_refused_at_the_edge(client: TestClient) -> None:
    # The declared length alone is enough: nothing is read.
    response = client.post("/api/v1/documents", content=b"x", headers={
        "content-type": "multipart/form-data; boundary=x", "content-length": str(200 * 2**20)})
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    assert client.post("/api/v1/contests", content=b"{" + b" " * (2 * 2**20) + b"}",
                       headers={"content-type": "application/json"}).status_code == 413


def test_originals_download_as_inert_attachments(client: TestClient) -> None:
    html = b"<html><script>alert(1)</script></html>"
    refused = client.post("/api/v1/documents", files={"file": ("x.pdf", html, "application/pdf")})
    assert refused.status_code == 415  # sniffed as what it is, whatever it claims
    upload = client.post("/api/v1/documents", files={"file": ("计划书.pdf", one_page_pdf("原件"))}).json()
    original = client.get(f"/documents/{upload['id']}/original")
    assert original.headers["content-type"] == "application/octet-stream"
    assert original.headers["content-disposition"].startswith("attachment;")
    assert original.headers["content-security-policy"] == "sandbox"
    assert original.content.startswith(b"%PDF")


def test_pages_carry_a_content_security_policy(client: TestClient) -> None:
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_users_cli_adds_a_user_and_prints_a_working_token(client: TestClient, data_dir: Path) -> None:
    amreview = [sys.executable, "-m", "api.cli"]
    added = subprocess.run([*amreview, "users", "add", "lin", "--role", "integrity", "--password-stdin"],
                           input="a long enough password\n", capture_output=True, text=True, check=False)
    assert added.returncode == 0, added.stderr
    weak = subprocess.run([*amreview, "users", "add", "wu", "--role", "judge", "--password-stdin"],
                          input="short\n", capture_output=True, text=True, check=False)
    assert weak.returncode != 0 and "10 characters" in weak.stderr
    issued = subprocess.run([*amreview, "users", "token", "lin"], capture_output=True, text=True, check=False)
    token = issued.stdout.strip()
    assert issued.returncode == 0 and token.startswith("amr_") and "\n" not in token
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"id": me["id"], "username": "lin", "display_name": "", "role": "integrity", "active": True}


def test_nul_characters_are_refused_not_crashed_on(client: TestClient) -> None:
    # PostgreSQL cannot store NUL in text: bodies are validated, anything else is a clear 400, never a 500.
    body = client.post("/api/v1/assignments", json={"submission": "\u0000", "judge": "judge"})
    assert body.status_code == 422 and body.json()["error"]["code"] == "invalid_request"
    assert client.get("/api/v1/audit", params={"username": "\u0000"}).status_code in (200, 400)
    form = csrf_in(client.get("/login").text)
    login_page = client.post("/login", data={"username": "a\u0000b", "password": "x", "csrf_token": form})
    assert login_page.status_code in (400, 401)
