"""Lists as bureaus write them: the coded fields accept the Ukrainian and Russian words parties use."""

from __future__ import annotations

import datetime as dt

import pytest

from homebound.core import bureau_words
from homebound.core.person_input import parse_person_row
from homebound.core.persons import Health, LegalHold, Registry, Status, WillToReturn
from homebound.lists.readers import read_list
from homebound.lists.validate import validate_rows

TODAY = dt.date(2026, 12, 5)


@pytest.mark.parametrize(
    ("registry", "cells", "expected"),
    [
        (Registry.SOUGHT, {"status": "ймовірно в полоні"}, Status.BELIEVED_CAPTIVE),
        (Registry.SOUGHT, {"status": "Вероятно  в плену."}, Status.BELIEVED_CAPTIVE),
        (Registry.SOUGHT, {"status": "Зниклий безвісти"}, Status.MISSING),
        (Registry.SOUGHT, {"status": "пропал без вести"}, Status.MISSING),
        (Registry.HELD, {"status": "у лікарні"}, Status.HOSPITALISED),
        (Registry.HELD, {"status": "listed_for_exchange"}, Status.LISTED_FOR_EXCHANGE),
        (Registry.HELD, {"status": "listed for exchange"}, Status.LISTED_FOR_EXCHANGE),
    ],
)
def test_statuses_in_the_bureaus_words(registry: Registry, cells: dict[str, str], expected: Status) -> None:
    person, problems = parse_person_row(
        {"record_id": "R1", "family_name": "Бойко", **cells}, registry, today=TODAY
    )
    assert problems == []
    assert person is not None and person.status is expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("тяжелобольной", Health.SERIOUSLY_WOUNDED_SICK),
        ("Тяжело-раненый", Health.SERIOUSLY_WOUNDED_SICK),
        ("важко поранений", Health.SERIOUSLY_WOUNDED_SICK),
        ("поранена", Health.WOUNDED),
        ("болен", Health.SICK),
        ("seriously_wounded_sick", Health.SERIOUSLY_WOUNDED_SICK),
    ],
)
def test_health_in_the_bureaus_words(word: str, expected: Health) -> None:
    person, problems = parse_person_row(
        {"record_id": "R1", "family_name": "Бойко", "health": word}, Registry.HELD, today=TODAY
    )
    assert problems == [] and person is not None
    assert person.fields.health is expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("да", WillToReturn.CONFIRMED),
        ("так", WillToReturn.CONFIRMED),
        ("ні", WillToReturn.REFUSED),
        ("отказался", WillToReturn.REFUSED),
        ("невідомо", WillToReturn.UNKNOWN),
    ],
)
def test_will_to_return_in_the_bureaus_words(word: str, expected: WillToReturn) -> None:
    cells = {"record_id": "R1", "family_name": "Бойко", "will_to_return": word, "will_verified_by": "МКЧХ"}
    person, problems = parse_person_row(cells, Registry.HELD, today=TODAY)
    assert problems == [] and person is not None
    assert person.fields.will_to_return.value is expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("под следствием", LegalHold.PROCEEDINGS),
        ("засуджений", LegalHold.SENTENCE),
        ("немає", LegalHold.NONE),
    ],
)
def test_legal_hold_in_the_bureaus_words(word: str, expected: LegalHold) -> None:
    cells = {"record_id": "R1", "family_name": "Бойко", "legal_hold": word}
    person, problems = parse_person_row(cells, Registry.HELD, today=TODAY)
    assert problems == [] and person is not None
    assert person.fields.legal_hold is expected


def test_an_unknown_word_is_refused_naming_the_row_and_column_not_the_value() -> None:
    data = "Номер запису,Прізвище,Стан здоров'я\nR1,Бойко,ранен\nR2,Коваль,напівживий\n".encode()
    _, problems = validate_rows(read_list(data, "list.csv", registry=Registry.HELD), Registry.HELD)
    assert [(p.row, p.field, p.code) for p in problems] == [(3, "health", "invalid_value")]
    assert "напівживий" not in problems[0].message


def test_no_phrase_means_two_values_in_one_field() -> None:
    for table in (
        bureau_words.STATUS,
        bureau_words.HEALTH,
        bureau_words.WILL_TO_RETURN,
        bureau_words.LEGAL_HOLD,
    ):
        for phrase in table:
            assert bureau_words.fold(phrase) == phrase  # every key is stored folded, so look-ups find it
    with pytest.raises(ValueError, match="two values"):
        bureau_words._table([(Health.SICK, ["болен"]), (Health.WOUNDED, ["Болен."])])
