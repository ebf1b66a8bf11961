"""Persons as documents show them: the record's fields as plain JSON, read only where the registry's own
policy lets the reader read the record, and found by the party's own record number or by ID."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, best_read_permission, visible_party_ids
from homebound.core.errors import NotFound
from homebound.core.persons import Registry
from homebound.db.persons import row_to_fields, shared_with, visibility_clause
from homebound.db.tables import LogEntryRow, OrganisationRow, PersonRow
from homebound.services.candidates import chunks, persons_by_id
from homebound.services.registry import readable


@dataclass(frozen=True)
class RecordRef:
    """Which record a person document is about: its ID, or the record number in a party's registry."""

    person_id: str = ""
    record_number: str = ""
    party_code: str = ""  # the mediator's way to say whose record number; a party means its own
    registry: Registry | None = None


def organisation_codes(session: Session) -> dict[str, str]:
    return dict(session.execute(select(OrganisationRow.id, OrganisationRow.code)).all())


def organisation_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(OrganisationRow.id, OrganisationRow.name)).all())


def find_record(session: Session, actor: Actor, ref: RecordRef) -> PersonRow:
    """The record the reference names, if the actor may read it; otherwise NotFound, never a hint whether
    it exists (another party's record number and an unknown one answer alike)."""
    row = session.get(PersonRow, ref.person_id) if ref.person_id else _by_record_number(session, actor, ref)
    if row is None or not readable(actor, row, shared_with(session, [row.id]).get(row.id, frozenset())):
        raise NotFound("no such person record", field="record")
    if ref.registry is not None and row.registry_kind != ref.registry.value:
        raise NotFound("no such person record", field="record")
    return row


def _by_record_number(session: Session, actor: Actor, ref: RecordRef) -> PersonRow | None:
    number = ref.record_number.strip()
    permission = best_read_permission(actor)
    if not number or permission is None:
        return None
    query = select(PersonRow).where(
        PersonRow.source_id == number, visibility_clause(visible_party_ids(actor, permission))
    )
    if ref.party_code:
        query = query.join(OrganisationRow, OrganisationRow.id == PersonRow.party_id).where(
            OrganisationRow.code == ref.party_code
        )
    elif actor.party_id is not None:
        query = query.where(PersonRow.party_id == actor.party_id)  # "the party's own record number"
    if ref.registry is not None:
        query = query.where(PersonRow.registry_kind == ref.registry.value)
    found = list(session.execute(query.limit(2)).scalars())
    if len(found) > 1:
        raise NotFound(
            "this record number is not unique here: name the party (--party) or the registry (--registry)",
            field="record",
        )
    return found[0] if found else None


def _date(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def person_content(row: PersonRow, codes: Mapping[str, str]) -> dict[str, Any]:
    """Every field a document may print, as JSON: names as the source wrote them."""
    f = row_to_fields(row)
    return {
        "id": row.id,
        "record_number": row.source_id,
        "party": codes.get(row.party_id, ""),
        "registry": row.registry_kind,
        "status": row.status,
        "family_name": f.family_name,
        "given_name": f.given_name,
        "patronymic": f.patronymic,
        "father_given_name": f.father_given_name,
        "mother_maiden_name": f.mother_maiden_name,
        "sex": f.sex.value,
        "date_of_birth": None if f.date_of_birth is None else f.date_of_birth.iso(),
        "place_of_birth": f.place_of_birth,
        "party_depended_on": f.party_depended_on,
        "rank": f.rank,
        "service_number": f.service_number,
        "unit": f.unit,
        "category": f.category.value,
        "capture_date": _date(f.capture_date),
        "capture_place": f.capture_place,
        "detention_place": f.detention_place,
        "capture_card_sent_on": _date(f.capture_card_sent_on),
        "health": f.health.value,
        "legal_hold": f.legal_hold.value,
        "will_to_return": f.will_to_return.value.value,
        "last_seen_date": _date(f.last_seen_date),
        "last_seen_place": f.last_seen_place,
    }


def full_name(person: Mapping[str, Any]) -> str:
    parts = (person.get("family_name"), person.get("given_name"), person.get("patronymic"))
    return " ".join(str(p) for p in parts if p)


def readable_persons(session: Session, actor: Actor, ids: Iterable[str]) -> dict[str, PersonRow]:
    """Of `ids`, the records the actor may read (loaded in bulk: a 1,000-line act is one query per 500)."""
    wanted = list(dict.fromkeys(ids))
    rows = persons_by_id(session, wanted)
    shares: dict[str, frozenset[str]] = {}
    for part in chunks(list(rows)):
        shares.update(shared_with(session, list(part)))
    return {i: r for i, r in rows.items() if readable(actor, r, shares.get(i, frozenset()))}


def brief(row: PersonRow | None, codes: Mapping[str, str]) -> dict[str, Any] | None:
    """What a list or an act shows of one person: identity and service, nothing else."""
    if row is None:
        return None
    person = person_content(row, codes)
    keys = (
        "id",
        "record_number",
        "party",
        "family_name",
        "given_name",
        "patronymic",
        "date_of_birth",
        "rank",
        "service_number",
        "unit",
    )
    return {key: person[key] for key in keys}


def ordered(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def latest_log_entries(
    session: Session, object_type: str, object_ids: Sequence[str]
) -> dict[str, tuple[int, str, str]]:
    """The newest log entry of each object: (seq, time, entry hash), the paper's anchor in the log."""
    found: dict[str, tuple[int, str, str]] = {}
    for part in chunks(list(object_ids)):
        rows = session.execute(
            select(LogEntryRow.object_id, LogEntryRow.seq, LogEntryRow.time, LogEntryRow.entry_hash)
            .where(LogEntryRow.object_type == object_type, LogEntryRow.object_id.in_(list(part)))
            .order_by(LogEntryRow.seq)
        ).all()
        for object_id, seq, time, entry_hash in rows:
            found[object_id] = (seq, time, entry_hash)
    return found
