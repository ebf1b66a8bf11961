"""Script detection, normalisation and the script-free skeleton."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import JaroWinkler
from translitua import RussianGOST2006, RussianICAO, TransliterationTable, UkrainianKMU, translit

from homebound.core.matching import normalize as nz
from homebound.core.matching.normalize import (
    Script,
    detect_script,
    initial_letters,
    normalize_name,
    romanize,
    skeleton,
    transliterate_display,
)
from tests.core.matching.name_tables import FEMALE_GIVEN, MALE_GIVEN, SURNAMES, rows

# No example database is written into the repository.
PROPERTY = settings(database=None, max_examples=300, deadline=None)


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Коваленко", Script.CYRILLIC),
        ("КОВАЛЕНКО", Script.CYRILLIC),
        ("Мар'яна", Script.CYRILLIC),
        ("Kovalenko", Script.LATIN),
        ("Szczęsny", Script.LATIN),
        ("Kоваленко", Script.MIXED),
        ("Oleksandr Коваленко", Script.MIXED),
        ("Γιώργος", Script.OTHER),
        ("123 -", Script.OTHER),
        ("", Script.OTHER),
    ],
)
def test_script_detection(text: str, script: Script) -> None:
    assert detect_script(text) is script


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("КОВАЛЕНКО", "коваленко"),
        ("  Коваленко  ", "коваленко"),
        ("Мар'яна", "маряна"),
        ("Мар’яна", "маряна"),
        ("Марʼяна", "маряна"),
        ("Мар`яна", "маряна"),
        ("Мар´яна", "маряна"),
        ("Мар‘яна", "маряна"),
        ("O'Brien", "obrien"),
        ("Петренко - Коваль", "петренко-коваль"),
        ("Петренко–Коваль", "петренко-коваль"),
        ("Петренко —  Коваль", "петренко-коваль"),
        ("Анна  Марія", "анна марія"),
        ("О. Коваленко", "о коваленко"),
        ("Коваленко,Олександр", "коваленко олександр"),
        ("Ковалёв", "ковалев"),
        ("КОВАЛЁВ", "ковалев"),
        ("Оле\u0301г", "олег"),
        # Latin o, a and e typed inside Cyrillic words become the Cyrillic letters, and the reverse.
        ("Кoваленкo", "коваленко"),
        ("Пeтрeнко", "петренко"),
        ("KOVАLENKO", "kovalenko"),
        ("Kоvalenko", "kovalenko"),
        # в has no Latin twin, so it stays Cyrillic inside a Latin word.
        ("Kовalenko", "koвalenko"),
        ("ＫＯＶＡＬＥＮＫＯ", "kovalenko"),
        ("Straße", "strasse"),
        ("", ""),
        ("-", ""),
    ],
)
def test_normalisation(raw: str, normalised: str) -> None:
    assert normalize_name(raw) == normalised


@pytest.mark.parametrize(
    "spellings",
    [
        ["Коваленко", "КОВАЛЕНКО", "Kovalenko", "KOVALENKO", "Kowalenko"],
        ["Шмигаль", "Шмыгаль", "Shmyhal", "Shmygal", "SHMYHAL"],
        ["Білоусов", "Белоусов", "Bilousov", "Belousov"],
        ["Олександр", "Александр", "Oleksandr", "Aleksandr", "Olexandr"],
        ["Юрій", "Юрий", "Yurii", "Iurii", "Yuriy", "Jurij", "Yury"],
        ["Сергій", "Сергей", "Serhii", "Sergei", "Sergey", "Serhiy"],
        ["Мар'яна", "Марьяна", "Mariana", "Maryana"],
        ["Соловйов", "Соловьёв", "Soloviov", "Solovyov", "Solovev"],
        ["Щербак", "Shcherbak", "Szczerbak"],
        ["Ковальчук", "Kovalchuk", "Kowalczuk"],
        ["Згуровський", "Zghurovskyi", "Zgurovskiy"],
        ["Хмельницький", "Khmelnytskyi", "Khmelnitskiy"],
        ["Цибулько", "Tsybulko"],
        ["Шевченко", "Shevchenko", "Szewczenko", "Schewtschenko"],
        ["Євген", "Yevhen", "Ievhen"],
        ["Дмитро", "Дмитрий", "Dmytro", "Dmitriy", "Dmitrii"],
        ["Пётр", "Петр", "Piotr", "Pyotr", "Petr"],
        ["Швець", "Швец", "Shvets", "Shvetc"],
    ],
)
def test_spellings_of_one_name_share_a_skeleton(spellings: list[str]) -> None:
    assert len({skeleton(s) for s in spellings}) == 1


@pytest.mark.parametrize(
    ("left", "right"),
    [("Олександр", "Alexander"), ("Іванов", "Іванова"), ("Андрій", "Andrew"), ("Петро", "Peter")],
)
def test_near_spellings_have_close_skeletons(left: str, right: str) -> None:
    assert skeleton(left) != skeleton(right)
    assert JaroWinkler.similarity(skeleton(left), skeleton(right)) >= 0.9


def test_different_surnames_keep_different_skeletons() -> None:
    first_spellings = [row[0] for row in rows(SURNAMES)]
    skeletons = {skeleton(s) for s in first_spellings}
    assert len(skeletons) == len(first_spellings)


def test_skeleton_keeps_words_apart() -> None:
    assert (
        skeleton("Петренко-Коваль")
        == skeleton("Petrenko Koval")
        == f"{skeleton('Петренко')} {skeleton('Коваль')}"
    )


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Шмигаль", "shmyhal"),
        ("Щербак", "shcherbak"),
        ("Юрій", "iurii"),
        ("Цьомик", "tsomyk"),
        ("Kovalenko", "kovalenko"),
    ],
)
def test_romanisation_for_phonetic_codes(cyrillic: str, latin: str) -> None:
    assert romanize(cyrillic) == latin


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Олександр Коваленко", "Oleksandr Kovalenko"),
        ("Юрій", "Yurii"),
        ("Соловьёв", "Solovev"),
        ("Щербак", "Shcherbak"),
        ("Kovalenko", "Kovalenko"),
        # A Russian spelling is romanised in a Russian system, not the Ukrainian one (issue 14).
        ("Иванович", "Ivanovich"),
        ("Юрьевич", "Iurevich"),
        ("Василий", "Vasilii"),
        ("Іванович", "Ivanovych"),
        ("Шиповський", "Shypovskyi"),
    ],
)
def test_display_transliteration(text: str, shown: str) -> None:
    assert transliterate_display(text) == shown


@pytest.mark.parametrize(
    ("text", "letters"),
    [
        ("Олександр", {"o"}),
        ("Юрій", {"y", "i", "j"}),
        ("Г.", {"h", "g"}),
        ("Yurii", {"y", "i", "j", "e"}),
        ("", set()),
    ],
)
def test_initial_letters(text: str, letters: set[str]) -> None:
    assert initial_letters(text) == letters


@PROPERTY
@given(st.text())
def test_normalisation_is_idempotent(text: str) -> None:
    once = normalize_name(text)
    assert normalize_name(once) == once


@PROPERTY
@given(st.text(alphabet=st.characters(codec="utf-8", categories=["L", "M", "P", "Z", "N"])))
def test_skeleton_of_a_normalised_name_is_the_skeleton_of_the_name(text: str) -> None:
    assert skeleton(normalize_name(text)) == skeleton(text)


def _corpus(table: str, column: int) -> list[str]:
    return [row[column] for row in rows(table) if len(row) > column and not row[column].isascii()]


UKRAINIAN_NAMES = _corpus(MALE_GIVEN, 0) + _corpus(FEMALE_GIVEN, 0) + _corpus(SURNAMES, 0)
RUSSIAN_NAMES = _corpus(MALE_GIVEN, 1) + _corpus(FEMALE_GIVEN, 1) + _corpus(SURNAMES, 1)
CASINGS = st.sampled_from([str.upper, str.lower, str.title, str])


@PROPERTY
@given(st.sampled_from(UKRAINIAN_NAMES), CASINGS)
def test_skeleton_survives_kmu_transliteration(name: str, casing: object) -> None:
    assert callable(casing)
    cyrillic = casing(name)
    latin = translit(cyrillic, UkrainianKMU)
    assert JaroWinkler.similarity(skeleton(cyrillic), skeleton(latin)) >= 0.9


@PROPERTY
@given(st.sampled_from(RUSSIAN_NAMES), st.sampled_from([RussianGOST2006, RussianICAO]), CASINGS)
def test_skeleton_survives_russian_transliteration(
    name: str, table: type[TransliterationTable], casing: object
) -> None:
    assert callable(casing)
    cyrillic = casing(name)
    latin = translit(cyrillic, table)
    assert JaroWinkler.similarity(skeleton(cyrillic), skeleton(latin)) >= 0.9


@PROPERTY
@given(st.sampled_from([row for row in rows(SURNAMES) if not row[1].isascii()]))
def test_ukrainian_surname_skeleton_meets_its_russian_form_in_latin(row: list[str]) -> None:
    ukrainian, russian = row[0], row[1]
    assert JaroWinkler.similarity(skeleton(ukrainian), skeleton(translit(russian, RussianGOST2006))) >= 0.9


# Letters of both scripts, the key placeholders, separators and a few letters outside the two alphabets.
KEY_ALPHABET = st.sampled_from(
    list("абвгґдеєжзиіїйклмнопрстуфхцчшщьюяыэъёАБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯЫЭЪЁ")
    + list("abcdefghijklmnopqrstuvwxyzSCZXT -'")
    + list("čšžłéЈјЂђ№€")
)


@PROPERTY
@given(st.text(alphabet=KEY_ALPHABET, max_size=20))
def test_fast_byte_paths_agree_with_the_plain_string_paths(text: str) -> None:
    normalised = normalize_name(text)
    # The cp1251 byte route is an optimisation only: it must give what the str.translate route gives.
    assert skeleton(text) == (nz._skeleton_of_rare_letters(normalised) if normalised else "")
    assert romanize(text) == normalised.translate(nz._ROMAN_TABLE)


def test_letters_outside_both_alphabets_pass_through_the_skeleton() -> None:
    assert skeleton("Јовановић") == "јavanavaћ"
    assert skeleton("Ђорђе") == "ђarђa"
