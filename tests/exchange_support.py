"""Registries for exchange tests: synthetic held and sought lists imported by each party, identities
confirmed by the mediator (each held record against the sought record of the other party it answers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from homebound.core.persons import Registry, Status
from homebound.db.tables import PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.lists.writers import write_csv
from homebound.services import lists
from homebound.services.candidates import IdentityConfirmation, confirm_identities
from homebound.synthetic.scenario import generate_exchange_lists
from tests.world import PASSWORD, World

Row = dict[str, str]
RowEdit = Callable[[int, Row], None]


@dataclass
class Registries:
    """Person ids by party and registry, in the order of the synthetic lists."""

    held: dict[str, list[str]] = field(default_factory=dict)  # party code -> held person ids
    sought: dict[str, list[str]] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)  # held person id -> sought person id
    rows: dict[str, Row] = field(default_factory=dict)  # person id -> the row imported


CAPTURED_BY = dt.date(2023, 1, 1)


def willing(index: int, row: Row) -> None:
    """Most held persons have confirmed their will to return in an interview; legal holds stay as drawn."""
    if row.get("will_to_return") in ("", "unknown"):
        row["will_to_return"] = "confirmed"
        row["will_verified_by"] = "ICRC delegate"
        row["will_verified_on"] = "2022-12-20"


def _ids(uows: UnitOfWorkFactory, party_id: str, registry: Registry) -> dict[str, str]:
    with uows.reader() as uow:
        return dict(
            uow.session.execute(
                select(PersonRow.source_id, PersonRow.id).where(
                    PersonRow.party_id == party_id, PersonRow.registry_kind == registry.value
                )
            ).all()
        )


def seed_registries(
    uows: UnitOfWorkFactory,
    world: World,
    *,
    held_a: int,
    held_b: int,
    seed: int,
    edit: RowEdit = willing,
) -> Registries:
    """Party A holds `held_a` persons and seeks its own people held by B (and vice versa); every held
    record's identity is confirmed, against the sought record it answers when there is one."""
    # Captured before the agreements' reference dates (8 January 2023 and later): a composition lists
    # nobody captured after the date its lists are drawn at.
    scenario = generate_exchange_lists(held_b, seed, n_held=held_b, n_reverse=held_a, as_of=CAPTURED_BY)
    assert scenario.reverse is not None
    registries = Registries()
    uploads = (
        ("pa", "a_operator", Registry.HELD, scenario.a_held),
        ("pa", "a_operator", Registry.SOUGHT, scenario.a_sought),
        ("pb", "b_operator", Registry.HELD, scenario.b_held),
        ("pb", "b_operator", Registry.SOUGHT, scenario.b_sought),
    )
    for party, operator, registry, rows in uploads:
        if registry is Registry.HELD:
            for index, row in enumerate(rows):
                edit(index, row)
        lists.import_list(uows, world.actors[operator], registry, write_csv(rows), f"{registry.value}.csv")
        ids = _ids(uows, world.party_ids[party], registry)
        ordered = [ids[row["record_id"]] for row in rows]
        (registries.held if registry is Registry.HELD else registries.sought)[party] = ordered
        registries.rows.update(zip(ordered, rows, strict=True))
    confirmations = []
    for seeking, holding, pair in (("pa", "pb", scenario.forward), ("pb", "pa", scenario.reverse)):
        sought_ids = _ids(uows, world.party_ids[seeking], Registry.SOUGHT)
        held_ids = _ids(uows, world.party_ids[holding], Registry.HELD)
        answered = {held: sought for sought, held in pair.truth}
        for record_id, person_id in held_ids.items():
            sought = sought_ids[answered[record_id]] if record_id in answered else None
            confirmations.append(IdentityConfirmation(person_id, sought))
            if sought is not None:
                registries.answers[person_id] = sought
    confirm_identities(uows, world.actors["mediator"], confirmations)
    return registries


def listable(uows: UnitOfWorkFactory, ids: list[str]) -> list[str]:
    """Living persons held and not yet listed, in the given order."""
    with uows.reader() as uow:
        fine = set(
            uow.session.execute(
                select(PersonRow.id).where(
                    PersonRow.id.in_(ids),
                    PersonRow.status.in_([Status.HELD.value, Status.HOSPITALISED.value]),
                    PersonRow.category != "remains",
                )
            ).scalars()
        )
    return [i for i in ids if i in fine]


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

    def close(self, agreement_id: str, tranche: int) -> dict[str, Any]:
        """The mediator closes a tranche, re-entering the password (binding, like an acceptance)."""
        url = f"/api/v1/agreements/{agreement_id}/tranches/{tranche}/close"
        return self.post("mediator", url, {"password": PASSWORD})

    def lines(
        self, who: str, agreement_id: str, tranche: int, actions: list[dict[str, Any]]
    ) -> dict[str, Any]:
        url = f"/api/v1/agreements/{agreement_id}/tranches/{tranche}/lines"
        return self.post(who, url, {"actions": actions})

    def deliver_pending(self, agreement_id: str, tranche: int) -> dict[str, Any]:
        """Each receiving party checks identities of everyone still pending in its direction."""
        manifest: dict[str, Any] = self.get(
            "mediator", f"/api/v1/agreements/{agreement_id}/tranches/{tranche}"
        )
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

    def publish(self, agreement_id: str, label: str, supersedes: list[str] | None = None) -> dict[str, Any]:
        """The mediator publishes the agreement's closed tranches under a public label."""
        body = {"public_label": label, "supersedes": supersedes or []}
        return self.post("mediator", f"/api/v1/agreements/{agreement_id}/publications", body, expect=201)

    def ledger(self) -> dict[str, Any]:
        ledger: dict[str, Any] = self.get(None, "/api/v1/public/ledger")["exchanges"]
        return ledger
