"""Turning one row of raw text (an imported line, an API body) into validated person fields, collecting
every problem.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from homebound.core import bureau_words
from homebound.core.dates import DateFormatError, PartialDate, parse_full_date
from homebound.core.errors import FieldProblem
from homebound.core.persons import (
    INITIAL_STATUS,
    Category,
    Health,
    LegalHold,
    PersonFields,
    Registry,
    Sex,
    Status,
    WillToReturn,
    WillToReturnRecord,
)

# The columns every list may carry, in export order. `record_id` is the source's own id for the person.
IMPORT_COLUMNS: tuple[str, ...] = (
    "record_id",
    "family_name",
    "given_name",
    "patronymic",
    "sex",
    "date_of_birth",
    "father_given_name",
    "mother_maiden_name",
    "place_of_birth",
    "party_depended_on",
    "rank",
    "service_number",
    "unit",
    "category",
    "status",
    "capture_date",
    "capture_place",
    "detention_place",
    "capture_card_sent_on",
    "health",
    "legal_hold",
    "legal_hold_note",
    "will_to_return",
    "will_verified_by",
    "will_verified_on",
    "last_seen_date",
    "last_seen_place",
    "nationality",
    "next_of_kin",
    "next_of_kin_address",
    "arrived_at_camp_on",
    "last_transfer_on",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("record_id", "family_name")
MAX_TEXT = 200

E = TypeVar("E", bound=StrEnum)


def _enum(kind: type[E], words: Mapping[str, E]) -> Callable[[str], E]:
    """A parser of one coded field: our key or a bureau's word for it (core/bureau_words.py)."""

    def parse(text: str) -> E:
        value = words.get(bureau_words.fold(text))
        if value is None:
            choices = ", ".join(m.value for m in kind)
            raise ValueError(f"unknown value; expected one of: {choices} (or a word for one in uk or ru)")
        return value

    return parse


@dataclass(frozen=True)
class PersonInput:
    """A validated input row: the source id, the fields, and the status the source gave (if any)."""

    record_id: str
    fields: PersonFields
    status: Status | None


# C0/C1 controls, and the invisible characters that let two different-looking names compare equal or one name
# display as another: zero-width spaces and joiners, direction overrides and isolates, BOM, line separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u2028\u2029]")


def _text(value: str) -> str:
    text = unicodedata.normalize("NFC", value).strip()
    if len(text) > MAX_TEXT:
        raise ValueError(f"longer than {MAX_TEXT} characters")
    if _CONTROL.search(text):
        raise ValueError("contains control characters")
    if _INVISIBLE.search(text):
        raise ValueError("contains invisible or text-direction characters")
    return text


def _partial(text: str) -> PartialDate:
    return PartialDate.parse(text)


def _full(text: str) -> dt.date:
    return parse_full_date(text)


_DATE_FIELDS = (
    "date_of_birth",
    "capture_date",
    "capture_card_sent_on",
    "will_verified_on",
    "last_seen_date",
    "arrived_at_camp_on",
    "last_transfer_on",
)
_PARSERS: dict[str, Callable[[str], object]] = {
    "sex": _enum(Sex, bureau_words.SEX),
    "category": _enum(Category, bureau_words.CATEGORY),
    "health": _enum(Health, bureau_words.HEALTH),
    "legal_hold": _enum(LegalHold, bureau_words.LEGAL_HOLD),
    "status": _enum(Status, bureau_words.STATUS),
    "will_to_return": _enum(WillToReturn, bureau_words.WILL_TO_RETURN),
    "date_of_birth": _partial,
    "capture_date": _full,
    "capture_card_sent_on": _full,
    "will_verified_on": _full,
    "last_seen_date": _full,
    "arrived_at_camp_on": _full,
    "last_transfer_on": _full,
}


def parse_person_row(
    raw: Mapping[str, str | None],
    registry: Registry,
    *,
    row: int | None = None,
    today: dt.date | None = None,
) -> tuple[PersonInput | None, list[FieldProblem]]:
    """Validate one row; return the row or every problem found in it (never both).

    `today` bounds the dates a record can hold (none lies in the future); by default the clock's date.
    """
    problems: list[FieldProblem] = []
    values: dict[str, object] = {}
    for name, cell in raw.items():
        if name not in IMPORT_COLUMNS:
            problems.append(FieldProblem(name, "unknown_field", "not a field of a person record", row, name))
            continue
        if cell is None or not str(cell).strip():
            continue
        try:
            text = _text(str(cell))
            values[name] = _PARSERS.get(name, _identity)(text)
        except (ValueError, DateFormatError) as exc:
            problems.append(FieldProblem(name, "invalid_value", str(exc), row, name))
    for name in REQUIRED_COLUMNS:
        if name not in values and not any(p.field == name for p in problems):
            problems.append(FieldProblem(name, "required", "a value is required", row, name))
    status = values.pop("status", None)
    if isinstance(status, Status) and status not in INITIAL_STATUS[registry]:
        problems.append(
            FieldProblem(
                "status",
                "invalid_value",
                f"not a status a {registry.value} record can start in",
                row,
                "status",
            )
        )
    problems.extend(_cross_checks(values, row))
    problems.extend(_future_dates(values, row, today or dt.date.today()))
    if problems:
        return None, problems
    record_id = str(values.pop("record_id"))
    will = WillToReturnRecord(
        value=values.pop("will_to_return", WillToReturn.UNKNOWN),  # type: ignore[arg-type]
        verified_by=values.pop("will_verified_by", None),  # type: ignore[arg-type]
        verified_on=values.pop("will_verified_on", None),  # type: ignore[arg-type]
    )
    person = PersonFields(will_to_return=will, **values)  # type: ignore[arg-type]
    return PersonInput(record_id, person, status if isinstance(status, Status) else None), []


def _identity(text: str) -> str:
    return text


def _future_dates(values: Mapping[str, object], row: int | None, today: dt.date) -> list[FieldProblem]:
    # A day's grace: a list written late in the evening east of Greenwich is already "tomorrow" in UTC.
    latest = today + dt.timedelta(days=1)
    problems = []
    for name in _DATE_FIELDS:
        value = values.get(name)
        first_day = value.earliest() if isinstance(value, PartialDate) else value
        if isinstance(first_day, dt.date) and first_day > latest:
            problems.append(FieldProblem(name, "out_of_range", "a date in the future", row, name))
    return problems


def _cross_checks(values: Mapping[str, object], row: int | None) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    capture = values.get("capture_date")
    sent = values.get("capture_card_sent_on")
    if isinstance(capture, dt.date) and isinstance(sent, dt.date) and sent < capture:
        problems.append(
            FieldProblem(
                "capture_card_sent_on",
                "invalid_value",
                "before the capture date",
                row,
                "capture_card_sent_on",
            )
        )
    for name in ("arrived_at_camp_on", "last_transfer_on"):
        moved = values.get(name)
        if isinstance(capture, dt.date) and isinstance(moved, dt.date) and moved < capture:
            problems.append(FieldProblem(name, "invalid_value", "before the capture date", row, name))
    birth = values.get("date_of_birth")
    if isinstance(capture, dt.date) and isinstance(birth, PartialDate) and birth.earliest() > capture:
        problems.append(
            FieldProblem("date_of_birth", "invalid_value", "after the capture date", row, "date_of_birth")
        )
    if values.get("will_to_return") in (WillToReturn.CONFIRMED, WillToReturn.REFUSED) and not values.get(
        "will_verified_by"
    ):
        problems.append(
            FieldProblem(
                "will_verified_by",
                "required",
                "a confirmed or refused will to return names who verified it",
                row,
                "will_verified_by",
            )
        )
    return problems
