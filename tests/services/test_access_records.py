"""Who saw what (issue 15 item 9): successful reads, searches and exports of personal data are recorded
(who, when, which records, which fields) for the owning party and the mediator to review, filtered by party,
user, time and action; not in the transparency log; nothing recorded for a refused read."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from homebound.core.errors import NotFound, PermissionDenied
from homebound.core.persons import Registry
from homebound.db.persons import PersonFilter
from homebound.db.tables import LogEntryRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.lists.writers import write_csv
from homebound.services import lists, matching, registry
from homebound.services.access_audit import AccessFilter, DataAction, list_access
from tests.browser.seed import seed_registries as seed_ui_registries
from tests.review_support import seed_pairs
from tests.world import World


def _rows(prefix: str, n: int) -> list[dict[str, str]]:
    return [
        {
            "record_id": f"{prefix}{i:03d}",
            "family_name": f"Приклад{i}",
            "given_name": "Петро",
            "rank": "сержант",
        }
        for i in range(n)
    ]


def _seed(uows: UnitOfWorkFactory, world: World) -> tuple[list[str], list[str]]:
    for who, prefix in (("a_operator", "A"), ("b_operator", "B")):
        lists.import_list(uows, world.actors[who], Registry.HELD, write_csv(_rows(prefix, 4)), "held.csv")
    pages = {
        who: registry.list_persons(uows, world.actors[who], PersonFilter(registry=Registry.HELD)).items
        for who in ("a_operator", "b_operator")
    }
    return [v.id for v in pages["a_operator"]], [v.id for v in pages["b_operator"]]


def _log_size(uows: UnitOfWorkFactory) -> int:
    with uows.reader() as uow:
        return int(uow.session.execute(select(func.count()).select_from(LogEntryRow)).scalar_one())


def test_reads_are_recorded_for_the_owning_party_and_the_mediator(
    uows: UnitOfWorkFactory, world: World
) -> None:
    a_ids, _ = _seed(uows, world)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    logged = _log_size(uows)
    mediator, a_admin, b_admin = (world.actors[k] for k in ("mediator", "a_admin", "b_admin"))

    registry.get_person(uows, mediator, a_ids[0])
    registry.list_persons(uows, mediator, PersonFilter(family_name_prefix="Приклад"))
    with pytest.raises(NotFound):
        registry.get_person(uows, world.actors["b_operator"], a_ids[1])  # refused: not a read of data
    assert _log_size(uows) == logged  # reads stay out of the transparency log

    seen_by_a = list_access(uows, a_admin, AccessFilter()).items
    assert {v.owner_party for v in seen_by_a} == {"pa"}
    one = next(v for v in seen_by_a if v.action == "read")
    assert (one.user, one.record_ids, one.record_count) == ("mediator", [a_ids[0]], 1)
    assert {"family_name", "given_name", "rank", "status"} <= set(one.fields)
    assert "patronymic" not in one.fields  # only fields that held something were handed over
    search = next(v for v in seen_by_a if v.action == "search")
    assert sorted(search.record_ids) == sorted(a_ids) and "Приклад" not in search.purpose  # no search term

    seen_by_b = list_access(uows, b_admin, AccessFilter()).items
    assert all(v.owner_party == "pb" for v in seen_by_b)
    assert any(v.action == "search" and v.user == "mediator" for v in seen_by_b)
    assert not any(a_ids[0] in v.record_ids for v in seen_by_b)
    assert list_access(uows, b_admin, AccessFilter(party="pa")).items == []  # not another party's

    everything = list_access(uows, mediator, AccessFilter(since=start)).items
    assert {v.owner_party for v in everything} == {"pa", "pb"}
    by_user = list_access(uows, mediator, AccessFilter(user="mediator", party="pa", action=DataAction.READ))
    assert [v.record_ids for v in by_user.items] == [[a_ids[0]]]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    assert list_access(uows, mediator, AccessFilter(since=later)).total == 0


def test_exports_are_recorded_with_their_selection(uows: UnitOfWorkFactory, world: World) -> None:
    _seed(uows, world)
    data = lists.export_list(uows, world.actors["a_operator"], Registry.HELD, "csv")
    assert data
    (export,) = list_access(uows, world.actors["a_admin"], AccessFilter(action=DataAction.EXPORT)).items
    assert (export.user, export.record_count, export.owner_party) == ("a_operator", 4, "pa")
    assert "family_name" in export.fields and "held" in export.purpose


def test_only_admins_and_the_mediator_review(uows: UnitOfWorkFactory, world: World) -> None:
    for who in ("a_operator", "a_observer", "med_observer"):
        with pytest.raises(PermissionDenied):
            list_access(uows, world.actors[who], AccessFilter())


def test_the_mediator_reading_a_pair_is_recorded_for_both_parties(
    uows: UnitOfWorkFactory, world: World
) -> None:
    seed_ui_registries(uows, world, dt.date.today())  # A's registries, which B's lists answer
    seed_pairs(uows, world)
    mediator = world.actors["mediator"]
    page = matching.list_candidates(uows, mediator, limit=5)
    assert page.items
    pair = matching.get_candidate(uows, mediator, page.items[0].id)
    assert {pair.sought.party, pair.held.party} == {"pa", "pb"}
    for person in (pair.sought, pair.held):
        admin = "a_admin" if person.party == "pa" else "b_admin"
        reads = list_access(uows, world.actors[admin], AccessFilter(user="mediator", action=DataAction.READ))
        (read,) = reads.items
        assert read.record_ids == [person.id] and "family_name" in read.fields
