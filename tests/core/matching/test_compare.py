"""Comparison levels for names, dates of birth, units and service numbers, one row per case."""

from __future__ import annotations

from itertools import combinations, pairwise

import pytest

from homebound.core.matching.compare import (
    CodeLevel,
    DateLevel,
    DateParts,
    FamilyNameLevel,
    GivenNameLevel,
    PatronymicLevel,
    canonical_service_number,
    canonical_unit,
    compare_dates,
    compare_family_names,
    compare_given_names,
    compare_patronymics,
    compare_service_numbers,
    compare_units,
)
from homebound.core.matching.names import given_name_class
from homebound.core.matching.normalize import normalize_name
from tests.core.matching.name_tables import (
    DIMINUTIVES,
    FEMALE_GIVEN,
    MALE_GIVEN,
    SURNAMES,
    patronymic_rows,
    rows,
)

SON_AND_DAUGHTER = [(sons, daughters) for _, sons, daughters in patronymic_rows()]

F, G, P, D, C = FamilyNameLevel, GivenNameLevel, PatronymicLevel, DateLevel, CodeLevel


# --- dates of birth -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ((1994, 3, 12), (1994, 3, 12), D.EXACT),
        ((1994, 5, 5), (1994, 5, 5), D.EXACT),
        ((1994, 3, 12), (1994, 12, 3), D.DAY_MONTH_SWAPPED),
        ((1994, 12, 3), (1994, 3, 12), D.DAY_MONTH_SWAPPED),
        ((1994, 3, 12), (1994, 3, 13), D.ONE_DIGIT_OFF),
        ((1994, 3, 12), (1994, 3, 21), D.ONE_DIGIT_OFF),
        ((1994, 3, 12), (1995, 3, 12), D.ONE_DIGIT_OFF),
        ((1994, 3, 12), (1997, 3, 12), D.ONE_DIGIT_OFF),
        ((1994, 3, 12), (1949, 3, 12), D.ONE_DIGIT_OFF),
        ((1994, 3, 12), (1994, 8, 12), D.ONE_DIGIT_OFF),
        ((1994, 3, 12), (1994, 3, 25), D.SAME_YEAR_MONTH),
        ((1994, 3, 12), (1994, 3, None), D.SAME_YEAR_MONTH),
        ((1994, 3, None), (1994, 3, None), D.SAME_YEAR_MONTH),
        ((1994, 3, 12), (1994, None, None), D.SAME_YEAR),
        ((1994, 3, 12), (1994, 11, 25), D.SAME_YEAR),
        ((1994, 3, 12), (1994, 12, None), D.SAME_YEAR),
        ((1994, None, None), (1994, None, None), D.SAME_YEAR),
        ((1989, 3, 12), (1990, 3, 12), D.YEAR_WITHIN_ONE),
        ((1994, 3, 12), (1993, 11, 25), D.YEAR_WITHIN_ONE),
        ((1994, None, None), (1995, 6, 1), D.YEAR_WITHIN_ONE),
        ((1994, 3, 12), (1987, 3, 12), D.DIFFERENT),
        ((1994, 3, 12), (1971, 7, 30), D.DIFFERENT),
        ((1994, None, None), (1990, None, None), D.DIFFERENT),
        (None, (1994, 3, 12), D.MISSING),
        ((1994, 3, 12), None, D.MISSING),
        (None, None, D.MISSING),
    ],
)
def test_dates_of_birth(left: DateParts | None, right: DateParts | None, level: DateLevel) -> None:
    assert compare_dates(left, right) is level
    assert compare_dates(right, left) is level


# --- units and service numbers --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("в/ч А1234", "A1234"),
        ("A-1234", "A1234"),
        ("1234", "1234"),
        ("військова частина А1234", "A1234"),
        ("Військова частина А-1234", "A1234"),
        ("в/ч 1234", "1234"),
        ("В/Ч а1234", "A1234"),
        ("в.ч. 12345", "12345"),
        ("вч 12345", "12345"),
        ("войсковая часть 12345", "12345"),
        ("воинская часть 12345", "12345"),
        ("Military unit A1234", "A1234"),
        ("в/ч А 1234", "A1234"),
        ("в/ч А-1234 (м. Київ)", "A1234"),
        ("в/ч А1234, м. Київ", "A1234"),
        ("72 ОМБр", "72OMБP"),
        ("в/ч", None),
        ("  ", None),
        (None, None),
    ],
)
def test_canonical_unit(written: str | None, canonical: str | None) -> None:
    assert canonical_unit(written) == canonical


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("в/ч А1234", "A-1234", C.EXACT),
        ("військова частина А1234", "в/ч А1234", C.EXACT),
        ("Military unit A1234", "в/ч А1234", C.EXACT),
        ("в/ч 12345", "12345", C.EXACT),
        ("72 ОМБр", "72 омбр", C.EXACT),
        ("в/ч А1234", "1234", C.SAME_DIGITS),
        ("в/ч 1234", "A1234", C.SAME_DIGITS),
        ("В1234", "A1234", C.SAME_DIGITS),
        ("А1234", "А1235", C.DIFFERENT),
        ("в/ч 12345", "в/ч 54321", C.DIFFERENT),
        (None, "A1234", C.MISSING),
        ("", "A1234", C.MISSING),
        ("в/ч", "A1234", C.MISSING),
    ],
)
def test_units(left: str | None, right: str | None, level: CodeLevel) -> None:
    assert compare_units(left, right) is level
    assert compare_units(right, left) is level


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("АБ-123456", "AB 123456", C.EXACT),
        ("Личный номер: АБ-123456", "AB123456", C.EXACT),
        # В typed as its Latin twin B, or transliterated as V.
        ("ВК-123456", "BK-123456", C.EXACT),
        ("ВК-123456", "VK-123456", C.EXACT),
        ("особовий номер 0123456789", "0123456789", C.EXACT),
        ("АБ-123456", "АВ-123456", C.SAME_DIGITS),
        ("АБ-123456", "123456", C.SAME_DIGITS),
        ("АБ-123456", "АБ-123457", C.DIFFERENT),
        (None, "AB123456", C.MISSING),
    ],
)
def test_service_numbers(left: str | None, right: str | None, level: CodeLevel) -> None:
    assert compare_service_numbers(left, right) is level
    assert canonical_service_number("Личный номер АК-123456") == "AK123456"


# --- family names ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("Коваленко", "КОВАЛЕНКО", F.EXACT),
        ("Kovalenko", "KOVALENKO", F.EXACT),
        ("Мар'яненко", "Марʼяненко", F.EXACT),
        ("Кoваленкo", "Коваленко", F.EXACT),
        ("Петренко-Коваль", "ПЕТРЕНКО – КОВАЛЬ", F.EXACT),
        ("Коваленко", "Kovalenko", F.SAME_SKELETON),
        ("Коваленко", "Kowalenko", F.SAME_SKELETON),
        ("Шмигаль", "Шмыгаль", F.SAME_SKELETON),
        ("Шмигаль", "Shmyhal", F.SAME_SKELETON),
        ("Шмыгаль", "Shmygal", F.SAME_SKELETON),
        ("Білоусов", "Белоусов", F.SAME_SKELETON),
        ("Білоусов", "Belousov", F.SAME_SKELETON),
        ("Ковальський", "Ковальська", F.SAME_SKELETON),
        ("Швец", "Shvetc", F.SAME_SKELETON),
        # Skeletons avanav / avanava: Jaro 0.952, four common leading letters, 0.971.
        ("Іванов", "Іванова", F.SKELETON_JW_92),
        ("Ivanov", "Іванова", F.SKELETON_JW_92),
        # kavalanka / kaval: Jaro 0.852, prefix 4, 0.911.
        ("Коваленко", "Коваль", F.SKELETON_JW_85),
        # babanka / papanka: Jaro 0.810, no common prefix; both code 776500.
        ("Бабенко", "Папенко", F.SAME_PHONETIC),
        # dadka / tatka: Jaro 0.733; both code 335000.
        ("Dudko", "Tutko", F.SAME_PHONETIC),
        # kavalanka / SavCak: Jaro 0.704; 578650 against 474500 or 475000.
        ("Коваленко", "Шевчук", F.DIFFERENT),
        # malnak / bandar: Jaro 0.667; 686500 against 763900.
        ("Мельник", "Бондар", F.DIFFERENT),
        (None, "Коваленко", F.MISSING),
        ("", "Коваленко", F.MISSING),
        ("—", "Коваленко", F.MISSING),
        ("Коваленко", "  ", F.MISSING),
    ],
)
def test_family_names(left: str | None, right: str | None, level: FamilyNameLevel) -> None:
    assert compare_family_names(left, right) is level
    assert compare_family_names(right, left) is level


@pytest.mark.parametrize("row", rows(SURNAMES), ids=lambda row: row[0])
def test_every_spelling_of_a_surname_shares_its_skeleton(row: list[str]) -> None:
    misses = [
        (a, b, level)
        for a, b in combinations(row, 2)
        if (level := compare_family_names(a, b)) not in (F.EXACT, F.SAME_SKELETON)
    ]
    assert misses == []


def test_neighbouring_surnames_never_share_a_skeleton() -> None:
    firsts = [row[0] for row in rows(SURNAMES)]
    for a, b in pairwise(firsts):
        assert compare_family_names(a, b) < F.SAME_SKELETON, (a, b)


# --- given names ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("Олександр", "ОЛЕКСАНДР", G.EXACT),
        ("О.", "о", G.EXACT),
        ("Олександр", "Александр", G.SAME_CLASS),
        ("Олександр", "Alexander", G.SAME_CLASS),
        ("Oleksandr", "Aleksandr", G.SAME_CLASS),
        ("Микола", "Nikolay", G.SAME_CLASS),
        ("Ганна", "Anna", G.SAME_CLASS),
        ("Надія", "Nadezhda", G.SAME_CLASS),
        ("Юрій", "Iurii", G.SAME_CLASS),
        ("Олександр", "Саша", G.DIMINUTIVE),
        ("Sasha", "Oleksandra", G.DIMINUTIVE),
        ("Саша", "Sasha", G.DIMINUTIVE),
        ("Женя", "Yevheniia", G.DIMINUTIVE),
        ("О.", "Oleksandr", G.INITIAL),
        ("О", "Александр", G.INITIAL),
        ("А.", "Олександр", G.INITIAL),
        ("М.", "Nikolai", G.INITIAL),
        ("Н.", "Микола", G.INITIAL),
        ("I.", "Іван", G.INITIAL),
        ("Ю.", "Yurii", G.INITIAL),
        ("Y.", "Юрій", G.INITIAL),
        ("Г.", "Anna", G.INITIAL),
        ("П.", "Oleksandr", G.DIFFERENT),
        ("О.", "А.", G.DIFFERENT),
        ("Радогост", "Radohost", G.SKELETON_CLOSE),
        ("Радогост", "Radogost", G.SKELETON_CLOSE),
        ("Радогост", "Radohostt", G.SKELETON_CLOSE),
        # Two known names with one skeleton (alana): only a weak level.
        ("Олена", "Аліна", G.SKELETON_CLOSE),
        ("Радогост", "Ярополк", G.DIFFERENT),
        ("Олександр", "Олексій", G.DIFFERENT),
        ("Іван", "Іванна", G.DIFFERENT),
        (None, "Іван", G.MISSING),
        ("", "Іван", G.MISSING),
    ],
)
def test_given_names(left: str | None, right: str | None, level: GivenNameLevel) -> None:
    assert compare_given_names(left, right) is level
    assert compare_given_names(right, left) is level


def test_the_invented_name_is_unknown_to_the_classes() -> None:
    assert given_name_class("Радогост") is None


@pytest.mark.parametrize("row", rows(MALE_GIVEN) + rows(FEMALE_GIVEN), ids=lambda row: row[0])
def test_spellings_of_one_given_name_are_the_same_class(row: list[str]) -> None:
    misses = [
        (a, b, level)
        for a, b in combinations(row, 2)
        if normalize_name(a) != normalize_name(b) and (level := compare_given_names(a, b)) is not G.SAME_CLASS
    ]
    assert misses == []


@pytest.mark.parametrize("row", rows(DIMINUTIVES), ids=lambda row: row[0])
def test_diminutives_against_their_full_name(row: list[str]) -> None:
    full, *diminutives = row
    assert [compare_given_names(full, d) for d in diminutives] == [G.DIMINUTIVE] * len(diminutives)


def test_neighbouring_given_names_never_share_a_class() -> None:
    for table in (MALE_GIVEN, FEMALE_GIVEN):
        firsts = [row[0] for row in rows(table)]
        for a, b in pairwise(firsts):
            assert compare_given_names(a, b) <= G.SKELETON_CLOSE, (a, b)


# --- patronymics ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("Миколайович", "МИКОЛАЙОВИЧ", P.EXACT),
        ("Миколайович", "Николаевич", P.SAME_CLASS),
        ("Yuriyovych", "Юрьевич", P.SAME_CLASS),
        ("Юрійович", "Юріївна", P.SAME_FATHER),
        ("Nikolaevna", "Миколайович", P.SAME_FATHER),
        ("М.", "Миколайович", P.INITIAL),
        ("Н.", "Миколайович", P.INITIAL),
        ("П.", "Миколайович", P.DIFFERENT),
        ("Радогостович", "Radohostovych", P.SKELETON_CLOSE),
        ("Іванович", "Петрович", P.DIFFERENT),
        (None, "Іванович", P.MISSING),
    ],
)
def test_patronymics(left: str | None, right: str | None, level: PatronymicLevel) -> None:
    assert compare_patronymics(left, right) is level
    assert compare_patronymics(right, left) is level


@pytest.mark.parametrize(
    ("male", "female"),
    [(sons, daughters) for _, sons, daughters in patronymic_rows()],
    ids=lambda side: side[0],
)
def test_patronymic_spellings_agree_and_sexes_share_the_father(male: list[str], female: list[str]) -> None:
    for side in (male, female):
        assert {compare_patronymics(a, b) for a, b in combinations(side, 2)} <= {P.SAME_CLASS, P.EXACT}
    assert {compare_patronymics(m, f) for m in male for f in female} == {P.SAME_FATHER}
