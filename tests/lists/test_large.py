"""A 100,000-row list read and validated in one go, with a few faults planted far down the file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from homebound.core.dates import PartialDate
from homebound.core.persons import Registry, Sex
from homebound.lists.readers import read_list
from homebound.lists.validate import validate_table

ROWS = 100_000
FAMILY = ["Коваленко", "Шевчук", "Бондаренко", "Ткаченко", "Мельник", "Иванов", "Смирнов", "KOVALENKO"]
GIVEN = ["Олександр", "Андрій", "Микола", "Марія", "Александр", "Сергей", "Надія"]
# Spreadsheet row -> (column index, bad value): one bad date, one bad sex, one repeated id.
PLANTED = {50_001: (4, "31.02.1990"), 77_777: (3, "?!"), 99_999: (0, "UA-0000009")}


@pytest.fixture(scope="module")
def big_list(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lists") / "held.csv"
    with path.open("w", encoding="cp1251", newline="") as stream:
        writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
        writer.writerow(["№ з/п", "ID", "Прізвище", "Ім'я", "Стать", "Дата народження", "Особистий номер"])
        for index in range(ROWS):
            row = [
                str(index + 1),
                f"UA-{index:07d}",
                FAMILY[index % len(FAMILY)],
                GIVEN[index % len(GIVEN)],
                "ч" if index % 3 else "жін",
                f"{1 + index % 28:02d}.{1 + index % 12:02d}.{1960 + index % 40}",
                f"{index * 7:08d}",
            ]
            planted = PLANTED.get(index + 2)
            if planted:
                row[planted[0] + 1] = planted[1]
            writer.writerow(row)
    return path


def test_a_100k_row_list_reads_and_validates(big_list: Path) -> None:
    table = read_list(big_list.read_bytes(), big_list.name)
    assert (table.encoding, table.delimiter) == ("cp1251", ";")
    checked = validate_table(table, Registry.HELD)
    assert [(p.row, p.field, p.code) for p in checked.problems] == [
        (50_001, "date_of_birth", "invalid_value"),
        (77_777, "sex", "invalid_value"),
        (99_999, "record_id", "duplicate_id"),
    ]
    assert "rows 11 and 99999" in checked.problems[2].message
    assert len(checked.rows) == ROWS - 2  # the duplicate itself is a valid row; the list is still refused
    first, last = checked.rows[0], checked.rows[-1]
    assert (first.record_id, first.fields.family_name, first.fields.sex) == (
        "UA-0000000",
        "Коваленко",
        Sex.FEMALE,
    )
    assert first.fields.date_of_birth == PartialDate(1960, 1, 1)
    assert first.fields.service_number == "00000000"
    assert (last.record_id, checked.row_numbers[-1]) == ("UA-0099999", 100_001)
    assert last.fields.date_of_birth == PartialDate(1999, 4, 12)  # 99999 % 28 = 11, % 12 = 3, % 40 = 39
