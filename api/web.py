"""Shared pieces of the web layer: templates, page rendering with the caller's menu, the job runner."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.auth.service import Principal
from api.i18n import language, translator
from api.jobs import Runner, make_runner

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# Chinese stays readable in JSON shown on pages (``tojson`` escapes it to \\uXXXX); autoescaping still applies.
templates.env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True)

# The menu: (path, label key, roles that see it). Later issues add their pages here.
NAVIGATION: list[tuple[str, str, tuple[str, ...]]] = [
    ("/", "dashboard", ("admin", "reviewer", "judge", "integrity")),
    ("/review", "review_queue", ("admin", "reviewer")),
    ("/segments", "segments", ("admin", "reviewer")),
    ("/integrity", "integrity", ("admin", "integrity")),
    ("/standings", "standings", ("admin",)),
    ("/documents", "documents", ("admin", "reviewer", "integrity")),
    ("/admin/registrations", "registrations", ("admin",)),
    ("/admin/contests", "contests", ("admin",)),
    ("/admin/users", "users", ("admin",)),
    ("/admin/audit", "audit", ("admin",)),
    ("/account", "account", ("admin", "reviewer", "judge", "integrity")),
]

_runner: Runner | None = None


def runner() -> Runner:
    global _runner
    if _runner is None:
        _runner = make_runner()
    return _runner


def set_runner(new_runner: Runner | None) -> None:
    global _runner
    _runner = new_runner


def principal_of(request: Request) -> Principal | None:
    return getattr(request.state, "principal", None)


def render(request: Request, template: str, status_code: int = 200, **context: object) -> HTMLResponse:
    lang = language(request)
    principal = principal_of(request)
    menu = [(path, key) for path, key, roles in NAVIGATION if principal and principal.role in roles]
    t = translator(lang)
    response = templates.TemplateResponse(
        request, template,
        {"t": t, "lang": lang, "me": principal, "menu": menu, "refusal": _refusal_text(t, lang),
         "csrf": principal.csrf_token if principal else "", **context},
        status_code=status_code,
    )
    if request.query_params.get("lang") == lang:
        response.set_cookie("lang", lang, httponly=True, samesite="lax")
    return response


def _refusal_text(t, lang: str):  # type: ignore[no-untyped-def]
    """A refusal as its uploader reads it: the code's sentence in their language, then the detail."""

    def refusal(code: str | None, reason: str | None) -> str:
        summary = t(f"refusal_{code}")
        if summary == f"refusal_{code}":  # a code without a sentence: the detail alone
            return reason or code or ""
        return f"{summary}（{reason}）" if lang == "zh" and reason else (reason or summary)

    return refusal


def render_error(request: Request, status: int, code: str) -> HTMLResponse:
    return render(request, "error.html", status_code=status, status=status, code=code)
