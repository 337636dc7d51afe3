"""Browser fixtures: Debian's Chromium driven by Playwright against the real service in a subprocess.

Later issues reuse these:

- ``browser``: one headless Chromium for the session (``/usr/bin/chromium``; missing fails, never skips);
- ``live_server``: ``amreview serve`` on a free port over the test's own ``data_dir`` (so the same
  database and data directory as the rest of the suite: SQLite per test, or the session's shared
  PostgreSQL + Redis directory in CI's second pass); ``live_server.account(role)`` creates an
  account with ``amreview users add`` the first time it is asked for;
- ``page_as(role)``: a new browser context and page, signed in through the real login form;
- ``screenshot(page, name)``: a full-page PNG under ``test-artifacts/screenshots/`` (git-ignored);
- ``chinese_pdf(title, lines)``: a small PDF in reportlab's built-in CID font STSong-Light.

A failing test leaves ``FAILED-<test>-<n>.png`` of every page it had open, and the server's log
in the test report.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.services import AMREVIEW, ROOT, free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "browser-journey-password"  # ≥ 10 characters, as the service demands
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000  # any single wait in a page; the machine may be busy with other test runs
SERVER_START_SECONDS = 60


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Debian Chromium for the whole session."""
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install chromium (scripts/test installs it)")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        except PlaywrightError as exc:
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}")
        try:
            yield chromium
        finally:
            chromium.close()


# ---------------------------------------------------------------- the service


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    password: str = PASSWORD
    display_name: str = ""


@dataclass
class LiveServer:
    """`amreview serve` in a subprocess, with its address, environment and log."""

    url: str
    data_dir: Path
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes]
    accounts: dict[str, Account] = field(default_factory=dict)

    def add_user(self, username: str, role: str, password: str = PASSWORD, display_name: str = "") -> Account:
        """Create an account the way an operator does: `amreview users add NAME --role ROLE --password-stdin`."""
        command = [str(AMREVIEW), "users", "add", username, "--role", role, "--password-stdin"]
        if display_name:
            command += ["--display-name", display_name]
        done = subprocess.run(command, input=password + "\n", text=True, capture_output=True, env=self.env, cwd=ROOT,
                              timeout=120, check=False)
        if done.returncode != 0:
            pytest.fail(f"amreview users add {username} --role {role} failed ({done.returncode}): {done.stderr}")
        account = Account(username, role, password, display_name)
        self.accounts[username] = account
        return account

    def account(self, role: str) -> Account:
        """The account named after ``role`` (admin, reviewer, judge, integrity), created on first use."""
        return self.accounts.get(role) or self.add_user(role, role)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def live_server(data_dir: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """The real service on 127.0.0.1:<free port>, over the same database and data directory as ``data_dir``.

    ``data_dir`` has already migrated (or, in CI's PostgreSQL + Redis pass, emptied) the database;
    AMREVIEW_DATABASE_URL and AMREVIEW_REDIS_URL are passed on unchanged when they are set.
    """
    port = free_port()
    env = {**os.environ, "AMREVIEW_DATA_DIR": str(data_dir),
           "AMREVIEW_SANDBOX": os.environ.get("AMREVIEW_SANDBOX", "0"),
           "AMREVIEW_LOG_LEVEL": os.environ.get("AMREVIEW_LOG_LEVEL", "INFO")}
    log = tmp_path / "live-server.log"
    with log.open("wb") as handle:
        process = subprocess.Popen([str(AMREVIEW), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                   cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", data_dir, env, log, process)
    request.node.stash[_SERVER] = server  # a failing test's report gets the server's log
    try:
        _wait_healthy(server)
        yield server
    finally:
        server.stop()


def _wait_healthy(server: LiveServer) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"amreview serve exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    server.stop()
    pytest.fail(f"amreview serve did not answer /healthz within {SERVER_START_SECONDS} s:\n{server.log_tail()}")


# ---------------------------------------------------------------- signed-in pages


def sign_in(page: Page, account: Account) -> Page:
    """Sign in through the real login form (its hidden CSRF token included) and land on the dashboard."""
    page.goto("/login")
    form = page.locator("main form[action='/login']")
    token = form.locator("input[name='csrf_token']")
    assert token.get_attribute("type") == "hidden" and token.get_attribute("value"), \
        "the login form carries a hidden CSRF token"
    form.locator("input[name='username']").fill(account.username)
    form.locator("input[name='password']").fill(account.password)
    with page.expect_navigation(wait_until="load"):
        form.locator("button[type='submit']").click()
    refusal = page.locator("#login-error")
    if refusal.count():
        pytest.fail(f"login as {account.username} was refused: {refusal.inner_text()}")
    assert page.locator("header form.logout").is_visible(), f"{account.username} is not signed in"
    return page


@pytest.fixture
def page_as(browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[
        Callable[[str | Account], Page]]:
    """``page_as("admin")`` or ``page_as(account)``: a page in its own browser context, signed in.

    A role name signs in as the account of that name (created with the CLI on first use); an
    ``Account`` (e.g. one created through the users form) signs in as that person.
    """
    contexts: list[BrowserContext] = []
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for stale in SCREENSHOTS.glob(f"FAILED-{name}-*.png"):  # from an earlier failing run of this test
        stale.unlink()

    def open_as(who: str | Account) -> Page:
        account = who if isinstance(who, Account) else live_server.account(who)
        context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return sign_in(context.new_page(), account)

    yield open_as
    if _failed(request.node):
        for number, context in enumerate(contexts, 1):
            for page in context.pages:
                _save(page, SCREENSHOTS / f"FAILED-{name}-{number}.png")
    for context in contexts:
        context.close()


# ---------------------------------------------------------------- screenshots and test documents


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as test-artifacts/screenshots/<name>.png (fonts loaded first); returns its path."""
    return _save(page, SCREENSHOTS / f"{name}.png")


def _save(page: Page, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        page.evaluate("document.fonts.ready.then(() => true)")
        page.screenshot(path=str(path), full_page=True)
    except Exception as exc:  # a broken page must not hide the test's own failure
        path.with_suffix(".txt").write_text(f"no screenshot: {exc}\n", encoding="utf-8")
    return path


def chinese_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF with a heading and paragraphs in STSong-Light (built into reportlab; not embedded)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595.27, 841.89))
    pdf.setTitle(title)
    pdf.setFont("STSong-Light", 18)
    pdf.drawString(72, 760, title)
    pdf.setFont("STSong-Light", 11)
    for number, line in enumerate(lines):
        pdf.drawString(72, 728 - 18 * number, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# ---------------------------------------------------------------- test outcome, for the failure artefacts


_FAILED = pytest.StashKey[bool]()
_SERVER = pytest.StashKey[LiveServer]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.failed:
        item.stash[_FAILED] = True
        server = item.stash.get(_SERVER, None)
        if server is not None:
            report.sections.append(("live server log (last 60 lines)", server.log_tail(60)))
    return report


def _failed(node: pytest.Item) -> bool:
    return node.stash.get(_FAILED, False)
