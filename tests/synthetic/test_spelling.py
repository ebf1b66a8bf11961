"""Writing names across scripts: letter renderings, romanisation standards, capitals, typos and dates."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from rapidfuzz.distance import OSA

from homebound.core.dates import PartialDate
from homebound.core.persons import Sex
from homebound.synthetic.letters import russian_letters, ukrainian_letters, without_yo
from homebound.synthetic.names import Language, name_book
from homebound.synthetic.spelling import (
    DateStyle,
    LatinStandard,
    PersonName,
    Precision,
    Rendering,
    WrittenName,
    can_swap_day_month,
    cyrillic_name,
    in_capitals,
    latin_name,
    romanise,
    with_typo,
    write_date,
)

UK, RU = Language.UKRAINIAN, Language.RUSSIAN


def _person(given: str, father: str, surname: str, sex: Sex = Sex.MALE, nation: Language = UK) -> PersonName:
    book = name_book()
    g = next(n for n in book.given(sex).names if given in (n.uk, n.ru))
    f = next(n for n in book.male.names if father in (n.uk, n.ru))
    s = next(n for pool in book.surnames.values() for n in pool.names if surname in (n.uk, n.ru))
    return PersonName(nation, sex, g, f, s)


@pytest.mark.parametrize(
    ("ukrainian", "phonetic", "russian"),
    [
        ("Білоусов", False, "Билоусов"),
        ("Шмигаль", True, "Шмыгаль"),
        ("Шмигаль", False, "Шмигаль"),
        ("Олійник", False, "Олийник"),
        ("Євтушенко", False, "Евтушенко"),
        ("Заїка", False, "Заика"),
        ("Ґудзь", False, "Гудзь"),
        ("Дем'янчук", False, "Демьянчук"),
        ("Ковальський", False, "Ковальский"),
        ("Білецький", False, "Билецкий"),
        ("Лисенко", True, "Лысенко"),
        ("Шевчук", True, "Шевчук"),  # never ы after ч
    ],
)
def test_russian_letters(ukrainian: str, phonetic: bool, russian: str) -> None:
    assert russian_letters(ukrainian, phonetic=phonetic) == russian


@pytest.mark.parametrize(
    ("russian", "ukrainian"),
    [
        ("Никитин", "Нікітін"),
        ("Соловьёв", "Соловйов"),
        ("Григорьев", "Грігор'єв"),  # letter by letter; the dictionary form is Григор'єв
        ("Ильин", "Ільїн"),
        ("Юрий", "Юрій"),
        ("Егоров", "Єгоров"),
        ("Вячеслав", "В'ячеслав"),
        ("Покровский", "Покровський"),
        ("Чалый", "Чалий"),
        ("Чернышёв", "Чернишов"),
    ],
)
def test_ukrainian_letters(russian: str, ukrainian: str) -> None:
    assert ukrainian_letters(russian) == ukrainian


def test_without_yo() -> None:
    assert without_yo("Фёдор Королёв") == "Федор Королев"
    assert without_yo("ЁЛКИН") == "ЕЛКИН"


@pytest.mark.parametrize(
    ("text", "standard", "language", "latin"),
    [
        ("Олександр", LatinStandard.KMU_2010, UK, "Oleksandr"),
        ("Миколайович", LatinStandard.KMU_2010, UK, "Mykolaiovych"),
        ("Юрій", LatinStandard.KMU_2010, UK, "Yurii"),
        ("Коваленко", LatinStandard.UA_PASSPORT_2004, UK, "Covalenco"),
        ("Миколайович", LatinStandard.BGN_PCGN_1965, UK, "Mykolayovych"),
        ("Александр", LatinStandard.RU_ICAO, RU, "Aleksandr"),
        ("Юрий", LatinStandard.RU_ICAO, RU, "Iurii"),
        ("Шмыгаль", LatinStandard.RU_GOST_2006, RU, "Shmygal"),
        ("Юрий", LatinStandard.RU_PASSPORT_1997, RU, "Yuriy"),
    ],
)
def test_romanise_follows_the_standard(
    text: str, standard: LatinStandard, language: Language, latin: str
) -> None:
    assert romanise(text, standard, language) == latin


def test_each_side_writes_the_same_person_its_own_way() -> None:
    person = _person("Олександр", "Микола", "Коваленко")
    assert cyrillic_name(person, UK) == WrittenName("Коваленко", "Олександр", "Миколайович")
    assert cyrillic_name(person, RU) == WrittenName("Коваленко", "Александр", "Николаевич")
    assert latin_name(person, LatinStandard.KMU_2010) == WrittenName("Kovalenko", "Oleksandr", "Mykolaiovych")
    assert latin_name(person, LatinStandard.RU_ICAO) == WrittenName("Kovalenko", "Aleksandr", "Nikolaevich")
    assert latin_name(person, LatinStandard.ENGLISH, source=RU).given_name == "Alexander"


def test_russian_side_renderings_of_a_ukrainian_surname() -> None:
    person = _person("Юрій", "Ігор", "Білоусов")
    assert cyrillic_name(person, RU).family_name == "Белоусов"
    assert cyrillic_name(person, RU, surname=Rendering.LETTERWISE).family_name == "Билоусов"
    copied = cyrillic_name(person, RU, given=Rendering.LETTERWISE)
    # Ігорович copied letter by letter, not the Russian Игоревич.
    assert (copied.given_name, copied.patronymic) == ("Юрий", "Игорович")
    assert cyrillic_name(person, RU).patronymic == "Игоревич"


def test_feminine_forms_in_both_scripts() -> None:
    person = _person("Надія", "Юрій", "Білоусов", sex=Sex.FEMALE)
    assert cyrillic_name(person, UK) == WrittenName("Білоусова", "Надія", "Юріївна")
    assert cyrillic_name(person, RU) == WrittenName("Белоусова", "Надежда", "Юрьевна")


def test_russian_lists_drop_yo_unless_asked() -> None:
    person = _person("Петро", "Федір", "Ковальчук")
    assert cyrillic_name(person, RU) == WrittenName("Ковальчук", "Петр", "Федорович")
    assert cyrillic_name(person, RU, keep_yo=True).given_name == "Пётр"


def test_diminutive_replaces_the_given_name() -> None:
    person = _person("Олександр", "Микола", "Коваленко")
    assert cyrillic_name(person, RU, diminutive=0).given_name == "Саша"
    assert cyrillic_name(person, UK, diminutive=0).given_name == "Сашко"


def test_capitals() -> None:
    written = WrittenName("Коваленко", "Олександр", "Миколайович")
    assert in_capitals(written) == WrittenName("КОВАЛЕНКО", "ОЛЕКСАНДР", "МИКОЛАЙОВИЧ")
    assert in_capitals(written, surname_only=True) == WrittenName("КОВАЛЕНКО", "Олександр", "Миколайович")


@pytest.mark.parametrize("text", ["Коваленко", "Шмыгаль", "KOVALENKO", "Oleksandr"])
def test_a_typo_is_one_keystroke(text: str) -> None:
    rng = random.Random(5)
    typos = [with_typo(text, rng, UK) for _ in range(300)]
    assert all(OSA.distance(text, typo) == 1 for typo in typos)
    assert len(set(typos)) > 20  # substitutions, insertions, deletions and swaps at many places


def test_a_typo_keeps_the_script() -> None:
    rng = random.Random(6)
    assert all(with_typo("Коваленко", rng, RU).isalpha() for _ in range(100))
    assert all(with_typo("Kovalenko", rng, RU).isascii() for _ in range(100))


@pytest.mark.parametrize(
    ("style", "precision", "swap", "text", "partial"),
    [
        (DateStyle.DOTTED, Precision.DAY, False, "12.03.1994", PartialDate(1994, 3, 12)),
        (DateStyle.ISO, Precision.DAY, False, "1994-03-12", PartialDate(1994, 3, 12)),
        (DateStyle.SLASHED, Precision.DAY, False, "12/03/1994", PartialDate(1994, 3, 12)),
        (DateStyle.DOTTED, Precision.MONTH, False, "03.1994", PartialDate(1994, 3)),
        (DateStyle.ISO, Precision.MONTH, False, "1994-03", PartialDate(1994, 3)),
        (DateStyle.DOTTED, Precision.YEAR, False, "1994", PartialDate(1994)),
        (DateStyle.DOTTED, Precision.DAY, True, "03.12.1994", PartialDate(1994, 12, 3)),
        (DateStyle.ISO, Precision.DAY, True, "1994-12-03", PartialDate(1994, 12, 3)),
    ],
)
def test_dates_of_birth_as_lists_write_them(
    style: DateStyle, precision: Precision, swap: bool, text: str, partial: PartialDate
) -> None:
    written = write_date(dt.date(1994, 3, 12), style, precision, swap=swap)
    assert written == text
    assert PartialDate.parse(written) == partial


@pytest.mark.parametrize(
    ("date", "swappable"),
    [(dt.date(1994, 3, 12), True), (dt.date(1994, 3, 13), False), (dt.date(1994, 5, 5), False)],
)
def test_swap_only_where_it_is_still_another_date(date: dt.date, swappable: bool) -> None:
    assert can_swap_day_month(date) is swappable
    swapped = write_date(date, swap=True)
    assert (swapped != write_date(date)) is swappable
