"""Dates of birth as a clerk wrote them: the digits kept, readable or not, a calendar date or not.

The other side's list is not ours to correct. 31.04.1987 (no such day), 13.05.1987 read as day 5 of month 13
(day and month swapped), 19?7-03-12 (a digit nobody could read) still carry most of their digits, and the
matcher compares those digits one by one instead of dropping the person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from homebound.core.dates import DateFormatError, PartialDate

__all__ = ["UNREADABLE", "WrittenDate", "read_written_date"]

UNREADABLE = "?"
_UNREADABLE_MARKS = str.maketrans(dict.fromkeys("?_*xXхХ#", UNREADABLE))
_D = r"[\d?]"
_ISO = re.compile(rf"^({_D}{{4}})(?:-({_D}{{1,2}})(?:-({_D}{{1,2}}))?)?$")
_DOTTED = re.compile(rf"^(?:({_D}{{1,2}})[./-])?({_D}{{1,2}})[./-]({_D}{{4}})$")


@dataclass(frozen=True)
class WrittenDate:
    """Year (four characters), month and day (two each, or None when not written) as written; an unreadable
    digit is ``?``. ``problem`` says why it is not a valid date, or is None when it is one."""

    year: str
    month: str | None
    day: str | None
    problem: str | None

    @staticmethod
    def _number(part: str | None) -> int | None:
        return int(part) if part is not None and UNREADABLE not in part else None

    @property
    def year_number(self) -> int | None:
        return self._number(self.year)

    @property
    def month_number(self) -> int | None:
        return self._number(self.month)

    @property
    def day_number(self) -> int | None:
        return self._number(self.day)

    def digits(self) -> str | None:
        """YYYYMMDD with ``?`` for unreadable digits, when day, month and year were all written."""
        if self.month is None or self.day is None:
            return None
        return self.year + self.month + self.day

    def swapped_digits(self) -> str | None:
        """YYYYDDMM: the digits as they would read had the clerk swapped day and month."""
        if self.month is None or self.day is None:
            return None
        return self.year + self.day + self.month


def _two(part: str | None) -> str | None:
    return None if part is None else part.rjust(2, "0")


def _calendar_problem(year: str, month: str | None, day: str | None) -> str | None:
    if UNREADABLE in year + (month or "") + (day or ""):
        return "unreadable digits"
    try:
        PartialDate(int(year), int(month) if month else None, int(day) if day else None)
    except DateFormatError as exc:
        return str(exc)
    return None


def read_written_date(text: str) -> WrittenDate | None:
    """The date's parts as written (ISO, or day first with dots, slashes or dashes), valid or not.

    None when the text does not have the shape of a date at all.
    """
    value = text.strip().translate(_UNREADABLE_MARKS)
    if iso := _ISO.match(value):
        year, month, day = iso.groups()
    elif dotted := _DOTTED.match(value):
        day, month, year = dotted.groups()
    else:
        return None
    month, day = _two(month), _two(day)
    if day is not None and month is None:
        return None
    return WrittenDate(year, month, day, _calendar_problem(year, month, day))
