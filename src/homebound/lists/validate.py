"""Checking every row of an opened list against the person rules and list-wide rules, reporting all."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.core.person_input import PersonInput, parse_person_row
from homebound.core.persons import Registry
from homebound.lists.readers import ListRow, ListTable, read_list

MAX_PROBLEMS = 1000
PROGRESS_EVERY = 1000
# Rows whose cells cannot be trusted to sit under the right header are reported once, not field by field.
_STRUCTURAL = frozenset({"ragged_row", "format", "too_many_rows"})


class _ProblemList:
    """Keeps the first `limit` problems and counts the rest: a broken 100k-row file stays a short report."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept: list[FieldProblem] = []
        self.dropped = 0

    def extend(self, problems: Iterable[FieldProblem]) -> None:
        for problem in problems:
            if len(self.kept) < self.limit:
                self.kept.append(problem)
            else:
                self.dropped += 1

    def result(self) -> list[FieldProblem]:
        if not self.dropped:
            return list(self.kept)
        more = FieldProblem("file", "too_many_problems", f"and {self.dropped} more problems not listed")
        return [*self.kept, more]


@dataclass(frozen=True)
class ValidatedList:
    """The outcome of checking a list: valid rows with their spreadsheet row numbers, and every problem."""

    rows: list[PersonInput]
    row_numbers: list[int]
    problems: list[FieldProblem]
    # With ``dates_as_written``: per kept row (position in ``rows``), its date of birth as written and why it
    # is not a date; the row itself carries no date of birth.
    dates_as_written: dict[int, tuple[str, str]] = field(default_factory=dict)


def validate_rows(
    table: ListTable,
    registry: Registry,
    *,
    max_problems: int = MAX_PROBLEMS,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[PersonInput], list[FieldProblem]]:
    """Validate every row; the caller writes nothing unless the problem list comes back empty.

    Problems name the row and, in `column`, the header as the file wrote it (`field` is our field name);
    messages never repeat a cell's value, since the values are personal data.
    """
    checked = validate_table(table, registry, max_problems=max_problems, progress=progress)
    return checked.rows, checked.problems


def validate_table(
    table: ListTable,
    registry: Registry,
    *,
    max_problems: int = MAX_PROBLEMS,
    progress: Callable[[int], None] | None = None,
    dates_as_written: bool = False,
) -> ValidatedList:
    """As validate_rows, keeping each valid row's spreadsheet row number for later checks (status changes).

    With ``dates_as_written`` (linking another side's list, which is not ours to correct), a row whose only
    problem is its date of birth is kept without it, the date as written and its problem noted aside.
    """
    problems = _ProblemList(max_problems)
    problems.extend(table.header.problems)
    missing = table.header.missing()
    header_text = {c: h for c, h in zip(table.header.columns, table.header.headers, strict=True) if c}
    checked = ValidatedList([], [], [])
    first_row_of: dict[str, int] = {}
    done = 0
    for done, row in enumerate(table.rows(), start=1):
        problems.extend(row.problems)
        if not any(p.code in _STRUCTURAL for p in row.problems):
            problems.extend(_duplicate_id(row, first_row_of, header_text))
            person, row_problems = parse_person_row(row.cells, registry, row=row.number)
            if dates_as_written and _only_date_of_birth(row_problems):
                person, row_problems = _without_date(row, registry, row_problems, checked)
            problems.extend(
                replace(p, column=header_text.get(p.field, p.column))
                for p in row_problems
                # a missing required column is reported once on the header, not on every row
                if not (p.code == "required" and p.field in missing)
            )
            if person is not None:
                checked.rows.append(person)
                checked.row_numbers.append(row.number)
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
    if progress is not None:
        progress(done)
    checked.problems.extend(problems.result())
    return checked


def _only_date_of_birth(problems: list[FieldProblem]) -> bool:
    return bool(problems) and all(p.field == "date_of_birth" for p in problems)


def _without_date(
    row: ListRow, registry: Registry, date_problems: list[FieldProblem], checked: ValidatedList
) -> tuple[PersonInput | None, list[FieldProblem]]:
    """The row parsed without its date of birth; if that holds, the date as written is noted aside."""
    cells = {**row.cells, "date_of_birth": None}
    person, problems = parse_person_row(cells, registry, row=row.number)
    if person is None:
        return None, date_problems + problems
    written = str(row.cells.get("date_of_birth") or "").strip()
    checked.dates_as_written[len(checked.rows)] = (written, "; ".join(p.message for p in date_problems))
    return person, []


def _duplicate_id(
    row: ListRow, first_row_of: dict[str, int], header_text: dict[str, str]
) -> list[FieldProblem]:
    raw = row.cells.get("record_id")
    if raw is None:
        return []
    key = unicodedata.normalize("NFC", raw).strip()
    if not key:
        return []
    first = first_row_of.setdefault(key, row.number)
    if first == row.number:
        return []
    message = f"rows {first} and {row.number} have the same record_id"
    column = header_text.get("record_id", "record_id")
    return [FieldProblem("record_id", "duplicate_id", message, row.number, column)]


def load_person_rows(
    data: bytes,
    filename: str,
    registry: Registry,
    *,
    progress: Callable[[int], None] | None = None,
) -> list[PersonInput]:
    """Read and validate a whole list; raise ValidationFailed with every problem, or return every row."""
    table = read_list(data, filename, registry=registry)
    rows, problems = validate_rows(table, registry, progress=progress)
    if problems:
        raise ValidationFailed(problems)
    return rows


def describe(problem: FieldProblem) -> str:
    """One line for a person: "row 17, column Дата народження: month must be between 1 and 12"."""
    where = []
    if problem.row is not None:
        where.append(f"row {problem.row}")
    if problem.column:
        where.append(f"column {problem.column}")
    return f"{', '.join(where)}: {problem.message}" if where else problem.message
