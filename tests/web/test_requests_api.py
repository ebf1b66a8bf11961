"""Requests over the API: a party tables a list, the mediator links, lists (If-Match) and refuses with a
reason; the party filters its requests by status; the holder reads only what was forwarded."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from homebound.db.uow import UnitOfWorkFactory
from tests.exchange_support import Api, Registries, seed_registries
from tests.world import World

URL = "/api/v1/requests"


@pytest.fixture
def seeded(uows: UnitOfWorkFactory, world: World) -> Registries:
    return seed_registries(uows, world, held_a=6, held_b=6, seed=3)


def _asked(seeded: Registries) -> list[tuple[str, str]]:
    held_of = {sought: held for held, sought in seeded.answers.items()}
    return [(s, held_of[s]) for s in seeded.sought["pa"] if s in held_of]


def test_table_link_list_refuse_and_filter(client: TestClient, world: World, seeded: Registries) -> None:
    api = Api(client, world)
    (first, held_first), (second, _), (third, _) = _asked(seeded)[:3]
    agreement_id = api.open("requests", "a crossing")
    terms: dict[str, Any] = {"reference_date": "2023-01-08", "formulas": [{"kind": "n_for_n"}]}
    api.post("mediator", f"/api/v1/agreements/{agreement_id}/proposals",
             {"terms": terms, "list_a": [], "list_b": []}, expect=201)  # fmt: skip
    body = {
        "agreement_id": agreement_id,
        "items": [
            {"sought_person_id": first, "priority": 1, "reason": "wounded", "private_note": "our note"},
            {"sought_person_id": second, "priority": 2},
            {"sought_person_id": third},
        ],
    }
    tabled = client.post(URL, json=body, headers=world.writes("a_operator"))
    assert tabled.status_code == 201, tabled.json()
    ids = [r["id"] for r in tabled.json()]
    incoming = api.get("mediator", URL)
    assert [r["id"] for r in incoming] == ids and incoming[0]["private_note"] is None

    linked = api.post("mediator", f"{URL}/{ids[0]}/link", {})
    assert (linked["status"], linked["held_person_id"]) == ("confirmed_held", held_first)
    version = api.post(
        "mediator",
        f"{URL}/listing",
        {"agreement_id": agreement_id, "request_ids": [ids[0]]},
        if_match=api.etag(agreement_id),
        expect=201,
    )
    assert version["number"] == 2
    refused = api.post("mediator", f"{URL}/{ids[1]}/refusal", {"reason": "serving a sentence"})
    assert refused["status"] == "refused"

    mine = api.get("a_operator", URL)
    assert {r["id"]: r["status"] for r in mine} == {ids[0]: "listed", ids[1]: "refused", ids[2]: "received"}
    (only,) = api.get("a_operator", f"{URL}?status=refused")
    assert (only["id"], only["refusal_reason"]) == (ids[1], "serving a sentence")
    assert api.get("a_operator", f"{URL}/{ids[0]}")["private_note"] == "our note"

    (forwarded,) = api.get("b_operator", f"{URL}?forwarded=true")
    assert forwarded["person_id"] == held_first and forwarded["private_note"] is None
    assert first not in str(forwarded)
    assert client.get(f"{URL}/{ids[2]}", headers=world.headers("b_operator")).status_code == 404


def test_refusals_need_a_reason_and_only_the_mediator_gives_them(
    client: TestClient, world: World, seeded: Registries
) -> None:
    (first, _), _ = _asked(seeded)[:2]
    tabled = client.post(
        URL, json={"items": [{"sought_person_id": first}]}, headers=world.writes("a_operator")
    )
    assert tabled.status_code == 201, tabled.json()
    request_id = tabled.json()[0]["id"]
    empty = client.post(f"{URL}/{request_id}/refusal", json={"reason": ""}, headers=world.writes("mediator"))
    assert empty.status_code == 422
    by_party = client.post(
        f"{URL}/{request_id}/refusal", json={"reason": "no"}, headers=world.writes("b_admin")
    )
    assert by_party.status_code == 403
    twice = client.post(
        URL, json={"items": [{"sought_person_id": first}]}, headers=world.writes("a_operator")
    )
    assert twice.status_code == 422 and twice.json()["errors"][0]["code"] == "request.open"
