"""Log use cases: verify the stored log (chain, signatures, keys, payloads, checkpoints), read entries a role
may see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import PermissionDenied
from homebound.core.log.audit import AuditReport, LogAudit
from homebound.core.log.heads import Problem
from homebound.core.log.merkle import leaf_hash
from homebound.db.checkpoint_store import load_checkpoints, log_origin
from homebound.db.log_store import entry_of, iter_entry_rows, key_records, load_payloads
from homebound.db.tables import LogEntryRow, LogHeadRow
from homebound.db.uow import UnitOfWorkFactory

HEAD_MISMATCH = "log.head_mismatch"


def verify_log(uows: UnitOfWorkFactory, *, with_payloads: bool = True) -> AuditReport:
    """The whole check of the stored log, the same one a party runs on an export, plus the stored hashes."""
    with uows.reader() as uow:
        session = uow.session
        audit = LogAudit(load_payloads(session) if with_payloads else None)
        for row in iter_entry_rows(session):
            leaf = entry_of(row).leaf_bytes()
            if row.leaf_hash is not None and row.leaf_hash != leaf_hash(leaf).hex():
                audit.report.failure = Problem(
                    "entry.hash_mismatch",
                    row.seq,
                    f"entry {row.seq}",
                    "the stored leaf hash is not the body's",
                )
                break
            if not audit.add(leaf, row.signature, row.entry_hash):
                break
        report = audit.finish(
            claimed_keys=key_records(session),
            checkpoints=[checkpoint for _, checkpoint in load_checkpoints(session)],
            origin=log_origin(session),
        )
        head = session.execute(select(LogHeadRow).where(LogHeadRow.id == 1)).scalar_one()
    if report.ok and (head.seq != report.entries_checked or head.head_hash != report.head_hash):
        report.failure = Problem(
            HEAD_MISMATCH, head.seq, "log head", "the recorded head differs from the chain"
        )
    return report


@dataclass(frozen=True)
class LogPage:
    entries: list[LogEntryRow]
    total: int


def list_entries(
    uows: UnitOfWorkFactory, actor: Actor, *, after: int = 0, limit: int = 100, object_id: str | None = None
) -> LogPage:
    """Entries of the actor's own party (and global ones) for party roles; all for the mediator."""
    if can(actor, Permission.ANY_LOG_READ):
        scope = None
    elif can(actor, Permission.PARTY_LOG_READ) and actor.party_id:
        scope = or_(LogEntryRow.party == actor.party_id, LogEntryRow.actor == actor.user_id)
    else:
        raise PermissionDenied("this role may not read the log")
    query = select(LogEntryRow).where(LogEntryRow.seq > after)
    count = select(func.count()).select_from(LogEntryRow)
    if scope is not None:
        query, count = query.where(scope), count.where(scope)
    if object_id is not None:
        query, count = (
            query.where(LogEntryRow.object_id == object_id),
            count.where(LogEntryRow.object_id == object_id),
        )
    with uows.reader() as uow:
        rows = list(uow.session.execute(query.order_by(LogEntryRow.seq).limit(limit)).scalars())
        total = uow.session.execute(count).scalar_one()
    return LogPage(rows, total)
