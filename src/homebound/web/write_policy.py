"""Which API requests change state, what body each accepts, and who may make them, read off the routes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from typing import Literal

from fastapi import FastAPI, params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

try:  # FastAPI >= 0.16x: included routers stay nested; this walks them with their prefixes
    from fastapi.routing import iter_route_contexts
except ImportError:  # pragma: no cover - older FastAPI flattens routes on inclusion
    iter_route_contexts = None  # type: ignore[assignment]
from starlette.routing import Match
from starlette.types import Scope

from homebound.web.deps import signed_in_actor

API_PREFIX = "/api/v1/"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# POSTs that change nothing a retry could duplicate: a sign-in (each gives a fresh session anyway), a
# search (a read with its criteria in the body, so names stay out of URLs) and a family's status look-up.
NOT_IDEMPOTENT = frozenset(
    {
        ("POST", "/api/v1/auth/sign-in"),
        ("POST", "/api/v1/persons/search"),
        ("POST", "/api/v1/inquiries/status"),
    }
)
IDEMPOTENCY_HEADER = "Idempotency-Key"
KEY_PATTERN = r"^[A-Za-z0-9._:~+/=-]{16,200}$"
_KEY = re.compile(KEY_PATTERN)

BodyKind = Literal["none", "json", "multipart"]


@dataclass(frozen=True)
class WritePolicy:
    method: str
    path: str
    signed_in: bool
    body: BodyKind
    idempotent: bool
    if_match: bool


def _calls(dependant: Dependant) -> list[object]:
    found: list[object] = [dependant.call]
    for sub in dependant.dependencies:
        found.extend(_calls(sub))
    return found


def _headers(dependant: Dependant) -> set[str]:
    found = {p.alias.lower() for p in dependant.header_params}
    for sub in dependant.dependencies:
        found |= _headers(sub)
    return found


def _body_kind(route: APIRoute) -> BodyKind:
    fields = route.dependant.body_params
    if not fields:
        return "none"
    if any(isinstance(f.field_info, params.Form) for f in fields):  # File is a Form
        return "multipart"
    return "json"


def policy_for(route: APIRoute, path: str, method: str) -> WritePolicy:
    key = (method, path)
    return WritePolicy(
        method=method,
        path=path,
        signed_in=signed_in_actor in _calls(route.dependant),
        body=_body_kind(route),
        idempotent=method in WRITE_METHODS and key not in NOT_IDEMPOTENT,
        if_match="if-match" in _headers(route.dependant),  # an update that compares versions
    )


def _api_routes(app: FastAPI) -> Iterator[tuple[APIRoute, str, Callable[[Scope], tuple[Match, Scope]]]]:
    """Each API route with its full path and matcher; FastAPI 0.16x keeps included routers nested."""
    if iter_route_contexts is not None:
        for context in iter_route_contexts(app.router.routes):
            route = context.original_route
            if isinstance(route, APIRoute) and context.path:
                yield route, context.path, context.matches
        return
    for plain in app.router.routes:
        if isinstance(plain, APIRoute):
            yield plain, plain.path, plain.matches


def api_operations(app: FastAPI) -> list[WritePolicy]:
    """Every API operation (reads too), for the OpenAPI document and the tests."""
    return [
        policy_for(route, path, method)
        for route, path, _matches in _api_routes(app)
        if path.startswith(API_PREFIX)
        for method in sorted((route.methods or set()) - {"HEAD"})
    ]


def write_routes(app: FastAPI) -> list[WritePolicy]:
    """Every state-changing API operation, for the middleware, the OpenAPI document and the tests."""
    return [p for p in api_operations(app) if p.method in WRITE_METHODS]


def match_write(app: FastAPI, scope: Scope) -> WritePolicy | None:
    """The policy of the API route this write request will reach, or None if it is not one."""
    method = scope["method"]
    if method not in WRITE_METHODS or not scope["path"].startswith(API_PREFIX):
        return None
    for route, path, matches in _api_routes(app):
        if matches(scope)[0] is Match.FULL:
            return policy_for(route, path, method)
    return None


def valid_key(value: str) -> bool:
    """A client-made key: 16 to 200 characters of URL-safe text (a UUID is 36)."""
    return _KEY.fullmatch(value) is not None


def media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    message = Message()
    message["content-type"] = content_type
    return message.get_content_type()


def content_type_accepted(kind: BodyKind, content_type: str | None, body: bytes) -> bool:
    """JSON routes take application/json (or +json), upload routes multipart/form-data; an empty body
    needs no type.
    """
    if not body:
        return True
    media = media_type(content_type)
    if media is None:
        return False
    if kind == "json":
        return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))
    if kind == "multipart":
        return media == "multipart/form-data"
    return True
