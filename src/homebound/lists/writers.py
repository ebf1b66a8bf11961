"""Writing person lists as CSV (UTF-8 with a BOM for Excel) or XLSX, headed by field names or local labels."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES

from homebound.core.dates import PartialDate
from homebound.core.person_input import IMPORT_COLUMNS, PersonInput
from homebound.lists.headers import HeaderLanguage, label
from homebound.lists.readers import FORMULA_GUARD, formula_like

ExportRow = Mapping[str, object]

CHUNK_CHARS = 64 * 1024
_COLUMNS = frozenset(IMPORT_COLUMNS)


def person_values(person: PersonInput) -> dict[str, str | None]:
    """A validated row as export text, one entry per import column, in import-column order."""
    fields = person.fields
    values: dict[str, object] = {name: getattr(fields, name, None) for name in IMPORT_COLUMNS}
    values["record_id"] = person.record_id
    values["status"] = person.status
    values["will_to_return"] = fields.will_to_return.value
    values["will_verified_by"] = fields.will_to_return.verified_by
    values["will_verified_on"] = fields.will_to_return.verified_on
    return {name: export_text(value) for name, value in values.items()}


def export_text(value: object) -> str | None:
    """How one value is written: dates in ISO (partial dates keep their precision), enums by their value."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, PartialDate):
        return value.iso()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def header_row(
    language: HeaderLanguage = HeaderLanguage.CANONICAL, columns: Sequence[str] = IMPORT_COLUMNS
) -> list[str]:
    return [label(column, language) for column in columns]


def _ordered(row: ExportRow, columns: Sequence[str] = IMPORT_COLUMNS) -> list[str | None]:
    extra = row.keys() - _COLUMNS
    if extra:
        raise ValueError(f"not export columns: {sorted(extra)}")
    return [export_text(row.get(column)) for column in columns]


def default_delimiter(language: HeaderLanguage) -> str:
    """Excel set to Ukrainian or Russian splits CSV on semicolons; elsewhere on commas."""
    return ";" if language in (HeaderLanguage.UK, HeaderLanguage.RU) else ","


def iter_csv(
    rows: Iterable[ExportRow],
    *,
    language: HeaderLanguage = HeaderLanguage.CANONICAL,
    bom: bool = True,
    delimiter: str | None = None,
    columns: Sequence[str] = IMPORT_COLUMNS,
) -> Iterator[bytes]:
    """CSV in chunks of about 64 KB, for a streaming response or a file; the BOM tells Excel it is UTF-8.
    `columns`: the fields written, in that order (all the import columns by default)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter or default_delimiter(language), lineterminator="\r\n")
    if bom:
        buffer.write(codecs.BOM_UTF8.decode("utf-8"))
    writer.writerow(header_row(language, columns))
    for row in rows:
        writer.writerow([_guard(cell) for cell in _ordered(row, columns)])
        if buffer.tell() >= CHUNK_CHARS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _guard(cell: str | None) -> str:
    if cell is None:
        return ""
    # Cells that already start with guards get one more, so that reading takes exactly one off.
    return FORMULA_GUARD + cell if formula_like(cell) else cell


def write_csv(
    rows: Iterable[ExportRow],
    *,
    language: HeaderLanguage = HeaderLanguage.CANONICAL,
    bom: bool = True,
    delimiter: str | None = None,
    columns: Sequence[str] = IMPORT_COLUMNS,
) -> bytes:
    """A whole CSV list as bytes (use iter_csv to stream one)."""
    return b"".join(iter_csv(rows, language=language, bom=bom, delimiter=delimiter, columns=columns))


def save_csv(
    rows: Iterable[ExportRow],
    target: IO[bytes] | Path,
    *,
    language: HeaderLanguage = HeaderLanguage.CANONICAL,
    bom: bool = True,
    delimiter: str | None = None,
) -> None:
    """Write a CSV list to a binary stream or a path, chunk by chunk."""
    chunks = iter_csv(rows, language=language, bom=bom, delimiter=delimiter)
    if isinstance(target, Path):
        with target.open("wb") as stream:
            stream.writelines(chunks)
    else:
        target.writelines(chunks)


def save_xlsx(
    rows: Iterable[ExportRow],
    target: IO[bytes] | Path,
    *,
    language: HeaderLanguage = HeaderLanguage.CANONICAL,
    sheet_title: str = "list",
    columns: Sequence[str] = IMPORT_COLUMNS,
) -> None:
    """Write an XLSX list row by row (openpyxl write-only); every cell is text, nothing reinterpreted."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title)
    sheet.append(header_row(language, columns))
    for row in rows:
        sheet.append([_xlsx_cell(sheet, cell) for cell in _ordered(row, columns)])
    workbook.save(target)


def write_xlsx(
    rows: Iterable[ExportRow],
    *,
    language: HeaderLanguage = HeaderLanguage.CANONICAL,
    sheet_title: str = "list",
    columns: Sequence[str] = IMPORT_COLUMNS,
) -> bytes:
    """A whole XLSX list as bytes."""
    buffer = io.BytesIO()
    save_xlsx(rows, buffer, language=language, sheet_title=sheet_title, columns=columns)
    return buffer.getvalue()


def _xlsx_cell(sheet: object, cell: str | None) -> object:
    # openpyxl would store "=..." as a formula and "#N/A" as an error; such text is forced to stay text.
    if cell is None or not (cell.startswith("=") or cell in ERROR_CODES):
        return cell
    text_cell = WriteOnlyCell(sheet, value=cell)
    text_cell.data_type = "s"
    return text_cell
