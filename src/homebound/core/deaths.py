"""Deaths in captivity (GC III Art. 120-121, GC IV Art. 129-131): the death record, read from text as a form
or the API sends it, and what it still owes (the official inquiry, the notice to the other side)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum

from homebound.core.errors import FieldProblem

MAX_TEXT = 2000


class NoticeChannel(StrEnum):
    """Through whom the notice of death went to the power on which the person depended (Art. 120, 122)."""

    ICRC = "icrc"  # the Central Tracing Agency
    MEDIATOR = "mediator"
    PROTECTING_POWER = "protecting_power"
    DIRECT = "direct"


@dataclass(frozen=True)
class DeathRecord:
    """What the owning party records of one death; text fields are personal data (sealed in the database)."""

    date_of_death: dt.date
    place_of_death: str | None = None
    cause: str | None = None
    circumstances: str | None = None
    cause_unclear: bool = False
    # GC III Art. 121: an official inquiry when the cause is unknown or another person may have caused it.
    inquiry_by: str | None = None
    inquiry_opened_on: dt.date | None = None
    inquiry_outcome: str | None = None
    burial_place: str | None = None
    grave_location: str | None = None
    grave_marking: str | None = None
    effects: str | None = None
    notice_sent_on: dt.date | None = None
    notice_through: NoticeChannel | None = None
    notice_reference: str | None = None

    @property
    def inquiry_owed(self) -> bool:
        return self.cause_unclear and self.inquiry_opened_on is None

    @property
    def notice_owed(self) -> bool:
        return self.notice_sent_on is None


DEATH_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(DeathRecord))
_DATES = ("date_of_death", "inquiry_opened_on", "notice_sent_on")
_TEXTS = tuple(n for n in DEATH_FIELD_NAMES if n not in (*_DATES, "cause_unclear", "notice_through"))
_INQUIRY = ("inquiry_by", "inquiry_opened_on", "inquiry_outcome")
_TRUE, _FALSE = {"true", "yes", "1", "on", "так", "да"}, {"false", "no", "0", "off", "", "ні", "нет"}


def _date(raw: str | None, name: str, problems: list[FieldProblem]) -> dt.date | None:
    if raw is None or not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        problems.append(FieldProblem(name, "invalid_date", "not a date (YYYY-MM-DD)"))
        return None


def _text(raw: str | None, name: str, problems: list[FieldProblem]) -> str | None:
    value = (raw or "").strip()
    if len(value) > MAX_TEXT:
        problems.append(FieldProblem(name, "too_long", f"at most {MAX_TEXT} characters"))
    return value or None


def parse_death(
    raw: Mapping[str, str | None], today: dt.date
) -> tuple[DeathRecord | None, list[FieldProblem]]:
    """A death record from text fields (unknown names are refused), or the problems found."""
    problems = [
        FieldProblem(n, "unknown_field", "not a field of a death record")
        for n in raw
        if n not in DEATH_FIELD_NAMES
    ]
    dates = {n: _date(raw.get(n), n, problems) for n in _DATES}
    texts = {n: _text(raw.get(n), n, problems) for n in _TEXTS}
    unclear_raw = (raw.get("cause_unclear") or "").strip().casefold()
    if unclear_raw not in _TRUE | _FALSE:
        problems.append(FieldProblem("cause_unclear", "invalid_choice", "yes or no"))
    channel_raw = (raw.get("notice_through") or "").strip()
    channel = None
    if channel_raw:
        try:
            channel = NoticeChannel(channel_raw)
        except ValueError:
            problems.append(
                FieldProblem("notice_through", "invalid_choice", "icrc, mediator, protecting_power or direct")
            )
    died = dates["date_of_death"]
    if died is None and not any(p.field == "date_of_death" for p in problems):
        problems.append(FieldProblem("date_of_death", "required", "a value is required"))
    record = (
        None
        if died is None
        else DeathRecord(
            date_of_death=died,
            cause_unclear=unclear_raw in _TRUE,
            inquiry_opened_on=dates["inquiry_opened_on"],
            notice_sent_on=dates["notice_sent_on"],
            notice_through=channel,
            **texts,
        )
    )
    if record is not None:
        problems.extend(check_death(record, today))
    return (None, problems) if problems else (record, [])


def check_death(record: DeathRecord, today: dt.date) -> list[FieldProblem]:
    """The rules between fields: no death in the future, nothing before the death, an inquiry only when the
    cause is in doubt, a notice sent through someone."""
    problems = []
    if record.date_of_death > today:
        problems.append(
            FieldProblem("date_of_death", "in_future", "a death cannot be recorded ahead of time")
        )
    for name in ("inquiry_opened_on", "notice_sent_on"):
        value = getattr(record, name)
        if value is not None and value < record.date_of_death:
            problems.append(FieldProblem(name, "before_death", "earlier than the date of death"))
    if not record.cause_unclear and any(getattr(record, n) for n in _INQUIRY):
        problems.append(
            FieldProblem(
                "cause_unclear",
                "inquiry_without_doubt",
                "an official inquiry is recorded when the cause is unclear",
            )
        )
    if record.notice_sent_on is not None and record.notice_through is None:
        problems.append(FieldProblem("notice_through", "required", "through whom the notice was sent"))
    return problems


def death_to_text(record: DeathRecord) -> dict[str, str]:
    """The record as the text fields a form shows (the inverse of parse_death)."""
    out: dict[str, str] = {}
    for name in DEATH_FIELD_NAMES:
        value = getattr(record, name)
        if isinstance(value, bool):
            out[name] = "yes" if value else "no"
        elif isinstance(value, dt.date):
            out[name] = value.isoformat()
        else:
            out[name] = "" if value is None else str(value)
    return out
