"""Deaths in captivity: the death record moves the person to deceased through the logged transition in one
transaction, is sealed at rest, tells the families on their inquiry, and never reaches the public ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, select, text

from homebound.core.access import PUBLIC_ACTOR
from homebound.core.errors import Conflict, NotFound, ValidationFailed
from homebound.core.persons import Registry, Status
from homebound.db.death_tables import DeathRecordRow
from homebound.db.exchange_tables import NotificationRow
from homebound.db.tables import LogEntryRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import deaths, inquiries, ledger, registry, remains
from homebound.services.candidates import IdentityConfirmation, confirm_identities
from tests.settings import TEST_PASSWORD_COST
from tests.world import World

DEATH = {
    "date_of_death": "2024-02-03",
    "place_of_death": "табір №2, лазарет",
    "cause": "серцева недостатність",
    "circumstances": "помер уві сні",
    "burial_place": "кладовище Н., ділянка 4",
    "grave_location": "ряд 3, місце 12",
    "grave_marking": "дерев'яний хрест з номером 312",
    "effects": "годинник, лист; зберігаються",
    "notice_sent_on": "2024-02-10",
    "notice_through": "icrc",
    "notice_reference": "CTA-2024-0042",
}


def _person(
    uows: UnitOfWorkFactory, world: World, registry_: Registry, record_id: str, who: str = "a_operator"
) -> str:
    raw = {"record_id": record_id, "family_name": "Синтетичний", "given_name": "Тест"}
    return registry.create_person(uows, world.actors[who], registry_, raw).id


def _family(
    uows: UnitOfWorkFactory, world: World, party: str, who: str, sought: str
) -> inquiries.FiledInquiry:
    filed = inquiries.file_inquiry(
        uows,
        PUBLIC_ACTOR,
        party_code=party,
        inquirer_name="Родина",
        inquirer_contact="family@example.org",
        relationship="mother",
        consent=True,
        sought_details={"family_name": "Синтетичний"},
        cost=TEST_PASSWORD_COST,
    )
    inquiries.attach_inquiry(uows, world.actors[who], filed.id, sought)
    return filed


def test_recording_a_death_moves_the_person_to_deceased_in_the_same_transaction(
    uows: UnitOfWorkFactory, world: World
) -> None:
    held = _person(uows, world, Registry.HELD, "H-1")
    view = deaths.record_death(uows, world.actors["a_operator"], held, DEATH)
    assert (
        view.record.date_of_death == dt.date(2024, 2, 3) and view.record.grave_location == "ряд 3, місце 12"
    )
    assert not view.notice_owed and not view.inquiry_owed
    assert registry.get_person(uows, world.actors["a_operator"], held).status is Status.DECEASED
    with uows.reader() as uow:
        tags = list(
            uow.session.execute(
                select(LogEntryRow.tag).where(LogEntryRow.object_id == held).order_by(LogEntryRow.seq)
            ).scalars()
        )
        # sealed at rest: the column holds bytes that do not contain the text
        raw = uow.session.execute(
            text("SELECT burial_place FROM death_record WHERE person_id = :p"), {"p": held}
        )
        blob = bytes(raw.scalar_one())
    assert tags == ["registry:person:create", "registry:person:status", "registry:death:record"]
    assert "ділянка".encode() not in blob
    # an amendment keeps the status, bumps the version and logs again
    again = deaths.record_death(uows, world.actors["a_operator"], held, {**DEATH, "grave_marking": "камінь"})
    assert again.version == view.version + 1 and again.record.grave_marking == "камінь"


def test_the_other_party_cannot_read_or_record_the_death(uows: UnitOfWorkFactory, world: World) -> None:
    held = _person(uows, world, Registry.HELD, "H-2")
    with pytest.raises(NotFound):
        deaths.record_death(uows, world.actors["b_operator"], held, DEATH)
    deaths.record_death(uows, world.actors["a_operator"], held, DEATH)
    with pytest.raises(NotFound):
        deaths.get_death(uows, world.actors["b_operator"], held)
    assert deaths.get_death(uows, world.actors["mediator"], held) is not None


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"date_of_death": ""}, "date_of_death", "required"),
        ({"date_of_death": "2999-01-01"}, "date_of_death", "in_future"),
        ({"notice_sent_on": "2024-01-01"}, "notice_sent_on", "before_death"),
        ({"notice_through": ""}, "notice_through", "required"),
        ({"notice_through": "pigeon"}, "notice_through", "invalid_choice"),
        ({"inquiry_by": "військова прокуратура"}, "cause_unclear", "inquiry_without_doubt"),
        ({"colour": "x"}, "colour", "unknown_field"),
    ],
)
def test_a_bad_death_record_changes_nothing(
    uows: UnitOfWorkFactory, world: World, change: dict[str, str], field: str, code: str
) -> None:
    held = _person(uows, world, Registry.HELD, "H-3")
    with pytest.raises(ValidationFailed) as failed:
        deaths.record_death(uows, world.actors["a_operator"], held, {**DEATH, **change})
    assert (field, code) in {(p.field, p.code) for p in failed.value.problems}
    assert registry.get_person(uows, world.actors["a_operator"], held).status is Status.HELD


def test_an_unclear_cause_owes_an_official_inquiry_until_it_is_opened(
    uows: UnitOfWorkFactory, world: World
) -> None:
    held = _person(uows, world, Registry.HELD, "H-4")
    unclear = {**DEATH, "cause": "", "cause_unclear": "yes", "notice_sent_on": "", "notice_through": ""}
    view = deaths.record_death(uows, world.actors["a_operator"], held, unclear)
    assert view.inquiry_owed and view.notice_owed
    opened = {**unclear, "inquiry_by": "комісія табору", "inquiry_opened_on": "2024-02-04"}
    view = deaths.record_death(uows, world.actors["a_operator"], held, opened)
    assert not view.inquiry_owed and view.record.inquiry_by == "комісія табору"


def test_the_family_is_told_through_its_inquiry_and_the_ledger_counts_no_death(
    uows: UnitOfWorkFactory, world: World
) -> None:
    before = ledger.public_summary(uows).parties
    held = _person(uows, world, Registry.HELD, "H-5", "b_operator")  # held by B
    sought = _person(uows, world, Registry.SOUGHT, "S-5")  # sought by A, the same man
    confirm_identities(uows, world.actors["mediator"], [IdentityConfirmation(held, sought)])
    filed = _family(uows, world, "pa", "a_operator", sought)
    deaths.record_death(uows, world.actors["b_operator"], held, DEATH)
    assert registry.get_person(uows, world.actors["a_operator"], sought).status is Status.DECEASED
    assert inquiries.inquiry_status(uows, filed.case_code, filed.secret).stage == "reported_deceased"
    with uows.reader() as uow:
        kinds = sorted(
            (n.kind, n.channel)
            for n in uow.session.execute(
                select(NotificationRow).where(NotificationRow.inquiry_id == filed.id)
            ).scalars()
        )
    assert kinds == [("deceased", "email"), ("deceased", "status_page")]
    after = ledger.public_summary(uows).parties
    assert not any("deceased" in key for party in after for key in party)
    # the two new records count (held by B, sought by A) until the death; afterwards neither does
    assert after == before


def test_a_sought_record_takes_a_death_the_other_side_notified(uows: UnitOfWorkFactory, world: World) -> None:
    sought = _person(uows, world, Registry.SOUGHT, "S-6")
    filed = _family(uows, world, "pa", "a_operator", sought)
    view = deaths.record_death(uows, world.actors["a_operator"], sought, DEATH)
    assert view.record.notice_reference == "CTA-2024-0042"
    assert inquiries.inquiry_status(uows, filed.case_code, filed.secret).stage == "reported_deceased"
    with uows.reader() as uow:
        assert uow.session.execute(select(DeathRecordRow.person_id)).scalars().all() == [sought]
        assert uow.session.get(PersonRow, sought).status == "deceased"  # type: ignore[union-attr]


def test_an_exchanged_person_cannot_die_in_captivity(uows: UnitOfWorkFactory, world: World) -> None:
    held = _person(uows, world, Registry.HELD, "H-7")
    registry.change_status(uows, world.actors["a_operator"], held, Status.RELEASED)
    with pytest.raises(Conflict) as refused:
        deaths.record_death(uows, world.actors["a_operator"], held, DEATH)
    assert refused.value.code == "status.invalid_transition"
    assert deaths.get_death(uows, world.actors["a_operator"], held) is None


@pytest.mark.only_on("postgresql")
def test_row_level_security_keeps_deaths_and_remains_to_their_party(
    uows: UnitOfWorkFactory, world: World, connection: Connection
) -> None:
    own = _person(uows, world, Registry.HELD, "H-8")
    shared = _person(uows, world, Registry.HELD, "H-9")
    for person in (own, shared):
        deaths.record_death(uows, world.actors["a_operator"], person, DEATH)
    registry.share_person(uows, world.actors["a_admin"], shared, "pb")
    remains.record_remains(uows, world.actors["a_operator"], {"reference": "bag-rls"})
    for party, deaths_seen, remains_seen in (("pa", {own, shared}, 1), ("pb", {shared}, 0)):
        savepoint = connection.begin_nested()
        try:
            connection.execute(text("SET LOCAL ROLE homebound_app"))
            connection.execute(
                text("SELECT set_config('homebound.party_id', :p, true)"), {"p": world.party_ids[party]}
            )
            seen = set(connection.execute(text("SELECT person_id FROM death_record")).scalars())
            bags = connection.execute(text("SELECT count(*) FROM remains_record")).scalar_one()
        finally:
            savepoint.rollback()
        assert seen == deaths_seen and bags == remains_seen, party
