"""Reading a list file (CSV in the encodings and separators lists come in, or XLSX) into rows by field."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import charset_normalizer
import openpyxl

from homebound.core.errors import FieldProblem, TooLarge, ValidationFailed
from homebound.core.persons import Registry
from homebound.lists.headers import HeaderMap, map_headers, normalise_header

Cells = Sequence[str | None]
Records = Iterator[tuple[int, Cells]]

# Lists put a title and blank lines above the header: it is the first of these rows naming two known columns.
HEADER_SEARCH_ROWS = 10
# Limits no real list reaches but a bomb does: lists handed over run to hundreds or thousands of names, a
# national registry goes in parts (100,000 rows is the benchmark, 69 MB unpacked as our own XLSX writes it).
MAX_LIST_ROWS = 200_000
# An XLSX file is a zip; refuse one that unpacks to more than this before parsing it (zip bombs) ...
MAX_XLSX_UNPACKED = 256 * 1024 * 1024
# ... or whose large parts shrank by more than this: real sheets compress about 11:1, a sheet of
# identical rows (the bomb: 360 KB to 104 MB) about 290:1.
MAX_XLSX_RATIO = 100
_RATIO_CHECKED_FROM = 8 * 1024 * 1024
_SNIFF_CHARS = 64 * 1024
_SNIFF_BYTES = 1024 * 1024
_DELIMITERS = ("\t", ";", ",")  # preference on a tie
# Writers guard cells that spreadsheet programs would run as formulas; readers take the guard off again.
FORMULA_GUARD = "'"
_FORMULA_LIKE = re.compile("^'*[-=+@\t\r]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)
# Excel honours a first line "sep=;" naming the separator; such a line is not a header and is skipped as one.
_SEP_LINE = re.compile(r"^sep=([;,\t|])\r?$", re.MULTILINE)
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_HIGH_BYTES = bytes(range(0x80, 0x100))
# Single-byte encodings lists come in, by the detector's name: ours for the report and the decoder.
_SINGLE_BYTE = {"cp1251": "cp1251", "koi8_r": "koi8_r", "cp1252": "cp1252"}
_UTF8_CYRILLIC = re.compile(rb"[\xd0\xd1][\x80-\xbf]")

_SHEET_NAMES: dict[Registry, frozenset[str]] = {
    Registry.HELD: frozenset(
        normalise_header(n)
        for n in ("held", "утримувані", "полонені", "військовополонені", "содержащиеся", "военнопленные")
    ),
    Registry.SOUGHT: frozenset(
        normalise_header(n)
        for n in (
            "sought",
            "розшук",
            "розшукувані",
            "зниклі безвісти",
            "розыск",
            "разыскиваемые",
            "пропавшие без вести",
        )
    ),
}


class ListFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class ListRow:
    """A data row: its row number as the spreadsheet shows it, cells by field, any structural problem."""

    number: int
    cells: dict[str, str | None]
    problems: tuple[FieldProblem, ...] = ()


@dataclass(frozen=True)
class ListTable:
    """An opened list: what its columns mean, and its rows, read afresh by each call of rows()."""

    format: ListFormat
    header: HeaderMap
    header_row: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    _records: Callable[[], Records] = field(default=lambda: iter(()), repr=False, compare=False)

    @property
    def columns(self) -> tuple[str, ...]:
        """Our field names of the mapped columns, in file order."""
        return tuple(c for c in self.header.columns if c is not None)

    @property
    def original_headers(self) -> tuple[str, ...]:
        return self.header.headers

    def rows(self) -> Iterator[ListRow]:
        """Non-blank rows below the header; a file that breaks mid-way ends in a row holding the problem."""
        records = self._records()
        count = 0
        try:
            for number, cells in records:
                if number > self.header_row and not _blank(cells):
                    count += 1
                    if count > MAX_LIST_ROWS:
                        raise _failed(
                            "too_many_rows",
                            f"a list holds at most {MAX_LIST_ROWS} rows; split it (row {number})",
                            number,
                        )
                    yield _list_row(number, cells, self.header, strict_width=self.format is ListFormat.CSV)
        except ValidationFailed as exc:
            yield ListRow(exc.problems[0].row or 0, {}, tuple(exc.problems))


def read_list(data: bytes, filename: str, *, registry: Registry | None = None) -> ListTable:
    """Open a CSV or XLSX list by content; ValidationFailed if it is neither, is empty or is unreadable."""
    if not data or data.isspace():
        raise _failed("empty", "the file is empty")
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data, registry)
    if data.startswith(_OLE2_MAGIC):
        raise _failed("format", "an old Excel .xls file: save it as .xlsx or CSV")
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise _failed("format", "the file is named like an Excel workbook but is not one")
    text, encoding = decode_text(data)
    declared = _SEP_LINE.match(text)
    delimiter = declared.group(1) if declared else sniff_delimiter(text)
    return _table(
        ListFormat.CSV, lambda: _csv_records(text, delimiter), encoding=encoding, delimiter=delimiter
    )


def _failed(code: str, message: str, row: int | None = None) -> ValidationFailed:
    return ValidationFailed([FieldProblem("file", code, message, row, None)], message)


def _table(
    fmt: ListFormat,
    records: Callable[[], Records],
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> ListTable:
    if fmt is ListFormat.CSV:
        _count_rows(records())  # cheap, and nothing kept: a long list is refused before any row is parsed
    number, header = _find_header(records())
    first_data = next((n for n, cells in records() if n > number and not _blank(cells)), None)
    if first_data is None:
        raise _failed("empty", "the file has a header but no rows", number)
    return ListTable(fmt, header, number, encoding, delimiter, sheet, records)


def _count_rows(records: Records) -> None:
    count = 0
    for number, cells in records:
        count += not _blank(cells)
        if count > MAX_LIST_ROWS + 1:  # the header is one of them
            raise _failed("too_many_rows", f"a list holds at most {MAX_LIST_ROWS} rows; split it", number)


def _find_header(records: Records) -> tuple[int, HeaderMap]:
    candidates: list[tuple[int, HeaderMap]] = []
    for number, cells in records:
        if _blank(cells):
            continue
        header = map_headers(cells, row=number)
        if header.known >= 2:
            return number, header
        candidates.append((number, header))
        if len(candidates) == HEADER_SEARCH_ROWS:
            break
    if not candidates:
        raise _failed("empty", "the file has no rows")
    return candidates[0]


def _blank(cells: Cells) -> bool:
    return all(c is None or not c.strip() for c in cells)


def _list_row(number: int, cells: Cells, header: HeaderMap, *, strict_width: bool) -> ListRow:
    width = len(header.columns)
    if len(cells) == width:
        if header.every_column_mapped:
            return ListRow(number, dict(zip(header.mapped_fields, cells, strict=True)))
        values = {column: cells[position] for position, column in header.positions}
        if not header.unnamed:
            return ListRow(number, values)
    else:
        values = {column: _cell_at(cells, position) for position, column in header.positions}
    problems: list[FieldProblem] = []
    if (len(cells) < width and strict_width) or not _blank(cells[width:]):
        message = f"row has {len(cells)} cells but the header has {width}"
        problems.append(FieldProblem("row", "ragged_row", message, number, None))
    for position in sorted(header.unnamed):
        value = _cell_at(cells, position)
        if value is not None and value.strip():
            message = f"column {position + 1} has a value but no header"
            problems.append(FieldProblem("row", "unnamed_column", message, number, None))
    return ListRow(number, values, tuple(problems))


def _cell_at(cells: Cells, position: int) -> str | None:
    return cells[position] if position < len(cells) else None


# --- CSV ------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode once: a BOM decides, else strict UTF-8, else Windows-1251; refuse binary and broken UTF-8."""
    text, encoding = _decode(data)
    sample = text[:_SNIFF_CHARS]
    if "\x00" in text or len(_CONTROL.findall(sample)) * 100 > len(sample):
        raise _failed(
            "encoding", "the file is not text in a supported encoding (UTF-8, UTF-16, Windows-1251)"
        )
    return text, encoding


def _decode(data: bytes) -> tuple[str, str]:
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            # A memoryview slice skips the BOM without copying the whole file first.
            return _strict(data, len(bom), codec, name), name
    if b"\x00" in data:
        raise _failed(
            "encoding", "the file contains NUL bytes: binary data, or UTF-16 without a byte-order mark"
        )
    try:
        return str(data, "utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if _damaged_utf8(data):
            raise _undecodable(data, exc.start, "utf-8") from None
    codec = _detected_codec(data)
    return _strict(data, 0, codec, codec), codec


def _detected_codec(data: bytes) -> str:
    """Which single-byte encoding the text is in, by a detector rather than a guess: a KOI8-R file read as
    Windows-1251 became «йЧБОПЧ», a Latin-1 one «Mьller», both without complaint."""
    found = charset_normalizer.from_bytes(data[:_SNIFF_BYTES], cp_isolation=list(_SINGLE_BYTE)).best()
    if found is None:
        first = next((i for i, byte in enumerate(data) if byte >= 0x80), 0)
        line = data.count(b"\n", 0, first) + 1
        raise _failed(
            "encoding",
            f"the text is implausible in every supported encoding (line {line}): save it as UTF-8",
            line,
        )
    return _SINGLE_BYTE[found.encoding]


def _strict(data: bytes, offset: int, codec: str, name: str) -> str:
    try:
        return str(memoryview(data)[offset:], codec)
    except UnicodeDecodeError as exc:
        raise _undecodable(data, offset + exc.start, name) from None


def _undecodable(data: bytes, position: int, name: str) -> ValidationFailed:
    line = data.count(b"\n", 0, position) + 1
    return _failed("encoding", f"the file is not valid {name} text (line {line})", line)


def _damaged_utf8(data: bytes) -> bool:
    """Mostly valid UTF-8 Cyrillic with a bad byte is a damaged UTF-8 file, not Windows-1251 to accept."""
    sample = data[:_SNIFF_BYTES]
    high = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    return len(_UTF8_CYRILLIC.findall(sample)) * 2 * 2 > high


def sniff_delimiter(text: str) -> str:
    """The separator that splits some line of the file's start into the most cells, quotes respected."""
    best = dict.fromkeys(_DELIMITERS, 0)
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in text[:_SNIFF_CHARS]:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char == "\n":
            best = {d: max(best[d], counts[d]) for d in _DELIMITERS}
            counts = dict.fromkeys(_DELIMITERS, 0)
        elif char in counts:
            counts[char] += 1
    best = {d: max(best[d], counts[d]) for d in _DELIMITERS}
    top = max(best.values())
    return next((d for d in _DELIMITERS if best[d] == top and top > 0), ",")


def _lines(text: str) -> Iterator[str]:
    # Slices of the one decoded string, so no second copy of the file is held (io.StringIO would widen it).
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _csv_records(text: str, delimiter: str) -> Records:
    reader = csv.reader(_lines(text), delimiter=delimiter, quotechar='"', doublequote=True)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, [(c if c[0] != FORMULA_GUARD else _csv_cell(c)) if c else None for c in cells]
    except csv.Error as exc:
        raise _failed("format", f"CSV cannot be read past this row: {_csv_reason(exc)}", number + 1) from None


def _csv_reason(exc: csv.Error) -> str:
    text = str(exc)
    return "a field is too long" if "field larger" in text else "malformed quoting or line breaks"


def _csv_cell(cell: str) -> str:
    return cell[1:] if formula_like(cell[1:]) else cell


def formula_like(cell: str) -> bool:
    """Would a spreadsheet run this as a formula once any leading guards are taken off? (CSV injection)"""
    return _FORMULA_LIKE.match(cell) is not None


# --- XLSX -----------------------------------------------------------------------------------------


def _read_xlsx(data: bytes, registry: Registry | None) -> ListTable:
    _check_zip(data)
    # openpyxl raises whatever its XML and zip layers raise on a damaged file: all means "not a workbook".
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheets = list(workbook.worksheets)
    except Exception:
        raise _failed("format", "the file is not a readable Excel workbook (.xlsx)") from None
    if not sheets:
        raise _failed("empty", "the workbook has no worksheet")
    sheet = _pick_sheet(sheets, registry)
    sheet.reset_dimensions()  # some writers record a wrong size; trusting it would drop rows silently
    return _table(ListFormat.XLSX, lambda: _xlsx_records(sheet), sheet=str(sheet.title))


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _failed("format", "the file looks like a zip archive but is damaged") from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise _failed(
            "format", "a zip archive but not an Excel workbook (.xlsx); save the sheet as .xlsx or CSV"
        )
    if sum(info.file_size for info in infos) > MAX_XLSX_UNPACKED:
        raise TooLarge("the workbook unpacks to more than we accept; split the list", field="file")
    for info in infos:
        if info.file_size > _RATIO_CHECKED_FROM and info.file_size > MAX_XLSX_RATIO * info.compress_size:
            raise TooLarge(
                "the workbook unpacks to more than a hundred times its size: refused unread", field="file"
            )


def _pick_sheet(sheets: list[Any], registry: Registry | None) -> Any:
    if registry is not None:
        for sheet in sheets:
            if normalise_header(str(sheet.title)) in _SHEET_NAMES[registry]:
                return sheet
    return sheets[0]


def _xlsx_records(sheet: Any) -> Records:
    number = 0
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [cell_text(v) for v in values]
    except Exception:  # as in _read_xlsx: a damaged sheet fails in many ways
        raise _failed("format", "the worksheet cannot be read past this row", number + 1) from None


def cell_text(value: object) -> str | None:
    """An XLSX cell as text: dates as ISO, integral numbers without ".0" (service numbers), blank None."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
