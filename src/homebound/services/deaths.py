"""Deaths in captivity: the owning party records the death record, which moves the person to deceased
through the logged status transition in the same transaction; families learn it through their inquiry
(the outbox), never through the public ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor
from homebound.core.deaths import DEATH_FIELD_NAMES, DeathRecord, NoticeChannel, parse_death
from homebound.core.errors import Conflict, PreconditionFailed, ValidationFailed
from homebound.core.log.entries import ActionTag
from homebound.core.persons import TRANSITIONS, Category, Registry, Status
from homebound.db.death_tables import DeathRecordRow
from homebound.db.exchange_tables import IdentityConfirmationRow, NotificationRow
from homebound.db.handover_store import on_open_manifest
from homebound.db.log_store import log_action
from homebound.db.tables import InquiryRow, PersonRow, utcnow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.handover_effects import channels_for, move_status
from homebound.services.registry import load_for_read, load_for_write

DECEASED_NOTICE = "deceased"  # the notification kind: the family reads the stage on the status page
_COLUMNS = tuple(n for n in DEATH_FIELD_NAMES if n != "cause_unclear")


@dataclass(frozen=True)
class DeathView:
    person_id: str
    party_id: str
    record: DeathRecord
    version: int
    inquiry_owed: bool
    notice_owed: bool
    updated_at: dt.datetime


def row_to_death(row: DeathRecordRow) -> DeathRecord:
    return DeathRecord(
        date_of_death=row.date_of_death,
        place_of_death=row.place_of_death,
        cause=row.cause,
        circumstances=row.circumstances,
        cause_unclear=row.cause_unclear,
        inquiry_by=row.inquiry_by,
        inquiry_opened_on=row.inquiry_opened_on,
        inquiry_outcome=row.inquiry_outcome,
        burial_place=row.burial_place,
        grave_location=row.grave_location,
        grave_marking=row.grave_marking,
        effects=row.effects,
        notice_sent_on=row.notice_sent_on,
        notice_through=NoticeChannel(row.notice_through) if row.notice_through else None,
        notice_reference=row.notice_reference,
    )


def _view(row: DeathRecordRow) -> DeathView:
    record = row_to_death(row)
    return DeathView(
        row.person_id,
        row.party_id,
        record,
        row.version,
        record.inquiry_owed,
        record.notice_owed,
        row.updated_at,
    )


def death_of(session: Session, person_id: str) -> DeathRecordRow | None:
    return session.execute(
        select(DeathRecordRow).where(DeathRecordRow.person_id == person_id)
    ).scalar_one_or_none()


def get_death(uows: UnitOfWorkFactory, actor: Actor, person_id: str) -> DeathView | None:
    """The death record of a record the actor may read, or None when none is recorded."""
    with uows.reader() as uow:
        load_for_read(uow.session, actor, person_id)
        row = death_of(uow.session, person_id)
        return None if row is None else _view(row)


def _apply(row: DeathRecordRow, record: DeathRecord) -> list[str]:
    changed = []
    for name in _COLUMNS:
        value = getattr(record, name)
        value = value.value if isinstance(value, NoticeChannel) else value
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    if row.cause_unclear != record.cause_unclear:
        row.cause_unclear = record.cause_unclear
        changed.append("cause_unclear")
    return changed


def record_death(
    uows: UnitOfWorkFactory,
    actor: Actor,
    person_id: str,
    raw: Mapping[str, str | None],
    *,
    expected_version: int | None = None,
) -> DeathView:
    """Record (or amend) the death of a person of the actor's party; the first recording moves the person to
    deceased and tells the families whose inquiries follow the person."""
    record, problems = parse_death(raw, dt.date.today())
    if problems or record is None:
        raise ValidationFailed(problems)
    with uows.writer() as uow:
        session = uow.session
        person, _shares = load_for_write(session, actor, person_id)
        if person.category == Category.REMAINS.value:
            raise Conflict(
                "remains are recorded as remains, not as a death", code="death.remains", field="person_id"
            )
        row = death_of(session, person.id)
        if row is not None and expected_version is not None and expected_version != row.version:
            raise PreconditionFailed(
                "the death record changed since it was read", code="death.stale_version", field="If-Match"
            )
        notified = 0
        if person.status != Status.DECEASED.value:
            if on_open_manifest(session, [person.id]):
                raise Conflict(
                    "the person is on the manifest of a concluded agreement: the handover records it",
                    code="person.on_manifest",
                    field="status",
                )
            move_status(session, actor, person, Status.DECEASED, "death recorded")
            notified = _tell_families(session, actor, person)
        created = row is None
        if row is None:
            row = DeathRecordRow(
                party_id=person.party_id, person_id=person.id, version=0, created_at=utcnow()
            )
            session.add(row)
        changed = _apply(row, record)
        if changed or created:
            row.version += 1
            row.updated_at = utcnow()
            session.flush()
            payload = {
                "person": person.id,
                "death_record": row.id,
                "changed": sorted(changed),
                "date_of_death": record.date_of_death.isoformat(),
                "cause_unclear": record.cause_unclear,
                "inquiry_owed": record.inquiry_owed,
                "notice_owed": record.notice_owed,
                "families_notified": notified,
            }
            log_action(
                session, actor, ActionTag.DEATH_RECORD, "person", person.id, payload, party=person.party_id
            )
        uow.commit()
        return _view(row)


def _tell_families(session: Session, actor: Actor, person: PersonRow) -> int:
    """The inquiries that follow this person: on the record itself (a sought record) and on the sought
    records the mediator confirmed as this held person, whose status follows (deceased)."""
    sought = [person] if person.registry_kind == Registry.SOUGHT.value else []
    if person.registry_kind == Registry.HELD.value:
        ids = session.execute(
            select(IdentityConfirmationRow.sought_person_id).where(
                IdentityConfirmationRow.held_person_id == person.id,
                IdentityConfirmationRow.sought_person_id.is_not(None),
            )
        ).scalars()
        for sought_id in ids:
            record = session.get(PersonRow, sought_id)
            if record is None:
                continue
            current = Status(record.status)
            if Status.DECEASED in TRANSITIONS[Registry.SOUGHT].get(current, frozenset()):
                move_status(session, actor, record, Status.DECEASED, "the holding party recorded the death")
                sought.append(record)
    return enqueue_family_notices(session, [s.id for s in sought], DECEASED_NOTICE)


def enqueue_family_notices(session: Session, sought_ids: list[str], kind: str) -> int:
    """One notification per inquiry on these sought records and per channel (status page, e-mail)."""
    if not sought_ids:
        return 0
    count = 0
    for inquiry in session.execute(
        select(InquiryRow).where(InquiryRow.person_id.in_(sought_ids)).order_by(InquiryRow.created_at)
    ).scalars():
        for channel in channels_for(inquiry):
            session.add(
                NotificationRow(
                    inquiry_id=inquiry.id, kind=kind, channel=channel, created_at=utcnow(), attempts=0
                )
            )
            count += 1
    return count
