"""Remains person by person: one record per body, mixed remains linked both ways, identification dated and
linked to the party's own sought record (logged; the sought record follows to deceased; families told), and
the exchange's per-batch counts derived from the per-body records."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from homebound.core.access import PUBLIC_ACTOR
from homebound.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from homebound.core.persons import Registry, Status
from homebound.core.remains import Identification
from homebound.db.exchange_tables import NotificationRow
from homebound.db.tables import LogEntryRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import inquiries, registry, remains
from tests.settings import TEST_PASSWORD_COST
from tests.world import World

DAY = dt.date(2024, 5, 1)


def _bag(uows: UnitOfWorkFactory, world: World, reference: str, **extra: str) -> remains.RemainsView:
    raw = {
        "reference": reference,
        "found_place": "поле біля с. Н.",
        "batch_id": "b-7",
        "dna_case_reference": f"DNA-{reference}",
    }
    mixed = extra.pop("mixed_with", "")
    return remains.record_remains(
        uows, world.actors["a_operator"], {**raw, **extra}, mixed_with=[m for m in mixed.split(",") if m]
    )


def test_each_body_is_its_own_record_sealed_at_rest(uows: UnitOfWorkFactory, world: World) -> None:
    one = _bag(uows, world, "R-1", found_on="2024-04-30")
    assert one.identification is Identification.PENDING and one.found_on == dt.date(2024, 4, 30)
    assert remains.get_remains(uows, world.actors["a_observer"], one.id).dna_case_reference == "DNA-R-1"
    with uows.reader() as uow:
        blob = uow.session.execute(
            text("SELECT dna_case_reference FROM remains_record WHERE id = :i"), {"i": one.id}
        )
        assert b"DNA-R-1" not in bytes(blob.scalar_one())
    with pytest.raises(Conflict):
        _bag(uows, world, "R-1")
    with pytest.raises(NotFound):  # the other party does not see it
        remains.get_remains(uows, world.actors["b_operator"], one.id)
    with pytest.raises(PermissionDenied):
        remains.list_remains(uows, world.actors["mediator"])
    with pytest.raises(ValidationFailed):
        _bag(uows, world, "", found_on="2024-04-30")


def test_mixed_remains_are_linked_both_ways_and_counted_as_mixed(
    uows: UnitOfWorkFactory, world: World
) -> None:
    first = _bag(uows, world, "R-10")
    second = _bag(uows, world, "R-11", mixed_with="R-10")
    _bag(uows, world, "R-12")
    assert second.mixed_with == (first.id,)
    assert remains.get_remains(uows, world.actors["a_operator"], first.id).mixed_with == (second.id,)
    with pytest.raises(NotFound):
        _bag(uows, world, "R-13", mixed_with="R-99")
    assert remains.batch_counts(uows, world.actors["a_operator"])["b-7"] == {
        "pending_dna": 1,
        "identified": 0,
        "mixed_remains": 2,
    }


def test_identification_links_the_sought_record_which_follows_and_tells_the_family(
    uows: UnitOfWorkFactory, world: World
) -> None:
    sought = registry.create_person(
        uows, world.actors["a_operator"], Registry.SOUGHT, {"record_id": "S-40", "family_name": "Синтетичний"}
    ).id
    filed = inquiries.file_inquiry(
        uows,
        PUBLIC_ACTOR,
        party_code="pa",
        inquirer_name="Родина",
        inquirer_contact="+380000000000",
        relationship="wife",
        consent=True,
        sought_details={"family_name": "Синтетичний"},
        cost=TEST_PASSWORD_COST,
    )
    inquiries.attach_inquiry(uows, world.actors["a_operator"], filed.id, sought)
    body = _bag(uows, world, "R-20")
    with pytest.raises(ValidationFailed):  # an outcome is dated
        remains.identify_remains(
            uows, world.actors["a_operator"], body.id, Identification.IDENTIFIED, sought_person_id=sought
        )
    with pytest.raises(ValidationFailed):  # only identified remains name a person
        remains.identify_remains(
            uows,
            world.actors["a_operator"],
            body.id,
            Identification.EXCLUDED,
            on=DAY,
            sought_person_id=sought,
        )
    done = remains.identify_remains(
        uows, world.actors["a_operator"], body.id, Identification.IDENTIFIED, on=DAY, sought_person_id=sought
    )
    assert done.sought_person_id == sought and done.identified_on == DAY
    assert registry.get_person(uows, world.actors["a_operator"], sought).status is Status.DECEASED
    assert inquiries.inquiry_status(uows, filed.case_code, filed.secret).stage == "reported_deceased"
    with uows.reader() as uow:
        tags = list(
            uow.session.execute(
                select(LogEntryRow.tag).where(LogEntryRow.object_id == sought).order_by(LogEntryRow.seq)
            ).scalars()
        )
        notices = list(
            uow.session.execute(
                select(NotificationRow.kind).where(NotificationRow.inquiry_id == filed.id)
            ).scalars()
        )
    assert tags[-2:] == ["registry:person:status", "registry:remains:identify"]  # the link, on the person
    assert notices == ["deceased"]
    assert remains.batch_counts(uows, world.actors["a_operator"])["b-7"]["identified"] == 1
    with pytest.raises(InvalidTransition):  # identified is reopened, not turned into excluded
        remains.identify_remains(uows, world.actors["a_operator"], body.id, Identification.EXCLUDED, on=DAY)
    reopened = remains.identify_remains(uows, world.actors["a_operator"], body.id, Identification.PENDING)
    assert reopened.sought_person_id is None


def test_only_the_party_s_own_sought_records_are_linked(uows: UnitOfWorkFactory, world: World) -> None:
    theirs = registry.create_person(
        uows, world.actors["b_operator"], Registry.SOUGHT, {"record_id": "S-41", "family_name": "Інший"}
    ).id
    held = registry.create_person(
        uows, world.actors["a_operator"], Registry.HELD, {"record_id": "H-41", "family_name": "Утримуваний"}
    ).id
    body = _bag(uows, world, "R-30")
    for person in (theirs, held):
        with pytest.raises(NotFound):
            remains.identify_remains(
                uows,
                world.actors["a_operator"],
                body.id,
                Identification.IDENTIFIED,
                on=DAY,
                sought_person_id=person,
            )
    assert (
        remains.get_remains(uows, world.actors["a_operator"], body.id).identification
        is Identification.PENDING
    )
