"""Registry use cases on SQLite and PostgreSQL: create, read, edit, status table, sharing, party isolation."""

from __future__ import annotations

import datetime as dt

import pytest

from homebound.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from homebound.core.persons import Registry, Status
from homebound.db.persons import PersonFilter
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import registry
from homebound.services.log import verify_log
from tests.world import World

KOVALENKO = {
    "record_id": "S-1",
    "family_name": "Коваленко",
    "given_name": "Олександр",
    "patronymic": "Миколайович",
    "sex": "ч",
    "date_of_birth": "12.03.1994",
}


def test_create_keeps_script_and_partial_date(uows: UnitOfWorkFactory, world: World) -> None:
    view = registry.create_person(uows, world.actors["a_operator"], Registry.SOUGHT, KOVALENKO)
    again = registry.get_person(uows, world.actors["a_operator"], view.id)
    assert again.fields.family_name == "Коваленко"
    assert again.fields.date_of_birth is not None and again.fields.date_of_birth.iso() == "1994-03-12"
    assert again.status is Status.MISSING
    assert again.version == 1


def test_partial_date_year_month(uows: UnitOfWorkFactory, world: World) -> None:
    view = registry.create_person(
        uows, world.actors["a_operator"], Registry.SOUGHT, {**KOVALENKO, "date_of_birth": "03.1994"}
    )
    assert view.fields.date_of_birth is not None and view.fields.date_of_birth.precision == "month"


def test_other_party_gets_not_found(uows: UnitOfWorkFactory, world: World) -> None:
    view = registry.create_person(uows, world.actors["a_operator"], Registry.SOUGHT, KOVALENKO)
    with pytest.raises(NotFound):
        registry.get_person(uows, world.actors["b_operator"], view.id)
    with pytest.raises(NotFound):
        registry.change_status(uows, world.actors["b_admin"], view.id, Status.BELIEVED_CAPTIVE)
    page = registry.list_persons(uows, world.actors["b_operator"], PersonFilter())
    assert view.id not in {p.id for p in page.items}


def test_mediator_reads_every_party_but_cannot_write(uows: UnitOfWorkFactory, world: World) -> None:
    view = registry.create_person(uows, world.actors["a_operator"], Registry.SOUGHT, KOVALENKO)
    assert registry.get_person(uows, world.actors["mediator"], view.id).id == view.id
    with pytest.raises(NotFound):
        registry.change_status(uows, world.actors["mediator"], view.id, Status.BELIEVED_CAPTIVE)
    with pytest.raises(PermissionDenied):
        registry.create_person(uows, world.actors["mediator"], Registry.HELD, KOVALENKO)


def test_shared_record_is_readable_not_writable(uows: UnitOfWorkFactory, world: World) -> None:
    view = registry.create_person(uows, world.actors["a_operator"], Registry.SOUGHT, KOVALENKO)
    registry.share_person(uows, world.actors["mediator"], view.id, "pb")
    assert registry.get_person(uows, world.actors["b_operator"], view.id).shared_with == {
        world.party_ids["pb"]
    }
    with pytest.raises(NotFound):
        registry.update_person(uows, world.actors["b_admin"], view.id, {"rank": "солдат"})


def test_operator_cannot_share(uows: UnitOfWorkFactory, world: World) -> None:
    view = registry.create_person(uows, world.actors["a_operator"], Registry.SOUGHT, KOVALENKO)
    with pytest.raises(PermissionDenied):
        registry.share_person(uows, world.actors["a_operator"], view.id, "pb")


@pytest.mark.parametrize(
    ("registry_kind", "start", "path", "illegal"),
    [
        (Registry.HELD, {}, [Status.LISTED_FOR_EXCHANGE, Status.EXCHANGED], Status.HELD),
        (Registry.HELD, {}, [Status.ESCAPED, Status.HELD, Status.DECEASED], Status.HELD),
        (Registry.SOUGHT, {}, [Status.CONFIRMED_HELD, Status.RETURNED], Status.MISSING),
        (Registry.SOUGHT, {}, [Status.DECEASED, Status.MISSING], Status.EXCHANGED),
    ],
)
def test_status_table(
    uows: UnitOfWorkFactory,
    world: World,
    registry_kind: Registry,
    start: dict[str, str],
    path: list[Status],
    illegal: Status,
) -> None:
    actor = world.actors["a_operator"]
    view = registry.create_person(uows, actor, registry_kind, {**KOVALENKO, **start})
    for target in path:
        view = registry.change_status(uows, actor, view.id, target, "test")
        assert view.status is target
    with pytest.raises(InvalidTransition):
        registry.change_status(uows, actor, view.id, illegal)
    assert registry.get_person(uows, actor, view.id).status is path[-1]


def test_update_with_stale_version_fails_its_precondition(uows: UnitOfWorkFactory, world: World) -> None:
    actor = world.actors["a_operator"]
    view = registry.create_person(uows, actor, Registry.SOUGHT, KOVALENKO)
    updated = registry.update_person(uows, actor, view.id, {"rank": "солдат"}, expected_version=1)
    assert updated.version == 2 and updated.fields.rank == "солдат"
    with pytest.raises(PreconditionFailed):  # the API's 412 (If-Match), not a plain 409
        registry.update_person(uows, actor, view.id, {"rank": "сержант"}, expected_version=1)
    assert registry.get_person(uows, actor, view.id).fields.rank == "солдат"


def test_update_rejects_bad_date_and_writes_nothing(uows: UnitOfWorkFactory, world: World) -> None:
    actor = world.actors["a_operator"]
    view = registry.create_person(uows, actor, Registry.SOUGHT, KOVALENKO)
    with pytest.raises(ValidationFailed) as caught:
        registry.update_person(uows, actor, view.id, {"date_of_birth": "31.02.1994"})
    assert caught.value.problems[0].field == "date_of_birth"
    assert registry.get_person(uows, actor, view.id).version == 1


def test_duplicate_record_id_conflicts(uows: UnitOfWorkFactory, world: World) -> None:
    actor = world.actors["a_operator"]
    registry.create_person(uows, actor, Registry.SOUGHT, KOVALENKO)
    with pytest.raises(Conflict):
        registry.create_person(uows, actor, Registry.SOUGHT, KOVALENKO)


def test_overdue_capture_cards(uows: UnitOfWorkFactory, world: World) -> None:
    actor = world.actors["b_operator"]
    old = (dt.date.today() - dt.timedelta(days=8)).isoformat()
    fresh = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    late = registry.create_person(
        uows, actor, Registry.HELD, {**KOVALENKO, "record_id": "H-1", "capture_date": old}
    )
    registry.create_person(
        uows, actor, Registry.HELD, {**KOVALENKO, "record_id": "H-2", "capture_date": fresh}
    )
    registry.create_person(
        uows,
        actor,
        Registry.HELD,
        {**KOVALENKO, "record_id": "H-3", "capture_date": old, "capture_card_sent_on": old},
    )
    assert late.capture_card_overdue
    page = registry.list_persons(uows, actor, PersonFilter(overdue_on=dt.date.today()))
    assert [p.source_id for p in page.items] == ["H-1"]


def test_every_change_is_logged_and_the_chain_verifies(uows: UnitOfWorkFactory, world: World) -> None:
    actor = world.actors["a_operator"]
    view = registry.create_person(uows, actor, Registry.SOUGHT, KOVALENKO)
    registry.change_status(uows, actor, view.id, Status.BELIEVED_CAPTIVE)
    report = verify_log(uows)
    assert report.ok, report.first_failure
    assert report.payloads_checked == report.entries_checked


def test_overdue_list_agrees_with_the_record_on_arrival_and_transfer(
    uows: UnitOfWorkFactory, world: World
) -> None:
    """The SQL filter (and so the alert's count) and core.capture_card_overdue give the same answer."""
    actor = world.actors["b_operator"]

    def ago(days: int) -> str:
        return (dt.date.today() - dt.timedelta(days=days)).isoformat()

    cases = {
        "arrived-late": {"capture_date": ago(30), "arrived_at_camp_on": ago(9)},
        "arrived-recently": {"capture_date": ago(30), "arrived_at_camp_on": ago(3)},
        "moved-recently": {
            "capture_date": ago(30),
            "arrived_at_camp_on": ago(20),
            "last_transfer_on": ago(2),
        },
        "moved-late-card-before": {
            "capture_date": ago(30),
            "arrived_at_camp_on": ago(20),
            "capture_card_sent_on": ago(15),
            "last_transfer_on": ago(10),
        },
        "moved-card-after": {
            "capture_date": ago(30),
            "last_transfer_on": ago(10),
            "capture_card_sent_on": ago(10),
        },
        "capture-only": {"capture_date": ago(12)},
    }
    views = {
        key: registry.create_person(uows, actor, Registry.HELD, {**KOVALENKO, "record_id": key, **dates})
        for key, dates in cases.items()
    }
    expected = {key for key, view in views.items() if view.capture_card_overdue}
    assert expected == {"arrived-late", "moved-late-card-before", "capture-only"}
    flt = PersonFilter(registry=Registry.HELD, overdue_on=dt.date.today())
    page = registry.list_persons(uows, actor, flt)
    assert {p.source_id for p in page.items} == expected
    assert registry.count_persons(uows, actor, flt) == len(expected)
    assert registry.count_persons(uows, world.actors["a_operator"], flt) == 0


def test_find_by_record_id_sees_only_the_own_party(uows: UnitOfWorkFactory, world: World) -> None:
    view = registry.create_person(uows, world.actors["a_operator"], Registry.SOUGHT, KOVALENKO)
    found = registry.find_by_record_id(uows, world.actors["a_operator"], Registry.SOUGHT, "S-1")
    assert found is not None and found.id == view.id
    assert registry.find_by_record_id(uows, world.actors["a_operator"], Registry.HELD, "S-1") is None
    assert registry.find_by_record_id(uows, world.actors["b_operator"], Registry.SOUGHT, "S-1") is None
