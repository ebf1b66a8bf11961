"""Held records as exchange candidates: eligible pools, identity confirmations, checks on listed persons.

The gates read the record fields (legal hold, will to return, health); identity counts as verified when the
mediator has confirmed it (the matching module's confirmed matches will feed the same table).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import Conflict, FieldProblem, NotFound, PermissionDenied, ValidationFailed
from homebound.core.exchange.candidate import (
    Candidate,
    Custody,
    Health,
    LegalHold,
    MedicalSeverity,
    PartialDate,
    SeriousBasis,
    Sex,
    Side,
    WillToReturn,
    WillToReturnRecord,
)
from homebound.core.exchange.formula import ListedPerson
from homebound.core.exchange.ranks import rank_class_of
from homebound.core.log.entries import ActionTag
from homebound.core.persons import Category, Registry, Status
from homebound.core.persons import Health as RecordHealth
from homebound.core.persons import LegalHold as RecordHold
from homebound.db.exchange_tables import AgreementRow, IdentityConfirmationRow
from homebound.db.log_store import log_action
from homebound.db.tables import PersonRow, PersonShareRow, new_id, utcnow
from homebound.db.uow import UnitOfWorkFactory

POOL_STATUSES = (Status.HELD.value, Status.HOSPITALISED.value)
CHUNK = 500  # under SQLite's bound-parameter limit
_SEVERITY = {
    RecordHealth.SERIOUSLY_WOUNDED_SICK.value: MedicalSeverity.SERIOUS,
    RecordHealth.WOUNDED.value: MedicalSeverity.WOUNDED_OR_SICK,
    RecordHealth.SICK.value: MedicalSeverity.WOUNDED_OR_SICK,
}
REFUSAL_STAYS_WITH = "the holding party (refused repatriation in a private interview)"


def chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _health(row: PersonRow) -> Health:
    severity = _SEVERITY.get(row.health, MedicalSeverity.NONE)
    if row.status == Status.HOSPITALISED.value:
        severity = max(severity, MedicalSeverity.WOUNDED_OR_SICK)
    if row.health == RecordHealth.SERIOUSLY_WOUNDED_SICK.value:
        # The record's category is the holding party's finding against the Annex I criteria.
        return Health(severity, True, SeriousBasis.ANNEX_I, "recorded by the holding party")
    return Health(severity)


def candidate_of(row: PersonRow, side: Side, confirmed_identity: str | None) -> Candidate:
    """What the exchange gates and priority read from one held record."""
    born = PartialDate(row.birth_year, row.birth_month, row.birth_day) if row.birth_year else None
    hold = None
    if row.legal_hold != RecordHold.NONE.value:
        hold = LegalHold(row.legal_hold_note or row.legal_hold.replace("_", " "))
    return Candidate(
        candidate_id=row.id,
        side=side,
        rank_class=rank_class_of(row.rank),
        health=_health(row),
        date_of_birth=born,
        sex=Sex(row.sex),
        civilian=row.category == Category.CIVILIAN_INTERNEE.value,
        captured_on=row.capture_date,
        confirmed_match_id=confirmed_identity,
        # Listed in its own held registry: the holding party confirms custody.
        custody=Custody(confirmed_by_holding_party=True),
        will_to_return=WillToReturnRecord(
            WillToReturn(row.will_to_return), row.will_verified_by, row.will_verified_on
        ),
        stays_with=REFUSAL_STAYS_WITH if row.will_to_return == WillToReturn.REFUSED.value else "",
        legal_hold=hold,
    )


def load_pools(session: Session, row: AgreementRow) -> tuple[list[Candidate], list[Candidate]]:
    """Every living person each party holds and has not yet listed: the pools composition chooses from."""
    pools: dict[Side, list[Candidate]] = {Side.A: [], Side.B: []}
    for side, party_id in ((Side.A, row.party_a_id), (Side.B, row.party_b_id)):
        found = session.execute(
            select(PersonRow, IdentityConfirmationRow.held_person_id)
            .outerjoin(IdentityConfirmationRow, IdentityConfirmationRow.held_person_id == PersonRow.id)
            .where(
                PersonRow.party_id == party_id,
                PersonRow.registry_kind == Registry.HELD.value,
                PersonRow.status.in_(POOL_STATUSES),
                PersonRow.category != Category.REMAINS.value,
            )
            .order_by(PersonRow.id)
        ).all()
        pools[side] = [candidate_of(person, side, confirmed) for person, confirmed in found]
    return pools[Side.A], pools[Side.B]


def persons_by_id(session: Session, ids: Sequence[str]) -> dict[str, PersonRow]:
    found: dict[str, PersonRow] = {}
    for part in chunks(list(dict.fromkeys(ids))):
        found.update(
            (p.id, p) for p in session.execute(select(PersonRow).where(PersonRow.id.in_(part))).scalars()
        )
    return found


def _shared_with_party(session: Session, ids: Sequence[str], party_id: str) -> set[str]:
    shared: set[str] = set()
    for part in chunks(list(ids)):
        shared.update(
            session.execute(
                select(PersonShareRow.person_id).where(
                    PersonShareRow.person_id.in_(part), PersonShareRow.party_id == party_id
                )
            ).scalars()
        )
    return shared


def check_listed(
    session: Session, actor: Actor, row: AgreementRow, lists: Mapping[Side, Sequence[ListedPerson]]
) -> dict[str, PersonRow]:
    """Every listed person is a living person held by the side that releases them, visible to the actor,
    and not yet exchanged or released; returns their records."""
    ids = [p.candidate_id for persons in lists.values() for p in persons]
    persons = persons_by_id(session, ids)
    visible = None
    if not can(actor, Permission.ANY_PERSON_READ):
        own = {i for i, p in persons.items() if p.party_id == actor.party_id}
        visible = own | _shared_with_party(
            session, [i for i in persons if i not in own], actor.party_id or ""
        )
    problems: list[FieldProblem] = []
    for side, listed in lists.items():
        party_id = row.party_a_id if side is Side.A else row.party_b_id
        for i, person in enumerate(listed):
            field = f"list_{side.value}[{i}]"
            record = persons.get(person.candidate_id)
            if record is None or (visible is not None and record.id not in visible):
                raise NotFound(f"no such person record: {person.candidate_id}", field=field)
            if record.registry_kind != Registry.HELD.value or record.party_id != party_id:
                text = f"list {side.value.upper()} holds persons held by party {side.value.upper()}"
                problems.append(FieldProblem(field, "exchange.wrong_side", text))
            elif record.category == Category.REMAINS.value:
                text = "remains are handed over in counted batches, not listed by name"
                problems.append(FieldProblem(field, "exchange.remains_listed", text))
            elif record.status not in POOL_STATUSES:
                raise Conflict(
                    f"{person.candidate_id} is {record.status}; only held persons not yet listed under "
                    "a concluded agreement can be listed",
                    code="exchange.not_held",
                    field=field,
                )
    if problems:
        raise ValidationFailed(problems)
    return persons


def with_rank_classes(listed: Sequence[ListedPerson], persons: dict[str, PersonRow]) -> list[ListedPerson]:
    """Listed persons whose rank class was left at the default take it from their record's rank."""
    return [
        ListedPerson(p.candidate_id, rank_class_of(persons[p.candidate_id].rank), p.basis)
        if p.rank_class == "private" and p.candidate_id in persons
        else p
        for p in listed
    ]


@dataclass(frozen=True)
class IdentityConfirmation:
    held_person_id: str
    sought_person_id: str | None = None
    note: str | None = None


def confirm_identities(uows: UnitOfWorkFactory, actor: Actor, items: Sequence[IdentityConfirmation]) -> int:
    """The mediator confirms who held persons are, and which sought record of the other party each answers."""
    if not can(actor, Permission.ANY_AGREEMENT_MANAGE):
        raise PermissionDenied("only the mediator confirms identities for an exchange")
    with uows.writer() as uow:
        session = uow.session
        ids = [i.held_person_id for i in items] + [i.sought_person_id for i in items if i.sought_person_id]
        persons = persons_by_id(session, ids)
        existing = {
            c.held_person_id: c
            for part in chunks([i.held_person_id for i in items])
            for c in session.execute(
                select(IdentityConfirmationRow).where(IdentityConfirmationRow.held_person_id.in_(part))
            ).scalars()
        }
        for n, item in enumerate(items):
            _check_pair(persons, item, n)
            row = existing.get(item.held_person_id)
            if row is None:
                row = IdentityConfirmationRow(held_person_id=item.held_person_id)
                session.add(row)
                existing[item.held_person_id] = row
            row.sought_person_id = item.sought_person_id
            row.note = item.note
            row.confirmed_by = actor.user_id or ""
            row.confirmed_at = utcnow()
            payload = {"held": item.held_person_id, "sought": item.sought_person_id, "note": item.note or ""}
            # Neither party's view of the log may tell the holder which of its people the other side seeks:
            # the entry names no person and its payload stays with the mediator (party=None).
            log_action(
                session, actor, ActionTag.IDENTITY_CONFIRM, "exchange_identity", new_id(), payload, party=None
            )
        uow.commit()
    return len(items)


def _check_pair(persons: dict[str, PersonRow], item: IdentityConfirmation, n: int) -> None:
    held = persons.get(item.held_person_id)
    if held is None or held.registry_kind != Registry.HELD.value:
        raise NotFound("no such held record", field=f"items[{n}].held_person_id")
    if item.sought_person_id is None:
        return
    sought = persons.get(item.sought_person_id)
    if sought is None or sought.registry_kind != Registry.SOUGHT.value:
        raise NotFound("no such sought record", field=f"items[{n}].sought_person_id")
    if sought.party_id == held.party_id:
        raise ValidationFailed(
            [
                FieldProblem(
                    f"items[{n}].sought_person_id",
                    "exchange.same_party",
                    "a held record answers a sought record of the other party",
                )
            ]
        )


def identities(session: Session, held_ids: Sequence[str]) -> dict[str, IdentityConfirmationRow]:
    found: dict[str, IdentityConfirmationRow] = {}
    for part in chunks(list(held_ids)):
        found.update(
            (c.held_person_id, c)
            for c in session.execute(
                select(IdentityConfirmationRow).where(IdentityConfirmationRow.held_person_id.in_(part))
            ).scalars()
        )
    return found
