"""Log use cases: verify the stored chain and its payload commitments, read entries a role may see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import PermissionDenied
from homebound.core.log.verify import ChainReport, Failure, verify_chain
from homebound.db.log_store import iter_entries, load_payloads
from homebound.db.tables import LogEntryRow, LogHeadRow
from homebound.db.uow import UnitOfWorkFactory


def verify_log(uows: UnitOfWorkFactory, *, with_payloads: bool = True) -> ChainReport:
    with uows.reader() as uow:
        payloads = load_payloads(uow.session) if with_payloads else None
        report = verify_chain(iter_entries(uow.session), payloads)
        head = uow.session.execute(select(LogHeadRow).where(LogHeadRow.id == 1)).scalar_one()
    if report.ok and (head.seq != report.entries_checked or head.head_hash != report.head_hash):
        report.failures.append(Failure(head.seq, "head_mismatch", "the recorded head differs from the chain"))
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
