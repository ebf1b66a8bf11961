"""Reading CSV and XLSX lists: encodings, separators, header languages, layout quirks and refusals."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import random
import re
import zipfile

import openpyxl
import pytest

from homebound.core.errors import ValidationFailed
from homebound.core.persons import Registry
from homebound.lists.readers import ListFormat, ListTable, cell_text, read_list
from tests.lists.samples import (
    EXPECTED_CELLS,
    HEADER_CANONICAL,
    HEADER_EN,
    HEADER_RU,
    HEADER_UK,
    PEOPLE,
    csv_text,
    encode,
)


def cells_of(table: ListTable) -> list[dict[str, str | None]]:
    return [row.cells for row in table.rows()]


def refusal(data: bytes, filename: str = "list.csv") -> tuple[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        read_list(data, filename)
    (problem,) = caught.value.problems
    return problem.code, problem.message


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("cp1251", "cp1251"),
        ("utf-16", "utf-16"),  # little-endian with BOM, as Excel's "Unicode text" saves
        ("utf-16-be-bom", "utf-16"),
    ],
)
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_encodings_and_separators(encoding: str, detected: str, delimiter: str) -> None:
    data = encode(csv_text(HEADER_UK, PEOPLE, delimiter=delimiter), encoding)
    table = read_list(data, "список.csv")
    assert (table.format, table.encoding, table.delimiter) == (ListFormat.CSV, detected, delimiter)
    assert table.original_headers == tuple(HEADER_UK)
    assert table.header.problems == ()
    assert cells_of(table) == EXPECTED_CELLS
    assert [row.number for row in table.rows()] == [2, 3, 4]


@pytest.mark.parametrize("header", [HEADER_UK, HEADER_RU, HEADER_EN, HEADER_CANONICAL])
def test_headers_in_each_language_give_the_same_rows(header: list[str]) -> None:
    table = read_list(csv_text(header, PEOPLE).encode("utf-8"), "list.csv")
    assert table.columns == tuple(HEADER_CANONICAL)
    assert cells_of(table) == EXPECTED_CELLS


def test_line_endings_quotes_and_blank_lines() -> None:
    text = (
        "ID,Прізвище,Примітка до провадження\n"
        'UA-1,"Коваленко, старший","рядок один\r\nрядок два"\n'
        "\n"
        'UA-2,"О""Нілл",\n'
        "\r\n\r\n\n"
    )
    table = read_list(text.encode("utf-8"), "list.csv")
    rows = list(table.rows())
    # The quoted line break keeps the record on spreadsheet row 2; the blank line is row 3 and is skipped.
    assert [row.number for row in rows] == [2, 4]
    assert rows[0].cells == {
        "record_id": "UA-1",
        "family_name": "Коваленко, старший",
        "legal_hold_note": "рядок один\r\nрядок два",
    }
    assert rows[1].cells == {"record_id": "UA-2", "family_name": 'О"Нілл', "legal_hold_note": None}


def test_old_mac_line_endings() -> None:
    table = read_list("ID;Прізвище\rUA-1;Шевчук\rUA-2;Мельник\r".encode("cp1251"), "list.csv")
    assert cells_of(table) == [
        {"record_id": "UA-1", "family_name": "Шевчук"},
        {"record_id": "UA-2", "family_name": "Мельник"},
    ]


def test_a_declared_separator_wins_over_counting() -> None:
    text = "sep=,\nID,Прізвище,Примітка до провадження\nUA-1,Ткаченко,ст. 1; ст. 2; ст. 3; ст. 4\n"
    table = read_list(text.encode("utf-8"), "list.csv")
    assert (table.delimiter, table.header_row) == (",", 2)
    assert cells_of(table)[0]["legal_hold_note"] == "ст. 1; ст. 2; ст. 3; ст. 4"


def test_title_rows_above_the_header_are_skipped_and_rows_keep_their_numbers() -> None:
    text = "Список осіб, утримуваних станом на 01.05.2024;;\n;;\nID;Прізвище;Ім'я\nUA-1;Ткаченко;Андрій\n"
    table = read_list(text.encode("utf-8"), "list.csv")
    assert table.header_row == 3
    assert [(row.number, row.cells["family_name"]) for row in table.rows()] == [(4, "Ткаченко")]


def test_ragged_rows_are_named() -> None:
    text = (
        "ID;Прізвище;Ім'я\nUA-1;Ткаченко\nUA-2;Мельник;Ганна;зайве\nUA-3;Лисенко;Ігор;\nUA-4;Гончар;Ірина\n"
    )
    rows = list(read_list(text.encode("utf-8"), "list.csv").rows())
    assert [(row.number, [p.code for p in row.problems]) for row in rows] == [
        (2, ["ragged_row"]),
        (3, ["ragged_row"]),
        (4, []),  # a trailing empty cell is what Excel leaves behind, not a shifted row
        (5, []),
    ]
    assert rows[0].problems[0].message == "row has 2 cells but the header has 3"


def test_a_value_under_a_blank_header_is_a_problem() -> None:
    text = "ID;;Прізвище\nUA-1;;Ткаченко\nUA-2;забуте;Мельник\n"
    rows = list(read_list(text.encode("utf-8"), "list.csv").rows())
    assert [[p.code for p in row.problems] for row in rows] == [[], ["unnamed_column"]]


def test_formula_guards_written_by_our_export_are_removed() -> None:
    text = "ID;Прізвище;Звання\nUA-1;'=ТКАЧЕНКО;'-\nUA-2;'Коваленко;''+x\n"
    assert cells_of(read_list(text.encode("utf-8"), "list.csv")) == [
        {"record_id": "UA-1", "family_name": "=ТКАЧЕНКО", "rank": "-"},
        {"record_id": "UA-2", "family_name": "'Коваленко", "rank": "'+x"},
    ]


@pytest.mark.parametrize(
    "data",
    [b"", b"\n\n\r\n", b"   ", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF8 + b"\r\n;;\r\n"],
)
def test_empty_files_are_refused(data: bytes) -> None:
    code, _ = refusal(data)
    assert code == "empty"


@pytest.mark.parametrize(
    "data",
    [b"record_id;family_name\n", b"record_id;family_name\r\n\r\n;\r\n", "ID,Прізвище".encode("cp1251")],
)
def test_header_only_is_refused(data: bytes) -> None:
    with pytest.raises(ValidationFailed) as caught:
        read_list(data, "list.csv")
    (problem,) = caught.value.problems
    assert (problem.code, problem.row) == ("empty", 1)


def _utf16_without_bom() -> bytes:
    return csv_text(HEADER_UK, PEOPLE).encode("utf-16-le")


def _random_bytes() -> bytes:
    return random.Random(3).randbytes(4096)


def _broken_utf8() -> bytes:
    good = csv_text(HEADER_UK, PEOPLE).encode("utf-8")
    return good[:60] + b"\xff" + good[60:]


@pytest.mark.parametrize(
    "data",
    [
        _utf16_without_bom(),
        _random_bytes(),
        _broken_utf8(),
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\x00\x01\x02",
        bytes(range(1, 32)) * 20,
        codecs.BOM_UTF16_LE + b"\x00\xd8",  # a lone surrogate: not UTF-16 text
    ],
    ids=["utf16-no-bom", "random", "broken-utf8", "pdf", "control-chars", "bad-utf16"],
)
def test_binary_and_undecodable_files_are_refused(data: bytes) -> None:
    code, message = refusal(data)
    assert code == "encoding"
    assert message


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "list.xls"),
        (b"ID;Surname\n1;X\n", "list.xlsx"),
        (b"PK\x03\x04 truncated", "list.xlsx"),
    ],
    ids=["old-xls", "csv-named-xlsx", "truncated-zip"],
)
def test_files_that_are_not_csv_or_xlsx_are_refused(data: bytes, filename: str) -> None:
    code, _ = refusal(data, filename)
    assert code == "format"


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", "<office:document/>")  # an OpenDocument sheet, say
    code, message = refusal(buffer.getvalue(), "list.ods")
    assert code == "format"
    assert "xlsx" in message


# --- XLSX ---------------------------------------------------------------------------------------


def workbook_bytes(*sheets: tuple[str, list[list[object]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        ("Коваленко", "Коваленко"),
        ("", ""),
        (1234.0, "1234"),  # a service number Excel stored as a float
        (1234, "1234"),
        (-7.0, "-7"),
        (12.5, "12.5"),
        (True, "true"),
        (dt.datetime(1994, 3, 12, 0, 0), "1994-03-12"),
        (dt.datetime(2023, 5, 2, 14, 30), "2023-05-02"),
        (dt.date(1990, 1, 31), "1990-01-31"),
        (dt.time(10, 30), "10:30:00"),
    ],
)
def test_cell_text(value: object, text: str | None) -> None:
    assert cell_text(value) == text


def test_xlsx_dates_and_numbers_become_list_text() -> None:
    data = workbook_bytes(
        (
            "Аркуш1",
            [
                ["ID", "Прізвище", "Дата народження", "Особистий номер", "Дата полону", "Військова частина"],
                [101, "Коваленко", dt.datetime(1994, 3, 12), 1234.0, dt.date(2023, 5, 1), None],
                ["UA-2", "Шевчук", 1990, 12345678901, dt.datetime(2023, 5, 2, 14, 30), 12.5],
            ],
        )
    )
    table = read_list(data, "list.xlsx")
    assert (table.format, table.sheet) == (ListFormat.XLSX, "Аркуш1")
    assert cells_of(table) == [
        {
            "record_id": "101",
            "family_name": "Коваленко",
            "date_of_birth": "1994-03-12",
            "service_number": "1234",
            "capture_date": "2023-05-01",
            "unit": None,
        },
        {
            "record_id": "UA-2",
            "family_name": "Шевчук",
            "date_of_birth": "1990",
            "service_number": "12345678901",
            "capture_date": "2023-05-02",
            "unit": "12.5",
        },
    ]


def test_xlsx_sheet_named_for_the_registry_is_chosen() -> None:
    data = workbook_bytes(
        ("Інструкція", [["Заповніть аркуш «Утримувані»"]]),
        ("Утримувані", [["ID", "Прізвище"], ["UA-1", "Гончар"]]),
    )
    assert read_list(data, "list.xlsx", registry=Registry.HELD).sheet == "Утримувані"
    with pytest.raises(ValidationFailed):
        read_list(data, "list.xlsx")  # the first sheet has no rows under its "header"


def test_xlsx_with_a_wrong_recorded_size_still_gives_every_row() -> None:
    data = workbook_bytes(("list", [["ID", "Прізвище"], ["UA-1", "Гончар"], ["UA-2", "Лисенко"]]))
    source, patched = io.BytesIO(data), io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(patched, "w") as copy:
        for item in original.infolist():
            content = original.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content, count = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', content)
                assert count == 1
            copy.writestr(item, content)
    rows = cells_of(read_list(patched.getvalue(), "list.xlsx"))
    assert [r["family_name"] for r in rows] == ["Гончар", "Лисенко"]


def test_xlsx_blank_rows_are_skipped_and_numbered_as_in_excel() -> None:
    data = workbook_bytes(
        ("list", [["ID", "Прізвище"], [None, None], ["UA-1", "Гончар"], [], ["UA-2", "Лисенко"]])
    )
    assert [row.number for row in read_list(data, "list.xlsx").rows()] == [3, 5]


def test_xlsx_extra_cells_beyond_the_header_are_ragged() -> None:
    data = workbook_bytes(("list", [["ID", "Прізвище"], ["UA-1", "Гончар", "зайве"], ["UA-2", "Лисенко"]]))
    rows = list(read_list(data, "list.xlsx").rows())
    assert [[p.code for p in row.problems] for row in rows] == [["ragged_row"], []]


def test_xlsx_header_only_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        read_list(workbook_bytes(("list", [["ID", "Прізвище"]])), "list.xlsx")
    assert [p.code for p in caught.value.problems] == ["empty"]


@pytest.mark.parametrize(
    ("encoding", "reported", "family", "given", "second"),
    [
        ("koi8_r", "koi8_r", "Коваленко", "Александр", "Иванов;Сергей"),  # as Windows-1251: «йЧБОПЧ»
        ("cp1251", "cp1251", "Коваленко", "Олександр", "Шевчук;Андрій"),
        ("latin-1", "cp1252", "Müller", "Jürgen", "Schäfer;Björn"),  # as Windows-1251: «Mьller»
    ],
)
def test_single_byte_encodings_are_detected(
    encoding: str, reported: str, family: str, given: str, second: str
) -> None:
    text = f"record_id;family_name;given_name\nX-1;{family};{given}\nX-2;{second}\n"
    table = read_list(text.encode(encoding), "list.csv")
    assert table.encoding == reported
    first = next(table.rows())
    assert (first.cells["family_name"], first.cells["given_name"]) == (family, given)
