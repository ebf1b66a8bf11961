"""Validating a whole list: every bad row named by row and column, list-wide checks, no values in messages."""

from __future__ import annotations

import datetime as dt

import pytest

from homebound.core.dates import PartialDate
from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.core.person_input import PersonInput
from homebound.core.persons import Registry
from homebound.lists.readers import read_list
from homebound.lists.validate import MAX_PROBLEMS, describe, load_person_rows, validate_rows, validate_table
from tests.lists.samples import HEADER_UK, PEOPLE, csv_text


def check(
    text: str, registry: Registry = Registry.HELD, *, max_problems: int = MAX_PROBLEMS
) -> tuple[list[PersonInput], list[FieldProblem]]:
    table = read_list(text.encode("utf-8"), "list.csv")
    return validate_rows(table, registry, max_problems=max_problems)


def test_a_clean_list_gives_every_person_and_no_problem() -> None:
    persons, problems = validate_rows(
        read_list(csv_text(HEADER_UK, PEOPLE).encode(), "list.csv"), Registry.HELD
    )
    assert problems == []
    assert [p.record_id for p in persons] == ["UA-001", "UA-002", "UA-003"]
    assert persons[0].fields.date_of_birth == PartialDate(1994, 3, 12)
    assert persons[1].fields.date_of_birth == PartialDate(1990)
    assert persons[2].fields.date_of_birth == PartialDate(1988, 7)


@pytest.mark.parametrize(
    ("header", "value", "field", "reason"),
    [
        ("Дата народження", "31.13.1990", "date_of_birth", "month must be between 1 and 12"),
        ("Дата народження", "30.02.1994", "date_of_birth", "no such day in that month"),
        ("Дата рождения", "1894", "date_of_birth", "year must be between 1900 and 2100"),
        ("DOB", "вчора", "date_of_birth", "expected a date like"),
        ("Дата полону", "05.2023", "capture_date", "a full date is required here"),
        ("Дата пленения", "2023", "capture_date", "a full date is required here"),
        ("Capture date", "2023-02-29", "capture_date", "no such day in that month"),
    ],
)
def test_bad_and_partial_dates_name_row_and_column_but_not_the_value(
    header: str, value: str, field: str, reason: str
) -> None:
    text = csv_text(["ID", "Прізвище", header], [["UA-1", "Коваленко", ""], ["UA-2", "Шевчук", value]])
    persons, problems = check(text)
    (problem,) = problems
    assert (problem.row, problem.field, problem.column, problem.code) == (3, field, header, "invalid_value")
    assert reason in problem.message
    assert value not in problem.message
    assert len(persons) == 1
    assert describe(problem) == f"row 3, column {header}: {problem.message}"


def test_every_bad_row_is_reported_not_just_the_first() -> None:
    rows = [["UA-1", "Коваленко", "ч"], ["UA-2", "", "ч"], ["UA-3", "Шевчук", "x"], ["", "Мельник", "жін"]]
    _, problems = check(csv_text(["ID", "Прізвище", "Стать"], rows))
    assert [(p.row, p.field, p.code) for p in problems] == [
        (3, "family_name", "required"),
        (4, "sex", "invalid_value"),
        (5, "record_id", "required"),
    ]


def test_duplicate_ids_name_both_rows() -> None:
    rows = [
        ["A-1", "Коваленко"],
        ["A-2", "Шевчук"],
        [" A-1 ", "Мельник"],
        ["A-2", "Гончар"],
        ["a-1", "Лисенко"],
    ]
    _, problems = check(csv_text(["ID", "Прізвище"], rows))
    assert [(p.row, p.code, p.column, p.message) for p in problems] == [
        (4, "duplicate_id", "ID", "rows 2 and 4 have the same record_id"),
        (5, "duplicate_id", "ID", "rows 3 and 5 have the same record_id"),
    ]


def test_ids_equal_after_unicode_normalisation_are_duplicates() -> None:
    composed, decomposed = "Й-7", "И\u0306-7"
    _, problems = check(csv_text(["ID", "Прізвище"], [[composed, "Коваленко"], [decomposed, "Шевчук"]]))
    assert [p.code for p in problems] == ["duplicate_id"]


def test_missing_required_column_is_reported_once_not_per_row() -> None:
    rows = [["Коваленко", "Олександр"], ["Шевчук", "Марія"], ["Мельник", "Ганна"]]
    persons, problems = check(csv_text(["Прізвище", "Ім'я"], rows))
    assert [(p.code, p.field, p.row) for p in problems] == [("missing_column", "record_id", 1)]
    assert persons == []


def test_header_problems_come_with_row_problems() -> None:
    text = csv_text(["ID", "Прізвище", "Група крові"], [["UA-1", "Коваленко", "II+"], ["UA-2", "", "I-"]])
    _, problems = check(text)
    assert [(p.code, p.row, p.column) for p in problems] == [
        ("unknown_column", 1, "Група крові"),
        ("required", 3, "Прізвище"),
    ]


def test_a_ragged_row_is_reported_once_and_not_parsed_field_by_field() -> None:
    text = csv_text(
        ["ID", "Прізвище", "Дата народження"], [["UA-1", "Коваленко", "1990"], ["UA-2", "99.99.9999"]]
    )
    _, problems = check(text)
    assert [(p.row, p.code) for p in problems] == [(3, "ragged_row")]


def test_problems_are_capped_with_a_count_of_the_rest() -> None:
    rows = [[f"UA-{n}", "Коваленко", "13.13.1990"] for n in range(30)]
    _, problems = check(csv_text(["ID", "Прізвище", "Дата народження"], rows), max_problems=10)
    assert len(problems) == 11
    assert [p.row for p in problems[:10]] == list(range(2, 12))
    assert (problems[-1].code, problems[-1].message) == (
        "too_many_problems",
        "and 20 more problems not listed",
    )


def test_messages_never_carry_the_values() -> None:
    secret = ["ЗАСЕКРЕЧЕНО-1", "Ґудзь-Секрет", "31.31.1931", "невідома-стать", "здоровий-дуже", "x" * 250]
    header = ["ID", "Прізвище", "Дата народження", "Стать", "Стан здоров'я", "Ім'я"]
    rows = [
        [secret[0], secret[1], secret[2], secret[3], secret[4], secret[5]],
        [secret[0], "", "", "", "", ""],
    ]
    _, problems = check(csv_text(header, rows))
    assert {p.code for p in problems} >= {"invalid_value", "duplicate_id", "required"}
    for problem in problems:
        for value in secret:
            assert value not in problem.message
            assert value not in describe(problem)


def test_status_the_registry_cannot_start_in_is_a_row_problem() -> None:
    text = csv_text(
        ["ID", "Прізвище", "Статус"], [["UA-1", "Коваленко", "held"], ["UA-2", "Шевчук", "missing"]]
    )
    _, held = check(text, Registry.HELD)
    _, sought = check(text, Registry.SOUGHT)
    assert [(p.row, p.field) for p in held] == [(3, "status")]
    assert [(p.row, p.field) for p in sought] == [(2, "status")]


def test_validate_table_keeps_row_numbers_of_valid_rows() -> None:
    text = "Список\n\nID;Прізвище\nUA-1;Коваленко\n\nUA-2;Шевчук\nUA-3;\n"
    checked = validate_table(read_list(text.encode(), "list.csv"), Registry.HELD)
    assert [p.record_id for p in checked.rows] == ["UA-1", "UA-2"]
    assert checked.row_numbers == [4, 6]
    assert [p.row for p in checked.problems] == [7]


def test_progress_reports_the_final_count() -> None:
    seen: list[int] = []
    rows = [[f"UA-{n}", "Коваленко"] for n in range(2500)]
    validate_rows(
        read_list(csv_text(["ID", "Прізвище"], rows).encode(), "list.csv"),
        Registry.HELD,
        progress=seen.append,
    )
    assert seen == [1000, 2000, 2500]


def test_load_person_rows_is_all_or_nothing() -> None:
    good = csv_text(["ID", "Прізвище", "Дата полону"], [["UA-1", "Коваленко", "01.05.2023"]]).encode()
    (person,) = load_person_rows(good, "list.csv", Registry.HELD)
    assert person.fields.capture_date == dt.date(2023, 5, 1)
    bad = csv_text(["ID", "Прізвище"], [["UA-1", "Коваленко"], ["UA-2", ""]]).encode()
    with pytest.raises(ValidationFailed) as caught:
        load_person_rows(bad, "list.csv", Registry.HELD)
    assert [(p.row, p.code) for p in caught.value.problems] == [(3, "required")]


def test_describe_without_a_location() -> None:
    problem = FieldProblem("file", "empty", "the file is empty")
    assert describe(problem) == "the file is empty"
