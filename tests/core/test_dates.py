"""Partial dates: what lists write, read without guessing."""

from __future__ import annotations

import datetime as dt

import pytest

from homebound.core.dates import DateFormatError, PartialDate, parse_full_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1994", PartialDate(1994)),
        ("1994-03", PartialDate(1994, 3)),
        ("1994-03-12", PartialDate(1994, 3, 12)),
        ("1994-3-2", PartialDate(1994, 3, 2)),
        ("12.03.1994", PartialDate(1994, 3, 12)),
        ("2.3.1994", PartialDate(1994, 3, 2)),
        ("12/03/1994", PartialDate(1994, 3, 12)),
        ("03.1994", PartialDate(1994, 3)),
        (" 1994-03-12 ", PartialDate(1994, 3, 12)),
        ("1994-03-12 00:00:00", PartialDate(1994, 3, 12)),
        ("1994-03-12T00:00:00", PartialDate(1994, 3, 12)),
        ("29.02.2000", PartialDate(2000, 2, 29)),
    ],
)
def test_parse(text: str, expected: PartialDate) -> None:
    assert PartialDate.parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1994-13",
        "31.02.1994",
        "29.02.1999",
        "1066",
        "2201-01-01",
        "12.03.94",
        "12-03-1994x",
        "03/1994/12",
        "вчора",
        "1994-00-10",
        "1994-03-12 10:15:00",
    ],
)
def test_refuse(text: str) -> None:
    with pytest.raises(DateFormatError):
        PartialDate.parse(text)


@pytest.mark.parametrize(
    ("date", "iso", "precision", "earliest", "latest"),
    [
        (PartialDate(1994), "1994", "year", dt.date(1994, 1, 1), dt.date(1994, 12, 31)),
        (PartialDate(1996, 2), "1996-02", "month", dt.date(1996, 2, 1), dt.date(1996, 2, 29)),
        (PartialDate(1994, 12), "1994-12", "month", dt.date(1994, 12, 1), dt.date(1994, 12, 31)),
        (PartialDate(1994, 3, 12), "1994-03-12", "day", dt.date(1994, 3, 12), dt.date(1994, 3, 12)),
    ],
)
def test_bounds(date: PartialDate, iso: str, precision: str, earliest: dt.date, latest: dt.date) -> None:
    assert (date.iso(), date.precision, date.earliest(), date.latest()) == (iso, precision, earliest, latest)
    assert PartialDate.parse(date.iso()) == date


def test_full_date_required() -> None:
    assert parse_full_date("08.01.2023") == dt.date(2023, 1, 8)
    with pytest.raises(DateFormatError):
        parse_full_date("2023-01")


def test_error_messages_do_not_echo_the_value() -> None:
    with pytest.raises(DateFormatError) as caught:
        PartialDate.parse("31.02.1994")
    assert "1994" not in str(caught.value)
