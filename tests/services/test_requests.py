"""Requests for one's own people on real databases: tabled by a party, linked, listed, refused with a reason
(and still visible with it), returned; who reads what; every change in the signed log."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from homebound.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from homebound.core.exchange.formula import NForN
from homebound.core.exchange.requests import RequestedPerson
from homebound.core.exchange.terms import Terms
from homebound.core.log.entries import ActionTag
from homebound.core.persons import Status
from homebound.db.exchange_tables import AgreementVersionRow
from homebound.db.tables import LogEntryRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import agreements, request_mediation, requests
from homebound.services.log import verify_log
from tests.exchange_support import Registries, seed_registries
from tests.world import World

TERMS = Terms(date(2023, 1, 8), formulas=(NForN(),), max_persons=20)


@pytest.fixture
def seeded(uows: UnitOfWorkFactory, world: World) -> Registries:
    return seed_registries(uows, world, held_a=8, held_b=8, seed=5)


def _asked(seeded: Registries) -> list[tuple[str, str]]:
    """A's sought records that B holds: (sought id, B's held id)."""
    held_of = {sought: held for held, sought in seeded.answers.items()}
    return [(s, held_of[s]) for s in seeded.sought["pa"] if s in held_of]


def _agreement(uows: UnitOfWorkFactory, world: World) -> str:
    mediator = world.actors["mediator"]
    view = agreements.create_agreement(uows, mediator, title="t", party_a="pa", party_b="pb", venue="v")
    agreements.propose(uows, mediator, view.id, TERMS, [], [])
    return view.id


def test_a_party_tables_requests_and_follows_them_to_listed(
    uows: UnitOfWorkFactory, world: World, seeded: Registries
) -> None:
    (first, held_first), (second, _held_second) = _asked(seeded)[:2]
    agreement_id = _agreement(uows, world)
    tabled = requests.table_requests(
        uows,
        world.actors["a_operator"],
        [RequestedPerson(first, 1, "wounded", "mother calls daily"), RequestedPerson(second, 2)],
        agreement_id=agreement_id,
    )
    assert [v.status for v in tabled] == ["received", "received"]
    mediator = world.actors["mediator"]
    incoming = requests.list_requests(uows, mediator)
    assert [v.person_id for v in incoming] == [first, second]  # by priority
    assert incoming[0].reason == "wounded" and incoming[0].private_note is None

    linked = request_mediation.link_request(uows, mediator, tabled[0].id)  # the confirmed identity reused
    assert (linked.status, linked.held_person_id) == ("confirmed_held", held_first)
    version = request_mediation.list_requested(
        uows, mediator, agreement_id, [tabled[0].id], expected_version=1
    )
    assert version.number == 2
    with uows.reader() as uow:
        document = uow.session.get(AgreementVersionRow, (agreement_id, 2))
        assert document is not None
        assert [p["candidate_id"] for p in document.document["list_b"]] == [held_first]

    mine = requests.list_requests(uows, world.actors["a_operator"])
    assert {v.id: v.status for v in mine} == {tabled[0].id: "listed", tabled[1].id: "received"}
    assert mine[0].private_note == "mother calls daily" and mine[0].held_person_id is None
    assert [h["status"] for h in mine[0].history] == ["received", "confirmed_held", "listed"]
    assert requests.list_requests(uows, world.actors["a_operator"], status="received")[0].id == tabled[1].id


def test_a_refusal_keeps_its_reason_for_the_requester(
    uows: UnitOfWorkFactory, world: World, seeded: Registries
) -> None:
    rows = _asked(seeded)[:3]
    tabled = requests.table_requests(
        uows, world.actors["a_operator"], [RequestedPerson(s) for s, _ in rows], mediator="med"
    )
    mediator = world.actors["mediator"]
    with pytest.raises(ValidationFailed):
        request_mediation.refuse_request(uows, mediator, tabled[0].id, "  ")
    for view in tabled[:2]:
        request_mediation.refuse_request(uows, mediator, view.id, "under criminal investigation")
    refused = requests.list_requests(uows, world.actors["a_operator"], status="refused")
    assert {v.id for v in refused} == {tabled[0].id, tabled[1].id}
    assert {v.refusal_reason for v in refused} == {"under criminal investigation"}
    with pytest.raises(Conflict):
        request_mediation.link_request(uows, mediator, tabled[0].id)  # refused: ask again first
    # A refused person can be asked for again; an open request cannot be tabled twice.
    again = requests.table_requests(uows, world.actors["a_operator"], [RequestedPerson(rows[0][0])])
    assert again[0].status == "received"
    with pytest.raises(ValidationFailed) as caught:
        requests.table_requests(uows, world.actors["a_operator"], [RequestedPerson(rows[2][0])])
    assert caught.value.problems[0].code == "request.open"


def test_the_holder_sees_only_what_was_forwarded(
    uows: UnitOfWorkFactory, world: World, seeded: Registries
) -> None:
    (first, held_first), (second, _) = _asked(seeded)[:2]
    tabled = requests.table_requests(
        uows,
        world.actors["a_operator"],
        [RequestedPerson(first, reason="seriously ill", private_note="private"), RequestedPerson(second)],
    )
    holder = world.actors["b_operator"]
    assert requests.list_requests(uows, holder, forwarded=True) == []
    assert requests.list_requests(uows, holder) == []  # B's own requests: none
    with pytest.raises(NotFound):
        requests.get_request(uows, holder, tabled[0].id)
    request_mediation.link_request(uows, world.actors["mediator"], tabled[0].id, held_first)
    (seen,) = requests.list_requests(uows, holder, forwarded=True)
    assert (seen.person_id, seen.reason, seen.private_note) == (held_first, "seriously ill", None)
    assert first not in str(seen)  # the sought record never reaches the holder
    assert requests.get_request(uows, holder, tabled[0].id).person_id == held_first
    with pytest.raises(NotFound):
        requests.get_request(uows, holder, tabled[1].id)


def test_who_may_do_what(uows: UnitOfWorkFactory, world: World, seeded: Registries) -> None:
    (first, held_first), _ = _asked(seeded)[:2]
    with pytest.raises(PermissionDenied):
        requests.table_requests(uows, world.actors["mediator"], [RequestedPerson(first)])
    with pytest.raises(NotFound):  # another party's sought record does not exist for B
        requests.table_requests(uows, world.actors["b_operator"], [RequestedPerson(first)])
    held_a = seeded.held["pa"][0]
    with pytest.raises(NotFound):  # A's own held record is not a sought record of A's... and B's is not A's
        requests.table_requests(uows, world.actors["a_operator"], [RequestedPerson(held_first)])
    with pytest.raises(ValidationFailed) as caught:
        requests.table_requests(uows, world.actors["a_operator"], [RequestedPerson(held_a)])
    assert caught.value.problems[0].code == "request.not_sought"
    (view,) = requests.table_requests(uows, world.actors["a_operator"], [RequestedPerson(first)])
    with pytest.raises(PermissionDenied):
        request_mediation.refuse_request(uows, world.actors["b_admin"], view.id, "no")
    with pytest.raises(ValidationFailed):  # a party's own held record does not answer its request
        request_mediation.link_request(uows, world.actors["mediator"], view.id, held_a)


def test_returned_after_crossing_and_every_change_logged(
    uows: UnitOfWorkFactory, world: World, seeded: Registries
) -> None:
    (first, held_first), _ = _asked(seeded)[:2]
    agreement_id = _agreement(uows, world)
    mediator = world.actors["mediator"]
    (view,) = requests.table_requests(uows, world.actors["a_operator"], [RequestedPerson(first)])
    request_mediation.link_request(uows, mediator, view.id)
    request_mediation.list_requested(uows, mediator, agreement_id, [view.id], expected_version=1)
    with pytest.raises(Conflict) as caught:
        request_mediation.mark_returned(uows, mediator, [view.id])
    assert caught.value.code == "request.not_crossed"
    with uows.writer() as uow:  # the crossing itself is the handover's; here its outcome on the record
        person = uow.session.get(PersonRow, held_first)
        assert person is not None
        person.status = Status.EXCHANGED.value
        uow.commit()
    (returned,) = request_mediation.mark_returned(uows, mediator, [view.id])
    assert returned.status == "returned"
    with uows.reader() as uow:
        tags = list(
            uow.session.execute(
                select(LogEntryRow.tag).where(LogEntryRow.object_id == view.id).order_by(LogEntryRow.seq)
            ).scalars()
        )
    assert tags == [ActionTag.REQUEST_TABLE.value] + [ActionTag.REQUEST_STATUS.value] * 3
    assert verify_log(uows).ok
