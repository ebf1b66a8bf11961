"""Per-record comparison keys (names, classes, phonetic codes, dates, codes), once per distinct value."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from homebound.core.dates import DateFormatError, PartialDate
from homebound.core.matching.compare import canonical_service_number, canonical_unit
from homebound.core.matching.names import (
    father_class,
    given_name_classes,
    given_name_key,
    is_diminutive,
    patronymic_classes,
    patronymic_key,
)
from homebound.core.matching.normalize import normalize_name, skeleton
from homebound.core.matching.phonetic import daitch_mokotoff
from homebound.core.matching.written_dates import UNREADABLE, read_written_date
from homebound.core.person_input import PersonInput, parse_person_row
from homebound.core.persons import Registry, Sex

__all__ = [
    "FEATURE_COLUMNS",
    "SOURCE_COLUMNS",
    "frame_from_persons",
    "frame_from_rows",
    "prepare_features",
    "record_keys",
]

# Import columns the keys are computed from; a frame may carry more (they are ignored).
SOURCE_COLUMNS: tuple[str, ...] = (
    "record_id",
    "family_name",
    "given_name",
    "patronymic",
    "sex",
    "date_of_birth",
    "service_number",
    "unit",
)

# Every key column the comparisons and blocking rules read, in a fixed order (the index relies on it).
FEATURE_COLUMNS: tuple[str, ...] = (
    "unique_id",
    "fam_norm",
    "fam_skel",
    "fam_dm1",
    "fam_dm2",
    "fam_i1",
    "giv_norm",
    "giv_skel",
    "giv_key",
    "giv_c1",
    "giv_c2",
    "giv_dim",
    "giv_i1",
    "pat_norm",
    "pat_skel",
    "pat_key",
    "pat_c1",
    "pat_c2",
    "pat_f1",
    "pat_f2",
    "sex",
    "dob_y",
    "dob_m",
    "dob_d",
    "dob_full",
    "dob_swap",
    "dob_code",
    "unit_key",
    "unit_digits",
    "sn_key",
    "sn_digits",
)

_SEX_CODES = {Sex.MALE: "m", Sex.FEMALE: "f"}


def frame_from_rows(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """A frame of the source columns from import-column rows (raw text as a list writes it)."""
    frame = pd.DataFrame.from_records(list(rows), columns=list(SOURCE_COLUMNS))
    return frame.replace({"": None})


def frame_from_persons(
    persons: Sequence[PersonInput], written_dates: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """A frame of the source columns from validated rows (sex and date of birth already parsed); a record
    without a date of birth takes its date as written from ``written_dates`` (by record id), if any."""
    written = written_dates or {}
    records = [
        (
            p.record_id,
            p.fields.family_name,
            p.fields.given_name,
            p.fields.patronymic,
            _SEX_CODES.get(p.fields.sex),
            p.fields.date_of_birth.iso() if p.fields.date_of_birth else written.get(p.record_id),
            p.fields.service_number,
            p.fields.unit,
        )
        for p in persons
    ]
    return pd.DataFrame.from_records(records, columns=list(SOURCE_COLUMNS))


def _per_value(column: pd.Series, keys: Callable[[str], tuple[Any, ...]], width: int) -> list[np.ndarray]:
    """Apply ``keys`` once per distinct non-empty value of ``column``; one object array per key part."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    table = np.empty((len(uniques) + 1, width), dtype=object)
    table[-1, :] = None  # code -1 (missing) picks the last row
    for position, value in enumerate(uniques):
        text = str(value).strip()
        table[position, :] = keys(text) if text else (None,) * width
    picked = table[codes]
    return [picked[:, k] for k in range(width)]


def _or_none(text: str) -> str | None:
    return text or None


@lru_cache(maxsize=1 << 18)
def _family_keys(text: str) -> tuple[str | None, ...]:
    norm = normalize_name(text)
    if not norm:
        return (None, None, None, None, None)
    codes = daitch_mokotoff(norm)
    skel = _or_none(skeleton(norm))
    return (
        norm,
        skel,
        codes[0] if codes else None,
        codes[1] if len(codes) > 1 else None,
        _initial(skel),
    )


def _initial(skel: str | None) -> str | None:
    """A skeleton's first letter: with the other name's and the full date, a blocking key that survives a
    typing error in both names at once (the first letter is the one clerks and ears get right most)."""
    return skel[:1] if skel else None


@lru_cache(maxsize=1 << 16)
def _given_keys(text: str) -> tuple[str | bool | None, ...]:
    norm = normalize_name(text)
    if not norm:
        return (None,) * 7
    classes = given_name_classes(norm)
    skel = _or_none(skeleton(norm))
    return (
        norm,
        skel,
        given_name_key(norm),
        classes[0] if classes else None,
        classes[1] if len(classes) > 1 else None,
        is_diminutive(norm),
        _initial(skel),
    )


@lru_cache(maxsize=1 << 16)
def _patronymic_keys(text: str) -> tuple[str | None, ...]:
    norm = normalize_name(text)
    if not norm:
        return (None,) * 7
    classes = patronymic_classes(norm)
    first = classes[0] if classes else None
    second = classes[1] if len(classes) > 1 else None
    return (
        norm,
        _or_none(skeleton(norm)),
        patronymic_key(norm),
        first,
        second,
        father_class(first) if first else None,
        father_class(second) if second else None,
    )


DateKeys = tuple[int | None, int | None, int | None, str | None, str | None, int | None]
_NO_DATE: DateKeys = (None, None, None, None, None, None)
# Digits of YYYYMMDD packed in base 11 (10 for an unreadable digit): fits an int32 for the index.
DIGIT_BASE = 11


def date_code(digits: str) -> int:
    """The eight characters YYYYMMDD as one integer, base 11, an unreadable digit counting 10."""
    code = 0
    for ch in digits:
        code = code * DIGIT_BASE + (10 if ch == UNREADABLE else int(ch))
    return code


@lru_cache(maxsize=1 << 16)
def _date_keys(text: str) -> DateKeys:
    """Year, month, day, YYYYMMDD, YYYYDDMM and its code, as written.

    A valid date reads as usual. One that is not (31 April, month 13, a digit nobody could read) keeps the
    parts it has: the numbers that are readable, and every digit for a digit-by-digit comparison.
    """
    try:
        date = PartialDate.parse(text)
    except (DateFormatError, ValueError):
        written = read_written_date(text)
        if written is None:
            return _NO_DATE
        year, month, day = written.year_number, written.month_number, written.day_number
        full, swapped = written.digits(), written.swapped_digits()
    else:
        year, month, day = date.year, date.month, date.day
        full = f"{date.year:04d}{date.month:02d}{date.day:02d}" if date.day is not None else None
        swapped = f"{date.year:04d}{date.day:02d}{date.month:02d}" if date.day is not None else None
    return (year, month, day, full, swapped, date_code(full) if full else None)


@lru_cache(maxsize=256)
def _sex_code(text: str) -> str | None:
    if text in ("m", "f"):
        return text
    row = {"record_id": "-", "family_name": "-", "sex": text}
    person, _ = parse_person_row(row, Registry.HELD)
    return _SEX_CODES.get(person.fields.sex) if person else None


_NOT_DIGITS = re.compile(r"\D+")


def _digits(code: str | None) -> str | None:
    if code is None:
        return None
    return _NOT_DIGITS.sub("", code) or None


def _sex_keys(text: str) -> tuple[str | None]:
    return (_sex_code(text),)


@lru_cache(maxsize=1 << 16)
def _unit_keys(text: str) -> tuple[str | None, str | None]:
    code = canonical_unit(text)
    return (code, _digits(code))


@lru_cache(maxsize=1 << 16)
def _service_number_keys(text: str) -> tuple[str | None, str | None]:
    code = canonical_service_number(text)
    return (code, _digits(code))


def _int_column(values: np.ndarray) -> pd.Series:
    return pd.Series(pd.array(list(values), dtype="Int16"))


def _key_parts() -> list[tuple[str, Callable[[str], tuple[Hashable, ...]], tuple[str, ...]]]:
    """Each source column, the function giving its keys, and the key columns they fill."""
    return [
        ("family_name", _family_keys, ("fam_norm", "fam_skel", "fam_dm1", "fam_dm2", "fam_i1")),
        (
            "given_name",
            _given_keys,
            ("giv_norm", "giv_skel", "giv_key", "giv_c1", "giv_c2", "giv_dim", "giv_i1"),
        ),
        (
            "patronymic",
            _patronymic_keys,
            ("pat_norm", "pat_skel", "pat_key", "pat_c1", "pat_c2", "pat_f1", "pat_f2"),
        ),
        ("sex", _sex_keys, ("sex",)),
        ("date_of_birth", _date_keys, ("dob_y", "dob_m", "dob_d", "dob_full", "dob_swap", "dob_code")),
        ("unit", _unit_keys, ("unit_key", "unit_digits")),
        ("service_number", _service_number_keys, ("sn_key", "sn_digits")),
    ]


def record_keys(record: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of one record (source columns by name; missing or blank values give missing keys)."""
    keys: dict[str, Any] = {"unique_id": str(record.get("record_id"))}
    for source, compute, names in _key_parts():
        value = record.get(source)
        text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()
        values = compute(text) if text else (None,) * len(names)
        keys.update(zip(names, values, strict=True))
    return keys


def prepare_features(frame: pd.DataFrame) -> pd.DataFrame:
    """The comparison keys of every record in ``frame`` (source columns as in ``SOURCE_COLUMNS``).

    Keys are computed once per distinct spelling: lists repeat names heavily, so 200,000 records cost
    about as much as their distinct surnames.
    """
    missing = [c for c in SOURCE_COLUMNS if c not in frame.columns]
    if missing:
        raise KeyError(f"missing source columns: {', '.join(missing)}")
    out: dict[str, Any] = {"unique_id": frame["record_id"].astype(str).to_numpy()}
    for source, keys, names in _key_parts():
        for name, values in zip(names, _per_value(frame[source], keys, len(names)), strict=True):
            out[name] = values
    result = pd.DataFrame(out)
    for name in ("dob_y", "dob_m", "dob_d"):
        result[name] = _int_column(out[name])
    result["dob_code"] = pd.Series(pd.array(list(out["dob_code"]), dtype="Int32"))
    result["giv_dim"] = result["giv_dim"].astype("boolean")
    return result[list(FEATURE_COLUMNS)]
