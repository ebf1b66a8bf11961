"""A small reconciliation world: party A's sought registry, and a list party B hands over, in Russian."""

from __future__ import annotations

from homebound.core.persons import Registry
from homebound.db.persons import PersonFilter
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import lists, registry
from tests.world import World

# Party A's own sought registry (Ukrainian headers and spellings).
OURS = """record_id;Прізвище;Ім'я;По батькові;Стать;Дата народження;Військова частина;Категорія;Статус
S-1;Коваленко;Олександр;Миколайович;ч;12.03.1994;в/ч А1234;військовополонений;missing
S-2;Бондаренко;Ігор;Петрович;ч;01.05.1990;в/ч А0501;військовополонений;returned
S-3;Мельник;Тарас;Іванович;ч;20.07.1985;;військовополонений;believed_captive
S-4;Шевчук;Ганна;Петрівна;ж;05.01.1988;;цивільна;missing
S-5;Ткаченко;Віктор;Андрійович;ч;03.07.1997;;військовополонений;missing
"""

# The list B hands over ("persons of yours we hold"), Russian headers and forms; a title line above it.
HEADER = "Идентификатор записи;Фамилия;Имя;Отчество;Пол;Дата рождения;Воинская часть;Категория"
LIST = f"""Список военнопленных
{HEADER}
RU-1;КОВАЛЕНКО;АЛЕКСАНДР;НИКОЛАЕВИЧ;м;12.03.1994;1234;военнопленный
RU-2;Бондаренко;Игорь;Петрович;м;01.05.1990;А0501;военнопленный
RU-3;Мельник;Тарас;Иванович;м;03.11.1979;;военнопленный
RU-4;Шевчук;Анна;Петровна;ж;05.01.1988;;гражданская
RU-5;Kovalenko;Oleksandr;Mykolaiovych;m;12.03.1994;;военнопленный
RU-6;Петренко;Василий;Сергеевич;м;1979;;военнопленный
"""
# Row number in the file (the title is row 1, the header row 2) -> expected bucket and our record.
EXPECTED = {
    3: ("confirmed_ours", "S-1"),
    4: ("already_returned", "S-2"),
    5: ("probable_data_error", "S-3"),
    6: ("civilian", "S-4"),
    7: ("duplicate_in_list", "S-1"),
    8: ("not_found", None),
}
BAD_LIST = f"""{HEADER}
RU-1;КОВАЛЕНКО;АЛЕКСАНДР;НИКОЛАЕВИЧ;м;31.02.1994;1234;военнопленный
RU-2;;Игорь;Петрович;м;01.05.1990;А0501;военнопленный
"""


def write_ours(uows: UnitOfWorkFactory, world: World, who: str = "a_operator") -> dict[str, str]:
    """Import A's sought registry; return source record_id -> database person id."""
    actor = world.actors[who]
    lists.import_list(uows, actor, Registry.SOUGHT, OURS.encode(), "ours.csv")
    found = registry.list_persons(uows, actor, PersonFilter(registry=Registry.SOUGHT))
    return {p.source_id: p.id for p in found.items}
