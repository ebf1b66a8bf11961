"""Vehicles over the API: the mediator places lines in a bus as the console does; a party may not place the
other side's people; an unknown line is 404 and nothing is placed."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select

from homebound.core.exchange.formula import NForN
from homebound.core.exchange.terms import Terms, TrancheSpec
from homebound.db.exchange_tables import HandoverLineRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import agreements
from homebound.services.composition import compose_version
from tests.exchange_support import seed_registries
from tests.world import PROOF, World

TERMS = Terms(date(2023, 1, 8), formulas=(NForN(),), max_persons=8, tranches=(TrancheSpec(4, 4),))


def _concluded(uows: UnitOfWorkFactory, world: World) -> str:
    seed_registries(uows, world, held_a=12, held_b=12, seed=4)
    mediator = world.actors["mediator"]
    opened = agreements.create_agreement(uows, mediator, title="t", party_a="pa", party_b="pb", venue="v")
    compose_version(uows, mediator, opened.id, TERMS, share=True)
    for admin in ("a_admin", "b_admin"):
        agreements.accept(uows, world.actors[admin], opened.id, 1, PROOF)
    agreements.conclude(uows, mediator, opened.id)
    return opened.id


def _vehicles(uows: UnitOfWorkFactory, agreement_id: str) -> dict[int, tuple[str, str | None]]:
    with uows.reader() as uow:
        rows = uow.session.execute(
            select(HandoverLineRow.line_no, HandoverLineRow.releasing_side, HandoverLineRow.vehicle).where(
                HandoverLineRow.agreement_id == agreement_id
            )
        ).all()
    return {line_no: (side, vehicle) for line_no, side, vehicle in rows}


def test_lines_are_placed_in_vehicles_over_the_api(
    client: TestClient, world: World, uows: UnitOfWorkFactory
) -> None:
    agreement_id = _concluded(uows, world)
    url = f"/api/v1/agreements/{agreement_id}/tranches/1/vehicles"
    lines = _vehicles(uows, agreement_id)
    of_a = sorted(n for n, (side, _v) in lines.items() if side == "a")
    placed = client.put(
        url, json={"lines": {str(n): "Bus 1" for n in of_a}}, headers=world.writes("mediator")
    )
    assert placed.status_code == 200, placed.json()
    assert placed.json() == {"placed": len(of_a)}
    after = _vehicles(uows, agreement_id)
    assert {n for n, (_s, v) in after.items() if v == "Bus 1"} == set(of_a)
    refused = client.put(url, json={"lines": {str(of_a[0]): "Bus 2"}}, headers=world.writes("b_admin"))
    assert refused.status_code == 403, refused.json()
    unknown = client.put(url, json={"lines": {"999": "Bus 2"}}, headers=world.writes("mediator"))
    assert unknown.status_code == 404, unknown.json()
    assert _vehicles(uows, agreement_id) == after
