"""Observers as docs/reliability.md has them: the mediator's observers read the log and the exchanges, not
the registries, and change nothing; a party's observer reads its own party's records and log."""

from __future__ import annotations

from fastapi.testclient import TestClient

from homebound.db.uow import UnitOfWorkFactory
from homebound.services import agreements
from tests.world import World

API = "/api/v1"


def test_the_mediators_observer_reads_the_log_and_the_exchanges_only(
    client: TestClient, world: World, uows: UnitOfWorkFactory
) -> None:
    opened = agreements.create_agreement(
        uows, world.actors["mediator"], title="pa and pb", party_a="pa", party_b="pb", venue="Somewhere"
    )
    record = {"registry": "held", "record_id": "H-1", "family_name": "Зикова"}
    person = client.post(f"{API}/persons", json=record, headers=world.writes("a_operator")).json()["id"]
    observer = world.headers("med_observer")

    entries = client.get(f"{API}/log/entries", headers=observer)
    assert entries.status_code == 200
    mediator_total = client.get(f"{API}/log/entries", headers=world.headers("mediator")).json()["total"]
    assert entries.json()["total"] == mediator_total  # the whole log, as the office reads it
    assert client.get(f"{API}/agreements/{opened.id}", headers=observer).status_code == 200
    assert client.get(f"{API}/persons/{person}", headers=observer).status_code == 404  # no registries
    listed = client.get(f"{API}/persons", headers=observer)
    assert listed.status_code == 200 and listed.json()["items"] == []  # a listing of nothing
    created = client.post(
        f"{API}/agreements",
        json={"title": "t", "party_a": "pa", "party_b": "pb", "venue": "v"},
        headers=world.writes("med_observer"),
    )
    assert created.status_code == 403  # reads the exchanges, makes none
    concluded = client.post(f"{API}/agreements/{opened.id}/conclusion", headers=world.writes("med_observer"))
    assert concluded.status_code == 403
    me = client.get(f"{API}/me", headers=observer).json()
    assert {"any:log:read", "any:agreement:read"} <= set(me["permissions"])
    assert not any(p.startswith("any:person") for p in me["permissions"])


def test_a_partys_observer_reads_its_own_party_only(client: TestClient, world: World) -> None:
    observer = world.headers("a_observer")
    entries = client.get(f"{API}/log/entries", headers=observer)
    everything = client.get(f"{API}/log/entries", headers=world.headers("mediator")).json()["total"]
    assert entries.status_code == 200 and entries.json()["total"] < everything
    me = client.get(f"{API}/me", headers=observer).json()
    assert not {"any:log:read", "any:agreement:read"} & set(me["permissions"])
