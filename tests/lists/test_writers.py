"""Writing lists as CSV and XLSX, and reading them back to the same rows."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import openpyxl
import pytest

from homebound.core.person_input import IMPORT_COLUMNS
from homebound.core.persons import Registry
from homebound.lists.headers import HeaderLanguage
from homebound.lists.readers import read_list
from homebound.lists.validate import validate_rows
from homebound.lists.writers import (
    iter_csv,
    person_values,
    save_csv,
    save_xlsx,
    write_csv,
    write_xlsx,
)
from tests.lists.samples import HEADER_UK, PEOPLE, csv_text

EXPORT_ROWS: list[dict[str, str | None]] = [
    {
        "record_id": "UA-001",
        "family_name": "Коваленко",
        "given_name": "Олександр",
        "patronymic": "Іванович",
        "sex": "male",
        "date_of_birth": "1994-03-12",
        "place_of_birth": "м. Харків, вул. Сумська, 1",
        "rank": "старший сержант",
        "service_number": "0012345",
        "unit": 'в/ч А1234 "Схід"',
        "category": "pow",
        "status": "held",
        "capture_date": "2023-05-01",
        "detention_place": "СІЗО-1",
        "capture_card_sent_on": "2023-05-06",
        "health": "wounded",
        "will_to_return": "confirmed",
        "will_verified_by": "МКЧХ",
        "will_verified_on": "2023-06-01",
    },
    {
        "record_id": "RU-77",
        "family_name": '=HYPERLINK("http://example.invalid")',  # a hostile cell must stay text
        "given_name": "#N/A",
        "patronymic": "-",
        "rank": "'+1",
        "date_of_birth": "1990-07",
        "legal_hold": "proceedings",
        "legal_hold_note": "ст. 438; 'мітка'",
    },
    {"record_id": "0042", "family_name": "O'Neill", "date_of_birth": "1988"},
]


def as_read(rows: list[dict[str, str | None]]) -> list[dict[str, str | None]]:
    """What reading an export gives: every column present, blanks as None."""
    return [{column: row.get(column) or None for column in IMPORT_COLUMNS} for row in rows]


@pytest.mark.parametrize("language", list(HeaderLanguage))
@pytest.mark.parametrize("bom", [True, False])
def test_csv_round_trip(language: HeaderLanguage, bom: bool) -> None:
    data = write_csv(EXPORT_ROWS, language=language, bom=bom)
    assert data.startswith(codecs.BOM_UTF8) is bom
    table = read_list(data, "export.csv")
    assert table.header.problems == ()
    assert table.columns == IMPORT_COLUMNS
    assert table.delimiter == (";" if language in (HeaderLanguage.UK, HeaderLanguage.RU) else ",")
    assert [row.cells for row in table.rows()] == as_read(EXPORT_ROWS)


@pytest.mark.parametrize("language", list(HeaderLanguage))
def test_xlsx_round_trip(language: HeaderLanguage) -> None:
    table = read_list(write_xlsx(EXPORT_ROWS, language=language, sheet_title="held"), "export.xlsx")
    assert table.header.problems == ()
    assert table.sheet == "held"
    assert [row.cells for row in table.rows()] == as_read(EXPORT_ROWS)


def test_uk_headers_are_written_in_ukrainian() -> None:
    first_line = write_csv([], language=HeaderLanguage.UK, bom=False).decode("utf-8").splitlines()[0]
    assert first_line.split(";")[:3] == ["Ідентифікатор запису", "Прізвище", "Ім'я"]


def test_csv_guards_formulas_against_spreadsheet_injection() -> None:
    lines = write_csv(EXPORT_ROWS[1:2], bom=False).decode("utf-8").splitlines()
    cells = lines[1].split(",")
    assert cells[1] == '"\'=HYPERLINK(""http://example.invalid"")"'
    assert "'-" in cells
    assert "''+1" in cells


def test_xlsx_keeps_formula_like_and_error_like_text_as_text() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(write_xlsx(EXPORT_ROWS)))
    sheet = workbook.active
    family, given = sheet.cell(row=3, column=2), sheet.cell(row=3, column=3)
    assert (family.data_type, family.value) == ("s", '=HYPERLINK("http://example.invalid")')
    assert (given.data_type, given.value) == ("s", "#N/A")
    assert sheet.cell(row=4, column=1).value == "0042"  # leading zeros of an id survive


def test_round_trip_through_validated_persons() -> None:
    source = read_list(csv_text(HEADER_UK, PEOPLE).encode("cp1251"), "list.csv")
    persons, problems = validate_rows(source, Registry.HELD)
    assert problems == []
    exported = [person_values(p) for p in persons]
    for data, name in ((write_csv(exported), "again.csv"), (write_xlsx(exported), "again.xlsx")):
        again, problems = validate_rows(read_list(data, name), Registry.HELD)
        assert problems == []
        assert again == persons


def test_person_values_are_in_import_column_order_and_iso() -> None:
    source = read_list(csv_text(HEADER_UK, PEOPLE).encode(), "list.csv")
    persons, _ = validate_rows(source, Registry.HELD)
    values = person_values(persons[0])
    assert tuple(values) == IMPORT_COLUMNS
    assert (values["date_of_birth"], values["sex"], values["category"], values["status"]) == (
        "1994-03-12",
        "male",
        "pow",
        None,
    )


def test_iter_csv_streams_in_chunks() -> None:
    rows = [{"record_id": f"UA-{n:06d}", "family_name": "Коваленко"} for n in range(5000)]
    chunks = list(iter_csv(rows))
    assert len(chunks) > 1
    assert b"".join(chunks) == write_csv(rows)
    assert b"".join(chunks).count(b"\r\n") == 5001


def test_save_to_a_path_and_to_a_stream(tmp_path: Path) -> None:
    save_csv(EXPORT_ROWS, tmp_path / "held.csv", language=HeaderLanguage.RU)
    stream = io.BytesIO()
    save_xlsx(EXPORT_ROWS, stream)
    for data, name in (((tmp_path / "held.csv").read_bytes(), "held.csv"), (stream.getvalue(), "held.xlsx")):
        assert [row.cells for row in read_list(data, name).rows()] == as_read(EXPORT_ROWS)


def test_a_key_outside_the_columns_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not export columns"):
        write_csv([{"record_id": "1", "family_name": "X", "password": "secret"}])
