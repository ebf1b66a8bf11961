"""Person repository: mapping between core person fields and rows, and the scoped queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, event, exists, false, func, or_, select
from sqlalchemy.orm import ORMExecuteState, Session

from homebound.core.dates import PartialDate
from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.core.persons import (
    CAPTURE_CARD_DAYS,
    CLOSED_FOR_CARDS,
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
from homebound.db.sealed import TABLES, fold, provider_of
from homebound.db.sealing import KeyUnavailable, PartyKeys
from homebound.db.tables import PersonRow, PersonShareRow

_PLAIN = [  # as they are (the row seals the sealed ones)
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
    "nationality",
    "next_of_kin",
    "next_of_kin_address",
    "arrived_at_camp_on",
    "last_transfer_on",
]
_CLOSED_FOR_CARDS = sorted(status.value for status in CLOSED_FOR_CARDS)


def search_key(text: str) -> str:
    """Case- and form-insensitive fold; the blind index is an HMAC over it (never stored as it is)."""
    return fold(text)


def fields_to_columns(fields: PersonFields) -> dict[str, Any]:
    """Plain values by attribute name (sealed ones included: the row seals them, see db/sealed.py)."""
    dob = fields.date_of_birth
    columns: dict[str, Any] = {name: getattr(fields, name) for name in _PLAIN}
    columns.update(
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
        # Names are sealed: the prefix becomes the blind indexes of the matching names when the query runs
        # in a session (_resolve_name_prefix), so counts and pages stay exact SQL.
        query = query.where(PersonRow.family_name_key.in_(bindparam(NAME_TOKENS, expanding=True)))
        query = query.execution_options(**{NAME_PREFIX_OPTION: flt})
    if flt.updated_since is not None:
        query = query.where(PersonRow.updated_at >= flt.updated_since)
    if flt.overdue_on is not None:
        cutoff = flt.overdue_on - dt.timedelta(days=CAPTURE_CARD_DAYS)
        event = card_event_on()
        query = query.where(
            PersonRow.registry_kind == Registry.HELD.value,
            or_(PersonRow.capture_card_sent_on.is_(None), PersonRow.capture_card_sent_on < event),
            event < cutoff,
            PersonRow.status.not_in(_CLOSED_FOR_CARDS),
        )
    return query


def card_event_on() -> ColumnElement[dt.date]:
    """core.persons.capture_card_deadline's event date in SQL (portable: no GREATEST in SQLite)."""
    arrival, moved = PersonRow.arrived_at_camp_on, PersonRow.last_transfer_on
    return case(
        (and_(moved.is_not(None), or_(arrival.is_(None), moved >= arrival)), moved),
        (arrival.is_not(None), arrival),
        else_=PersonRow.capture_date,
    )


NAME_TOKENS = "homebound_name_tokens"
NAME_PREFIX_OPTION = "homebound_name_prefix"
MAX_NAME_TOKENS = 20_000  # names matching one prefix; more is a prefix too short to be useful


def name_tokens(session: Session, flt: PersonFilter) -> set[str]:
    """Blind indexes of the family names, among the records `flt` selects, that start with its prefix.

    One representative row per (party, blind index) is opened in memory; parties whose keys were erased
    have no readable names and match nothing.
    """
    prefix = search_key(flt.family_name_prefix or "")
    first = filtered(select(func.min(PersonRow.id)), replace(flt, family_name_prefix=None)).group_by(
        PersonRow.party_id, PersonRow.family_name_key
    )
    rows = session.execute(
        select(PersonRow.id, PersonRow.party_id, PersonRow.family_name_key)
        .add_columns(PersonRow.family_name_sealed)
        .where(PersonRow.id.in_(first))
    ).all()
    provider = provider_of(session)
    keys: dict[str, PartyKeys | None] = {}
    tokens: set[str] = set()
    for row_id, party, token, blob in rows:
        if party not in keys:
            try:
                keys[party] = provider.keys(party)
            except KeyUnavailable:
                keys[party] = None
        party_keys = keys[party]
        if party_keys is None:
            continue
        name = TABLES["person"].open(party_keys, "family_name", row_id, blob)
        if search_key(name).startswith(prefix):
            tokens.add(token)
    if len(tokens) > MAX_NAME_TOKENS:
        raise ValidationFailed(
            [FieldProblem("family_name_prefix", "too_short", "too many names match; give more letters")]
        )
    return tokens


def _resolve_name_prefix(state: ORMExecuteState) -> Any:
    flt = state.execution_options.get(NAME_PREFIX_OPTION)
    if not isinstance(flt, PersonFilter) or NAME_TOKENS in (state.parameters or {}):
        return None
    given = dict(state.parameters) if isinstance(state.parameters, Mapping) else {}
    state.parameters = {**given, NAME_TOKENS: sorted(name_tokens(state.session, flt))}
    return state.invoke_statement()


event.listen(Session, "do_orm_execute", _resolve_name_prefix)


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
