"""The will-to-return interview over the API: the holding party records it with the ICRC as witness."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from homebound.core.access import OrganisationKind
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts
from tests.world import World

API = "/api/v1"


def test_the_holding_party_records_a_witnessed_interview(
    client: TestClient, world: World, uows: UnitOfWorkFactory
) -> None:
    accounts.create_organisation(uows, "icrc", "ICRC Central Tracing Agency", OrganisationKind.OBSERVER)
    record = {"registry": "held", "record_id": "H-9", "family_name": "Синтетична"}
    person = client.post(f"{API}/persons", json=record, headers=world.writes("a_operator")).json()["id"]
    held_on = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    body = {
        "interviewer": "Delegate 2", "place": "Camp 1", "held_on": held_on, "language": "ru",
        "present": "none", "outcome": "wishes_to_return", "witness": "icrc",
    }  # fmt: skip
    path = f"{API}/persons/{person}/will-interview"
    assert client.post(path, json=body, headers=world.writes("b_operator")).status_code == 404
    assert client.post(path, json=body, headers=world.writes("a_observer")).status_code == 404
    refused = {**body, "outcome": "refuses"}  # no custodian, no time limit
    problem = client.post(path, json=refused, headers=world.writes("a_operator"))
    assert problem.status_code == 422
    answer = client.post(path, json=body, headers=world.writes("a_operator"))
    assert answer.status_code == 200, answer.text
    fields = answer.json()["fields"]
    assert (fields["will_to_return"], fields["will_verified_by"], fields["will_verified_on"]) == (
        "confirmed",
        "icrc",
        held_on,
    )
