"""Checkpoints: a mediator publishes a signed tree head; each party cosigns it after checking it against the
log and against the last head it cosigned; the head is final when every party has signed. Plus Merkle
proofs on request.

Cosigning by the server (`cosign_checkpoint`) signs with the party's server-held key, and only after the
server has run the party's consistency check: the API call is the party's decision, the key custody is the
server's. A party that wants its cosignature to mean "checked on our own machine" registers an external key
and posts a signature it computed itself (`add_external_signature`). docs/security.md weighs the two.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import Conflict, FieldProblem, NotFound, PermissionDenied, ValidationFailed
from homebound.core.log.checkpoint import Checkpoint, CheckpointSignature
from homebound.core.log.entries import ActionTag
from homebound.core.log.errors import ProofError
from homebound.core.log.heads import is_final, required_parties, signature_problem
from homebound.core.log.keys import KeyRecord, OwnerKind
from homebound.core.log.merkle import MerkleTree, verify_consistency
from homebound.core.log.signing import verify
from homebound.db.checkpoint_store import load_checkpoint, load_checkpoints, log_origin
from homebound.db.log_store import LogWriter, key_records, leaf_hashes
from homebound.db.tables import LogCheckpointRow, LogCheckpointSignatureRow
from homebound.db.uow import UnitOfWorkFactory

CHECKPOINT_OBJECT = "log_checkpoint"


@dataclass(frozen=True)
class CheckpointView:
    id: str
    checkpoint: Checkpoint
    published_by: str
    required: tuple[str, ...]  # the parties that must cosign (the publisher has signed by definition)
    final: bool
    final_at: dt.datetime | None

    @property
    def missing(self) -> tuple[str, ...]:
        signed = {signature.signer_role for signature in self.checkpoint.signatures}
        return tuple(owner for owner in self.required if owner not in signed)


def _view(row: LogCheckpointRow, head: Checkpoint, records: list[KeyRecord]) -> CheckpointView:
    required = tuple(sorted(required_parties(records, head.tree_size)))
    return CheckpointView(row.id, head, row.published_by, required, row.final_at is not None, row.final_at)


def _may_read(actor: Actor) -> None:
    if not (can(actor, Permission.ANY_LOG_READ) or can(actor, Permission.PARTY_LOG_READ)):
        raise PermissionDenied("this role may not read the log")


def _party_admin(actor: Actor) -> str:
    if not can(actor, Permission.PARTY_CHECKPOINT_COSIGN) or actor.party_id is None:
        raise PermissionDenied("only a party's admin cosigns checkpoints")
    return actor.party_id


def _now_ms() -> int:
    return int(dt.datetime.now(dt.UTC).timestamp() * 1000)


def publish_checkpoint(uows: UnitOfWorkFactory, actor: Actor) -> CheckpointView:
    """Sign the current tree head with the mediator's key and publish it for cosigning (logged)."""
    if not can(actor, Permission.ANY_CHECKPOINT_PUBLISH) or actor.organisation_id is None:
        raise PermissionDenied("only a mediator publishes checkpoints")
    with uows.writer() as uow:
        session = uow.session
        writer = LogWriter.for_session(session)  # holds the head lock: the size cannot move under us
        key = writer.signing_key(actor.organisation_id)
        writer.flush()
        size = writer.next_seq - 1
        if size == 0:
            raise Conflict("the log is empty", code="checkpoint.empty_log")
        last = session.execute(
            select(LogCheckpointRow.timestamp_ms).order_by(LogCheckpointRow.timestamp_ms.desc())
        )
        previous_ms = last.scalars().first()
        timestamp = max(_now_ms(), previous_ms + 1 if previous_ms is not None else 0)  # strictly increasing
        tree = MerkleTree(leaf_hashes(session, until=size))
        head = Checkpoint(log_origin(session), size, tree.root(), timestamp)
        row = LogCheckpointRow(
            origin=head.origin, tree_size=size, root_hash=head.root_hash.hex(), timestamp_ms=timestamp,
            published_by=actor.organisation_id,
        )  # fmt: skip
        session.add(row)
        session.flush()
        signature = CheckpointSignature(actor.organisation_id, key.key_id, key.sign(head.signed_bytes()))
        head = _store_signature(session, writer, actor, row, head, signature, "server")
        uow.commit()
        return _view(row, head, key_records(session))


def _store_signature(
    session: Session,
    writer: LogWriter,
    actor: Actor,
    row: LogCheckpointRow,
    head: Checkpoint,
    signature: CheckpointSignature,
    computed_by: str,
) -> Checkpoint:
    session.add(
        LogCheckpointSignatureRow(
            checkpoint_id=row.id, signer=signature.signer_role, key_id=signature.key_id,
            signature=signature.signature.hex(), computed_by=computed_by, signed_at=dt.datetime.now(dt.UTC),
        )
    )  # fmt: skip
    head = replace(head, signatures=(*head.signatures, signature))
    if row.final_at is None and is_final(head, key_records(session)):
        row.final_at = dt.datetime.now(dt.UTC)
    payload = {
        "tree_size": head.tree_size,
        "root_hash": head.root_hash.hex(),
        "key_id": signature.key_id,
        "computed_by": computed_by,
    }
    tag = ActionTag.CHECKPOINT_PUBLISH if len(head.signatures) == 1 else ActionTag.CHECKPOINT_COSIGN
    writer.append(actor, tag, CHECKPOINT_OBJECT, row.id, payload)
    return head


def _load_for_signing(
    session: Session, checkpoint_id: str, party: str
) -> tuple[LogCheckpointRow, Checkpoint]:
    found = load_checkpoint(session, checkpoint_id)
    if found is None:
        raise NotFound("no such checkpoint", field="checkpoint_id")
    row, head = found
    if any(signature.signer_role == party for signature in head.signatures):
        raise Conflict("this party has signed this checkpoint already", code="checkpoint.signed")
    problem = signature_problem(head, {record.key_id: record for record in key_records(session)}.get)
    if problem is not None:
        raise Conflict(f"the checkpoint's signatures do not hold: {problem[1]}", code="checkpoint.invalid")
    return row, head


def _check_against_log(session: Session, party: str, head: Checkpoint) -> None:
    """The party's check before it signs: the head is the log's, and extends the last head it signed."""
    tree = MerkleTree(leaf_hashes(session, until=head.tree_size))
    if tree.size < head.tree_size or tree.root() != head.root_hash:
        raise Conflict("this tree head is not the root of the log", code="checkpoint.root_mismatch")
    previous = session.execute(
        select(LogCheckpointRow)
        .join(LogCheckpointSignatureRow, LogCheckpointSignatureRow.checkpoint_id == LogCheckpointRow.id)
        .where(LogCheckpointSignatureRow.signer == party)
        .order_by(LogCheckpointRow.tree_size.desc(), LogCheckpointRow.timestamp_ms.desc())
        .limit(1)
    ).scalar_one_or_none()
    if previous is None:
        return
    if previous.tree_size > head.tree_size:
        raise Conflict("older than a checkpoint this party has signed", code="checkpoint.stale")
    try:
        verify_consistency(
            previous.tree_size, head.tree_size, tree.consistency_proof(previous.tree_size, head.tree_size),
            bytes.fromhex(previous.root_hash), head.root_hash,
        )  # fmt: skip
    except ProofError as error:
        raise Conflict(
            f"the log does not extend the head this party signed at size {previous.tree_size}: {error.kind}",
            code="checkpoint.inconsistent",
        ) from error


def cosign_checkpoint(uows: UnitOfWorkFactory, actor: Actor, checkpoint_id: str) -> CheckpointView:
    """The party's decision to cosign; the server checks consistency, then signs with the party's key."""
    party = _party_admin(actor)
    with uows.writer() as uow:
        session = uow.session
        writer = LogWriter.for_session(session)
        key = writer.signing_key(party)
        row, head = _load_for_signing(session, checkpoint_id, party)
        _check_against_log(session, party, head)
        record = next(r for r in key_records(session) if r.key_id == key.key_id)
        if not record.valid_at(head.tree_size):
            raise Conflict(
                "the party's key was not in force at this tree size; ask for a new checkpoint",
                code="checkpoint.key_not_valid",
            )
        signature = CheckpointSignature(party, key.key_id, key.sign(head.signed_bytes()))
        head = _store_signature(session, writer, actor, row, head, signature, "server")
        uow.commit()
        return _view(row, head, key_records(session))


def add_external_signature(
    uows: UnitOfWorkFactory, actor: Actor, checkpoint_id: str, key_id: str, signature_hex: str
) -> CheckpointView:
    """A cosignature the party computed on its own machine, with a key it registered as external."""
    party = _party_admin(actor)
    try:
        raw = bytes.fromhex(signature_hex)
        if len(raw) != 64 or signature_hex != signature_hex.lower():
            raise ValueError("64 bytes of lower-case hex")
    except ValueError as error:
        raise ValidationFailed([FieldProblem("signature", "invalid_value", str(error))]) from error
    with uows.writer() as uow:
        session = uow.session
        writer = LogWriter.for_session(session)
        row, head = _load_for_signing(session, checkpoint_id, party)
        record = next((r for r in key_records(session) if r.key_id == key_id and r.owner == party), None)
        if record is None or record.owner_kind is not OwnerKind.PARTY:
            raise NotFound("no such key of this party", field="key_id")
        if not record.valid_at(head.tree_size):
            raise Conflict("this key was not in force at this tree size", code="checkpoint.key_not_valid")
        if not verify(record.public_key, head.signed_bytes(), raw):
            raise ValidationFailed(
                [FieldProblem("signature", "bad_signature", "does not verify over the head")]
            )
        signature = CheckpointSignature(party, key_id, raw)
        head = _store_signature(session, writer, actor, row, head, signature, "external")
        uow.commit()
        return _view(row, head, key_records(session))


def list_checkpoints(uows: UnitOfWorkFactory, actor: Actor) -> list[CheckpointView]:
    _may_read(actor)
    with uows.reader() as uow:
        records = key_records(uow.session)
        return [_view(row, head, records) for row, head in load_checkpoints(uow.session)]


def get_checkpoint(uows: UnitOfWorkFactory, actor: Actor, checkpoint_id: str) -> CheckpointView:
    _may_read(actor)
    with uows.reader() as uow:
        found = load_checkpoint(uow.session, checkpoint_id)
        if found is None:
            raise NotFound("no such checkpoint", field="checkpoint_id")
        return _view(*found, key_records(uow.session))


def latest_final(uows: UnitOfWorkFactory) -> tuple[CheckpointView, list[KeyRecord]] | None:
    """The newest checkpoint every party has cosigned, with the keys that verify it (for the public)."""
    with uows.reader() as uow:
        row = uow.session.execute(
            select(LogCheckpointRow)
            .where(LogCheckpointRow.final_at.is_not(None))
            .order_by(LogCheckpointRow.tree_size.desc(), LogCheckpointRow.timestamp_ms.desc())
            .limit(1)
        ).scalar_one_or_none()
        if row is None:
            return None
        found = load_checkpoint(uow.session, row.id)
        assert found is not None
        records = key_records(uow.session)
        signers = {signature.key_id for signature in found[1].signatures}
        return _view(*found, records), [record for record in records if record.key_id in signers]
