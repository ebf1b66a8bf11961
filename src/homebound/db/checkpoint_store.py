"""Reading and writing checkpoints (signed tree heads) and their signatures."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.log.checkpoint import ORIGIN_PREFIX as ORIGIN_PREFIX  # noqa: PLC0414 - for callers
from homebound.core.log.checkpoint import Checkpoint, CheckpointSignature, origin_of
from homebound.db.tables import LogCheckpointRow, LogCheckpointSignatureRow, LogEntryRow


def log_origin(session: Session) -> str:
    """The log's name in its checkpoints: fixed by its first entry, so no other log shares it."""
    first = session.execute(select(LogEntryRow.entry_hash).where(LogEntryRow.seq == 1)).scalar()
    return origin_of(first)


def checkpoint_of(row: LogCheckpointRow, signatures: Sequence[LogCheckpointSignatureRow]) -> Checkpoint:
    """The core checkpoint of a row; signatures in the order they were given (the publisher's first)."""
    ordered = sorted(signatures, key=lambda s: (s.signed_at, s.signer))
    return Checkpoint(
        origin=row.origin,
        tree_size=row.tree_size,
        root_hash=bytes.fromhex(row.root_hash),
        timestamp_ms=row.timestamp_ms,
        signatures=tuple(
            CheckpointSignature(signer_role=s.signer, key_id=s.key_id, signature=bytes.fromhex(s.signature))
            for s in ordered
        ),
    )


def load_checkpoints(session: Session) -> list[tuple[LogCheckpointRow, Checkpoint]]:
    """Every checkpoint in publication order, with its signatures."""
    rows = list(
        session.execute(
            select(LogCheckpointRow).order_by(LogCheckpointRow.timestamp_ms, LogCheckpointRow.id)
        ).scalars()
    )
    by_checkpoint: dict[str, list[LogCheckpointSignatureRow]] = {row.id: [] for row in rows}
    for signature in session.execute(select(LogCheckpointSignatureRow)).scalars():
        by_checkpoint.setdefault(signature.checkpoint_id, []).append(signature)
    return [(row, checkpoint_of(row, by_checkpoint[row.id])) for row in rows]


def load_checkpoint(session: Session, checkpoint_id: str) -> tuple[LogCheckpointRow, Checkpoint] | None:
    row = session.get(LogCheckpointRow, checkpoint_id)
    if row is None:
        return None
    signatures = session.execute(
        select(LogCheckpointSignatureRow).where(LogCheckpointSignatureRow.checkpoint_id == checkpoint_id)
    ).scalars()
    return row, checkpoint_of(row, list(signatures))
