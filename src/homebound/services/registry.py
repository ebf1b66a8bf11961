"""Registry use cases: create, read, list, edit, change status and share held and sought records."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, Permission, best_read_permission, can, visible_party_ids
from homebound.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from homebound.core.log.entries import ActionTag
from homebound.core.person_input import PersonInput, parse_person_row
from homebound.core.persons import (
    PERSON_FIELD_NAMES,
    PersonFields,
    Registry,
    Status,
    capture_card_overdue,
    check_transition,
)
from homebound.db.handover_store import on_open_manifest
from homebound.db.log_store import log_action
from homebound.db.persons import (
    PersonFilter,
    fields_to_columns,
    filtered,
    row_to_fields,
    shared_with,
    visibility_clause,
)
from homebound.db.tables import OrganisationRow, PersonRow, PersonShareRow, utcnow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.access_audit import DataAction, RecordRead, record_access
from homebound.services.arrival import Arrival, match_on_arrival, matching_changed, warm
from homebound.services.payloads import fields_to_text, person_payload

DEFAULT_STATUS = {Registry.HELD: Status.HELD, Registry.SOUGHT: Status.MISSING}
MAX_PAGE = 500


@dataclass(frozen=True)
class PersonView:
    id: str
    party_id: str
    registry: Registry
    source_id: str
    status: Status
    version: int
    fields: PersonFields
    shared_with: frozenset[str]
    capture_card_overdue: bool
    created_at: dt.datetime
    updated_at: dt.datetime


def _view(row: PersonRow, shares: frozenset[str], today: dt.date) -> PersonView:
    fields = row_to_fields(row)
    registry, status = Registry(row.registry_kind), Status(row.status)
    return PersonView(
        id=row.id,
        party_id=row.party_id,
        registry=registry,
        source_id=row.source_id,
        status=status,
        version=row.version,
        fields=fields,
        shared_with=shares,
        capture_card_overdue=capture_card_overdue(registry, status, fields, today),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@dataclass(frozen=True)
class _Owned:
    party_id: str
    shared_with: frozenset[str]


def _load_for(
    session: Session, actor: Actor, person_id: str, permission: Permission
) -> tuple[PersonRow, frozenset[str]]:
    """Load a record the actor may act on; anything else is indistinguishable from a missing record.

    A write locks the row (PostgreSQL), so two updates naming the same version cannot both pass the
    version check; SQLite's writers are serialised already.
    """
    row = session.get(PersonRow, person_id, with_for_update=permission is not Permission.PARTY_PERSON_READ)
    shares = shared_with(session, [person_id]).get(person_id, frozenset()) if row else frozenset()
    if row is None or not _may(actor, permission, row, shares):
        raise NotFound("no such person record", field="person_id")
    return row, shares


def _may(actor: Actor, permission: Permission, row: PersonRow, shares: frozenset[str]) -> bool:
    owned = _Owned(row.party_id, shares)
    if permission is Permission.PARTY_PERSON_READ:
        return can(actor, Permission.ANY_PERSON_READ, owned) or can(actor, permission, owned)
    return can(actor, permission, owned)


def readable(actor: Actor, row: PersonRow, shares: frozenset[str]) -> bool:
    """Whether the actor may read the record (its party's own, shared with it, or any for the mediator):
    the one rule for pages, documents and the API."""
    return _may(actor, Permission.PARTY_PERSON_READ, row, shares)


def _own_party(actor: Actor, permission: Permission) -> str:
    if not can(actor, permission) or actor.party_id is None:
        raise PermissionDenied("this role may not change a party's registry")
    return actor.party_id


def create_person(
    uows: UnitOfWorkFactory, actor: Actor, registry: Registry, raw: Mapping[str, str | None]
) -> PersonView:
    party_id = _own_party(actor, Permission.PARTY_PERSON_WRITE)
    parsed, problems = parse_person_row(raw, registry)
    if problems or parsed is None:
        raise ValidationFailed(problems)
    warm(uows, party_id, registry)  # the other side's index, built (once) outside the write's locks
    with uows.writer() as uow:
        row = insert_person(uow.session, actor, party_id, registry, parsed)
        # Scored against the other side in this transaction: the candidates commit with the record.
        match_on_arrival(uow.session, [Arrival(row.id, party_id, registry, row.status, parsed.fields)])
        uow.commit()
        return _view(row, frozenset(), dt.date.today())


def insert_person(
    session: Session, actor: Actor, party_id: str, registry: Registry, parsed: PersonInput
) -> PersonRow:
    existing = session.execute(
        select(PersonRow.id).where(
            PersonRow.party_id == party_id,
            PersonRow.registry_kind == registry.value,
            PersonRow.source_id == parsed.record_id,
        )
    ).first()
    if existing:
        raise Conflict(
            "a record with this record_id exists in the registry", code="person.exists", field="record_id"
        )
    status = parsed.status or DEFAULT_STATUS[registry]
    now = utcnow()
    row = PersonRow(
        party_id=party_id,
        registry_kind=registry.value,
        source_id=parsed.record_id,
        status=status.value,
        created_at=now,
        updated_at=now,
        **fields_to_columns(parsed.fields),
    )
    session.add(row)
    session.flush()
    log_action(
        session,
        actor,
        ActionTag.PERSON_CREATE,
        "person",
        row.id,
        person_payload(row.id, registry, status, parsed.fields),
        party=party_id,
    )
    return row


def _read(view: PersonView) -> RecordRead:
    """What a view hands over, for the record of reads: the fields that hold something (and the status)."""
    fields = view.fields
    held = frozenset(n for n in PERSON_FIELD_NAMES if getattr(fields, n) not in (None, "")) | {"status"}
    return RecordRead(view.party_id, view.id, held)


def get_person(
    uows: UnitOfWorkFactory, actor: Actor, person_id: str, *, purpose: str = "registry: one record"
) -> PersonView:
    with uows.reader() as uow:
        row, shares = _load_for(uow.session, actor, person_id, Permission.PARTY_PERSON_READ)
        view = _view(row, shares, dt.date.today())
    record_access(uows, actor, DataAction.READ, purpose, [_read(view)])
    return view


@dataclass(frozen=True)
class PersonPage:
    items: list[PersonView]
    total: int
    offset: int
    limit: int


def list_persons(
    uows: UnitOfWorkFactory, actor: Actor, flt: PersonFilter, *, offset: int = 0, limit: int = 50
) -> PersonPage:
    permission = best_read_permission(actor)
    if permission is None:
        raise PermissionDenied("this role may not read registries")
    clause = visibility_clause(visible_party_ids(actor, permission))
    limit = max(1, min(limit, MAX_PAGE))
    base = filtered(select(PersonRow).where(clause), flt)
    counted = filtered(select(func.count()).select_from(PersonRow).where(clause), flt)
    today = dt.date.today()
    with uows.reader() as uow:
        rows = list(
            uow.session.execute(
                base.order_by(PersonRow.family_name, PersonRow.id).offset(offset).limit(limit)
            ).scalars()
        )
        total = uow.session.execute(counted).scalar_one()
        shares = shared_with(uow.session, [r.id for r in rows])
        items = [_view(r, shares.get(r.id, frozenset()), today) for r in rows]
    action = DataAction.SEARCH if flt.family_name_prefix else DataAction.LIST
    record_access(uows, actor, action, f"registry: {_described(flt)}", [_read(v) for v in items])
    return PersonPage(items, total, offset, limit)


def _described(flt: PersonFilter) -> str:
    """What a page asked for, without the search term itself (a name is personal data)."""
    parts = []
    for item in dataclasses.fields(flt):
        value = getattr(flt, item.name)
        if value in (None, False, ""):
            continue
        shown = "…" if item.name == "family_name_prefix" else getattr(value, "value", value)
        parts.append(f"{item.name}={shown}")
    return ", ".join(parts) or "all"


def update_person(
    uows: UnitOfWorkFactory,
    actor: Actor,
    person_id: str,
    changes: Mapping[str, str | None],
    *,
    expected_version: int | None = None,
) -> PersonView:
    """Apply field changes given as text (the same rules as an import row); status has its own command."""
    if "status" in changes or "record_id" in changes:
        field = "status" if "status" in changes else "record_id"
        raise ValidationFailed([], message=f"{field} cannot be changed here")
    with uows.writer() as uow:
        row, shares = _load_for(uow.session, actor, person_id, Permission.PARTY_PERSON_WRITE)
        if expected_version is not None and expected_version != row.version:
            raise PreconditionFailed(
                "the record changed since it was read", code="person.stale_version", field="If-Match"
            )
        before = row_to_fields(row)
        current = fields_to_text(before)
        merged = {**current, **changes, "record_id": row.source_id}
        parsed, problems = parse_person_row(merged, Registry(row.registry_kind))
        if problems or parsed is None:
            raise ValidationFailed(problems)
        changed = apply_fields(row, parsed.fields)
        if changed:
            log_action(
                uow.session,
                actor,
                ActionTag.PERSON_UPDATE,
                "person",
                row.id,
                {
                    "changed": sorted(changed),
                    **person_payload(row.id, Registry(row.registry_kind), Status(row.status), parsed.fields),
                },
                party=row.party_id,
            )
        if changed and matching_changed(before, parsed.fields):
            registry = Registry(row.registry_kind)
            match_on_arrival(
                uow.session, [Arrival(row.id, row.party_id, registry, row.status, parsed.fields)]
            )
        uow.commit()
        return _view(row, shares, dt.date.today())


def apply_fields(row: PersonRow, fields: PersonFields) -> list[str]:
    """Write new field values onto the row; returns the names that changed and bumps the version if any."""
    changed = [name for name, value in fields_to_columns(fields).items() if getattr(row, name) != value]
    if changed:
        for name, value in fields_to_columns(fields).items():
            setattr(row, name, value)
        row.version += 1
        row.updated_at = utcnow()
    return changed


def change_status(
    uows: UnitOfWorkFactory,
    actor: Actor,
    person_id: str,
    target: Status,
    reason: str | None = None,
    *,
    expected_version: int | None = None,
) -> PersonView:
    with uows.writer() as uow:
        row, shares = _load_for(uow.session, actor, person_id, Permission.PARTY_PERSON_WRITE)
        if expected_version is not None and expected_version != row.version:
            raise PreconditionFailed(
                "the record changed since it was read", code="person.stale_version", field="If-Match"
            )
        registry = Registry(row.registry_kind)
        check_transition(registry, Status(row.status), target)
        if on_open_manifest(uow.session, [row.id]):
            raise Conflict(
                "the person is on the manifest of a concluded agreement: the handover records the outcome",
                code="person.on_manifest",
                field="status",
            )
        previous = row.status
        row.status = target.value
        row.version += 1
        row.updated_at = utcnow()
        log_action(
            uow.session,
            actor,
            ActionTag.PERSON_STATUS,
            "person",
            row.id,
            {"person": row.id, "from": previous, "to": target.value, "reason": reason or ""},
            party=row.party_id,
        )
        uow.commit()
        return _view(row, shares, dt.date.today())


def share_person(uows: UnitOfWorkFactory, actor: Actor, person_id: str, party_code: str) -> PersonView:
    """Make a record visible to another party: by the owning party's admin or by the mediator."""
    with uows.writer_for(actor) as uow:  # under row-level security as the actor's party
        row = uow.session.get(PersonRow, person_id)
        shares = shared_with(uow.session, [person_id]).get(person_id, frozenset()) if row else frozenset()
        if row is None or not (_may(actor, Permission.PARTY_PERSON_READ, row, shares)):
            raise NotFound("no such person record", field="person_id")
        if not (
            can(actor, Permission.ANY_PERSON_SHARE)
            or can(actor, Permission.PARTY_PERSON_SHARE, _Owned(row.party_id, shares))
        ):
            raise PermissionDenied("this role may not share records")
        target = uow.session.execute(
            select(OrganisationRow).where(OrganisationRow.code == party_code)
        ).scalar_one_or_none()
        if target is None or target.kind != "party":
            raise NotFound("no such party", field="party")
        if target.id != row.party_id and target.id not in shares:
            uow.session.add(
                PersonShareRow(
                    person_id=row.id,
                    party_id=target.id,
                    owner_party_id=row.party_id,
                    shared_by=actor.user_id or "",
                )
            )
            log_action(
                uow.session,
                actor,
                ActionTag.PERSON_SHARE,
                "person",
                row.id,
                {"person": row.id, "shared_with": target.id},
                party=row.party_id,
            )
            shares = shares | {target.id}
        uow.commit()
        return _view(row, shares, dt.date.today())
