"""Proposed pairs for the review queue's tests: party B holds people party A seeks, spelt in other scripts,
and seeks one person A holds under a very long name."""

from __future__ import annotations

from sqlalchemy import select

from homebound.core.persons import Registry
from homebound.db.tables import PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.linkage.assign import Bands
from homebound.services import lists, matching
from tests.browser.seed import LONG_CYRILLIC
from tests.world import World

HEADER = "record_id,family_name,given_name,patronymic,sex,date_of_birth,category,capture_date,capture_place"
# Synthetic people answering party A's sought list (tests/browser/seed.py): a Russian spelling, a Latin one.
HELD_BY_B = (
    "B-H-101,Коваленко,Александр,Николаевич,male,1993-07-01,pow,,",
    "B-H-102,Melnyk,Nadiia,Yuriivna,female,1990-05-14,civilian_internee,,",
    "B-H-103,Бондаренко,Тарас,Петрович,male,1985-03-12,pow,,",
)
# B seeks the person A holds as A-H-002 (seed.py), in Ukrainian.
SOUGHT_BY_B = (f"B-S-101,{LONG_CYRILLIC},Микола,Петрович,male,1987,pow,,",)


def _held_ids(uows: UnitOfWorkFactory, party_id: str, source_ids: list[str]) -> list[str]:
    with uows.reader() as uow:
        query = select(PersonRow.id).where(
            PersonRow.party_id == party_id,
            PersonRow.registry_kind == Registry.HELD.value,
            PersonRow.source_id.in_(source_ids),
        )
        return list(uow.session.execute(query).scalars())


def seed_pairs(uows: UnitOfWorkFactory, world: World) -> None:
    """B's lists, then the mediator matches each of these held records against the sought registries:
    the queue holds these pairs (and whatever else the registries already answer)."""
    held = "\n".join([HEADER, *HELD_BY_B]).encode()
    sought = "\n".join([HEADER, *SOUGHT_BY_B]).encode()
    lists.import_list(uows, world.actors["b_operator"], Registry.HELD, held, "b-held-matching.csv")
    lists.import_list(uows, world.actors["b_operator"], Registry.SOUGHT, sought, "b-sought-matching.csv")
    mediator = world.actors["mediator"]
    records = _held_ids(uows, world.party_ids["pb"], ["B-H-101", "B-H-102"])
    records += _held_ids(uows, world.party_ids["pa"], ["A-H-002"])
    for person_id in records:
        matching.match_held_record(uows, mediator, person_id)
    # Бондаренко's pair (p ~ 0.998) under a stricter match band: it lands in the review band.
    (strict,) = _held_ids(uows, world.party_ids["pb"], ["B-H-103"])
    matching.match_held_record(uows, mediator, strict, bands=Bands(match=0.9999))
