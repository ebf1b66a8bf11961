"""The words bureaus write in their own lists, in Ukrainian, Russian and English, for each coded field.

A list from a National Information Bureau says «ймовірно в полоні», «да» or «тяжелобольной», not
`believed_captive`, `confirmed` or `seriously_wounded_sick`. Each table maps a folded phrase (see `fold`) to
our value; the values' own keys are accepted besides (person_input.py). A phrase that could mean two things
is not in any table: it is refused, naming the row and column, rather than guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import TypeVar

from homebound.core.persons import Category, Health, LegalHold, Sex, Status, WillToReturn

V = TypeVar("V")

_APOSTROPHES = re.compile("[\u2019\u02bc\u2018`\u00b4]")
_SEPARATORS = re.compile(r"[\s_\-\u2013\u2014]+")


def fold(text: str) -> str:
    """Lower case, NFKC, «ё» as «е», one apostrophe, runs of spaces, dashes and underscores as one space,
    no trailing full stop: «Тяжело-раненый.» and «тяжело раненый» fold alike."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    text = _APOSTROPHES.sub("'", text)
    return _SEPARATORS.sub(" ", text).strip().rstrip(".").strip()


def _table(entries: Iterable[tuple[V, Iterable[str]]]) -> Mapping[str, V]:
    table: dict[str, V] = {}
    for value, phrases in entries:
        for phrase in phrases:
            key = fold(phrase)
            if table.setdefault(key, value) != value:
                raise ValueError(f"{phrase!r} would mean two values")
        table.setdefault(fold(str(value)), value)
    return table


SEX: Mapping[str, Sex] = _table(
    [
        (Sex.MALE, ["m", "male", "man", "ч", "чол", "чоловік", "чоловіча", "м", "муж", "мужской", "мужчина"]),
        (Sex.FEMALE, ["f", "female", "woman", "ж", "жін", "жінка", "жіноча", "жен", "женский", "женщина"]),
        (Sex.UNKNOWN, ["u", "?", "невідомо", "неизвестно"]),
    ]
)

CATEGORY: Mapping[str, Category] = _table(
    [
        (Category.POW, ["prisoner of war", "військовополонений", "вп", "военнопленный"]),
        (
            Category.CIVILIAN_INTERNEE,
            [
                "civilian",
                "цивільний",
                "цивільна",
                "гражданский",
                "гражданская",
                "интернированный",
                "інтернований",
            ],
        ),
        (Category.REMAINS, ["body", "тіло", "останки", "тело"]),
    ]
)

HEALTH: Mapping[str, Health] = _table(
    [
        (
            Health.GOOD,
            ["healthy", "здоровий", "здорова", "здоров", "здоровый", "задовільний", "удовлетворительное"],
        ),
        (Health.SICK, ["хворий", "хвора", "хворіє", "болен", "больна", "больной", "болеет"]),
        (Health.WOUNDED, ["поранений", "поранена", "ранений", "ранен", "ранена", "раненый", "раненая"]),
        (
            Health.SERIOUSLY_WOUNDED_SICK,
            [
                "seriously wounded",
                "seriously sick",
                "тяжкопоранений",
                "тяжко поранений",
                "важкопоранений",
                "важко поранений",
                "тяжкохворий",
                "тяжко хворий",
                "важкохворий",
                "важко хворий",
                "тяжелораненый",
                "тяжелораненая",
                "тяжело раненый",
                "тяжело раненая",
                "тяжело ранен",
                "тяжело ранена",
                "тяжелобольной",
                "тяжелобольная",
                "тяжело болен",
                "тяжело больна",
            ],
        ),
        (Health.UNKNOWN, ["невідомо", "неизвестно", "?"]),
    ]
)

WILL_TO_RETURN: Mapping[str, WillToReturn] = _table(
    [
        (
            WillToReturn.CONFIRMED,
            [
                "yes",
                "так",
                "да",
                "бажає повернутися",
                "хоче повернутися",
                "желает вернуться",
                "хочет вернуться",
                "підтверджено",
                "подтверждено",
            ],
        ),
        (
            WillToReturn.REFUSED,
            [
                "no",
                "ні",
                "нет",
                "відмовився",
                "відмовилася",
                "не бажає повертатися",
                "отказался",
                "отказалась",
                "не желает возвращаться",
            ],
        ),
        (WillToReturn.UNKNOWN, ["невідомо", "неизвестно", "не встановлено", "не установлено", "?"]),
    ]
)

LEGAL_HOLD: Mapping[str, LegalHold] = _table(
    [
        (LegalHold.NONE, ["немає", "відсутнє", "отсутствует", "нет"]),
        (
            LegalHold.PROCEEDINGS,
            [
                "під слідством",
                "кримінальне провадження",
                "провадження",
                "під судом",
                "под следствием",
                "уголовное дело",
                "под судом",
                "судебное разбирательство",
            ],
        ),
        (
            LegalHold.SENTENCE,
            [
                "засуджений",
                "засуджена",
                "вирок",
                "відбуває покарання",
                "осужден",
                "осуждена",
                "приговор",
                "отбывает наказание",
            ],
        ),
    ]
)

STATUS: Mapping[str, Status] = _table(
    [
        (Status.HELD, ["в полоні", "у полоні", "утримується", "в плену", "содержится", "удерживается"]),
        (
            Status.HOSPITALISED,
            [
                "госпіталізований",
                "госпіталізована",
                "у лікарні",
                "в госпіталі",
                "госпитализирован",
                "госпитализирована",
                "в госпитале",
                "в больнице",
            ],
        ),
        (
            Status.LISTED_FOR_EXCHANGE,
            [
                "у списку на обмін",
                "включений до списку на обмін",
                "в списке на обмен",
                "включен в список на обмен",
            ],
        ),
        (Status.EXCHANGED, ["обміняний", "обміняна", "обменян", "обменяна"]),
        (Status.RELEASED, ["звільнений", "звільнена", "освобожден", "освобождена"]),
        (Status.ESCAPED, ["втік", "втекла", "бежал", "бежала", "сбежал", "сбежала"]),
        (
            Status.MISSING,
            [
                "зниклий безвісти",
                "зникла безвісти",
                "зник безвісти",
                "пропавший без вести",
                "пропал без вести",
                "пропала без вести",
            ],
        ),
        (
            Status.BELIEVED_CAPTIVE,
            [
                "ймовірно в полоні",
                "ймовірно у полоні",
                "можливо в полоні",
                "вероятно в плену",
                "предположительно в плену",
                "возможно в плену",
            ],
        ),
        (
            Status.CONFIRMED_HELD,
            [
                "підтверджено в полоні",
                "полон підтверджено",
                "перебування в полоні підтверджено",
                "подтверждено в плену",
                "плен подтвержден",
                "нахождение в плену подтверждено",
            ],
        ),
        (
            Status.RETURNED,
            [
                "повернувся",
                "повернулася",
                "повернений",
                "повернена",
                "вернулся",
                "вернулась",
                "возвращен",
                "возвращена",
            ],
        ),
        (Status.DECEASED, ["помер", "померла", "загинув", "загинула", "умер", "умерла", "погиб", "погибла"]),
    ]
)
