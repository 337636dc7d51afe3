"""ASGI middleware at the edge: security headers on every response, request bodies bounded.

A plain ASGI class rather than ``BaseHTTPMiddleware``: it adds no task per request and
streams bodies through untouched, which matters for uploads and for page latency.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest.limits import DEFAULT_LIMITS, format_size

# Our pages use no script and no third-party resource; inline styles are our own.
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                           "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
MULTIPART_OVERHEAD = 1 << 20  # boundaries and headers of a multipart upload, and the other form fields
MAX_OTHER_BODY = 1 << 20  # a form or JSON body that is not an upload
BATCH_FILES = 20  # files of the largest size one batch form may carry


class Edge:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._body_limit(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send, declared, limit)
            return
        started = False
        inner_send = _with_headers(send, scope)

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await inner_send(message)

        try:
            await self.app(scope, _bounded(receive, limit), tracking_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await _too_large(send, exc.seen, limit)

    @staticmethod
    def _body_limit(scope: Scope) -> int:
        headers = dict(scope.get("headers") or [])
        if not headers.get(b"content-type", b"").startswith(b"multipart/form-data"):
            return MAX_OTHER_BODY
        if scope.get("path") == "/api/v1/documents":  # the API takes one file a request
            return DEFAULT_LIMITS.max_bytes + MULTIPART_OVERHEAD
        # A batch from the upload page: each file is checked on its own later, the whole body here.
        return DEFAULT_LIMITS.max_bytes * BATCH_FILES + MULTIPART_OVERHEAD


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or []:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _bounded(receive: Receive, limit: int) -> Receive:
    """Stop reading a body (sent without a length, or lying about it) once it passes ``limit``."""
    seen = 0

    async def guarded() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(seen)
        return message

    return guarded


class BodyTooLarge(Exception):
    def __init__(self, seen: int) -> None:
        super().__init__(f"request body passed {format_size(seen)}")
        self.seen = seen


def _with_headers(send: Send, scope: Scope) -> Send:
    is_docs = scope.get("path", "").startswith(("/docs", "/redoc"))

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers.extend(SECURITY_HEADERS)
            has_policy = any(name == b"content-security-policy" for name, _ in headers)
            if not is_docs and not has_policy:  # the generated API docs load their own script
                headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
            message = {**message, "headers": headers}
        await send(message)

    return sending


async def _too_large(send: Send, size: int, limit: int) -> None:
    body = json.dumps({"error": {"code": "too_large", "message": f"the request is {format_size(size)}; "
                                                                 f"the limit is {format_size(limit)}"}}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})
