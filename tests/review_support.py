"""Proposed pairs for the review queue's tests: party B holds people party A seeks, spelt in other scripts."""

from __future__ import annotations

from homebound.core.persons import Registry
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import lists, matching
from tests.world import World

HEADER = "record_id,family_name,given_name,patronymic,sex,date_of_birth,category,capture_date,capture_place"
# Synthetic people answering party A's sought list (tests/browser/seed.py): a Russian spelling, a Latin one.
HELD_BY_B = (
    "B-H-101,Коваленко,Александр,Николаевич,male,1993-07-01,pow,,",
    "B-H-102,Melnyk,Nadiia,Yuriivna,female,1990-05-14,civilian_internee,,",
    "B-H-103,Бондаренко,Тарас,Петрович,male,1985-03-12,pow,,",
)


def seed_pairs(uows: UnitOfWorkFactory, world: World) -> matching.MatchRun:
    """B's held list, then the mediator matches A's sought list against it: the queue fills."""
    data = "\n".join([HEADER, *HELD_BY_B]).encode()
    lists.import_list(uows, world.actors["b_operator"], Registry.HELD, data, "b-held-matching.csv")
    return matching.run_matching(uows, world.actors["mediator"], "pa", "pb")
