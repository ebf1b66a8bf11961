"""Every error the API gives has the same problem+json shape, with a machine code and, where known, the
field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.world import World

Call = Callable[[TestClient, World], Any]

CASES: list[tuple[str, Call, int, str | None]] = [
    ("no token", lambda c, w: c.get("/api/v1/me"), 401, None),
    ("bad token", lambda c, w: c.get("/api/v1/me", headers={"Authorization": "Bearer hb_nope"}), 401, None),
    ("unknown route", lambda c, w: c.get("/api/v1/nowhere"), 404, None),
    ("wrong method", lambda c, w: c.put("/api/v1/health"), 405, None),
    (
        "missing field",
        lambda c, w: c.post("/api/v1/persons", json={"registry": "held"}, headers=w.writes("a_operator")),
        422,
        "record_id",
    ),
    (
        "unknown field",
        lambda c, w: c.post(
            "/api/v1/persons",
            json={"registry": "held", "record_id": "1", "family_name": "X", "nickname": "y"},
            headers=w.writes("a_operator"),
        ),
        422,
        "nickname",
    ),
    (
        "bad date",
        lambda c, w: c.post(
            "/api/v1/persons",
            json={"registry": "held", "record_id": "1", "family_name": "X", "date_of_birth": "1994-13-01"},
            headers=w.writes("a_operator"),
        ),
        422,
        "date_of_birth",
    ),
    (
        "date out of range",
        lambda c, w: c.post(
            "/api/v1/persons",
            json={"registry": "held", "record_id": "1", "family_name": "X", "date_of_birth": "1066"},
            headers=w.writes("a_operator"),
        ),
        422,
        "date_of_birth",
    ),
    (
        "not json",
        lambda c, w: c.post(
            "/api/v1/persons",
            content=b"{",
            headers={**w.writes("a_operator"), "Content-Type": "application/json"},
        ),
        422,
        None,
    ),
    (
        "forbidden role",
        lambda c, w: c.post(
            "/api/v1/persons",
            json={"registry": "held", "record_id": "1", "family_name": "X"},
            headers=w.writes("mediator"),
        ),
        403,
        None,
    ),
    (
        "not found",
        lambda c, w: c.get("/api/v1/persons/nope", headers=w.headers("a_operator")),
        404,
        "person_id",
    ),
    (
        "bad enum",
        lambda c, w: c.get("/api/v1/persons?registry=lost", headers=w.headers("a_operator")),
        422,
        "registry",
    ),
    (
        "bad import",
        lambda c, w: c.post(
            "/api/v1/imports?registry=held",
            files={"file": ("x.csv", b"\x00\x01\x02")},
            headers=w.writes("a_operator"),
        ),
        422,
        None,
    ),
    (
        "bad if-match",
        lambda c, w: c.patch(
            "/api/v1/persons/x", json={}, headers=w.writes("a_operator", if_match="garbage")
        ),
        422,
        "If-Match",
    ),
]


@pytest.mark.parametrize(("name", "call", "status", "field"), CASES, ids=[c[0] for c in CASES])
def test_error_shape(
    client: TestClient, world: World, name: str, call: Call, status: int, field: str | None
) -> None:
    answer = call(client, world)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert {"type", "title", "status", "detail", "code", "field"} <= set(body)
    assert body["status"] == status
    assert isinstance(body["code"], str) and body["code"]
    if field is not None:
        assert body["field"] == field or field in {e["field"] for e in body.get("errors", [])}
    for item in body.get("errors", []):
        assert set(item) == {"field", "code", "message", "row", "column"}
