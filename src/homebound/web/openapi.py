"""The OpenAPI document says what the guards do: required headers, and every problem an operation may give.

FastAPI documents only the success answer and its own 422 shape; clients (and Schemathesis, which holds
the server to this document) need the Idempotency-Key and If-Match headers and the problem+json answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from homebound.web.errors import MEDIA_TYPE
from homebound.web.write_policy import (
    IDEMPOTENCY_HEADER,
    KEY_PATTERN,
    WRITE_METHODS,
    WritePolicy,
    api_operations,
)

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details, with a machine code and the field at fault",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code", "field"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "field": {"type": ["string", "null"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message", "row", "column"],
                "properties": {
                    "field": {"type": "string"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "row": {"type": ["integer", "null"]},
                    "column": {"type": ["string", "null"]},
                },
            },
        },
    },
}
REASONS = {
    400: "Idempotency-Key missing or malformed",
    401: "no valid credentials",
    403: "the role may not do this",
    404: "no such object, or not visible to the caller",
    409: "not allowed in the object's current state",
    412: "If-Match names a version that is no longer current",
    413: "body too large",
    415: "wrong Content-Type for this operation",
    422: "invalid input; `field` names the place",
    428: "If-Match is required",
    429: "too many attempts; see Retry-After",
    503: "database unavailable; nothing was changed; see Retry-After",
}


# Routes that check a secret under a throttle: signing in, minting an API token, the binding steps that
# re-enter the password, and a family's status look-up.
THROTTLED = (
    "/auth/sign-in",
    "/tokens",
    "/agreements/{agreement_id}/acceptances",
    "/tranches/{number}/close",
    "/inquiries/status",
)


def problems_for(policy: WritePolicy) -> set[int]:
    """The problem statuses an operation can answer with, from what guards it."""
    codes = {401, 404, 422, 503}  # 401 also on public routes: a bad token is refused, not ignored
    if policy.signed_in:
        codes.add(403)
    if policy.method in WRITE_METHODS:
        codes |= {409, 413}
        if policy.body != "none":
            codes.add(415)
    if policy.idempotent:
        codes.add(400)
    if policy.if_match:
        codes |= {412, 428}
    if policy.path.endswith(THROTTLED):
        codes.add(429)
    return codes


def _extend_operation(operation: dict[str, Any], policy: WritePolicy) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status in sorted(problems_for(policy)):
        responses[str(status)] = {
            "description": REASONS[status],
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
    if policy.idempotent and not any(p["name"] == IDEMPOTENCY_HEADER for p in parameters):
        parameters.append(
            {
                "name": IDEMPOTENCY_HEADER,
                "in": "header",
                "required": True,
                "description": "a fresh random key (a UUID) per intended change; a retry with the same "
                "key and request gets the first answer, with another request 422",
                "schema": {"type": "string", "pattern": KEY_PATTERN},
            }
        )


def extended(schema: dict[str, Any], policies: list[WritePolicy]) -> dict[str, Any]:
    """Add the problem schema, the problem answers and the guard headers (idempotent: safe to repeat)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for policy in policies:
        operation = schema.get("paths", {}).get(policy.path, {}).get(policy.method.lower())
        if operation is not None:
            _extend_operation(operation, policy)
    return schema


def install(app: FastAPI) -> None:
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        return extended(build(), api_operations(app))

    app.openapi = openapi  # type: ignore[method-assign]
