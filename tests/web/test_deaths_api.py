"""Deaths and remains over the API: record a death (the person moves to deceased), amend it with its ETag,
record remains with what they are mixed with, identify them against a sought record."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.world import World

API = "/api/v1"


def _person(client: TestClient, world: World, registry: str, record: str) -> str:
    created = client.post(
        f"{API}/persons",
        json={"registry": registry, "record_id": record, "family_name": "Синтетичний"},
        headers=world.writes("a_operator"),
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_a_death_over_the_api(client: TestClient, world: World) -> None:
    held = _person(client, world, "held", "H-100")
    empty = client.get(f"{API}/deaths/{held}", headers=world.headers("a_observer"))
    assert empty.status_code == 200 and empty.json()["death"] is None
    body = {"date_of_death": "2024-03-01", "burial_place": "кладовище Н.", "cause_unclear": True}
    recorded = client.put(f"{API}/deaths/{held}", json=body, headers=world.writes("a_operator"))
    assert recorded.status_code == 200, recorded.text
    death = recorded.json()["death"]
    assert death["inquiry_owed"] and death["notice_owed"] and death["version"] == 1
    person = client.get(f"{API}/persons/{held}", headers=world.headers("a_operator")).json()
    assert person["status"] == "deceased"
    stale = client.put(
        f"{API}/deaths/{held}",
        json={**body, "inquiry_by": "комісія", "inquiry_opened_on": "2024-03-02"},
        headers=world.writes("a_operator", if_match=f'"{held}.7"'),
    )
    assert stale.status_code == 412 and stale.json()["code"] == "death.stale_version"
    amended = client.put(
        f"{API}/deaths/{held}",
        json={**body, "inquiry_by": "комісія", "inquiry_opened_on": "2024-03-02"},
        headers=world.writes("a_operator", if_match=f'"{held}.1"'),
    )
    assert amended.json()["death"]["inquiry_owed"] is False and amended.json()["death"]["version"] == 2
    refused = client.put(
        f"{API}/deaths/{held}",
        json={"date_of_death": "2024-03-01", "notice_sent_on": "2024-02-01", "notice_through": "icrc"},
        headers=world.writes("a_operator"),
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "notice_sent_on"
    assert client.get(f"{API}/deaths/{held}", headers=world.headers("b_operator")).status_code == 404


def test_remains_over_the_api(client: TestClient, world: World) -> None:
    sought = _person(client, world, "sought", "S-100")
    first = client.post(
        f"{API}/remains", json={"reference": "bag-1", "batch_id": "b-1"}, headers=world.writes("a_operator")
    ).json()
    second = client.post(
        f"{API}/remains",
        json={"reference": "bag-2", "batch_id": "b-1", "mixed_with": ["bag-1"], "dna_case_reference": "D-2"},
        headers=world.writes("a_operator"),
    )
    assert second.status_code == 201 and second.json()["mixed_with"] == [first["id"]]
    listed = client.get(f"{API}/remains?batch=b-1", headers=world.headers("a_operator")).json()
    assert [r["reference"] for r in listed] == ["bag-1", "bag-2"]
    assert client.get(f"{API}/remains", headers=world.headers("b_operator")).json() == []
    identified = client.post(
        f"{API}/remains/{first['id']}/identification",
        json={"identification": "identified", "identified_on": "2024-06-01", "sought_person_id": sought},
        headers=world.writes("a_operator", if_match=f'"{first["id"]}.2"'),  # mixed with bag-2: version 2
    )
    assert identified.status_code == 200, identified.text
    assert identified.json()["sought_person_id"] == sought
    person = client.get(f"{API}/persons/{sought}", headers=world.headers("a_operator")).json()
    assert person["status"] == "deceased"
