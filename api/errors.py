"""One error shape for the whole API, ``{"error": {"code", "message"}}``, and its handlers.

Pages get an HTML error page instead, except that a page needing a login sends the
browser to the login form.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import AfterValidator, BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


# Documented on every API route, so clients and schema checkers know the error shape.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "bad request"},
    401: {"model": ErrorBody, "description": "missing or invalid bearer token"},
    403: {"model": ErrorBody, "description": "the caller's role may not do this"},
    404: {"model": ErrorBody, "description": "no such object, or not visible to the caller"},
    422: {"model": ErrorBody, "description": "invalid parameters"},
}


# Path parameters: database ids fit a 32-bit signed integer (PostgreSQL's INTEGER), job ids are hex.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
JobId = Annotated[str, Path(min_length=1, max_length=32, pattern="^[0-9a-f]+$")]


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and no name or title needs one: refuse it up front.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


# A string field of a request body that the database can store.
Text = Annotated[str, AfterValidator(_no_nul)]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


class LoginRequired(Exception):
    """A page was asked for without a valid session."""


class PageError(Exception):
    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status, self.code = status, code


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          413: "too_large", 415: "unsupported_type", 429: "too_many_requests"}


def install(app: FastAPI) -> None:
    from api.web import render_error  # the page renderer needs templates; imported late on purpose

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(PageError)
    async def page_error(request: Request, exc: PageError) -> Response:
        return render_error(request, exc.status, exc.code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors())
        if _is_api(request):
            return error_response(422, "invalid_request", problems or "invalid request")
        return render_error(request, 400, "bad_request")

    @app.exception_handler(DataError)
    async def unstorable(request: Request, _exc: DataError) -> Response:
        # The backstop for input no validator caught (a NUL in a query filter, a value out of range):
        # the transaction was rolled back; the caller gets a clear 400, not a server error.
        if _is_api(request):
            return error_response(400, "invalid_input", "a value in the request cannot be stored or searched "
                                                        "(a NUL character, or a number out of range)")
        return render_error(request, 400, "bad_request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = _CODES.get(exc.status_code, "error")
        if _is_api(request):
            return error_response(exc.status_code, code, str(exc.detail), getattr(exc, "headers", None))
        return render_error(request, exc.status_code, code)
