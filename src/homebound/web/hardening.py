"""Hostile input stopped at the edge: bodies past the limit even when streamed without a length, and
control characters, broken Unicode or integers past 64 bits in paths, query strings and JSON, each
refusal naming the place.

PostgreSQL refuses NUL in text and UTF-8 cannot carry a lone surrogate: left to the database, either
would surface as a 500 with a stack trace; here it is a 422 that names the field.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homebound.web import errors

# Integers beyond a signed 64-bit column: no field needs one, and the drivers would fail on them.
_INT_LIMIT = 2**63 - 1
_INT_DIGITS = 20  # a sign and 19 digits: anything longer is past the limit whatever its digits
_INTEGER = re.compile(r"[+-]?[0-9]+")
# C0 controls but tab, line feed and carriage return; DEL; UTF-16 surrogates (never valid on their own).
_BAD_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"bodies are limited to {limit} bytes")


class InputGuardMiddleware:
    """Counts body bytes as they arrive and checks paths and query strings of API requests."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, prefix: str = "/api/") -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Every path, the UI's included: an integer past 64 bits in a UI path reached the driver (a 500).
        refusal = location_problem(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as exc:
            # Raised where no handler caught it (outside the routes); inside them it is a plain 413.
            if started:
                raise
            await errors.problem(413, "payload_too_large", str(exc.detail))(scope, receive, send)


def bad_text(value: str) -> bool:
    return _BAD_CHARACTER.search(value) is not None


def location_problem(scope: Scope) -> Response | None:
    """A path or query parameter carrying a control character (invalid UTF-8 arrives as U+FFFD)."""
    if bad_text(scope["path"]):
        return _refuse("path", "the path holds a control character")
    if any(_INTEGER.fullmatch(part) and _too_large(part) for part in scope["path"].split("/")):
        return _refuse("path", "a number in the path is out of range", code="out_of_range")
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):  # as Starlette reads them
        if bad_text(name) or bad_text(value):
            return _refuse(_printable(name) or "query", "a query parameter holds a control character")
        if _INTEGER.fullmatch(value.strip()) and _too_large(value.strip()):
            return _refuse(_printable(name) or "query", "the number is out of range", code="out_of_range")
    return None


def _too_large(literal: str) -> bool:
    return len(literal) > _INT_DIGITS or abs(int(literal)) > _INT_LIMIT


def json_problem(body: bytes) -> Response | None:
    """A JSON body with a control character or a lone surrogate in a key or a string value."""
    if not body:
        return None  # the route says what is missing
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _refuse("body", f"the body is not UTF-8 (byte {exc.start})", code="invalid_encoding")
    try:
        document = json.loads(text, parse_int=_integer)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        return _refuse("body", f"the body is not JSON: {exc.msg} at {where}", code="json_invalid")
    except RecursionError:
        return _refuse("body", "the body nests too deeply", code="json_invalid")
    found = _first_bad(document, ())
    if found is None:
        return None
    place, code = found
    detail = "the number is out of range" if code == "out_of_range" else "a value holds a control character"
    return _refuse(".".join(place) or "body", detail, code=code)


class _OutOfRange:
    """An integer literal too long to convert: Python refuses past 4,300 digits with a ValueError (a 500)."""


def _integer(literal: str) -> int | _OutOfRange:
    return _OutOfRange() if len(literal) > _INT_DIGITS else int(literal)


def _first_bad(node: Any, at: tuple[str, ...]) -> tuple[tuple[str, ...], str] | None:
    """The place of the first string with a bad character or integer out of range, and which it was."""
    if isinstance(node, _OutOfRange):
        return at, "out_of_range"
    if isinstance(node, str):
        return (at, "invalid_character") if bad_text(node) else None
    if isinstance(node, int) and not isinstance(node, bool):
        return (at, "out_of_range") if abs(node) > _INT_LIMIT else None
    children: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if bad_text(key):
                return (*at, _printable(key)), "invalid_character"
            children.append((_printable(key), value))
    elif isinstance(node, list):
        children = [(str(index), value) for index, value in enumerate(node)]
    for name, value in children:
        found = _first_bad(value, (*at, name))
        if found is not None:
            return found
    return None


def _printable(name: str) -> str:
    return _BAD_CHARACTER.sub("?", name)[:100]


def _refuse(field: str, detail: str, *, code: str = "invalid_character") -> Response:
    return errors.problem(
        422,
        "validation_failed",
        detail,
        field=field,
        errors=[{"field": field, "code": code, "message": detail, "row": None, "column": None}],
    )


# No inline script or style anywhere (the UI loads both from /static), so the policy forbids both.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATH = "/api/docs"  # Swagger UI needs inline script and a CDN: served outside production only
_CACHEABLE = ("/static/", "/api/v1/public/")  # code, and aggregates with no personal data
_ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def secure_headers(path: str, headers: MutableHeaders) -> None:
    """Headers every answer carries unless its route chose its own (HSTS is ignored over plain HTTP)."""
    for name, value in _ALWAYS.items():
        headers.setdefault(name, value)
    if not path.startswith(DOCS_PATH):
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if not path.startswith(_CACHEABLE):
        # Registries, inquiries, tokens and the pages that show them: never kept by browsers or proxies.
        headers.setdefault("Cache-Control", "no-store")
