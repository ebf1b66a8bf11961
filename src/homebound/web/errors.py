"""One error body (RFC 9457 problem+json) and one mapping from our exceptions to responses."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from homebound.core.errors import DomainError, FieldProblem, NotAuthenticated, NotFound, ValidationFailed
from homebound.db.sealing import KeysErased
from homebound.services.access_audit import record_not_found
from homebound.web.deps import caller

PROBLEM_TYPE = "https://homebound.invalid/problems/"
MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("homebound.web")


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    field: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": code.replace("_", " ").replace(".", ": "),
        "status": status,
        "detail": detail,
        "code": code,
        "field": field,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _problem_item(p: FieldProblem) -> dict[str, Any]:
    return {"field": p.field, "code": p.code, "message": p.message, "row": p.row, "column": p.column}


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    if isinstance(exc, NotFound):
        await _log_refused(request, exc.field)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthenticated) else None
    retry_after = getattr(exc, "retry_after", None)  # throttling: when the client may try again
    if isinstance(retry_after, int):
        headers = {**(headers or {}), "Retry-After": str(retry_after)}
    if isinstance(exc, ValidationFailed):
        items = [_problem_item(p) for p in exc.problems]
        return problem(exc.status_hint, exc.code, exc.message, field=exc.field, errors=items)
    return problem(exc.status_hint, exc.code, exc.message, field=exc.field, headers=headers)


async def _log_refused(request: Request, field: str | None) -> None:
    """A 404 on a route naming an object goes to the access log (services/access_audit.py)."""
    template = getattr(request.scope.get("route"), "path", None)
    if template is None or not request.path_params:
        return
    try:
        await run_in_threadpool(
            record_not_found,
            request.app.state.uows,
            caller(request),
            f"{request.method} {template}",
            dict(request.path_params),
            field,
        )
    except (DBAPIError, PoolTimeout):  # the answer stays a 404 when the look-up cannot be made
        log.warning("a refused access could not be logged: the database is unavailable")


def _location(loc: tuple[Any, ...]) -> str:
    # Drop the "body"/"query" prefix so the field reads as the client sent it.
    # A key that is empty or holds a dot is quoted, so every refusal names its field unambiguously.
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(p if p and "." not in p else json.dumps(p) for p in parts)


async def _request_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    items = [
        {
            "field": _location(tuple(e["loc"])),
            "code": e["type"],
            "message": e["msg"],
            "row": None,
            "column": None,
        }
        for e in exc.errors()
    ]
    first = items[0]["field"] if items else None
    return problem(
        422, "validation_failed", f"{len(items)} problem(s) in the request", field=first, errors=items
    )


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {
        404: "not_found",
        405: "method_not_allowed",
        413: "payload_too_large",
        415: "unsupported_media_type",
    }
    code = codes.get(exc.status_code, f"http_{exc.status_code}")
    # Our code raises no HTTPException: a 400 here is a body the framework could not parse (bad multipart).
    field = "body" if exc.status_code == 400 else None
    return problem(exc.status_code, code, str(exc.detail), field=field, headers=getattr(exc, "headers", None))


async def _erased(_request: Request, _exc: Exception) -> JSONResponse:
    # Gone for good, and said so: not a server fault (500), nor an object that never existed (404).
    return problem(
        410,
        "party.records_erased",
        "the records asked for belong to a party whose data was erased at the end of retention",
    )


async def _unexpected(request: Request, _exc: Exception) -> JSONResponse:
    # Logged with the path template only: URLs carry no personal data, and neither does this line.
    log.exception("unhandled error on %s %s", request.method, request.scope.get("route", request.url.path))
    return problem(500, "internal_error", "an unexpected error occurred; it has been logged")


# PostgreSQL states worth a retry: serialization failure, deadlock, lock timeout, shutdown, too many
# connections, cannot connect now.
_RETRYABLE_STATES = frozenset({"40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300"})


def _sqlstate(exc: DBAPIError) -> str | None:
    args = getattr(exc.orig, "args", ())
    if args and isinstance(args[0], dict):  # pg8000 (benchmark only) carries the server's fields in a dict
        code = args[0].get("C")
        return code if isinstance(code, str) else None
    return getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)


def database_unavailable(exc: BaseException) -> bool:
    """Lost or refused connections, a locked or full database, an exhausted pool, a deadlock: retry."""
    if isinstance(exc, PoolTimeout | OperationalError | InterfaceError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    return exc.connection_invalidated or _sqlstate(exc) in _RETRYABLE_STATES


def unavailable(exc: BaseException) -> JSONResponse:
    # The driver's class name only: SQLAlchemy's message carries the statement and its parameters.
    cause = type(getattr(exc, "orig", None) or exc).__name__
    log.warning("database unavailable (%s); answering 503", cause)
    return problem(
        503,
        "service_unavailable",
        "the database is unavailable; nothing was changed by this request, retry it shortly",
        headers={"Retry-After": "2"},
    )


async def _database(request: Request, exc: Exception) -> JSONResponse:
    if database_unavailable(exc):
        return unavailable(exc)
    return await _unexpected(request, exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(KeysErased, _erased)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(PoolTimeout, _database)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
