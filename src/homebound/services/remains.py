"""Remains person by person: a party records each body or set of remains it received or found, what it is
mixed with, and its identification; an identification names the party's own sought record, whose status
follows (deceased) and whose families are told through their inquiries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import Conflict, NotFound, PermissionDenied, PreconditionFailed, ValidationFailed
from homebound.core.log.entries import ActionTag
from homebound.core.persons import TRANSITIONS, Registry, Status
from homebound.core.remains import Identification, check_identification, check_outcome, parse_remains
from homebound.db.death_tables import RemainsRecordRow
from homebound.db.log_store import log_action
from homebound.db.tables import PersonRow, utcnow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.deaths import DECEASED_NOTICE, enqueue_family_notices
from homebound.services.handover_effects import move_status

MAX_PAGE = 500


@dataclass(frozen=True)
class RemainsView:
    id: str
    party_id: str
    reference: str
    found_place: str | None
    found_on: dt.date | None
    batch_id: str | None
    agreement_id: str | None
    dna_case_reference: str | None
    identification: Identification
    identified_on: dt.date | None
    sought_person_id: str | None
    mixed_with: tuple[str, ...]
    note: str | None
    version: int


def _view(row: RemainsRecordRow) -> RemainsView:
    return RemainsView(
        row.id,
        row.party_id,
        row.reference,
        row.found_place,
        row.found_on,
        row.batch_id,
        row.agreement_id,
        row.dna_case_reference,
        Identification(row.identification),
        row.identified_on,
        row.sought_person_id,
        tuple(row.mixed_with or ()),
        row.note,
        row.version,
    )


def _party(actor: Actor, permission: Permission) -> str:
    if not can(actor, permission) or actor.party_id is None:
        raise PermissionDenied("this role may not handle a party's remains records")
    return actor.party_id


def _own(session: Session, party_id: str, remains_id: str) -> RemainsRecordRow:
    row = session.get(RemainsRecordRow, remains_id)
    if row is None or row.party_id != party_id:
        raise NotFound("no such remains record", field="remains_id")
    return row


def _by_reference(session: Session, party_id: str, references: Sequence[str]) -> list[RemainsRecordRow]:
    rows = {
        r.reference: r
        for r in session.execute(
            select(RemainsRecordRow).where(
                RemainsRecordRow.party_id == party_id, RemainsRecordRow.reference.in_(list(references))
            )
        ).scalars()
    }
    unknown = [r for r in references if r not in rows]
    if unknown:
        raise NotFound("no remains record with this reference", field="mixed_with")
    return [rows[r] for r in references]


def record_remains(
    uows: UnitOfWorkFactory,
    actor: Actor,
    raw: Mapping[str, str | None],
    *,
    mixed_with: Sequence[str] = (),
) -> RemainsView:
    """A new body or set of remains (pending identification); `mixed_with` names the references of records
    already entered whose remains are mixed with these (the link is kept on both sides)."""
    party_id = _party(actor, Permission.PARTY_PERSON_WRITE)
    parsed, problems = parse_remains(raw, dt.date.today())
    if problems or parsed is None:
        raise ValidationFailed(problems)
    with uows.writer() as uow:
        session = uow.session
        clash = session.execute(
            select(RemainsRecordRow.id).where(
                RemainsRecordRow.party_id == party_id, RemainsRecordRow.reference == parsed.reference
            )
        ).first()
        if clash:
            raise Conflict(
                "a remains record with this reference exists", code="remains.exists", field="reference"
            )
        others = _by_reference(session, party_id, list(dict.fromkeys(mixed_with)))
        now = utcnow()
        row = RemainsRecordRow(
            party_id=party_id,
            reference=parsed.reference,
            found_on=parsed.found_on,
            batch_id=parsed.batch_id,
            agreement_id=parsed.agreement_id,
            identification=Identification.PENDING.value,
            mixed_with=[o.id for o in others],
            version=1,
            created_at=now,
            updated_at=now,
        )
        row.found_place = parsed.found_place
        row.dna_case_reference = parsed.dna_case_reference
        row.note = parsed.note
        session.add(row)
        session.flush()
        for other in others:
            other.mixed_with = [*(other.mixed_with or []), row.id]
            other.version += 1
            other.updated_at = now
        payload = {
            "remains": row.id,
            "reference": row.reference,
            "batch": row.batch_id or "",
            "agreement": row.agreement_id or "",
            "mixed_with": [o.id for o in others],
        }
        log_action(session, actor, ActionTag.REMAINS_ADD, "remains", row.id, payload, party=party_id)
        uow.commit()
        return _view(row)


def identify_remains(
    uows: UnitOfWorkFactory,
    actor: Actor,
    remains_id: str,
    outcome: Identification,
    *,
    on: dt.date | None = None,
    sought_person_id: str | None = None,
    expected_version: int | None = None,
) -> RemainsView:
    """Record an identification outcome. Identified remains may name one of the party's own sought records:
    the link is logged, the sought record moves to deceased, and the families on it are told."""
    party_id = _party(actor, Permission.PARTY_PERSON_WRITE)
    problems = check_outcome(outcome, on, sought_person_id is not None, dt.date.today())
    if problems:
        raise ValidationFailed(problems)
    with uows.writer() as uow:
        session = uow.session
        row = _own(session, party_id, remains_id)
        if expected_version is not None and expected_version != row.version:
            raise PreconditionFailed(
                "the remains record changed since it was read", code="remains.stale_version", field="If-Match"
            )
        check_identification(Identification(row.identification), outcome)
        sought = _sought(session, party_id, sought_person_id) if sought_person_id else None
        previous, unlinked = row.identification, row.sought_person_id
        row.identification = outcome.value
        row.identified_on = on
        row.sought_person_id = sought.id if sought else None
        row.version += 1
        row.updated_at = utcnow()
        notified = 0
        if sought is not None and sought.status != Status.DECEASED.value:
            if Status.DECEASED not in TRANSITIONS[Registry.SOUGHT].get(Status(sought.status), frozenset()):
                raise Conflict(
                    "the sought record's status does not allow deceased",
                    code="status.invalid_transition",
                    field="sought_person_id",
                )
            move_status(session, actor, sought, Status.DECEASED, f"remains {row.reference} identified")
            notified = enqueue_family_notices(session, [sought.id], DECEASED_NOTICE)
        payload = {
            "remains": row.id,
            "from": previous,
            "to": outcome.value,
            "on": on.isoformat() if on else "",
            "sought_person": row.sought_person_id or "",
            "unlinked": (unlinked or "") if unlinked != row.sought_person_id else "",
            "families_notified": notified,
        }
        log_action(session, actor, ActionTag.REMAINS_IDENTIFY, "remains", row.id, payload, party=party_id)
        if sought is not None:
            link = {"person": sought.id, "remains": row.id, "reference": row.reference}
            log_action(session, actor, ActionTag.REMAINS_IDENTIFY, "person", sought.id, link, party=party_id)
        uow.commit()
        return _view(row)


def _sought(session: Session, party_id: str, person_id: str) -> PersonRow:
    person = session.get(PersonRow, person_id, with_for_update=True)
    if person is None or person.party_id != party_id or person.registry_kind != Registry.SOUGHT.value:
        raise NotFound("no such sought record", field="sought_person_id")
    return person


def list_remains(
    uows: UnitOfWorkFactory, actor: Actor, *, batch_id: str | None = None, offset: int = 0, limit: int = 100
) -> list[RemainsView]:
    party_id = _party(actor, Permission.PARTY_PERSON_READ)
    query = select(RemainsRecordRow).where(RemainsRecordRow.party_id == party_id)
    if batch_id is not None:
        query = query.where(RemainsRecordRow.batch_id == batch_id)
    query = query.order_by(RemainsRecordRow.reference).offset(offset).limit(max(1, min(limit, MAX_PAGE)))
    with uows.reader() as uow:
        return [_view(r) for r in uow.session.execute(query).scalars()]


def get_remains(uows: UnitOfWorkFactory, actor: Actor, remains_id: str) -> RemainsView:
    party_id = _party(actor, Permission.PARTY_PERSON_READ)
    with uows.reader() as uow:
        return _view(_own(uow.session, party_id, remains_id))


# The exchange's per-batch statuses (core/exchange/remains.py), derived from the per-body records.
BATCH_STATUS_OF = {"identified": "identified", "pending": "pending_dna", "excluded": "pending_dna"}


def batch_counts(uows: UnitOfWorkFactory, actor: Actor) -> dict[str, dict[str, int]]:
    """Per batch, bodies by the exchange's statuses (pending_dna, identified, mixed_remains) as the per-body
    records give them: a body mixed with another counts as mixed_remains whatever its identification."""
    party_id = _party(actor, Permission.PARTY_PERSON_READ)
    counts: dict[str, dict[str, int]] = {}
    with uows.reader() as uow:
        rows = uow.session.execute(
            select(
                RemainsRecordRow.batch_id, RemainsRecordRow.identification, RemainsRecordRow.mixed_with
            ).where(RemainsRecordRow.party_id == party_id, RemainsRecordRow.batch_id.is_not(None))
        ).all()
    for batch_id, identification, mixed in rows:
        status = "mixed_remains" if mixed else BATCH_STATUS_OF[identification]
        per = counts.setdefault(batch_id, {"pending_dna": 0, "identified": 0, "mixed_remains": 0})
        per[status] += 1
    return counts
