"""Given-name and patronymic classes: every hand-typed spelling of a name lands in one class."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from homebound.core.matching.names import (
    UNKNOWN_MARK,
    class_initials,
    father_class,
    given_name_class,
    given_name_classes,
    given_name_key,
    hand_checked_class_ids,
    is_diminutive,
    name_class_info,
    patronymic_class,
    patronymic_key,
)
from homebound.core.matching.normalize import normalize_name, skeleton
from tests.core.matching.name_tables import (
    DIMINUTIVES,
    FEMALE_GIVEN,
    MALE_GIVEN,
    patronymic_rows,
    rows,
)

MALE_ROWS = rows(MALE_GIVEN)
FEMALE_ROWS = rows(FEMALE_GIVEN)


def _row_id(row: list[str]) -> str:
    return row[0]


@pytest.mark.parametrize("row", MALE_ROWS, ids=_row_id)
def test_every_spelling_of_a_male_name_maps_to_one_class(row: list[str]) -> None:
    expected = given_name_class(row[0])
    assert expected is not None
    assert [given_name_class(spelling) for spelling in row] == [expected] * len(row)
    info = name_class_info(expected)
    assert info is not None
    assert info.sex == "m"
    assert info.hand_checked


@pytest.mark.parametrize("row", FEMALE_ROWS, ids=_row_id)
def test_every_spelling_of_a_female_name_maps_to_one_class(row: list[str]) -> None:
    expected = given_name_class(row[0])
    assert expected is not None
    assert [given_name_class(spelling) for spelling in row] == [expected] * len(row)
    info = name_class_info(expected)
    assert info is not None
    assert info.sex == "f"
    assert info.hand_checked


def test_each_row_is_its_own_class_and_every_hand_class_has_a_row() -> None:
    classes = [given_name_class(row[0]) for row in MALE_ROWS + FEMALE_ROWS]
    assert len(set(classes)) == len(classes)
    assert set(classes) == hand_checked_class_ids()


@pytest.mark.parametrize("spelling", ["ОЛЕКСАНДР", "олександр", "OLEKSANDR", "Олександр ", "Oлександр"])
def test_capitals_spaces_and_look_alike_letters_do_not_change_the_class(spelling: str) -> None:
    assert given_name_class(spelling) == given_name_class("Олександр")


@pytest.mark.parametrize("row", rows(DIMINUTIVES), ids=_row_id)
def test_diminutives_belong_to_their_full_name_class(row: list[str]) -> None:
    full = given_name_class(row[0])
    assert full is not None
    for diminutive in row[1:]:
        assert full in given_name_classes(diminutive)
        assert is_diminutive(diminutive)
    assert not is_diminutive(row[0])


def test_an_ambiguous_diminutive_keeps_every_reading() -> None:
    readings = given_name_classes("Саша")
    assert given_name_class("Олександр") in readings
    assert given_name_class("Олександра") in readings
    assert len(set(given_name_classes("Слава"))) >= 3


@pytest.mark.parametrize(("father", "male", "female"), patronymic_rows(), ids=lambda v: str(v)[:12])
def test_patronymics_map_to_the_fathers_class_plus_sex(
    father: str, male: list[str], female: list[str]
) -> None:
    male_class = patronymic_class(male[0])
    female_class = patronymic_class(female[0])
    assert male_class is not None
    assert female_class is not None
    assert [patronymic_class(p) for p in male] == [male_class] * len(male)
    assert [patronymic_class(p) for p in female] == [female_class] * len(female)
    assert male_class != female_class
    assert father_class(male_class) == father_class(female_class) == given_name_class(father)


@pytest.mark.parametrize("unknown", ["Qwzxv", "Ъыъ", "", "1234"])
def test_unknown_names_have_no_class_and_fall_back_to_the_skeleton(unknown: str) -> None:
    assert given_name_class(unknown) is None
    assert patronymic_class(unknown) is None
    assert given_name_key(unknown) == UNKNOWN_MARK + skeleton(unknown)
    assert patronymic_key(unknown) == UNKNOWN_MARK + skeleton(unknown)


def test_keys_are_class_ids_for_known_names() -> None:
    assert given_name_key("Alexander") == given_name_class("Олександр")
    assert patronymic_key("Iurievich") == patronymic_class("Юрійович")


def test_a_double_given_name_unknown_as_a_whole_is_classed_by_its_first_part() -> None:
    assert given_name_class("Ярослав-Qwzxv") == given_name_class("Ярослав")


def test_latin_letters_with_diacritics_fold_to_plain_spellings() -> None:
    assert given_name_class("Mychajło") == given_name_class("Михайло")
    assert given_name_class("Sergéy") == given_name_class("Сергій")


@pytest.mark.parametrize(
    ("class_of", "letters"),
    [("Олександр", {"o", "a"}), ("Микола", {"m", "n"}), ("Ганна", {"h", "g", "a"}), ("Хома", {"k", "f"})],
)
def test_class_initials_cover_ukrainian_and_russian_forms(class_of: str, letters: set[str]) -> None:
    class_id = given_name_class(class_of)
    assert class_id is not None
    assert letters <= class_initials(class_id)


def _data_file() -> dict[str, object]:
    text = resources.files("homebound.core.matching").joinpath("data", "given_names.json").read_text("utf8")
    document = json.loads(text)
    assert isinstance(document, dict)
    return document


def test_data_file_records_its_provenance() -> None:
    header = _data_file()["header"]
    assert isinstance(header, dict)
    names = [source["name"] for source in header["sources"]]
    assert any("names-translator" in name for name in names)
    assert any("hand_names" in name for name in names)
    assert {source["licence"] for source in header["sources"]} <= {"MIT", "Apache-2.0 (Homebound)"}
    assert header["built"]


def test_data_file_keys_are_normalised_spellings() -> None:
    document = _data_file()
    for table in ("given_names", "diminutives", "patronymics"):
        forms = document[table]
        assert isinstance(forms, dict)
        assert all(normalize_name(form) == form for form in forms)


# A Ukrainian name a Russian clerk wrote by ear: и heard as ы, і as и (issue 14).
BY_EAR = [
    ("given", "Васыль", "Василь"),
    ("given", "Володымыр", "Володимир"),
    ("given", "Максым", "Максим"),
    ("patronymic", "Сергийовыч", "Сергійович"),
    ("patronymic", "Васыльовыч", "Васильович"),
    ("patronymic", "Ивановыч", "Іванович"),
]


@pytest.mark.parametrize(("kind", "heard", "written"), BY_EAR)
def test_a_name_written_by_ear_keeps_its_class(kind: str, heard: str, written: str) -> None:
    find = given_name_class if kind == "given" else patronymic_class
    assert find(written) is not None
    assert find(heard) == find(written)
