"""The handover console's read side and its vehicles: people placed in buses, a checked bus delivered in one
action with each person logged on their own line, the time each person crossed, search by name and record
number, both sides' spellings, substitutes by record number, and what is still missing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from homebound.core.dates import PartialDate
from homebound.core.errors import PermissionDenied, ValidationFailed
from homebound.core.exchange.formula import NForN
from homebound.core.exchange.handover import LineAction, Substitute
from homebound.core.exchange.terms import Terms, TrancheSpec
from homebound.core.log.entries import ActionTag
from homebound.db.exchange_tables import HandoverLineRow
from homebound.db.tables import LogEntryRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import agreements, handover
from homebound.services import handover_console as console
from homebound.services import handover_vehicles as vehicles
from homebound.services.composition import compose_version
from homebound.services.handover import LineCommand
from tests.exchange_support import Registries, seed_registries
from tests.world import PROOF, World

TERMS = Terms(date(2023, 1, 8), formulas=(NForN(),), max_persons=12, tranches=(TrancheSpec(6, 6),))
EVERYONE = console.ConsoleFilter(limit=console.MAX_PAGE_SIZE)


@pytest.fixture
def concluded(uows: UnitOfWorkFactory, world: World) -> tuple[str, Registries, list[str]]:
    registries = seed_registries(uows, world, held_a=16, held_b=16, seed=9)
    mediator = world.actors["mediator"]
    opened = agreements.create_agreement(uows, mediator, title="t", party_a="pa", party_b="pb", venue="v")
    composed = compose_version(uows, mediator, opened.id, TERMS, share=True)
    for admin in ("a_admin", "b_admin"):
        agreements.accept(uows, world.actors[admin], opened.id, 1, PROOF)
    agreements.conclude(uows, mediator, opened.id)
    spare_b = [
        d["candidate_id"] for d in composed.decisions if d["side"] == "b" and d["code"] == "out.below_cutoff"
    ]
    return opened.id, registries, spare_b


def _lines(uows: UnitOfWorkFactory, agreement_id: str) -> dict[str, HandoverLineRow]:
    with uows.reader() as uow:
        rows = uow.session.execute(
            select(HandoverLineRow).where(HandoverLineRow.agreement_id == agreement_id)
        ).scalars()
        return {row.candidate_id: row for row in rows}


def _tags(uows: UnitOfWorkFactory, tag: ActionTag) -> int:
    with uows.reader() as uow:
        return len(uow.session.execute(select(LogEntryRow.seq).where(LogEntryRow.tag == tag.value)).all())


def test_buses_are_filled_per_side_and_a_checked_bus_is_delivered_line_by_line(
    uows: UnitOfWorkFactory, world: World, concluded: tuple[str, Registries, list[str]]
) -> None:
    agreement_id, _registries, _spare = concluded
    mediator = world.actors["mediator"]
    assert vehicles.place_unplaced(uows, mediator, agreement_id, 1, seats=4, prefix="Bus") == 12
    page = console.console_page(uows, mediator, agreement_id, 1, EVERYONE)
    assert [(v.vehicle, v.total) for v in page.vehicles] == [
        ("Bus A1", 4),
        ("Bus A2", 2),
        ("Bus B1", 4),
        ("Bus B2", 2),
    ]
    rows = _lines(uows, agreement_id)
    bus = sorted((r for r in rows.values() if r.vehicle == "Bus A1"), key=lambda r: r.line_no)
    assert {r.releasing_side for r in bus} == {"a"}
    checked = [r.candidate_id for r in bus[:3]]  # the fourth person's identity is not checked yet
    logged = _tags(uows, ActionTag.HANDOVER_LINE)
    vehicles.deliver_vehicle(uows, mediator, agreement_id, 1, "Bus A1", checked)
    assert _tags(uows, ActionTag.HANDOVER_LINE) == logged + 3  # each person on their own line
    after = _lines(uows, agreement_id)
    assert [after[c].state for c in checked] == ["delivered"] * 3
    assert after[bus[3].candidate_id].state == "pending"
    summary = {v.vehicle: v for v in console.console_page(uows, mediator, agreement_id, 1, EVERYONE).vehicles}
    assert (summary["Bus A1"].waiting, summary["Bus A1"].crossed) == (1, 3)


def test_a_bus_delivery_naming_someone_of_another_bus_records_nobody(
    uows: UnitOfWorkFactory, world: World, concluded: tuple[str, Registries, list[str]]
) -> None:
    agreement_id, _registries, _spare = concluded
    mediator = world.actors["mediator"]
    vehicles.place_unplaced(uows, mediator, agreement_id, 1, seats=6, prefix="Bus")
    rows = _lines(uows, agreement_id)
    on_a = [r.candidate_id for r in rows.values() if r.vehicle == "Bus A1"]
    on_b = [r.candidate_id for r in rows.values() if r.vehicle == "Bus B1"]
    with pytest.raises(ValidationFailed):
        vehicles.deliver_vehicle(uows, mediator, agreement_id, 1, "Bus A1", [on_a[0], on_b[0]])
    assert {r.state for r in _lines(uows, agreement_id).values()} == {"pending"}


def test_a_party_places_only_the_people_it_releases(
    uows: UnitOfWorkFactory, world: World, concluded: tuple[str, Registries, list[str]]
) -> None:
    agreement_id, _registries, _spare = concluded
    rows = _lines(uows, agreement_id)
    of_a = next(r.line_no for r in rows.values() if r.releasing_side == "a")
    with pytest.raises(PermissionDenied):
        vehicles.assign_vehicles(uows, world.actors["b_admin"], agreement_id, 1, {of_a: "Bus 9"})
    assert (
        vehicles.place_unplaced(uows, world.actors["a_admin"], agreement_id, 1, seats=10, prefix="Bus") == 6
    )
    placed = _lines(uows, agreement_id).values()
    assert {r.vehicle for r in placed if r.releasing_side == "a"} == {"Bus A1"}
    assert {r.vehicle for r in placed if r.releasing_side == "b"} == {None}


def test_the_crossing_time_is_stamped_when_a_person_crosses_and_only_then(
    uows: UnitOfWorkFactory, world: World, concluded: tuple[str, Registries, list[str]]
) -> None:
    agreement_id, _registries, _spare = concluded
    mediator = world.actors["mediator"]
    rows = sorted(_lines(uows, agreement_id).values(), key=lambda r: r.line_no)
    delivered, not_delivered = rows[0].candidate_id, rows[1].candidate_id
    commands = [
        LineCommand(LineAction.DELIVER, delivered),
        LineCommand(LineAction.NOT_DELIVER, not_delivered, reason="in hospital"),
    ]
    handover.record_lines(uows, mediator, agreement_id, 1, commands)
    after = _lines(uows, agreement_id)
    assert after[delivered].crossed_at is not None
    assert after[not_delivered].crossed_at is None and after[rows[2].candidate_id].crossed_at is None
    page = console.console_page(uows, mediator, agreement_id, 1, console.ConsoleFilter(state="delivered"))
    assert [line.candidate_id for line in page.lines] == [delivered]
    assert page.lines[0].crossed_at == after[delivered].crossed_at


def test_search_finds_a_person_by_name_and_by_record_number(
    uows: UnitOfWorkFactory, world: World, concluded: tuple[str, Registries, list[str]]
) -> None:
    agreement_id, registries, _spare = concluded
    mediator = world.actors["mediator"]
    everyone = console.console_page(uows, mediator, agreement_id, 1, EVERYONE).lines
    target = everyone[4]
    row = registries.rows[target.candidate_id]
    for query in (row["record_id"], row["family_name"].upper()):
        found = console.console_page(uows, mediator, agreement_id, 1, console.ConsoleFilter(query=query))
        assert target.candidate_id in [line.candidate_id for line in found.lines], query
        assert found.matching < len(everyone), query
    nobody = console.console_page(uows, mediator, agreement_id, 1, console.ConsoleFilter(query="zzzqqq"))
    assert (nobody.matching, nobody.lines) == (0, [])


def test_the_receiving_side_sees_its_own_spelling_with_birth_date_and_service_number(
    uows: UnitOfWorkFactory, world: World, concluded: tuple[str, Registries, list[str]]
) -> None:
    agreement_id, registries, _spare = concluded
    receiving = world.actors["b_admin"]
    page = console.console_page(uows, receiving, agreement_id, 1, console.ConsoleFilter(side="a", limit=50))
    answered = [line for line in page.lines if line.candidate_id in registries.answers]
    assert answered
    for line in answered:
        own = registries.rows[registries.answers[line.candidate_id]]
        assert line.sought is not None
        assert line.sought.record_number == own["record_id"]
        assert line.sought.name.startswith(own["family_name"])
        born = own.get("date_of_birth") or ""
        assert line.sought.date_of_birth == (PartialDate.parse(born).iso() if born else "")
        assert line.sought.service_number == (own.get("service_number") or "")
        assert line.sought.unit == (own.get("unit") or "")


def test_a_substitute_is_shown_by_name_and_record_number(
    uows: UnitOfWorkFactory, world: World, concluded: tuple[str, Registries, list[str]]
) -> None:
    agreement_id, registries, spare_b = concluded
    mediator = world.actors["mediator"]
    of_b = next(r for r in _lines(uows, agreement_id).values() if r.releasing_side == "b")
    command = LineCommand(LineAction.BRING_SUBSTITUTE, of_b.candidate_id, substitute=Substitute(spare_b[0]))
    handover.record_lines(uows, mediator, agreement_id, 1, [command])
    flt = console.ConsoleFilter(state="substitute_proposed")
    (line,) = console.console_page(uows, mediator, agreement_id, 1, flt).lines
    assert line.substitute is not None
    assert line.substitute.record_number == registries.rows[spare_b[0]]["record_id"]
    assert line.substitute.name.startswith(registries.rows[spare_b[0]]["family_name"])


def test_the_shortfall_says_who_is_still_missing_per_side(
    uows: UnitOfWorkFactory, world: World, concluded: tuple[str, Registries, list[str]]
) -> None:
    agreement_id, _registries, _spare = concluded
    mediator = world.actors["mediator"]
    before = console.console_page(uows, mediator, agreement_id, 1, EVERYONE)
    assert [(s.side, s.planned, s.received, s.waiting) for s in before.shortfall] == [
        ("a", 6, 0, 6),
        ("b", 6, 0, 6),
    ]
    assert not before.complete
    of_a = [r.candidate_id for r in _lines(uows, agreement_id).values() if r.releasing_side == "a"]
    handover.record_lines(
        uows,
        mediator,
        agreement_id,
        1,
        [
            LineCommand(LineAction.DELIVER, of_a[0]),
            LineCommand(LineAction.NOT_DELIVER, of_a[1], reason="ill"),
        ],
    )
    after = console.console_page(uows, mediator, agreement_id, 1, EVERYONE).shortfall[0]
    assert (after.received, after.waiting, after.not_coming) == (1, 4, 1)
