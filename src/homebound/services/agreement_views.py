"""Reading agreements: what each seat sees of an agreement and its versions (a party sees its own versions
and the shared ones; the mediator sees all)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import FieldProblem, NotFound, PermissionDenied, ValidationFailed
from homebound.core.exchange.agreement import Role
from homebound.core.persons import Registry
from homebound.db.agreement_store import acceptance_rows, participants_of
from homebound.db.exchange_tables import AgreementRow, AgreementVersionRow
from homebound.db.tables import PersonRow, PersonShareRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.exchange_access import load_agreement_row, seat_of


@dataclass(frozen=True)
class AgreementView:
    id: str
    title: str
    party_a: str
    party_b: str
    mediator: str
    venue: str
    status: str
    latest_version: int
    concluded_version: int | None
    content_hash: str | None
    concluded_at: dt.datetime | None
    acceptances: tuple[tuple[int, str], ...]  # (version, role)
    seat: str
    created_at: dt.datetime

    @property
    def etag(self) -> str:
        return f'"{self.id}.{self.latest_version}"'


@dataclass(frozen=True)
class VersionView:
    number: int
    kind: str
    author: str
    note: str
    shared: bool
    created_at: dt.datetime
    changes: list[dict[str, Any]]
    list_sizes: tuple[int, int]
    accepted_by: tuple[str, ...]
    document: dict[str, Any] | None  # terms and both lists; left out of listings


def codes(session: Session, row: AgreementRow) -> tuple[str, str, str]:
    participants = participants_of(session, row)
    return participants.party_a, participants.party_b, participants.mediator


def agreement_view(session: Session, row: AgreementRow, seat: Role) -> AgreementView:
    party_a, party_b, mediator = codes(session, row)
    accepted = tuple((a.version, a.role) for a in acceptance_rows(session, row.id))
    return AgreementView(
        row.id,
        row.title,
        party_a,
        party_b,
        mediator,
        row.venue,
        row.status,
        row.latest_version,
        row.concluded_version,
        row.content_hash,
        row.concluded_at,
        accepted,
        seat.value,
        row.created_at,
    )


def visible(version: AgreementVersionRow, seat: Role) -> bool:
    return seat is Role.MEDIATOR or version.shared_at is not None or version.author_role == seat.value


def version_view(
    version: AgreementVersionRow, accepted: Sequence[tuple[int, str]], *, full: bool
) -> VersionView:
    document = version.document
    return VersionView(
        number=version.number,
        kind=version.kind,
        author=version.author_role,
        note=version.note,
        shared=version.shared_at is not None,
        created_at=version.created_at,
        changes=list(version.changes),
        list_sizes=(len(document["list_a"]), len(document["list_b"])),
        accepted_by=tuple(role for number, role in accepted if number == version.number),
        document=dict(document) if full else None,
    )


def list_agreements(uows: UnitOfWorkFactory, actor: Actor) -> list[AgreementView]:
    query = select(AgreementRow).order_by(AgreementRow.created_at, AgreementRow.id)
    if not can(actor, Permission.ANY_AGREEMENT_READ):
        if not can(actor, Permission.PARTY_AGREEMENT_READ) or actor.party_id is None:
            raise PermissionDenied("this role may not read agreements")
        query = query.where(
            or_(AgreementRow.party_a_id == actor.party_id, AgreementRow.party_b_id == actor.party_id)
        )
    with uows.reader() as uow:
        views = []
        for row in uow.session.execute(query).scalars():
            seat = seat_of(actor, row)
            assert seat is not None
            views.append(agreement_view(uow.session, row, seat))
        return views


def get_agreement(uows: UnitOfWorkFactory, actor: Actor, agreement_id: str) -> AgreementView:
    with uows.reader() as uow:
        row, seat = load_agreement_row(uow.session, actor, agreement_id)
        return agreement_view(uow.session, row, seat)


def list_versions(uows: UnitOfWorkFactory, actor: Actor, agreement_id: str) -> list[VersionView]:
    """The versions the actor's seat may see, without their documents."""
    with uows.reader() as uow:
        row, seat = load_agreement_row(uow.session, actor, agreement_id)
        accepted = [(a.version, a.role) for a in acceptance_rows(uow.session, row.id)]
        rows = uow.session.execute(
            select(AgreementVersionRow)
            .where(AgreementVersionRow.agreement_id == row.id)
            .order_by(AgreementVersionRow.number)
        ).scalars()
        return [version_view(v, accepted, full=False) for v in rows if visible(v, seat)]


def get_version(uows: UnitOfWorkFactory, actor: Actor, agreement_id: str, number: int) -> VersionView:
    with uows.reader() as uow:
        row, seat = load_agreement_row(uow.session, actor, agreement_id)
        version = uow.session.get(AgreementVersionRow, (row.id, number))
        if version is None or not visible(version, seat):
            raise NotFound("no such version", field="version")
        accepted = [(a.version, a.role) for a in acceptance_rows(uow.session, row.id)]
        return version_view(version, accepted, full=True)


def find_held_record(
    uows: UnitOfWorkFactory, actor: Actor, agreement_id: str, reference: str, *, field: str
) -> tuple[str, str]:
    """A held record of either party to the agreement, by its ID or its record number, as the actor may see
    it (its own party's records and those shared with it; all for the mediator): (person id, releasing side).
    Read-only: whether the person may be listed is checked when the version is written."""
    reference = reference.strip()
    with uows.reader() as uow:
        row, _seat = load_agreement_row(uow.session, actor, agreement_id)
        query = select(PersonRow.id, PersonRow.party_id).where(
            PersonRow.registry_kind == Registry.HELD.value,
            PersonRow.party_id.in_([row.party_a_id, row.party_b_id]),
            or_(PersonRow.id == reference, PersonRow.source_id == reference),
        )
        if not can(actor, Permission.ANY_PERSON_READ):
            shared = exists().where(
                PersonShareRow.person_id == PersonRow.id, PersonShareRow.party_id == (actor.party_id or "")
            )
            query = query.where(or_(PersonRow.party_id == (actor.party_id or ""), shared))
        found = uow.session.execute(query.limit(2)).all()
    if len(found) != 1:
        text = "no held record of either party has this number or ID"
        if found:
            text = "both parties use this record number; enter the record's ID instead"
        raise ValidationFailed([FieldProblem(field, "not_found", text)], message=text)
    person_id, party_id = found[0]
    return str(person_id), "a" if party_id == row.party_a_id else "b"
