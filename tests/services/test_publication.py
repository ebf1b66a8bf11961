"""Public figures are publication acts (issue 15 item 7) and add up (issue 16 item 3): nothing unpublished or
live reaches the public ledger, deaths only when named, small counts suppressed, an agreement only under its
public label; a recorded exchange supersedes the reported figures of the same exchange instead of being
added to them; each day of crossing is a line dated by the crossing; a remains-only agreement runs end to
end."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from homebound.core.errors import Conflict, PermissionDenied, ValidationFailed
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.formula import NForN
from homebound.core.exchange.handover import LineAction
from homebound.core.exchange.remains import IdentificationStatus, RemainsBatch
from homebound.core.exchange.terms import Terms, TrancheSpec
from homebound.core.persons import Registry
from homebound.db.exchange_tables import HandoverLineRow, RemainsBatchRow
from homebound.db.tables import PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.lists.writers import write_csv
from homebound.services import agreements, handover, ledger, lists, publication
from homebound.services.composition import compose_version
from homebound.services.exchange_ledger import ReportedExchange, seed_reported
from homebound.services.handover import LineCommand
from homebound.services.log import verify_log
from tests.exchange_support import seed_registries
from tests.world import PROOF, World

SECRET_TITLE = "Secret channel via Country X (do not publish)"
SECRET_VENUE = "a safe house in Country X"
DAY_1, DAY_2 = dt.date(2024, 6, 25), dt.date(2024, 6, 26)


def _held_row(n: int, status: str = "held") -> dict[str, str]:
    return {"record_id": f"H{n:03d}", "family_name": f"Тестенко{n}", "given_name": "Іван", "status": status}


def _import(uows: UnitOfWorkFactory, world: World, rows: list[dict[str, str]]) -> None:
    lists.import_list(uows, world.actors["a_operator"], Registry.HELD, write_csv(rows), "held.csv")


def _live(uows: UnitOfWorkFactory, party_id: str, status: str) -> int:
    with uows.reader() as uow:
        rows = uow.session.execute(
            select(PersonRow.id).where(PersonRow.party_id == party_id, PersonRow.status == status)
        ).all()
    return len(rows)


# --- registry counts ----------------------------------------------------------------------------------------


def test_only_published_counts_reach_the_public_and_they_do_not_move(
    uows: UnitOfWorkFactory, world: World
) -> None:
    _import(
        uows, world, [_held_row(n) for n in range(12)] + [_held_row(100 + n, "deceased") for n in range(7)]
    )
    assert ledger.public_summary(uows).parties == []  # nothing published: nothing shown, live or not

    act = publication.publish_registry_counts(uows, world.actors["a_admin"], "pa")
    (published,) = ledger.public_summary(uows).parties
    assert published["party"] == "pa" and published["held_held"] == 12
    assert "held_deceased" not in published  # deaths in custody only when named
    assert act.figures["counts"]["held_held"] == 12 and act.published_by == world.actors["a_admin"].user_id

    _import(uows, world, [_held_row(200 + n) for n in range(3)])  # the registry moves on...
    assert _live(uows, world.party_ids["pa"], "held") == 15
    assert ledger.public_summary(uows).parties[0]["held_held"] == 12  # ...the public figure does not

    publication.publish_registry_counts(uows, world.actors["mediator"], "pa", ["held_held", "held_deceased"])
    (again,) = ledger.public_summary(uows).parties
    assert (again["held_held"], again["held_deceased"]) == (15, 7)
    assert "sought_missing" not in again  # only the figures named
    assert verify_log(uows).ok


def test_small_counts_are_suppressed(uows: UnitOfWorkFactory, world: World) -> None:
    _import(
        uows, world, [_held_row(n) for n in range(6)] + [_held_row(100 + n, "hospitalised") for n in range(2)]
    )
    publication.publish_registry_counts(
        uows, world.actors["a_admin"], "pa", ["held_held", "held_hospitalised", "held_escaped"]
    )
    (shown,) = ledger.public_summary(uows, min_count=5).parties
    assert (shown["held_held"], shown["held_hospitalised"], shown["held_escaped"]) == (6, None, 0)
    (exact,) = ledger.public_summary(uows, min_count=1).parties
    assert exact["held_hospitalised"] == 2


def test_a_party_publishes_only_its_own_counts(uows: UnitOfWorkFactory, world: World) -> None:
    _import(uows, world, [_held_row(n) for n in range(6)])
    with pytest.raises(PermissionDenied):
        publication.publish_registry_counts(uows, world.actors["b_admin"], "pa")
    with pytest.raises(PermissionDenied):
        publication.publish_registry_counts(uows, world.actors["a_operator"], "pa")
    with pytest.raises(ValidationFailed):
        publication.publish_registry_counts(uows, world.actors["a_admin"], "pa", ["held_everything"])
    assert ledger.public_summary(uows).parties == []


# --- recorded exchanges -------------------------------------------------------------------------------------


@dataclass
class Crossing:
    agreement_id: str
    list_a: list[str]
    list_b: list[str]


def _conclude(uows: UnitOfWorkFactory, world: World, terms: Terms, *, title: str = SECRET_TITLE) -> Crossing:
    mediator = world.actors["mediator"]
    opened = agreements.create_agreement(
        uows, mediator, title=title, party_a="pa", party_b="pb", venue=SECRET_VENUE
    )
    composed = compose_version(uows, mediator, opened.id, terms, share=True)
    for admin in ("a_admin", "b_admin"):
        agreements.accept(uows, world.actors[admin], opened.id, 1, PROOF)
    agreements.conclude(uows, mediator, opened.id)
    document = composed.version.document
    assert document is not None
    return Crossing(
        opened.id,
        [p["candidate_id"] for p in document["list_a"]],
        [p["candidate_id"] for p in document["list_b"]],
    )


def _cross(uows: UnitOfWorkFactory, world: World, c: Crossing, number: int, day: dt.date) -> None:
    """Deliver everyone of tranche `number` and close it; the lines crossed on `day` (the recorded time of
    a settled line is the time it crossed: moved to `day` as if the crossing had been recorded then)."""
    tranche = handover.get_tranche(uows, world.actors["mediator"], c.agreement_id, number)
    commands = [LineCommand(LineAction.DELIVER, line["candidate_id"]) for line in tranche.lines]
    handover.record_lines(uows, world.actors["mediator"], c.agreement_id, number, commands)
    _crossed_on(uows, c.agreement_id, number, day)
    handover.close_tranche(uows, world.actors["mediator"], c.agreement_id, number, PROOF)


def _crossed_on(uows: UnitOfWorkFactory, agreement_id: str, number: int, day: dt.date) -> None:
    at = dt.datetime.combine(day, dt.time(10, 30), tzinfo=dt.UTC)
    with uows.writer() as uow:
        for table in (HandoverLineRow, RemainsBatchRow):
            moved = table.created_at if table is RemainsBatchRow else table.updated_at
            uow.session.execute(
                update(table)
                .where(table.agreement_id == agreement_id, table.tranche_index == number - 1)
                .values({moved: at})
            )
        uow.commit()


TWO_DAYS = Terms(
    dt.date(2024, 6, 1),
    formulas=(NForN(),),
    max_persons=10,
    tranches=(TrancheSpec(3, 3, dt.date(2024, 6, 20)), TrancheSpec(2, 2, dt.date(2024, 6, 20))),
)


def test_each_day_of_crossing_is_a_line_dated_by_the_crossing_and_only_once_published(
    uows: UnitOfWorkFactory, world: World
) -> None:
    seed_registries(uows, world, held_a=12, held_b=12, seed=11)
    c = _conclude(uows, world, TWO_DAYS)
    _cross(uows, world, c, 1, DAY_1)
    _cross(uows, world, c, 2, DAY_2)
    before = ledger.public_summary(uows).exchanges
    assert before is not None and before.exchanges == []  # recorded, closed, not published: not public

    with pytest.raises(ValidationFailed):  # a public label is required; the title is never one
        publication.publish_exchange(uows, world.actors["mediator"], c.agreement_id)
    with pytest.raises(PermissionDenied):
        publication.publish_exchange(uows, world.actors["a_admin"], c.agreement_id, public_label="x")
    publication.publish_exchange(
        uows, world.actors["mediator"], c.agreement_id, public_label="June 2024 exchange"
    )
    exchanges = ledger.public_summary(uows).exchanges
    assert exchanges is not None
    days = [(e["date"], e["persons_returned"]) for e in exchanges.exchanges]
    assert days == [(DAY_1.isoformat(), {"pa": 3, "pb": 3}), (DAY_2.isoformat(), {"pa": 2, "pb": 2})]
    assert exchanges.totals["persons"] == 10 and exchanges.totals["recorded_exchanges"] == 2
    text = repr(ledger.public_summary(uows))
    assert SECRET_TITLE not in text and SECRET_VENUE not in text and "Country X" not in text
    assert all(e["title"].startswith("June 2024 exchange") for e in exchanges.exchanges)
    assert verify_log(uows).ok


def test_an_unclosed_crossing_cannot_be_published(uows: UnitOfWorkFactory, world: World) -> None:
    seed_registries(uows, world, held_a=12, held_b=12, seed=12)
    c = _conclude(uows, world, TWO_DAYS)
    with pytest.raises(Conflict):
        publication.publish_exchange(uows, world.actors["mediator"], c.agreement_id, public_label="soon")


def test_a_recorded_exchange_supersedes_the_reported_one_of_the_same_day(
    uows: UnitOfWorkFactory, world: World
) -> None:
    seed_registries(uows, world, held_a=12, held_b=12, seed=13)
    reported = ReportedExchange(
        DAY_1,
        "5 for 5 as announced",
        "M",
        "V",
        {"persons_to_a": 6, "persons_to_b": 5, "remains_to_a": 0, "remains_to_b": 0},
    )
    other = ReportedExchange(
        dt.date(2024, 1, 2),
        "unrelated",
        "M",
        "V",
        {"persons_to_a": 20, "persons_to_b": 20, "remains_to_a": 0, "remains_to_b": 0},
    )
    seed_reported(uows, "test", side_a="pa", side_b="pb", reported=(reported, other))
    c = _conclude(uows, world, Terms(dt.date(2024, 6, 1), formulas=(NForN(),), max_persons=10))
    _cross(uows, world, c, 1, DAY_1)
    publication.publish_exchange(uows, world.actors["mediator"], c.agreement_id, public_label="five for five")
    exchanges = ledger.public_summary(uows).exchanges
    assert exchanges is not None
    assert (
        exchanges.totals["persons"] == 40 + 10
    )  # the unrelated one and the recorded one, not the reported 11
    assert [e["title"] for e in exchanges.exchanges] == ["unrelated", "five for five"]
    (beside,) = exchanges.superseded
    assert beside["reported"]["persons_returned"] == {"pa": 6, "pb": 5}
    assert beside["recorded"]["persons_returned"] == {"pa": 5, "pb": 5}
    assert beside["difference"]["persons_returned"] == {"pa": -1, "pb": 0}


# --- remains only -------------------------------------------------------------------------------------------


def test_a_remains_only_agreement_is_concluded_and_runs_end_to_end(
    uows: UnitOfWorkFactory, world: World
) -> None:
    mediator = world.actors["mediator"]
    opened = agreements.create_agreement(
        uows, mediator, title="bodies", party_a="pa", party_b="pb", venue="v"
    )
    terms = Terms(dt.date(2025, 6, 1), formulas=(NForN(),), remains_formula=NForN())
    agreements.propose(uows, mediator, opened.id, terms, [], [], share=True)
    for admin in ("a_admin", "b_admin"):
        agreements.accept(uows, world.actors[admin], opened.id, 1, PROOF)
    concluded = agreements.conclude(uows, mediator, opened.id)  # was 422 "a tranche moves somebody: 0 / 0"
    assert concluded.status == "concluded"
    for batch_id, side, status in (
        ("b-1", "a", IdentificationStatus.PENDING_DNA),
        ("b-2", "b", IdentificationStatus.IDENTIFIED),
    ):
        handover.receive_remains(uows, mediator, opened.id, 1, RemainsBatch(batch_id, Side(side), 40, status))
    closed = handover.close_tranche(uows, mediator, opened.id, 1, PROOF)
    assert closed.closure is not None and closed.closure["reconciled"] is True
    totals = handover.exchange_totals(uows, mediator, opened.id)
    assert totals["remains"]["a"]["pending_dna"] == 40 and totals["remains"]["b"]["identified"] == 40
    publication.publish_exchange(uows, mediator, opened.id, public_label="bodies for bodies")
    exchanges = ledger.public_summary(uows).exchanges
    assert exchanges is not None
    (line,) = exchanges.exchanges
    assert line["remains_returned"] == {"pa": 40, "pb": 40} and exchanges.totals["persons"] == 0
    assert verify_log(uows).ok
