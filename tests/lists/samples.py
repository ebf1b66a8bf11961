"""Synthetic lists for the list tests: invented people, written out by hand rather than by our writers."""

from __future__ import annotations

import codecs
import csv
import io

# Three invented people, the way a Ukrainian operator would type them.
HEADER_UK = ["ID", "Прізвище", "Ім'я", "По батькові", "Стать", "Дата народження", "Особистий номер", "в/ч"]
HEADER_RU = ["ID", "Фамилия", "Имя", "Отчество", "Пол", "Дата рождения", "Личный номер", "Воинская часть"]
HEADER_EN = ["Record ID", "Surname", "First name", "Patronymic", "Sex", "DOB", "Service number", "Unit"]
HEADER_CANONICAL = [
    "record_id",
    "family_name",
    "given_name",
    "patronymic",
    "sex",
    "date_of_birth",
    "service_number",
    "unit",
]
PEOPLE = [
    ["UA-001", "Коваленко", "Олександр", "Іванович", "ч", "12.03.1994", "0012345", "А1234"],
    ["UA-002", "Шевчук", "Марія", "Петрівна", "жін", "1990", "", "в/ч 12345; рота 2"],
    ["UA-003", "Бондаренко", "Юрій", "", "", "1988-07", "77", 'підрозділ "Схід"'],
]
# What the reader must give back for PEOPLE, by field (an empty cell is None).
EXPECTED_CELLS = [
    {
        "record_id": "UA-001",
        "family_name": "Коваленко",
        "given_name": "Олександр",
        "patronymic": "Іванович",
        "sex": "ч",
        "date_of_birth": "12.03.1994",
        "service_number": "0012345",
        "unit": "А1234",
    },
    {
        "record_id": "UA-002",
        "family_name": "Шевчук",
        "given_name": "Марія",
        "patronymic": "Петрівна",
        "sex": "жін",
        "date_of_birth": "1990",
        "service_number": None,
        "unit": "в/ч 12345; рота 2",
    },
    {
        "record_id": "UA-003",
        "family_name": "Бондаренко",
        "given_name": "Юрій",
        "patronymic": None,
        "sex": None,
        "date_of_birth": "1988-07",
        "service_number": "77",
        "unit": 'підрозділ "Схід"',
    },
]


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ";", newline: str = "\r\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def encode(text: str, encoding: str) -> bytes:
    """Bytes as a given program would save them; 'utf-16-be-bom' adds the big-endian byte-order mark."""
    if encoding == "utf-16-be-bom":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(encoding)
