"""Header mapping: every column in three languages, spelling variants, and the header-row problems."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from homebound.core.person_input import IMPORT_COLUMNS
from homebound.lists.headers import HeaderLanguage, column_for, label, map_headers, normalise_header

CYRILLIC = re.compile("[а-яіїєґё]", re.IGNORECASE)


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Прізвище", "family_name"),
        ("ПРІЗВИЩЕ", "family_name"),
        ("Фамилия", "family_name"),
        ("Surname", "family_name"),
        ("Last name", "family_name"),
        ("last_name", "family_name"),
        ("Ім'я", "given_name"),
        ("Імʼя", "given_name"),  # U+02BC, the apostrophe Ukrainian orthography prescribes
        ("Ім’я", "given_name"),  # U+2019, what word processors type
        ("Імя", "given_name"),
        ("Имя", "given_name"),
        ("First name", "given_name"),
        ("По батькові", "patronymic"),
        ("Отчество", "patronymic"),
        ("Дата народження", "date_of_birth"),
        ("Дата народження (дд.мм.рррр)", "date_of_birth"),
        ("Дата рождения", "date_of_birth"),
        ("  дата   РОЖДЕНИЯ: ", "date_of_birth"),
        ("DOB", "date_of_birth"),
        ("Д.Н.", "date_of_birth"),
        ("Стать", "sex"),
        ("Пол", "sex"),
        ("Військове звання", "rank"),
        ("Звание", "rank"),
        ("Rank", "rank"),
        ("Особистий номер", "service_number"),
        ("Личный номер", "service_number"),
        ("Service number", "service_number"),
        ("Військова частина", "unit"),
        ("в/ч", "unit"),
        ("В/Ч", "unit"),
        ("Воинская часть", "unit"),
        ("Unit", "unit"),
        ("Місце народження", "place_of_birth"),
        ("Место рождения", "place_of_birth"),
        ("Дата полону", "capture_date"),
        ("Дата пленения", "capture_date"),
        ("Місце утримання", "detention_place"),
        ("Место содержания", "detention_place"),
        ("Ім'я батька", "father_given_name"),
        ("Father’s name", "father_given_name"),
        ("Девичья фамилия матери", "mother_maiden_name"),
        ("Record_ID", "record_id"),
        ("record id", "record_id"),
        ("ＩＤ", "record_id"),  # full-width Latin from an East Asian input method folds by NFKC
    ],
)
def test_header_variants_map_to_their_field(header: str, column: str) -> None:
    assert column_for(header) == column


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Ёлка", "елка"),
        ("  Дата  народження  ", "дата народження"),
        ("date_of_birth", "date of birth"),
        ("Імʼя", "імя"),
        ("Ім’я", "імя"),
        ("в/ч", "в ч"),
        ("Прізвище*", "прізвище"),
        ("Дата (дд.мм.рррр)", "дата"),
        ("№ з/п", "no з п"),
    ],
)
def test_normalise_header(text: str, folded: str) -> None:
    assert normalise_header(text) == folded


@pytest.mark.parametrize("column", IMPORT_COLUMNS)
def test_every_column_is_accepted_by_name_and_in_three_languages(column: str) -> None:
    assert column_for(column) == column
    for language in HeaderLanguage:
        assert column_for(label(column, language)) == column
    assert not CYRILLIC.search(label(column, HeaderLanguage.EN))
    assert CYRILLIC.search(label(column, HeaderLanguage.UK))
    assert CYRILLIC.search(label(column, HeaderLanguage.RU))


def test_a_clean_header_maps_in_order_without_problems() -> None:
    header = map_headers(["ID", "Прізвище", "Дата народження"])
    assert header.columns == ("record_id", "family_name", "date_of_birth")
    assert header.problems == ()


def test_unknown_column_is_named_on_the_header_row() -> None:
    header = map_headers(["record_id", "family_name", "Група крові"])
    assert [(p.code, p.row, p.column) for p in header.problems] == [("unknown_column", 1, "Група крові")]
    assert header.columns == ("record_id", "family_name", None)


def test_duplicate_column_names_both_positions() -> None:
    header = map_headers(["record_id", "Прізвище", "Фамилия"])
    (problem,) = header.problems
    assert (problem.code, problem.field, problem.column, problem.row) == (
        "duplicate_column",
        "family_name",
        "Фамилия",
        1,
    )
    assert "2" in problem.message
    assert "3" in problem.message


@pytest.mark.parametrize(
    ("headers", "missing"),
    [
        (["Прізвище", "Ім'я"], ["record_id"]),
        (["ID", "Ім'я"], ["family_name"]),
        (["Ім'я", "Стать"], ["record_id", "family_name"]),
    ],
)
def test_missing_required_column(headers: list[str], missing: list[str]) -> None:
    problems = map_headers(headers, row=3).problems
    assert [(p.code, p.field, p.row) for p in problems] == [("missing_column", m, 3) for m in missing]


def test_running_number_columns_are_dropped_silently() -> None:
    header = map_headers(["№ з/п", "#", "№ п/п", "ID", "Прізвище"])
    assert header.problems == ()
    assert header.columns == (None, None, None, "record_id", "family_name")
    assert header.unnamed == frozenset()


def test_blank_header_cells_are_unnamed_not_unknown() -> None:
    header = map_headers(["ID", None, "Прізвище", "  "])
    assert header.problems == ()
    assert header.unnamed == frozenset({1, 3})


def test_a_row_of_data_is_not_echoed_as_unknown_columns() -> None:
    # A file without a header: its first row is a person; the problem must not carry the name or date.
    problems = map_headers(["Коваленко", "Олександр", "12.03.1994"]).problems
    assert [p.code for p in problems] == ["no_header", "missing_column", "missing_column"]
    for problem in problems:
        for value in ("Коваленко", "Олександр", "12.03.1994"):
            assert value not in problem.message
            assert value != problem.column


def test_lists_package_stays_off_the_web_orm_and_services() -> None:
    package = Path(__file__).parents[2] / "src" / "homebound" / "lists"
    forbidden = (
        "fastapi",
        "starlette",
        "sqlalchemy",
        "alembic",
        "homebound.services",
        "homebound.db",
        "homebound.web",
    )
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith(forbidden), f"{source.name} imports {name}"
