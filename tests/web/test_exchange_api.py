"""Exchange API rules: actions not allowed in the current state answer 409 with the reason and change
nothing; one party's unshared versions and persons stay invisible to the other; acceptance needs the
password of a party admin."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from homebound.core.log.entries import ActionTag
from homebound.db.tables import LogEntryRow, UserRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import second_factor
from tests.clock import SetClock
from tests.exchange_support import Api, Registries, listable, seed_registries
from tests.world import PASSWORD, World

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "field"}
TERMS = {"reference_date": "2023-01-08", "formulas": [{"kind": "n_for_n"}]}


@pytest.fixture
def seeded(uows: UnitOfWorkFactory, world: World) -> Registries:
    return seed_registries(uows, world, held_a=12, held_b=12, seed=3)


def _refused(answer: Any, code: str, status: int = 409) -> dict[str, Any]:
    assert answer.status_code == status, answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert body.keys() >= PROBLEM_KEYS and body["code"] == code and body["detail"]
    return body


def _proposed(
    api: Api, uows: UnitOfWorkFactory, seeded: Registries
) -> tuple[str, list[str], list[str], list[str]]:
    held_a, held_b = listable(uows, seeded.held["pa"]), listable(uows, seeded.held["pb"])
    agreement_id = api.open("rules", "a crossing")
    body = {
        "terms": TERMS,
        "list_a": [{"candidate_id": p} for p in held_a[:3]],
        "list_b": [{"candidate_id": p} for p in held_b[:3]],
        "share": True,
    }
    api.post("mediator", f"/api/v1/agreements/{agreement_id}/proposals", body, expect=201)
    return agreement_id, held_a[:3], held_b[:3], held_b[3:]


def test_actions_out_of_state_are_409_and_change_nothing(
    client: TestClient, world: World, uows: UnitOfWorkFactory, seeded: Registries
) -> None:
    api = Api(client, world)
    agreement_id, list_a, list_b, spare_b = _proposed(api, uows, seeded)
    url = f"/api/v1/agreements/{agreement_id}"
    body = _refused(
        client.post(f"{url}/conclusion", headers=world.writes("mediator")), "agreement.missing_acceptance"
    )
    assert "party_a and party_b" in body["detail"]
    api.post("a_admin", f"{url}/acceptances", {"version": 1, "password": PASSWORD})
    _refused(
        client.post(f"{url}/conclusion", headers=world.writes("mediator")), "agreement.missing_acceptance"
    )
    assert api.get("mediator", url)["status"] == "negotiating"

    restated = {
        "terms": TERMS,
        "list_a": [{"candidate_id": p} for p in list_a],
        "list_b": [{"candidate_id": p} for p in [*list_b[1:], spare_b[0]]],
        "share": True,
    }
    api.post("mediator", f"{url}/counter-proposals", restated, if_match=api.etag(agreement_id), expect=201)
    late = client.post(
        f"{url}/acceptances", json={"version": 1, "password": PASSWORD}, headers=world.writes("b_admin")
    )
    assert "superseded by version 2" in _refused(late, "agreement.superseded_version")["detail"]
    assert api.get("mediator", url)["acceptances"] == [[1, "party_a"]]
    wrong = client.post(
        f"{url}/acceptances", json={"version": 2, "password": "wrong"}, headers=world.writes("b_admin")
    )
    _refused(wrong, "agreement.reauthentication_failed", 403)
    operator = client.post(
        f"{url}/acceptances", json={"version": 2, "password": PASSWORD}, headers=world.writes("b_operator")
    )
    _refused(operator, "permission_denied", 403)
    assert api.get("mediator", url)["acceptances"] == [[1, "party_a"]]
    api.conclude(agreement_id, 2)

    lines_url = f"{url}/tranches/1/lines"
    stranger = {"actions": [{"action": "deliver", "candidate_id": list_b[0]}]}  # removed in version 2
    body = _refused(
        client.post(lines_url, json=stranger, headers=world.writes("a_operator")), "handover.not_on_manifest"
    )
    assert body["field"] == "actions[0]"
    deliver = {"actions": [{"action": "deliver", "candidate_id": spare_b[0]}]}
    assert client.post(lines_url, json=deliver, headers=world.writes("a_operator")).status_code == 200
    _refused(
        client.post(lines_url, json=deliver, headers=world.writes("a_operator")),
        "handover.illegal_transition",
    )
    outcomes = api.get("mediator", f"{url}/tranches/1")["outcomes"]
    assert outcomes == {"delivered": 1, "pending": 5}
    amend = {"amendments": [{"op": "remove", "side": "a", "candidate_id": list_a[0], "reason": "late"}]}
    frozen = client.post(
        f"{url}/amendments", json=amend, headers=world.writes("mediator", if_match=api.etag(agreement_id))
    )
    _refused(frozen, "agreement.frozen")
    _refused(
        client.post(f"{url}/tranches/1/close", json={"password": PASSWORD}, headers=world.writes("mediator")),
        "handover.tranche_not_settled",
    )


def _secret(uows: UnitOfWorkFactory, username: str) -> str:
    with uows.reader() as uow:
        secret = uow.session.execute(select(UserRow.totp_secret).where(UserRow.username == username)).scalar()
    assert secret is not None
    return secret


def test_binding_steps_need_the_password_and_the_code_with_the_request(
    client: TestClient, world: World, uows: UnitOfWorkFactory, seeded: Registries, clock: SetClock
) -> None:
    """Accepting an agreement and closing a tranche: the session token alone is refused (403, nothing
    recorded); an account with a second factor must also send a fresh code, and a code is spent once."""
    api = Api(client, world)
    agreement_id, *_ = _proposed(api, uows, seeded)
    url = f"/api/v1/agreements/{agreement_id}"
    second_factor.enrol(uows, "a_admin")
    second_factor.enrol(uows, "mediator")

    def accept(body: dict[str, Any]) -> Any:
        return client.post(f"{url}/acceptances", json={"version": 1, **body}, headers=world.writes("a_admin"))

    assert accept({}).status_code == 422  # no password at all: the request is malformed
    _refused(accept({"password": PASSWORD}), "agreement.reauthentication_failed", 403)
    _refused(accept({"password": "not it", "totp_code": "000000"}), "agreement.reauthentication_failed", 403)
    assert api.get("mediator", url)["acceptances"] == []
    code = second_factor.current_code(_secret(uows, "a_admin"), now=clock())
    assert accept({"password": PASSWORD, "totp_code": code}).status_code == 200
    api.post("b_admin", f"{url}/acceptances", {"version": 1, "password": PASSWORD})  # no second factor
    api.post("mediator", f"{url}/conclusion")
    api.deliver_pending(agreement_id, 1)

    def close(body: dict[str, Any] | None) -> Any:
        return client.post(f"{url}/tranches/1/close", json=body, headers=world.writes("mediator"))

    assert close(None).status_code == 422
    _refused(close({"password": PASSWORD}), "handover.reauthentication_failed", 403)
    assert api.get("mediator", f"{url}/tranches/1")["state"] != "closed"
    code = second_factor.current_code(_secret(uows, "mediator"), now=clock())
    _refused(close({"password": "not it", "totp_code": code}), "handover.reauthentication_failed", 403)
    closed = close({"password": PASSWORD, "totp_code": code})  # the wrong password did not spend the code
    assert closed.status_code == 200 and closed.json()["state"] == "closed", closed.json()
    with uows.reader() as uow:
        tags = uow.session.execute(select(LogEntryRow.tag)).scalars().all()
    assert tags.count(ActionTag.TRANCHE_CLOSE) == 1 and tags.count(ActionTag.AGREEMENT_ACCEPT) == 2


def test_unshared_versions_and_persons_stay_with_their_side(
    client: TestClient, world: World, uows: UnitOfWorkFactory, seeded: Registries
) -> None:
    api = Api(client, world)
    agreement_id, _list_a, list_b, spare_b = _proposed(api, uows, seeded)
    url = f"/api/v1/agreements/{agreement_id}"
    newcomer = spare_b[0]
    assert client.get(f"/api/v1/persons/{newcomer}", headers=world.headers("a_operator")).status_code == 404
    amendment = {
        "op": "replace",
        "side": "b",
        "candidate_id": list_b[0],
        "replacement_id": newcomer,
        "reason": "the held record is this one",
    }
    version = api.post(
        "b_admin",
        f"{url}/amendments",
        {"amendments": [amendment]},
        if_match=api.etag(agreement_id),
        expect=201,
    )
    assert version["number"] == 2 and not version["shared"]
    assert client.get(f"{url}/versions/2", headers=world.headers("a_operator")).status_code == 404
    assert [v["number"] for v in api.get("a_operator", f"{url}/versions")] == [1]
    assert client.get(f"/api/v1/persons/{newcomer}", headers=world.headers("a_operator")).status_code == 404
    assert client.post(f"{url}/versions/2/share", headers=world.writes("b_admin")).status_code == 403
    api.post("mediator", f"{url}/versions/2/share")
    assert api.get("a_operator", f"{url}/versions/2")["changes"][0]["replacement_id"] == newcomer
    assert client.get(f"/api/v1/persons/{newcomer}", headers=world.headers("a_operator")).status_code == 200
    assert client.get(url, headers=world.headers("a_observer")).status_code == 200
    # The mediator's observers read the exchanges (docs/reliability.md), and change none of them.
    observed = client.get("/api/v1/agreements", headers=world.headers("med_observer"))
    assert observed.status_code == 200 and agreement_id in {a["id"] for a in observed.json()}
    assert client.post(f"{url}/versions/2/share", headers=world.writes("med_observer")).status_code == 403
    foreign = client.get(
        "/api/v1/agreements/00000000-0000-0000-0000-000000000000", headers=world.headers("a_operator")
    )
    assert foreign.status_code == 404
