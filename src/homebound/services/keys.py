"""Signing keys of organisations: one made at set-up, rotated on request, external cosigning keys registered
and withdrawn; every change is a log entry in the same transaction as the key row.

Private keys of server custody go to the key directory (HOMEBOUND_KEY_DIR), never to the database; a retired
key's file is destroyed once the retirement has committed.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, OrganisationKind, Permission, can
from homebound.core.errors import Conflict, FieldProblem, NotFound, PermissionDenied, ValidationFailed
from homebound.core.log.entries import SYSTEM_SIGNER
from homebound.core.log.keys import Custody, KeyRecord, OwnerKind, RetireReason, owner_kind_of
from homebound.core.log.signing import key_id, public_key_from_text
from homebound.db.log_store import LogWriter, key_records, key_store_of, record_of, signer_of
from homebound.db.tables import OrganisationRow, SigningKeyRow
from homebound.db.uow import UnitOfWorkFactory


def owner_kind(kind: OrganisationKind) -> OwnerKind:
    return owner_kind_of(kind.value)


def create_organisation_key(
    session: Session, actor: Actor | str, org_id: str, kind: OrganisationKind
) -> KeyRecord:
    """At set-up, in the organisation's own transaction: its first key, introduced by the creator's key."""
    _, record = LogWriter.for_session(session).new_server_key(
        actor, org_id, owner_kind(kind), signer=signer_of(actor)
    )
    return record


def list_keys(uows: UnitOfWorkFactory) -> list[KeyRecord]:
    """Every key the log introduced, current and retired: public keys are public."""
    with uows.reader() as uow:
        return key_records(uow.session)


def _owner_for(session: Session, actor: Actor | str, owner_code: str | None) -> tuple[str, OwnerKind]:
    """Whose key: an actor's own organisation; on the command line an organisation code or "system"."""
    if isinstance(actor, Actor):
        if not can(actor, Permission.OWN_KEY_MANAGE) or actor.organisation_id is None:
            raise PermissionDenied("only an organisation's admin or a mediator manages its keys")
        kind = session.execute(
            select(OrganisationRow.kind).where(OrganisationRow.id == actor.organisation_id)
        ).scalar_one()
        return actor.organisation_id, owner_kind(OrganisationKind(kind))
    if owner_code is None or owner_code == SYSTEM_SIGNER:
        return SYSTEM_SIGNER, OwnerKind.SYSTEM
    org = session.execute(
        select(OrganisationRow).where(OrganisationRow.code == owner_code)
    ).scalar_one_or_none()
    if org is None:
        raise NotFound("no such organisation", field="organisation")
    return org.id, owner_kind(OrganisationKind(org.kind))


def _current_server_key(session: Session, owner: str) -> KeyRecord | None:
    row = session.execute(
        select(SigningKeyRow)
        .where(
            SigningKeyRow.owner == owner,
            SigningKeyRow.custody == Custody.SERVER.value,
            SigningKeyRow.valid_until.is_(None),
        )
        .order_by(SigningKeyRow.valid_from.desc())
        .limit(1)
    ).scalar_one_or_none()
    return record_of(row) if row is not None else None


def rotate_key(
    uows: UnitOfWorkFactory,
    actor: Actor | str,
    *,
    owner_code: str | None = None,
    reason: RetireReason = RetireReason.ROTATED,
) -> tuple[KeyRecord, KeyRecord]:
    """Replace the owner's server key: the new key is introduced by the old one, then the old one retired.

    Returns (retired, new). Entries the old key signed stay valid (they lie inside its validity span); its
    private file is destroyed by `purge_retired_keys` once the retirement is durable, never before: the
    request's transaction may still roll back, and then the old key is the owner's key again.
    """
    with uows.writer() as uow:
        owner, kind = _owner_for(uow.session, actor, owner_code)
        writer = LogWriter.for_session(uow.session)
        old = _current_server_key(uow.session, owner)
        if old is None:
            raise Conflict("this organisation has no signing key to rotate yet", code="key.none")
        _, new = writer.new_server_key(actor, owner, kind, signer=owner)
        retirement = writer.retire_key(actor, old, reason)
        uow.commit()
    return replace(old, valid_until=retirement.seq), new


def purge_retired_keys(uows: UnitOfWorkFactory) -> list[str]:
    """Destroy the private files of keys whose retirement is committed; returns their key ids."""
    with uows.reader() as uow:
        retired = list(
            uow.session.execute(
                select(SigningKeyRow.key_id).where(
                    SigningKeyRow.valid_until.is_not(None), SigningKeyRow.custody == Custody.SERVER.value
                )
            ).scalars()
        )
        store = key_store_of(uow.session)
    destroyed = [key for key in retired if store.has(key)]
    for key in destroyed:
        store.destroy(key)
    return destroyed


def register_external_key(uows: UnitOfWorkFactory, actor: Actor, public_key: str) -> KeyRecord:
    """An organisation's own key, held on its own machine, for cosigning checkpoints it computes itself."""
    try:
        raw = public_key_from_text(public_key)
    except ValueError as error:
        raise ValidationFailed([FieldProblem("public_key", "invalid_value", str(error))]) from error
    with uows.writer() as uow:
        owner, kind = _owner_for(uow.session, actor, None)
        if uow.session.get(SigningKeyRow, key_id(raw)) is not None:
            raise Conflict("this key is registered already", code="key.exists", field="public_key")
        record = LogWriter.for_session(uow.session).introduce_key(
            actor, owner, kind, raw, Custody.EXTERNAL, signer=owner
        )
        uow.commit()
    return record


def withdraw_external_key(uows: UnitOfWorkFactory, actor: Actor, key_id: str) -> KeyRecord:
    """End an external key's validity (lost, compromised or replaced)."""
    with uows.writer() as uow:
        owner, _ = _owner_for(uow.session, actor, None)
        row = uow.session.get(SigningKeyRow, key_id)
        if row is None or row.owner != owner or row.custody != Custody.EXTERNAL.value:
            raise NotFound("no such external key of this organisation", field="key_id")
        if row.valid_until is not None:
            raise Conflict("this key was retired already", code="key.retired", field="key_id")
        record = record_of(row)
        retirement = LogWriter.for_session(uow.session).retire_key(actor, record, RetireReason.WITHDRAWN)
        uow.commit()
    return replace(record, valid_until=retirement.seq)
