"""Documents about one person: the GC III capture card (Art. 70, Annex IV B), the notification of death
(Art. 120, Annex IV D) and the repatriation certificate (Annex IV E), each from a record the reader may read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor
from homebound.core.errors import Conflict, NotFound
from homebound.core.log.entries import ActionTag
from homebound.core.paper import NOT_IN_DATA_MODEL, DocumentKind, Paper, missing_fields
from homebound.core.persons import Category, Registry, Status
from homebound.db.exchange_tables import AgreementRow, HandoverLineRow, IdentityConfirmationRow
from homebound.db.tables import LogEntryRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.deaths import death_of, row_to_death
from homebound.services.documents.people import (
    RecordRef,
    find_record,
    latest_log_entries,
    organisation_codes,
    organisation_names,
    person_content,
)

# The fields of each model, in its order, that a record can fill (the rest: NOT_IN_DATA_MODEL).
CAPTURE_CARD_FIELDS = (
    "party_depended_on",
    "family_name",
    "given_name",
    "father_given_name",
    "date_of_birth",
    "place_of_birth",
    "rank",
    "service_number",
    "capture_date",
    "capture_place",
    "health",
    "detention_place",
)
DEATH_FIELDS = (
    "party_depended_on",
    "family_name",
    "given_name",
    "father_given_name",
    "place_of_birth",
    "date_of_birth",
    "rank",
    "service_number",
    "capture_date",
    "capture_place",
)
REPATRIATION_FIELDS = (
    "detention_place",
    "family_name",
    "given_name",
    "date_of_birth",
    "rank",
    "service_number",
    "record_number",
    "health",
)


def _anchor(entry: tuple[int, str, str] | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    seq, time, entry_hash = entry
    return {"seq": seq, "time": time, "entry_hash": entry_hash}


def _issuer(session: Session, row: PersonRow) -> dict[str, str]:
    return {
        "code": organisation_codes(session).get(row.party_id, ""),
        "name": organisation_names(session).get(row.party_id, ""),
    }


def _paper(kind: DocumentKind, content: dict[str, Any], wanted: tuple[str, ...]) -> Paper:
    person: Mapping[str, Any] = content["person"]
    health_unknown = ("health",) if person.get("health") == "unknown" and "health" in wanted else ()
    missing = tuple(dict.fromkeys(missing_fields(person, wanted) + health_unknown))
    return Paper(kind, content, missing=missing, not_in_model=NOT_IN_DATA_MODEL[kind])


def capture_card(uows: UnitOfWorkFactory, actor: Actor, ref: RecordRef) -> Paper:
    """The capture card of a held person (never of remains): what the record knows, and what it lacks."""
    with uows.reader() as uow:
        session = uow.session
        row = find_record(
            session, actor, RecordRef(ref.person_id, ref.record_number, ref.party_code, Registry.HELD)
        )
        if row.category == Category.REMAINS.value:
            raise Conflict("remains have no capture card", code="document.not_applicable", field="record")
        content = {
            "person": person_content(row, organisation_codes(session)),
            "issuer": _issuer(session, row),
            "record_log": _anchor(latest_log_entries(session, "person", [row.id]).get(row.id)),
        }
    return _paper(DocumentKind.CAPTURE_CARD, content, CAPTURE_CARD_FIELDS)


def _death_entry(
    session: Session,
    person_id: str,
    tags: tuple[ActionTag, ...] = (ActionTag.PERSON_STATUS, ActionTag.PERSON_CREATE),
) -> tuple[int, str, str] | None:
    """The log entry that recorded the status `deceased` (the latest status change of a deceased record), or
    with `tags` another of the record's latest entries (the death record's)."""
    found = session.execute(
        select(LogEntryRow.seq, LogEntryRow.time, LogEntryRow.entry_hash)
        .where(
            LogEntryRow.object_type == "person",
            LogEntryRow.object_id == person_id,
            LogEntryRow.tag.in_([t.value for t in tags]),
        )
        .order_by(LogEntryRow.seq.desc())
        .limit(1)
    ).first()
    return None if found is None else (found[0], found[1], found[2])


# The model's entries (Annex IV D) that the death record fills, in its order.
DEATH_RECORD_FIELDS = (
    "date_of_death",
    "place_of_death",
    "family_address",
    "cause_of_death",
    "burial_place",
    "grave_marked",
    "personal_effects",
)


def _death_content(session: Session, row: PersonRow) -> dict[str, Any] | None:
    """The death record as the paper prints it (None when none is recorded yet)."""
    found = death_of(session, row.id)
    if found is None:
        return None
    death = row_to_death(found)
    return {
        "date_of_death": death.date_of_death.isoformat(),
        "place_of_death": death.place_of_death,
        "family_address": row.next_of_kin_address,
        "cause_of_death": death.cause,
        "circumstances": death.circumstances,
        "cause_unclear": death.cause_unclear,
        "inquiry_by": death.inquiry_by,
        "inquiry_opened_on": _iso(death.inquiry_opened_on),
        "inquiry_outcome": death.inquiry_outcome,
        "burial_place": death.burial_place,
        "grave_location": death.grave_location,
        "grave_marked": death.grave_marking,
        "personal_effects": death.effects,
        "notice_sent_on": _iso(death.notice_sent_on),
        "notice_through": death.notice_through.value if death.notice_through else None,
        "notice_reference": death.notice_reference,
        "version": found.version,
    }


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def death_certificate(uows: UnitOfWorkFactory, actor: Actor, ref: RecordRef) -> Paper:
    """The notification of death of a person who died in captivity, from the record and its death record
    (date, place, cause, burial, grave, effects, the inquiry and the notice); what neither holds is named on
    the paper rather than left blank."""
    with uows.reader() as uow:
        session = uow.session
        row = find_record(
            session, actor, RecordRef(ref.person_id, ref.record_number, ref.party_code, Registry.HELD)
        )
        if row.status != Status.DECEASED.value:
            raise Conflict(
                "the record's status is not deceased: there is no death to certify",
                code="document.not_deceased",
                field="record",
            )
        content = {
            "person": person_content(row, organisation_codes(session)),
            "issuer": _issuer(session, row),
            "death_recorded": _anchor(_death_entry(session, row.id)),
            "death": _death_content(session, row),
            "death_record_log": _anchor(_death_entry(session, row.id, (ActionTag.DEATH_RECORD,))),
        }
    paper = _paper(DocumentKind.DEATH_CERTIFICATE, content, DEATH_FIELDS)
    lacking = missing_fields(content["death"] or {}, DEATH_RECORD_FIELDS)
    return replace(paper, missing=paper.missing + lacking)


def _line_of(session: Session, held_id: str) -> HandoverLineRow | None:
    """The manifest line that brought the person home: agreed and delivered, or accepted as a substitute."""
    delivered = session.execute(
        select(HandoverLineRow).where(
            HandoverLineRow.candidate_id == held_id, HandoverLineRow.state == "delivered"
        )
    ).scalar_one_or_none()
    if delivered is not None:
        return delivered
    substituted = session.execute(
        select(HandoverLineRow).where(HandoverLineRow.state == "substitute_accepted")
    ).scalars()
    return next(
        (
            line
            for line in substituted
            if (line.detail.get("substitute") or {}).get("candidate_id") == held_id
        ),
        None,
    )


def _handover_of(session: Session, row: PersonRow) -> dict[str, Any] | None:
    held_ids = [row.id]
    if row.registry_kind == Registry.SOUGHT.value:
        held_ids = list(
            session.execute(
                select(IdentityConfirmationRow.held_person_id).where(
                    IdentityConfirmationRow.sought_person_id == row.id
                )
            ).scalars()
        )
    for held_id in held_ids:
        line = _line_of(session, held_id)
        if line is None:
            continue
        agreement = session.get(AgreementRow, line.agreement_id)
        assert agreement is not None
        number = line.tranche_index + 1
        key = f"{line.agreement_id}:{number}:{line.line_no}"
        codes = organisation_codes(session)
        releasing = agreement.party_a_id if line.releasing_side == "a" else agreement.party_b_id
        receiving = agreement.party_b_id if line.releasing_side == "a" else agreement.party_a_id
        return {
            "agreement_id": agreement.id,
            "agreement_title": agreement.title,
            "venue": agreement.venue,
            "agreement_hash": agreement.content_hash,
            "tranche": number,
            "line": line.line_no,
            "state": line.state,
            "released_by": codes.get(releasing, ""),
            "received_by": codes.get(receiving, ""),
            "crossed": _anchor(latest_log_entries(session, "handover_line", [key]).get(key)),
        }
    return None


def repatriation_certificate(uows: UnitOfWorkFactory, actor: Actor, ref: RecordRef) -> Paper:
    """The repatriation certificate of a person who came home: a held record exchanged at a handover (the
    releasing side's copy) or a sought record returned (the receiving side's copy)."""
    with uows.reader() as uow:
        session = uow.session
        row = find_record(session, actor, ref)
        if row.status not in (Status.EXCHANGED.value, Status.RETURNED.value):
            raise Conflict(
                "the record's status is neither exchanged nor returned: nobody was repatriated",
                code="document.not_repatriated",
                field="record",
            )
        handover = _handover_of(session, row)
        if handover is None:
            raise NotFound("no handover in Homebound brought this person home", field="record")
        content = {
            "person": person_content(row, organisation_codes(session)),
            "issuer": _issuer(session, row),
            "handover": handover,
        }
    return _paper(DocumentKind.REPATRIATION_CERTIFICATE, content, REPATRIATION_FIELDS)
