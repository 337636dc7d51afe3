"""Shared pieces of the web layer: templates, the job runner of this process."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from api.i18n import language, translator
from api.jobs import InProcessRunner, Runner

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

_runner: Runner | None = None


def runner() -> Runner:
    global _runner
    if _runner is None:
        _runner = InProcessRunner()
    return _runner


def set_runner(new_runner: Runner | None) -> None:
    global _runner
    _runner = new_runner


def render(request: Request, template: str, **context: object):  # type: ignore[no-untyped-def]
    lang = language(request)
    response = templates.TemplateResponse(request, template, {"t": translator(lang), "lang": lang, **context})
    if request.query_params.get("lang") == lang:
        response.set_cookie("lang", lang, httponly=True, samesite="lax")
    return response
