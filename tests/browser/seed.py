"""Synthetic registries for the UI tests: invented names in Ukrainian, Russian and Latin, some very long."""

from __future__ import annotations

import datetime as dt

from homebound.core.persons import Registry
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import lists
from tests.world import World

HEADER = "record_id,family_name,given_name,patronymic,sex,date_of_birth,category,capture_date,capture_place"
# A name long enough to break a careless layout, in both scripts.
LONG_CYRILLIC = "Найдовшепрізвищенасвітідляперевіркипереносурядківутаблиці-Коваленко-Шевчук"
LONG_LATIN = "Oleksandrovych-Kovalenko-Shevchenko-Bondarenko-Tkachenko-Kravchenko-Melnyk"


def held_csv(today: dt.date) -> bytes:
    """Party A's held list: two captures past the one-week capture-card deadline, one recent."""
    old = (today - dt.timedelta(days=20)).isoformat()
    older = (today - dt.timedelta(days=45)).isoformat()
    recent = (today - dt.timedelta(days=2)).isoformat()
    rows = [
        f"A-H-001,Смирнов,Алексей,Игоревич,male,1991-04-12,pow,{old},Кліщіївка",
        f"A-H-002,{LONG_CYRILLIC},Николай,Петрович,male,1987,pow,{older},Работино",
        f"A-H-003,{LONG_LATIN},Dmitry,,male,1999-02,pow,{recent},",
        "A-H-004,Кузнецова,Анна,Сергеевна,female,1979-11-30,civilian_internee,,",
    ]
    return "\n".join([HEADER, *rows]).encode()


def sought_csv() -> bytes:
    rows = [
        "A-S-001,Коваленко,Олександр,Миколайович,male,1993-07-01,pow,,",
        "A-S-002,Мельник,Надія,Юріївна,female,1990,civilian_internee,,",
        "A-S-003,Бондаренко,Тарас,,male,1985-03,pow,,",
    ]
    return "\n".join([HEADER, *rows]).encode()


def seed_registries(uows: UnitOfWorkFactory, world: World, today: dt.date) -> None:
    actor = world.actors["a_operator"]
    lists.import_list(uows, actor, Registry.HELD, held_csv(today), "held.csv")
    lists.import_list(uows, actor, Registry.SOUGHT, sought_csv(), "sought.csv")
    other = world.actors["b_operator"]
    other_list = "record_id,family_name,given_name\nB-H-001,Шевчук,Тарас\n".encode()
    lists.import_list(uows, other, Registry.HELD, other_list, "b-held.csv")
