"""Person repository: mapping between core person fields and rows, and the scoped queries."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select
from sqlalchemy.orm import Session

from homebound.core.dates import PartialDate
from homebound.core.persons import (
    CAPTURE_CARD_DAYS,
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
from homebound.db.tables import PersonRow, PersonShareRow

_PLAIN = [
    "family_name",
    "given_name",
    "patronymic",
    "father_given_name",
    "mother_maiden_name",
    "place_of_birth",
    "party_depended_on",
    "rank",
    "service_number",
    "unit",
    "capture_date",
    "capture_place",
    "detention_place",
    "capture_card_sent_on",
    "legal_hold_note",
    "last_seen_date",
    "last_seen_place",
]
CLOSED_FOR_CARDS = (Status.DECEASED.value, Status.RELEASED.value, Status.EXCHANGED.value)


def search_key(text: str) -> str:
    """Case- and form-insensitive key; SQL's lower() does not fold Cyrillic on SQLite."""
    return unicodedata.normalize("NFKC", text).casefold().replace("ё", "е").strip()


def fields_to_columns(fields: PersonFields) -> dict[str, Any]:
    dob = fields.date_of_birth
    columns: dict[str, Any] = {name: getattr(fields, name) for name in _PLAIN}
    columns.update(
        family_name_key=search_key(fields.family_name),
        sex=fields.sex.value,
        category=fields.category.value,
        health=fields.health.value,
        legal_hold=fields.legal_hold.value,
        birth_year=dob.year if dob else None,
        birth_month=dob.month if dob else None,
        birth_day=dob.day if dob else None,
        will_to_return=fields.will_to_return.value.value,
        will_verified_by=fields.will_to_return.verified_by,
        will_verified_on=fields.will_to_return.verified_on,
    )
    return columns


def row_to_fields(row: PersonRow) -> PersonFields:
    dob = PartialDate(row.birth_year, row.birth_month, row.birth_day) if row.birth_year else None
    return PersonFields(
        **{name: getattr(row, name) for name in _PLAIN},
        sex=Sex(row.sex),
        category=Category(row.category),
        health=Health(row.health),
        legal_hold=LegalHold(row.legal_hold),
        date_of_birth=dob,
        will_to_return=WillToReturnRecord(
            WillToReturn(row.will_to_return), row.will_verified_by, row.will_verified_on
        ),
    )


@dataclass(frozen=True)
class PersonFilter:
    registry: Registry | None = None
    party_id: str | None = None
    status: Status | None = None
    category: Category | None = None
    overdue_on: dt.date | None = None  # capture cards overdue on this day
    family_name_prefix: str | None = None
    updated_since: dt.datetime | None = None


def visibility_clause(party_ids: frozenset[str] | None) -> ColumnElement[bool]:
    """None = every party (mediator); otherwise the parties' own records plus records shared with them."""
    if party_ids is None:
        return and_(True)
    if not party_ids:
        return false()
    shared = exists().where(PersonShareRow.person_id == PersonRow.id, PersonShareRow.party_id.in_(party_ids))
    return or_(PersonRow.party_id.in_(party_ids), shared)


def filtered(query: Select[Any], flt: PersonFilter) -> Select[Any]:
    if flt.registry is not None:
        query = query.where(PersonRow.registry_kind == flt.registry.value)
    if flt.party_id is not None:
        query = query.where(PersonRow.party_id == flt.party_id)
    if flt.status is not None:
        query = query.where(PersonRow.status == flt.status.value)
    if flt.category is not None:
        query = query.where(PersonRow.category == flt.category.value)
    if flt.family_name_prefix:
        query = query.where(
            PersonRow.family_name_key.startswith(search_key(flt.family_name_prefix), autoescape=True)
        )
    if flt.updated_since is not None:
        query = query.where(PersonRow.updated_at >= flt.updated_since)
    if flt.overdue_on is not None:
        cutoff = flt.overdue_on - dt.timedelta(days=CAPTURE_CARD_DAYS)
        query = query.where(
            PersonRow.registry_kind == Registry.HELD.value,
            PersonRow.capture_card_sent_on.is_(None),
            PersonRow.capture_date < cutoff,
            PersonRow.status.not_in(CLOSED_FOR_CARDS),
        )
    return query


def shared_with(session: Session, person_ids: Sequence[str]) -> dict[str, frozenset[str]]:
    if not person_ids:
        return {}
    rows = session.execute(
        select(PersonShareRow.person_id, PersonShareRow.party_id).where(
            PersonShareRow.person_id.in_(person_ids)
        )
    ).all()
    result: dict[str, set[str]] = {}
    for person_id, party_id in rows:
        result.setdefault(person_id, set()).add(party_id)
    return {key: frozenset(value) for key, value in result.items()}
