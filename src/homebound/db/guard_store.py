"""Rows of the sign-in guard (db/guard_tables.py): counters bumped under a row lock, codes claimed once.

Repositories only: the caller's unit of work commits. Two workers bumping the same new key meet at its
primary key; the loser retries on the row the winner made.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from homebound.db.guard_tables import SpentCodeRow, ThrottleRow


def counters(session: Session, digests: Iterable[str]) -> dict[str, ThrottleRow]:
    wanted = list(digests)
    rows = session.execute(select(ThrottleRow).where(ThrottleRow.key_digest.in_(wanted))).scalars()
    return {row.key_digest: row for row in rows}


def bump(session: Session, digest: str, now: float, forget_before: float) -> ThrottleRow:
    """One more failure on `digest`, counting from zero again when its last failure is older than
    `forget_before` and no hold is running; the row comes back locked (PostgreSQL) for the caller."""
    for _attempt in range(2):
        row = session.execute(
            select(ThrottleRow).where(ThrottleRow.key_digest == digest).with_for_update()
        ).scalar_one_or_none()
        if row is not None:
            if row.last_failed_at < forget_before and row.blocked_until <= now:
                row.failures, row.blocked_until = 0, 0.0
            row.failures += 1
            row.last_failed_at = now
            return row
        try:
            with session.begin_nested():
                row = ThrottleRow(key_digest=digest, failures=1, last_failed_at=now, blocked_until=0.0)
                session.add(row)
            return row
        except IntegrityError:  # another worker made it between our read and our insert
            continue
    raise RuntimeError("throttle row neither found nor created")  # pragma: no cover


def forget(session: Session, digests: Iterable[str]) -> None:
    session.execute(delete(ThrottleRow).where(ThrottleRow.key_digest.in_(list(digests))))


def prune_counters(session: Session, *, failed_before: float, now: float) -> int:
    """Drop counters whose last failure is older than `failed_before` and whose hold has ended."""
    stale = (ThrottleRow.last_failed_at < failed_before) & (ThrottleRow.blocked_until <= now)
    done = session.execute(delete(ThrottleRow).where(stale))
    return int(getattr(done, "rowcount", 0) or 0)


def claim_code(session: Session, user_id: str, step: int, now: float, *, forget_before: float) -> bool:
    """Record that `user_id` used the code of `step`; False if it was used before (here or by another
    worker: the primary key decides). Steps too old to verify any more are forgotten on the way."""
    session.execute(delete(SpentCodeRow).where(SpentCodeRow.spent_at < forget_before))
    try:
        with session.begin_nested():
            session.add(SpentCodeRow(user_id=user_id, step=step, spent_at=now))
    except IntegrityError:
        return False
    return True
