"""Partial dates (year, year-month or full) as lists write them, parsed without guessing."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MIN_YEAR = 1900
MAX_YEAR = 2100

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DOTTED = re.compile(r"^(?:(\d{1,2})[./])?(\d{1,2})[./](\d{4})$")
_DATETIME_SUFFIX = re.compile(r"[T ]00:00(?::00(?:\.0+)?)?$")


class DateFormatError(ValueError):
    """The text is not a date we can read; the message says why without echoing personal data."""


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day (GC III Art. 17 asks for the full date; lists
    often lack it).
    """

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise DateFormatError(f"year must be between {MIN_YEAR} and {MAX_YEAR}")
        if self.month is None and self.day is not None:
            raise DateFormatError("a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise DateFormatError("month must be between 1 and 12")
        if self.day is not None:
            assert self.month is not None
            try:
                dt.date(self.year, self.month, self.day)
            except ValueError as exc:
                raise DateFormatError("no such day in that month") from exc

    @property
    def precision(self) -> str:
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    def iso(self) -> str:
        """ISO 8601 with reduced precision: 1994, 1994-03 or 1994-03-12."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def earliest(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> dt.date:
        if self.month is None:
            return dt.date(self.year, 12, 31)
        if self.day is None:
            nxt = dt.date(self.year + (self.month == 12), self.month % 12 + 1, 1)
            return nxt - dt.timedelta(days=1)
        return dt.date(self.year, self.month, self.day)

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read 1994, 1994-03, 1994-03-12, 03.1994, 12.03.1994 or 12/03/1994 (day first, as both sides
        write).
        """
        value = _DATETIME_SUFFIX.sub("", text.strip())
        iso = _ISO.match(value)
        if iso:
            year, month, day = iso.groups()
            return cls(int(year), _int_or_none(month), _int_or_none(day))
        dotted = _DOTTED.match(value)
        if dotted:
            day, month, year = dotted.groups()
            return cls(int(year), int(month), _int_or_none(day))
        raise DateFormatError("expected a date like 1994, 1994-03, 1994-03-12 or 12.03.1994")


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text else None


def parse_full_date(text: str) -> dt.date:
    """A date that must be complete (capture date, notification date)."""
    partial = PartialDate.parse(text)
    if partial.day is None:
        raise DateFormatError("a full date is required here (day, month and year)")
    return partial.earliest()
