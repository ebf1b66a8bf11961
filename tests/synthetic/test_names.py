"""Name data: forms in both languages, patronymic formation, feminine surnames and weights."""

from __future__ import annotations

import numpy as np
import pytest
from names_translator.dicts import NameDicts

from homebound.core.persons import Sex
from homebound.synthetic.names import (
    GivenName,
    Language,
    Surname,
    feminine_surname,
    name_book,
    russian_patronymic,
    ukrainian_patronymic,
)
from homebound.synthetic.population import draw_population

UK, RU = Language.UKRAINIAN, Language.RUSSIAN
M, F = Sex.MALE, Sex.FEMALE


def _given(uk: str, sex: Sex = M) -> GivenName:
    return next(g for g in name_book().given(sex).names if g.uk == uk)


def _surname(form: str, origin: Language) -> Surname:
    return next(s for s in name_book().surnames[origin].names if form in (s.uk, s.ru))


def test_book_sizes_match_the_brief() -> None:
    book = name_book()
    assert 140 <= len(book.male) <= 180
    assert 90 <= len(book.female) <= 120
    assert sum(1 for s in book.surnames[UK].names[:600] if s.origin is UK) >= 500
    assert len(book.surnames[RU]) >= 300


@pytest.mark.parametrize(
    ("uk", "ru", "sex"),
    [
        ("Олександр", "Александр", M),
        ("Микола", "Николай", M),
        ("Юрій", "Юрий", M),
        ("Сергій", "Сергей", M),
        ("Дмитро", "Дмитрий", M),
        ("Андрій", "Андрей", M),
        ("Віталій", "Виталий", M),
        ("Олексій", "Алексей", M),
        ("Павло", "Павел", M),
        ("Петро", "Пётр", M),
        ("Федір", "Фёдор", M),
        ("Пилип", "Филипп", M),
        ("Ганна", "Анна", F),
        ("Надія", "Надежда", F),
        ("Олена", "Елена", F),
        ("Наталія", "Наталья", F),
        ("Катерина", "Екатерина", F),
    ],
)
def test_given_name_equivalents(uk: str, ru: str, sex: Sex) -> None:
    name = _given(uk, sex)
    assert name.ru == ru
    assert name.form(UK) == uk
    assert name.form(RU) == ru


@pytest.mark.parametrize(
    ("uk", "diminutive_uk", "diminutive_ru"),
    [("Олександр", "Сашко", "Саша"), ("Микола", "Коля", "Коля"), ("Дмитро", "Діма", "Дима")],
)
def test_diminutives(uk: str, diminutive_uk: str, diminutive_ru: str) -> None:
    name = _given(uk)
    assert diminutive_uk in name.diminutives(UK)
    assert diminutive_ru in name.diminutives(RU)


@pytest.mark.parametrize(
    ("father", "sex", "expected"),
    [
        ("Олександр", M, "Олександрович"),
        ("Олександр", F, "Олександрівна"),
        ("Микола", M, "Миколайович"),
        ("Микола", F, "Миколаївна"),
        ("Юрій", M, "Юрійович"),
        ("Юрій", F, "Юріївна"),
        ("Ігор", M, "Ігорович"),
        ("Ігор", F, "Ігорівна"),
        ("Василь", M, "Васильович"),
        ("Василь", F, "Василівна"),
        ("Петро", M, "Петрович"),
        ("Петро", F, "Петрівна"),
        ("Андрій", F, "Андріївна"),
        ("Ілля", M, "Ілліч"),
        ("Федір", M, "Федорович"),
        ("Яків", F, "Яківна"),
        ("Лев", M, "Львович"),
    ],
)
def test_ukrainian_patronymic(father: str, sex: Sex, expected: str) -> None:
    assert ukrainian_patronymic(father, sex) == expected


@pytest.mark.parametrize(
    ("father", "sex", "expected"),
    [
        ("Александр", M, "Александрович"),
        ("Александр", F, "Александровна"),
        ("Николай", M, "Николаевич"),
        ("Николай", F, "Николаевна"),
        ("Юрий", M, "Юрьевич"),
        ("Юрий", F, "Юрьевна"),
        ("Игорь", M, "Игоревич"),
        ("Игорь", F, "Игоревна"),
        ("Дмитрий", M, "Дмитриевич"),
        ("Георгий", M, "Георгиевич"),
        ("Андрей", M, "Андреевич"),
        ("Сергей", F, "Сергеевна"),
        ("Василий", M, "Васильевич"),
        ("Илья", M, "Ильич"),
        ("Илья", F, "Ильинична"),
        ("Никита", M, "Никитич"),
        ("Лев", M, "Львович"),
        ("Павел", F, "Павловна"),
        ("Пётр", M, "Петрович"),
        ("Яков", M, "Яковлевич"),
        ("Михаил", M, "Михайлович"),
    ],
)
def test_russian_patronymic(father: str, sex: Sex, expected: str) -> None:
    assert russian_patronymic(father, sex) == expected


# Where names-translator keeps the Ukrainian spelling or a colloquial form, our table has the traditional
# Russian equivalent (Хома -> Фома, Микита -> Никитич, Данило -> Даниил).
_TRADITIONAL_EQUIVALENTS = {
    "Омелян", "Опанас", "Прокіп", "Устим", "Хома", "Юхим", "Яким", "Овсій", "Улас", "Тадей", "Гордій",
    "Касян", "Христина", "Параска", "Есфір", "Неля", "Данило", "Олесь", "Микита", "Савелій", "Сава",
    "Еміль", "Радим", "Лазар", "Яромир", "Рустем", "Ілько",
}  # fmt: skip


@pytest.fixture(scope="module")
def translator() -> NameDicts:
    return NameDicts()


def test_russian_given_forms_agree_with_names_translator(translator: NameDicts) -> None:
    book = name_book()
    disagree = [
        g.uk
        for g in (*book.male.names, *book.female.names)
        if g.uk not in _TRADITIONAL_EQUIVALENTS
        and g.ru.replace("ё", "е") not in [t.replace("ё", "е") for t in translator.lookup(g.uk, "first")]
    ]
    assert disagree == []


def test_russian_patronymics_agree_with_names_translator(translator: NameDicts) -> None:
    disagree = []
    for father in name_book().male.names:
        for sex in (M, F):
            ours = russian_patronymic(father.ru, sex).replace("ё", "е")
            theirs = [
                t.replace("ё", "е")
                for t in translator.lookup(ukrainian_patronymic(father.uk, sex), "patronymic")
            ]
            if ours not in theirs and father.uk not in _TRADITIONAL_EQUIVALENTS:
                disagree.append((father.uk, sex.value))
    assert disagree == []


@pytest.mark.parametrize(
    ("uk", "ru"),
    [("Білоусов", "Белоусов"), ("Шмигаль", "Шмыгаль"), ("Ковальчук", "Ковальчук"), ("Олійник", "Олейник"),
     ("Поліщук", "Полищук"), ("Лисенко", "Лысенко"), ("Ковальський", "Ковальский")],
)  # fmt: skip
def test_ukrainian_surnames_and_their_russian_forms(uk: str, ru: str) -> None:
    surname = _surname(uk, UK)
    assert (surname.uk, surname.ru) == (uk, ru)


@pytest.mark.parametrize(
    ("ru", "uk"),
    [("Иванов", "Іванов"), ("Смирнов", "Смирнов"), ("Соловьёв", "Соловйов"), ("Григорьев", "Григор'єв"),
     ("Никитин", "Нікітін"), ("Ильин", "Ільїн")],
)  # fmt: skip
def test_russian_surnames_and_their_ukrainian_forms(ru: str, uk: str) -> None:
    surname = _surname(ru, RU)
    assert (surname.ru, surname.uk) == (ru, uk)


@pytest.mark.parametrize(
    ("masculine", "language", "origin", "feminine"),
    [
        ("Білоусов", UK, UK, "Білоусова"),
        ("Белоусов", RU, UK, "Белоусова"),
        ("Иванов", RU, RU, "Иванова"),
        ("Іванов", UK, RU, "Іванова"),
        ("Корольов", UK, RU, "Корольова"),
        ("Королёв", RU, RU, "Королёва"),
        ("Нікітін", UK, RU, "Нікітіна"),
        ("Никитин", RU, RU, "Никитина"),
        ("Коваленко", UK, UK, "Коваленко"),
        ("Ковальчук", RU, UK, "Ковальчук"),
        ("Мельник", UK, UK, "Мельник"),
        ("Литвин", UK, UK, "Литвин"),
        ("Литвин", RU, UK, "Литвин"),
        ("Ковальський", UK, UK, "Ковальська"),
        ("Ковальский", RU, UK, "Ковальская"),
        ("Заболотний", UK, UK, "Заболотна"),
        ("Заболотный", RU, UK, "Заболотная"),
        ("Загородній", UK, UK, "Загородня"),
        ("Бабій", UK, UK, "Бабій"),
    ],
)
def test_feminine_surnames_agree_in_gender(
    masculine: str, language: Language, origin: Language, feminine: str
) -> None:
    assert feminine_surname(masculine, language, origin) == feminine


def test_surname_form_follows_sex() -> None:
    surname = _surname("Білоусов", UK)
    assert surname.form(UK, F) == "Білоусова"
    assert surname.form(RU, F) == "Белоусова"
    assert surname.form(RU, M) == "Белоусов"


def test_weights_are_probabilities_in_frequency_order() -> None:
    book = name_book()
    for pool in (book.male, book.female):
        for language in Language:
            p = pool.probabilities[language]
            assert p.sum() == pytest.approx(1.0)
    assert book.male.names[int(np.argmax(book.male.probabilities[UK]))].uk == "Олександр"
    for origin, surnames in book.surnames.items():
        p = surnames.probabilities[origin]
        assert p.sum() == pytest.approx(1.0)
        assert np.all(np.diff(p) <= 0)  # Zipf: rank order is frequency order
    # The commonest Ukrainian surname is a fraction of a percent, not a tenth of the population.
    assert 0.002 < book.surnames[UK].probabilities[UK][0] < 0.01


def test_public_figures_are_never_drawn() -> None:
    book = name_book()
    people = draw_population(30_000, UK, np.random.default_rng(3))
    people += draw_population(10_000, RU, np.random.default_rng(4))
    drawn = {(p.name.given.uk, p.name.surname.uk) for p in people}
    assert not drawn & book.avoided
