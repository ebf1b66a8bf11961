"""Role x endpoint: every route that names a person answers another party's unshared record with 404."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.world import World

BODIES = {"patch": {"rank": "солдат"}, "post": {"status": "believed_captive", "party": "pb"}}


def _person_routes(client: TestClient) -> list[tuple[str, str]]:
    spec = client.get("/api/v1/openapi.json").json()
    routes = []
    for path, ops in spec["paths"].items():
        if "{person_id}" in path:
            routes.extend((method, path) for method in ops)
    return routes


def _body(method: str, path: str) -> dict[str, str] | None:
    if method == "get":
        return None
    if path.endswith("/status"):
        return {"status": "believed_captive"}
    if path.endswith("/shares"):
        return {"party": "pb"}
    if path.endswith("/will-interview"):
        return {"interviewer": "d", "place": "p", "held_on": "2026-01-02", "language": "uk",
                "present": "none",
                "outcome": "wishes_to_return", "witness": "med"}  # fmt: skip
    if path.endswith("/deaths/{person_id}"):
        return {"date_of_death": "2026-01-02"}
    return {"rank": "солдат"}


@pytest.mark.parametrize("who", ["b_admin", "b_operator", "med_observer", "a_observer_of_b"])
def test_cross_party_access_is_not_found(client: TestClient, world: World, who: str) -> None:
    record = client.post(
        "/api/v1/persons",
        json={"registry": "held", "record_id": "H-1", "family_name": "Іваненко"},
        headers=world.writes("b_operator" if who == "a_observer_of_b" else "a_operator"),
    ).json()
    actor = "a_observer" if who == "a_observer_of_b" else who
    routes = _person_routes(client)
    assert len(routes) >= 5
    for method, path in routes:
        url = path.replace("{person_id}", record["id"])
        # Idempotency-Key and an If-Match naming the record's current version: only visibility can refuse.
        headers = (
            world.headers(actor) if method == "get" else world.writes(actor, if_match=f'"{record["id"]}.1"')
        )
        answer = client.request(method.upper(), url, json=_body(method, path), headers=headers)
        assert answer.status_code == 404, (who, method, path, answer.status_code)
        assert answer.json()["code"] == "not_found"


def test_anonymous_public_gets_401_everywhere_but_public(client: TestClient, world: World) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    open_paths = {
        "/api/v1/public/ledger",
        "/api/v1/public/checkpoints/witnessed",
        "/api/v1/health",
        "/api/v1/auth/sign-in",
        "/api/v1/inquiries",
        "/api/v1/inquiries/status",
    }
    for path, ops in spec["paths"].items():
        for method in ops:
            if path in open_paths and (method, path) != ("get", "/api/v1/inquiries"):
                continue
            url = path.replace("{person_id}", "x").replace("{token_id}", "x").replace("{inquiry_id}", "x")
            url = url.replace("{registry}", "held")
            answer = client.request(method.upper(), url, json={})
            assert answer.status_code == 401, (method, path, answer.status_code)


def test_unknown_and_foreign_ids_answer_identically(client: TestClient, world: World) -> None:
    record = client.post(
        "/api/v1/persons",
        json={"registry": "held", "record_id": "H-1", "family_name": "Іваненко"},
        headers=world.writes("a_operator"),
    ).json()
    foreign = client.get(f"/api/v1/persons/{record['id']}", headers=world.headers("b_operator"))
    missing = client.get(
        "/api/v1/persons/00000000-0000-0000-0000-000000000000", headers=world.headers("b_operator")
    )
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
