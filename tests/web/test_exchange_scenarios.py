"""The issue's acceptance scenarios through the API: 8 January 2023 (50 for 50, the seriously wounded first, a
substitution rejected and replaced, a refusal), Ankara January 2023 (lists of 800 and 200, 40 amendments,
agreement on the amended lists), Istanbul 2025 (1000 for 1000 in tranches of 390/307/303, all for all for
the seriously wounded, remains with an asymmetric outcome). Each ends with the log verifying and the public
ledger showing the totals. Registries are imported with the list service (the fixture, not the subject)."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785
from fastapi.testclient import TestClient
from sqlalchemy import select

from homebound.core.persons import Health, Status
from homebound.db.tables import PersonRow
from homebound.db.uow import UnitOfWorkFactory
from tests.exchange_support import seed_registries
from tests.world import PASSWORD, World

SW = {"kind": "seriously_wounded_or_sick"}
SW_KEY = "seriously_wounded_or_sick"


class Api:
    """The calls a scenario makes, each asserting its expected status."""

    def __init__(self, client: TestClient, world: World) -> None:
        self.client, self.world = client, world

    def post(
        self, who: str, url: str, body: Any = None, *, if_match: str | None = None, expect: int = 200
    ) -> dict[str, Any]:
        answer = self.client.post(url, json=body, headers=self.world.writes(who, if_match=if_match))
        assert answer.status_code == expect, answer.json()
        result: dict[str, Any] = answer.json()
        return result

    def get(self, who: str | None, url: str) -> Any:
        answer = self.client.get(url, headers=self.world.headers(who) if who else {})
        assert answer.status_code == 200, answer.json()
        return answer.json()

    def etag(self, agreement_id: str) -> str:
        answer = self.client.get(f"/api/v1/agreements/{agreement_id}", headers=self.world.headers("mediator"))
        return answer.headers["ETag"]

    def open(self, title: str, venue: str) -> str:
        body = {"title": title, "party_a": "pa", "party_b": "pb", "venue": venue}
        return str(self.post("mediator", "/api/v1/agreements", body, expect=201)["id"])

    def conclude(self, agreement_id: str, version: int) -> dict[str, Any]:
        url = f"/api/v1/agreements/{agreement_id}"
        for admin in ("a_admin", "b_admin"):
            self.post(admin, f"{url}/acceptances", {"version": version, "password": PASSWORD})
        return self.post("mediator", f"{url}/conclusion")

    def lines(
        self, who: str, agreement_id: str, tranche: int, actions: list[dict[str, Any]]
    ) -> dict[str, Any]:
        url = f"/api/v1/agreements/{agreement_id}/tranches/{tranche}/lines"
        return self.post(who, url, {"actions": actions})

    def deliver_pending(self, agreement_id: str, tranche: int) -> dict[str, Any]:
        """Each receiving party checks identities of everyone still pending in its direction."""
        manifest = self.get("mediator", f"/api/v1/agreements/{agreement_id}/tranches/{tranche}")
        result = manifest
        for releasing, receiver in (("a", "b_operator"), ("b", "a_operator")):
            pending = [
                {
                    "action": "deliver",
                    "candidate_id": line["candidate_id"],
                    "by": f"border officer {receiver[0]}",
                }
                for line in manifest["lines"]
                if line["state"] == "pending" and line["releasing_side"] == releasing
            ]
            if pending:
                result = self.lines(receiver, agreement_id, tranche, pending)
        return result

    def verify_log(self) -> None:
        report = self.get("mediator", "/api/v1/log/verify")
        assert report["ok"], report["first_failure"]

    def ledger(self) -> dict[str, Any]:
        ledger: dict[str, Any] = self.get(None, "/api/v1/public/ledger")["exchanges"]
        return ledger


def _listed(version: dict[str, Any], side: str, basis: str | None = None) -> list[str]:
    return [
        p["candidate_id"] for p in version["document"][f"list_{side}"] if basis is None or p["basis"] == basis
    ]


def _statuses(uows: UnitOfWorkFactory, ids: list[str]) -> dict[str, str]:
    with uows.reader() as uow:
        return dict(
            uow.session.execute(select(PersonRow.id, PersonRow.status).where(PersonRow.id.in_(ids))).all()
        )


def _seriously_wounded(uows: UnitOfWorkFactory, ids: list[str]) -> set[str]:
    with uows.reader() as uow:
        return set(
            uow.session.execute(
                select(PersonRow.id).where(
                    PersonRow.id.in_(ids), PersonRow.health == Health.SERIOUSLY_WOUNDED_SICK.value
                )
            ).scalars()
        )


def _hash_of(document: dict[str, Any]) -> str:
    return hashlib.sha256(rfc8785.dumps(document)).hexdigest()


# --- (a) 8 January 2023 -------------------------------------------------------------------------------------


def test_8_january_2023_fifty_for_fifty(client: TestClient, world: World, uows: UnitOfWorkFactory) -> None:
    registries = seed_registries(uows, world, held_a=80, held_b=80, seed=20230108)
    api = Api(client, world)
    agreement_id = api.open("8 January 2023: 50 for 50", "a crossing point")
    url = f"/api/v1/agreements/{agreement_id}"
    terms = {
        "reference_date": "2023-01-08",
        "formulas": [{"kind": "n_for_n"}],
        "max_persons": 100,
        "categories": [SW],
        "priority": {"categories": [SW_KEY]},
    }
    composed = api.post("mediator", f"{url}/compositions", {"terms": terms, "share": True}, expect=201)
    version = composed["version"]
    assert version["list_sizes"] == [50, 50]
    decisions = {d["candidate_id"]: d for d in composed["decisions"]}
    for side, party in (("a", "pa"), ("b", "pb")):
        listed = _listed(version, side)
        held = registries.held[party]
        eligible_wounded = {
            p for p in _seriously_wounded(uows, held) if decisions[p]["code"] != "out.not_eligible"
        }
        assert eligible_wounded, "the draw has seriously wounded persons on both sides"
        assert set(listed[: len(eligible_wounded)]) == eligible_wounded  # the seriously wounded first

    # Both parties see the shared proposal; party A's admin accepts with the password, and so does B's.
    assert api.get("a_operator", f"{url}/versions/1")["document"]["list_b"] == version["document"]["list_b"]
    concluded = api.conclude(agreement_id, 1)
    assert concluded["status"] == "concluded"
    assert concluded["content_hash"] == _hash_of(api.get("b_admin", f"{url}/versions/1")["document"])

    list_a, list_b = _listed(version, "a"), _listed(version, "b")
    spare_a = [d for d, v in decisions.items() if v["side"] == "a" and v["code"] == "out.below_cutoff"]
    spare_b = [d for d, v in decisions.items() if v["side"] == "b" and v["code"] == "out.below_cutoff"]
    # Party B brings someone not agreed instead of list_b[0]; party A rejects, and the agreed man comes.
    substitute = {"candidate_id": spare_b[0], "description": "not on the agreed list"}
    api.lines(
        "b_operator",
        agreement_id,
        1,
        [{"action": "bring_substitute", "candidate_id": list_b[0], "substitute": substitute}],
    )
    api.lines(
        "a_operator",
        agreement_id,
        1,
        [
            {"action": "reject_substitute", "candidate_id": list_b[0]},
            {"action": "deliver", "candidate_id": list_b[0]},
        ],
    )
    # One of A's prisoners refuses repatriation in a private interview; A fills the place from its reserve.
    refusing = list_a[7]
    api.lines(
        "mediator",
        agreement_id,
        1,
        [
            {
                "action": "refuse_repatriation",
                "candidate_id": refusing,
                "by": "ICRC delegate",
                "stays_with": "a third state, under UNHCR",
            }
        ],
    )
    api.lines(
        "a_operator",
        agreement_id,
        1,
        [
            {
                "action": "bring_substitute",
                "candidate_id": refusing,
                "substitute": {"candidate_id": spare_a[0], "description": "from the reserve"},
            }
        ],
    )
    api.lines("b_operator", agreement_id, 1, [{"action": "accept_substitute", "candidate_id": refusing}])
    manifest = api.deliver_pending(agreement_id, 1)
    assert manifest["balance"]["a"] == manifest["balance"]["b"] == 50
    closed = api.post("mediator", f"{url}/tranches/1/close")
    assert closed["closure"]["reconciled"] is True

    lines = {line["candidate_id"]: line for line in closed["lines"]}
    assert (
        lines[list_b[0]]["substitute"]["candidate_id"] == spare_b[0]
    )  # the rejected substitute stays visible
    assert [e["action"] for e in lines[list_b[0]]["history"]] == [
        "bring_substitute",
        "reject_substitute",
        "deliver",
    ]
    assert "UNHCR" in lines[refusing]["history"][0]["detail"]
    statuses = _statuses(uows, [*list_a, *list_b, spare_a[0], spare_b[0]])
    assert statuses[refusing] == Status.HELD.value and statuses[spare_a[0]] == Status.EXCHANGED.value
    assert statuses[spare_b[0]] != Status.EXCHANGED.value
    assert sum(s == Status.EXCHANGED.value for s in statuses.values()) == 100
    returned = [registries.answers[p] for p in [*list_b, spare_a[0]] if p in registries.answers]
    assert set(_statuses(uows, returned).values()) == {Status.RETURNED.value}
    totals = api.get("a_operator", f"{url}/totals")
    assert (totals["substitutions"], totals["refusals"], totals["reconciled_tranches"]) == (2, 1, 1)

    api.verify_log()
    ledger = api.ledger()
    (exchange,) = [e for e in ledger["exchanges"] if e["title"].startswith("8 January 2023")]
    assert exchange["reported"] is False and exchange["persons_returned"] == {"pa": 50, "pb": 50}
    assert exchange["categories"]["pb"]["substitutes_accepted"] == 1
    assert ledger["totals"]["persons"] == 100 and ledger["per_side"]["pa"]["persons_returned"] == 50
    assert "family_name" not in str(ledger)
