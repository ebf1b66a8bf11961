"""Requests for one's own people: a party tables them from its sought registry and follows their status.

The requesting party and the mediator read a request whole (the party alone its private note); the holding
party reads only the requests the mediator forwarded to it by linking them to its own held records, as its
own record plus the requesting party's stated reason and priority. Every status change is a signed log
entry under the requesting party (services.request_mediation for the mediator's changes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, OrganisationKind, Permission, can
from homebound.core.errors import FieldProblem, NotFound, PermissionDenied, ValidationFailed
from homebound.core.exchange.requests import RequestedPerson, RequestStatus, check_request_list
from homebound.core.log.entries import ActionTag
from homebound.core.persons import Registry
from homebound.db.exchange_tables import AgreementRow
from homebound.db.log_store import log_action
from homebound.db.request_tables import ExchangeRequestRow
from homebound.db.tables import OrganisationRow, PersonRow, utcnow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.candidates import persons_by_id

# Whose view of a request: the requesting party, the mediator, or the party holding the person.
REQUESTER, MEDIATOR, HOLDER = "requester", "mediator", "holder"


@dataclass(frozen=True)
class RequestView:
    id: str
    status: str
    priority: int | None
    reason: str
    agreement_id: str | None
    listed_version: int | None
    refusal_reason: str | None
    tabled_at: dt.datetime
    updated_at: dt.datetime
    person_id: str  # the sought record (requester, mediator) or the holder's own held record (holder)
    person_name: str
    requesting_party: str  # organisation code
    holding_party: str | None
    held_person_id: str | None  # the mediator's link: shown to the mediator (and the holder, as person_id)
    private_note: str | None  # the requesting party's only
    history: list[dict[str, Any]] = field(default_factory=list)


def _name(person: PersonRow | None) -> str:
    if person is None:
        return ""
    return " ".join(part for part in (person.family_name, person.given_name, person.patronymic) if part)


def _codes(session: Session) -> dict[str, str]:
    found = session.execute(select(OrganisationRow.id, OrganisationRow.code)).all()
    return {str(row[0]): str(row[1]) for row in found}


def views_of(session: Session, rows: Sequence[ExchangeRequestRow], seat: str) -> list[RequestView]:
    """Requests as `seat` may read them: the holder sees its own record, never the sought one or the note."""
    codes = _codes(session)
    person_ids = [r.held_person_id or "" if seat == HOLDER else r.sought_person_id for r in rows]
    persons = persons_by_id(session, [p for p in person_ids if p])
    views = []
    for row, person_id in zip(rows, person_ids, strict=True):
        history = row.history_entries()
        if seat == HOLDER:  # the holder reads the refusal it made, not how the request came to it
            history = [h for h in history if h["status"] != RequestStatus.RECEIVED.value]
        views.append(
            RequestView(
                id=row.id,
                status=row.status,
                priority=row.priority,
                reason=row.reason or "",
                agreement_id=row.agreement_id,
                listed_version=row.listed_version,
                refusal_reason=row.refusal_reason,
                tabled_at=row.tabled_at,
                updated_at=row.updated_at,
                person_id=person_id,
                person_name=_name(persons.get(person_id)),
                requesting_party=codes.get(row.party_id, ""),
                holding_party=codes.get(row.holding_party_id or ""),
                held_person_id=row.held_person_id if seat != REQUESTER else None,
                private_note=(row.private_note or "") if seat == REQUESTER else None,
                history=history,
            )
        )
    return views


def history_entry(status: RequestStatus, actor: Actor, reason: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"status": status.value, "at": utcnow().isoformat(), "by": actor.role.value}
    if reason:
        entry["reason"] = reason
    return entry


# --- tabling ------------------------------------------------------------------------------------------------


def _addressee(session: Session, actor: Actor, agreement_id: str | None, mediator: str | None) -> str:
    """The mediator a request list goes to: the agreement's, the one named, or the only one there is."""
    if agreement_id is not None:
        agreement = session.get(AgreementRow, agreement_id)
        if agreement is None or actor.party_id not in (agreement.party_a_id, agreement.party_b_id):
            raise NotFound("no such agreement", field="agreement_id")
        return agreement.mediator_id
    query = select(OrganisationRow.id).where(OrganisationRow.kind == OrganisationKind.MEDIATOR.value)
    if mediator is not None:
        query = query.where(OrganisationRow.code == mediator)
    found = list(session.execute(query).scalars())
    if len(found) != 1:
        text = "no such mediator" if mediator is not None else "name the mediator the requests go to"
        raise ValidationFailed([FieldProblem("mediator", "request.mediator", text)])
    return found[0]


def _check_own_sought(persons: dict[str, PersonRow], actor: Actor, items: Sequence[RequestedPerson]) -> None:
    problems = []
    for index, item in enumerate(items):
        record = persons.get(item.sought_person_id)
        if record is None or record.party_id != actor.party_id:
            raise NotFound("no such sought record", field=f"items[{index}].sought_person_id")
        if record.registry_kind != Registry.SOUGHT.value:
            text = "a party asks for persons of its own sought registry"
            problems.append(FieldProblem(f"items[{index}].sought_person_id", "request.not_sought", text))
    if problems:
        raise ValidationFailed(problems)


def _open_requests(session: Session, ids: Sequence[str]) -> set[str]:
    """Sought records already asked for and still open (not refused, not returned)."""
    closed = (RequestStatus.REFUSED.value, RequestStatus.RETURNED.value)
    return set(
        session.execute(
            select(ExchangeRequestRow.sought_person_id).where(
                ExchangeRequestRow.sought_person_id.in_(list(ids)), ExchangeRequestRow.status.not_in(closed)
            )
        ).scalars()
    )


def table_requests(
    uows: UnitOfWorkFactory,
    actor: Actor,
    items: Sequence[RequestedPerson],
    *,
    agreement_id: str | None = None,
    mediator: str | None = None,
) -> list[RequestView]:
    """A party tables a request list with the mediator: each line becomes a request, received."""
    if not can(actor, Permission.PARTY_INQUIRY_WRITE) or actor.party_id is None:
        raise PermissionDenied("a party's operator tables requests for its own people")
    check_request_list(list(items))
    with uows.writer_for(actor) as uow:
        session = uow.session
        mediator_id = _addressee(session, actor, agreement_id, mediator)
        persons = persons_by_id(session, [i.sought_person_id for i in items])
        _check_own_sought(persons, actor, items)
        already = _open_requests(session, [i.sought_person_id for i in items])
        repeated = [
            FieldProblem(f"items[{n}].sought_person_id", "request.open", "this person is already requested")
            for n, item in enumerate(items)
            if item.sought_person_id in already
        ]
        if repeated:
            raise ValidationFailed(repeated)
        now, rows = utcnow(), []
        for item in items:
            row = ExchangeRequestRow(
                party_id=actor.party_id,
                sought_person_id=item.sought_person_id,
                mediator_id=mediator_id,
                agreement_id=agreement_id,
                priority=item.priority,
                status=RequestStatus.RECEIVED.value,
                tabled_by=actor.user_id or "",
                tabled_at=now,
                updated_at=now,
            )
            row.reason = item.reason or None
            row.private_note = item.private_note or None
            row.history = [history_entry(RequestStatus.RECEIVED, actor)]
            session.add(row)
            rows.append(row)
        session.flush()
        for row in rows:
            payload = {
                "request": row.id,
                "sought": row.sought_person_id,
                "agreement": agreement_id,
                "mediator": mediator_id,
                "priority": row.priority,
            }
            log_action(session, actor, ActionTag.REQUEST_TABLE, "exchange_request", row.id, payload)
        views = views_of(session, rows, REQUESTER)
        uow.commit()
        return views


# --- reading ------------------------------------------------------------------------------------------------


def _filtered(query: Select[Any], status: str | None, agreement_id: str | None) -> Select[Any]:
    if status is not None:
        if status not in {s.value for s in RequestStatus}:
            raise ValidationFailed([FieldProblem("status", "request.status", "no such request status")])
        query = query.where(ExchangeRequestRow.status == status)
    if agreement_id is not None:
        query = query.where(ExchangeRequestRow.agreement_id == agreement_id)
    return query.order_by(
        ExchangeRequestRow.priority.is_(None), ExchangeRequestRow.priority, ExchangeRequestRow.tabled_at
    )


def seat_for(actor: Actor) -> str:
    if can(actor, Permission.ANY_AGREEMENT_MANAGE):
        return MEDIATOR
    if actor.party_id is not None and can(actor, Permission.PARTY_INQUIRY_READ):
        return REQUESTER
    raise PermissionDenied("requests are read by the requesting party and the mediator")


def list_requests(
    uows: UnitOfWorkFactory,
    actor: Actor,
    *,
    status: str | None = None,
    agreement_id: str | None = None,
    forwarded: bool = False,
) -> list[RequestView]:
    """A party's own requests (or, `forwarded`, those the mediator forwarded to it as the holder); for the
    mediator, the requests addressed to it."""
    seat = seat_for(actor)
    query = select(ExchangeRequestRow)
    if seat == MEDIATOR:
        query = query.where(ExchangeRequestRow.mediator_id == actor.organisation_id)
    elif forwarded:
        seat = HOLDER
        query = query.where(
            ExchangeRequestRow.holding_party_id == actor.party_id,
            ExchangeRequestRow.held_person_id.is_not(None),
        )
    else:
        query = query.where(ExchangeRequestRow.party_id == actor.party_id)
    with uows.reader() as uow:
        rows = list(uow.session.execute(_filtered(query, status, agreement_id)).scalars())
        return views_of(uow.session, rows, seat)


def get_request(uows: UnitOfWorkFactory, actor: Actor, request_id: str) -> RequestView:
    """One request as the actor's seat reads it; anybody else's answers 404."""
    seat = seat_for(actor)
    with uows.reader() as uow:
        row = uow.session.get(ExchangeRequestRow, request_id)
        if row is not None and seat == REQUESTER and row.party_id != actor.party_id:
            seat = HOLDER if row.holding_party_id == actor.party_id and row.held_person_id else ""
        if row is None or not seat or (seat == MEDIATOR and row.mediator_id != actor.organisation_id):
            raise NotFound("no such request", field="request_id")
        (view,) = views_of(uow.session, [row], seat)
        return view


def sought_ids_by_record(uows: UnitOfWorkFactory, actor: Actor, record_ids: Sequence[str]) -> dict[str, str]:
    """The party's own sought records by the record id its lists use (a bureau's request list names them)."""
    if actor.party_id is None:
        raise PermissionDenied("a party's member names its own sought records")
    with uows.reader() as uow:
        found = uow.session.execute(
            select(PersonRow.source_id, PersonRow.id).where(
                PersonRow.party_id == actor.party_id,
                PersonRow.registry_kind == Registry.SOUGHT.value,
                PersonRow.source_id.in_(list(record_ids)),
            )
        ).all()
    by_record = {str(row[0]): str(row[1]) for row in found}
    missing = [
        FieldProblem(f"records[{n}]", "not_found", "no such record in the sought registry", row=n + 1)
        for n, record_id in enumerate(record_ids)
        if record_id not in by_record
    ]
    if missing:
        raise ValidationFailed(missing)
    return by_record
