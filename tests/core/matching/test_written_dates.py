"""Dates of birth as written: digits kept whether or not they make a date, and why they do not."""

from __future__ import annotations

import pytest

from homebound.core.matching.written_dates import read_written_date

# (as written, YYYYMMDD kept, YYYYDDMM, problem or None)
CASES = [
    ("12.03.1994", "19940312", "19941203", None),
    ("1994-03-12", "19940312", "19941203", None),
    ("31.04.1987", "19870431", "19873104", "no such day in that month"),
    ("05.13.1987", "19871305", "19870513", "month must be between 1 and 12"),
    ("19?7-03-12", "19?70312", "19?71203", "unreadable digits"),
    ("1_.03.1987", "1987031?", "19871?03", "unreadable digits"),
    ("3/4/1990", "19900403", "19900304", None),
]


@pytest.mark.parametrize(("text", "digits", "swapped", "problem"), CASES)
def test_written_date(text: str, digits: str, swapped: str, problem: str | None) -> None:
    written = read_written_date(text)
    assert written is not None
    assert written.digits() == digits
    assert written.swapped_digits() == swapped
    assert written.problem == problem


def test_partial_and_shapeless() -> None:
    partial = read_written_date("03.1994")
    assert partial is not None and partial.digits() is None and partial.month_number == 3
    assert read_written_date("yesterday") is None
    assert read_written_date("12.03.94") is None
