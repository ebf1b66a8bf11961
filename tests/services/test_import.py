"""List import through the service: all or nothing, upsert by record_id, dry runs, status rules, export
round trip.
"""

from __future__ import annotations

import pytest
from bench.listgen import large_csv

from homebound.core.errors import PermissionDenied, ValidationFailed
from homebound.core.persons import Registry
from homebound.db.persons import PersonFilter
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import lists, registry
from homebound.services.log import verify_log
from tests.world import World

HEADER = "record_id;Прізвище;Ім'я;По батькові;Стать;Дата народження\n"
GOOD = HEADER + "A-1;Коваленко;Олександр;Миколайович;ч;12.03.1994\nA-2;БОНДАРЕНКО;ІГОР;;ч;1990\n"


def _count(uows: UnitOfWorkFactory, world: World, who: str = "a_operator") -> int:
    return registry.list_persons(uows, world.actors[who], PersonFilter(registry=Registry.HELD)).total


def test_import_then_reimport_updates_instead_of_duplicating(uows: UnitOfWorkFactory, world: World) -> None:
    actor = world.actors["a_operator"]
    first = lists.import_list(uows, actor, Registry.HELD, GOOD.encode("utf-8"), "list.csv")
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    changed = GOOD.replace("12.03.1994", "13.03.1994")
    second = lists.import_list(uows, actor, Registry.HELD, changed.encode("cp1251"), "list.csv")
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    assert _count(uows, world) == 2
    assert verify_log(uows).ok


def test_bad_rows_write_nothing_and_name_row_and_column(uows: UnitOfWorkFactory, world: World) -> None:
    # A date that is no date alone is kept as written (tests/services/test_dates_as_written.py); beside
    # another problem of its row it is reported with it.
    bad = GOOD + "A-3;Шевченко;Петро;;не знаю;31.02.1990\nA-4;;Петро;;ч;1990\n"
    with pytest.raises(ValidationFailed) as caught:
        lists.import_list(uows, world.actors["a_operator"], Registry.HELD, bad.encode(), "list.csv")
    located = {(p.row, p.field, p.column) for p in caught.value.problems}
    # The column is named as the file wrote it; the field is ours.
    assert (4, "date_of_birth", "Дата народження") in located
    assert (5, "family_name", "Прізвище") in located
    assert (4, "sex", "Стать") in located
    assert all("Шевченко" not in p.message for p in caught.value.problems)
    assert _count(uows, world) == 0


def test_dry_run_counts_and_writes_nothing(uows: UnitOfWorkFactory, world: World) -> None:
    report = lists.import_list(
        uows, world.actors["a_operator"], Registry.HELD, GOOD.encode(), "l.csv", dry_run=True
    )
    assert report.created == 2 and report.dry_run
    assert _count(uows, world) == 0


def test_reimport_with_illegal_status_change_is_rejected(uows: UnitOfWorkFactory, world: World) -> None:
    actor = world.actors["a_operator"]
    text = "record_id,family_name,status\nA-1,Коваленко,held\n"
    lists.import_list(uows, actor, Registry.HELD, text.encode(), "l.csv")
    lists.import_list(uows, actor, Registry.HELD, text.replace("held\n", "deceased\n").encode(), "l.csv")
    with pytest.raises(ValidationFailed) as caught:
        lists.import_list(uows, actor, Registry.HELD, text.encode(), "l.csv")
    assert caught.value.problems[0].column == "status" and caught.value.problems[0].row == 2


def test_registries_of_two_parties_do_not_mix(uows: UnitOfWorkFactory, world: World) -> None:
    lists.import_list(uows, world.actors["a_operator"], Registry.HELD, GOOD.encode(), "l.csv")
    lists.import_list(uows, world.actors["b_operator"], Registry.HELD, GOOD.encode(), "l.csv")
    assert _count(uows, world, "a_operator") == 2
    assert _count(uows, world, "b_operator") == 2


def test_roles_that_may_not_import(uows: UnitOfWorkFactory, world: World) -> None:
    for who in ("mediator", "a_observer"):
        with pytest.raises(PermissionDenied):
            lists.import_list(uows, world.actors[who], Registry.HELD, GOOD.encode(), "l.csv")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_round_trip(uows: UnitOfWorkFactory, world: World, fmt: str) -> None:
    actor = world.actors["a_operator"]
    lists.import_list(uows, actor, Registry.HELD, GOOD.encode(), "l.csv")
    data = lists.export_list(uows, actor, Registry.HELD, fmt)
    again = lists.import_list(uows, actor, Registry.HELD, data, f"export.{fmt}")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


# Past two of the service's write batches (2,000 rows) and nine of its look-up chunks (500 ids): every batch
# boundary is crossed. 100,000 rows is a benchmark: bench/import_list.py, figures in docs/benchmarks.md.
LARGE_ROWS = 4_500


@pytest.fixture(scope="module")
def large_list() -> bytes:
    return large_csv(LARGE_ROWS)


def test_large_list_imports_in_one_go(uows: UnitOfWorkFactory, world: World, large_list: bytes) -> None:
    actor = world.actors["b_operator"]
    report = lists.import_list(uows, actor, Registry.SOUGHT, large_list, "big.csv")
    assert (report.created, report.updated, report.unchanged) == (LARGE_ROWS, 0, 0)
    page = registry.list_persons(uows, actor, PersonFilter(registry=Registry.SOUGHT), limit=1)
    assert page.total == LARGE_ROWS
    again = lists.import_list(uows, actor, Registry.SOUGHT, large_list, "big.csv", dry_run=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, LARGE_ROWS)
    assert verify_log(uows).ok
