"""Nothing dropped for a clerical error: an imported row whose date of birth is no date (31 April, an
unreadable digit) is kept with the date as written, linked on the rest (compared digit by digit) and
flagged to the reviewer; valid rows and other problems behave as before."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from homebound.core.errors import ValidationFailed
from homebound.core.persons import Registry
from homebound.db.log_store import load_payloads
from homebound.db.tables import PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import lists, matching, review_queue
from homebound.services import log as log_service
from homebound.services.review_queue import DecisionFilter, QueueFilter
from tests.world import World

HEADER = "record_id,family_name,given_name,patronymic,sex,date_of_birth,category"
# Synthetic people. A seeks them; B's clerk wrote one date that is no date and one with an unreadable digit.
SOUGHT = (
    "A-S-501,Ярошенко,Богдан,Петрович,male,1987-04-13,pow",
    "A-S-502,Лозинська,Ірина,Олегівна,female,1992-10-02,pow",
)
HELD = (
    "B-H-501,Ярошенко,Богдан,Петрович,male,31.04.1987,pow",
    "B-H-502,Лозинская,Ирина,Олеговна,female,02.1?.1992,pow",
)


def _import(
    uows: UnitOfWorkFactory, world: World, who: str, registry: Registry, rows: tuple[str, ...]
) -> lists.ImportReport:
    data = "\n".join([HEADER, *rows]).encode()
    return lists.import_list(uows, world.actors[who], registry, data, "list.csv")


def _held(uows: UnitOfWorkFactory, source_id: str) -> PersonRow:
    with uows.reader() as uow:
        row = uow.session.execute(select(PersonRow).where(PersonRow.source_id == source_id)).scalar_one()
        _ = row.date_of_birth_written  # opened inside the transaction
        return row


def test_an_impossible_date_is_kept_as_written_linked_and_flagged(
    uows: UnitOfWorkFactory, world: World
) -> None:
    _import(uows, world, "a_operator", Registry.SOUGHT, SOUGHT)
    report = _import(uows, world, "b_operator", Registry.HELD, HELD)
    assert (report.created, report.dates_as_written) == (2, [2, 3])  # spreadsheet rows, header is row 1
    row = _held(uows, "B-H-501")
    assert (row.birth_year, row.date_of_birth_written) == (None, "31.04.1987")
    # Matched on arrival on everything else; the reviewer sees the date as written and the flag.
    queue = review_queue.read_queue(uows, world.actors["mediator"], QueueFilter(decision=DecisionFilter.ALL))
    pairs = {i.held_name.split()[0]: i for i in queue.items}
    assert {"Ярошенко", "Лозинская"} <= set(pairs)
    item = pairs["Ярошенко"]
    assert item.problems == (matching.DATE_AS_WRITTEN,)
    dates = {f.name: f for f in item.fields}["date_of_birth"]
    # 13 April against "31 April": compared digit by digit (not "missing"), a weak sign against here.
    assert (dates.sought, dates.held, dates.state) == ("1987-04-13", "31.04.1987", "different")
    view = matching.get_candidate(uows, world.actors["mediator"], item.id)
    assert view.held.date_of_birth == "31.04.1987" and view.held.problems == (matching.DATE_AS_WRITTEN,)
    assert view.sought.problems == ()
    evidence = {e["comparison"]: e for e in view.explanation["evidence"]}
    assert evidence["date_of_birth"]["level"] == "one digit off"  # its digits compared, not dropped
    assert item.band == "match"  # linked on the rest
    # The log's entry for the record commits to the date as written, and the log still verifies.
    with uows.reader() as uow:
        payloads = [p for _, p in load_payloads(uow.session).values() if p.get("person") == row.id]
    assert payloads[-1]["fields"]["date_of_birth_as_written"] == "31.04.1987"
    assert log_service.verify_log(uows).ok
    # The same file again changes nothing.
    again = _import(uows, world, "b_operator", Registry.HELD, HELD)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    # Corrected by its owner: the date is a date again and the written one is gone.
    fixed = _import(
        uows, world, "b_operator", Registry.HELD, ("B-H-501,Ярошенко,Богдан,Петрович,male,30.04.1987,pow",)
    )
    assert (fixed.updated, fixed.dates_as_written) == (1, [])
    row = _held(uows, "B-H-501")
    assert (row.birth_year, row.birth_month, row.birth_day, row.date_of_birth_written) == (1987, 4, 30, None)


def test_other_problems_still_refuse_the_list(uows: UnitOfWorkFactory, world: World) -> None:
    broken = ("B-H-601,,Богдан,,male,31.04.1987,pow",)  # no family name: not a clerk's date error
    with pytest.raises(ValidationFailed) as refused:
        _import(uows, world, "b_operator", Registry.HELD, broken)
    assert {p.field for p in refused.value.problems} >= {"family_name"}
