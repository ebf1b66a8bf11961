"""Storing the action log: appends inside the caller's transaction, reads for verification and export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from homebound.core.access import Actor
from homebound.core.log.entries import ActionTag, LogEntry, commitment, new_salt
from homebound.core.log.verify import StoredEntry
from homebound.db.bulk import bulk_insert
from homebound.db.tables import LogEntryRow, LogHeadRow, LogPayloadRow

_WRITER_KEY = "homebound.log_writer"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class LogWriter:
    """Holds the chain head for one transaction; entries are written when the session commits.

    The head row is locked on first use, so concurrent transactions append one after the other and the
    entry commits or rolls back with the change it records.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        head = session.execute(select(LogHeadRow).where(LogHeadRow.id == 1).with_for_update()).scalar_one()
        self._head = head
        self._seq = head.seq
        self._hash = head.head_hash
        self._entries: list[dict[str, Any]] = []
        self._payloads: list[dict[str, Any]] = []

    @classmethod
    def for_session(cls, session: Session) -> LogWriter:
        writer = session.info.get(_WRITER_KEY)
        if writer is None:
            writer = cls(session)
            session.info[_WRITER_KEY] = writer
        return writer

    def append(
        self,
        actor: Actor | str,
        tag: ActionTag,
        object_type: str,
        object_id: str,
        payload: Mapping[str, Any],
        *,
        party: str | None = None,
    ) -> LogEntry:
        salt = new_salt()
        actor_ref = actor if isinstance(actor, str) else (actor.user_id or "public")
        entry = LogEntry(
            seq=self._seq + 1,
            time=_now(),
            actor=actor_ref,
            party=party if party is not None else (None if isinstance(actor, str) else actor.party_id),
            tag=tag.value,
            object_type=object_type,
            object_id=object_id,
            commitment=commitment(salt, payload),
            prev_hash=self._hash,
        )
        body = entry.body()
        entry_hash = entry.entry_hash()
        self._entries.append({**body, "entry_hash": entry_hash})
        self._payloads.append({"seq": entry.seq, "salt": salt, "payload": dict(payload)})
        self._seq, self._hash = entry.seq, entry_hash
        return entry

    def flush(self) -> None:
        if not self._entries:
            return
        bulk_insert(self._session, LogEntryRow.__table__, self._entries)  # type: ignore[arg-type]
        bulk_insert(self._session, LogPayloadRow.__table__, self._payloads)  # type: ignore[arg-type]
        self._session.execute(
            update(LogHeadRow).where(LogHeadRow.id == 1).values(seq=self._seq, head_hash=self._hash)
        )
        self._entries, self._payloads = [], []


def log_action(
    session: Session,
    actor: Actor | str,
    tag: ActionTag,
    object_type: str,
    object_id: str,
    payload: Mapping[str, Any],
    *,
    party: str | None = None,
) -> LogEntry:
    """Record an action in the current transaction (written at flush; committed with the change)."""
    return LogWriter.for_session(session).append(actor, tag, object_type, object_id, payload, party=party)


def flush_log(session: Session) -> None:
    writer = session.info.pop(_WRITER_KEY, None)
    if writer is not None:
        writer.flush()


def iter_entries(session: Session, batch: int = 5000) -> Iterator[StoredEntry]:
    last = 0
    while True:
        rows = (
            session.execute(
                select(LogEntryRow).where(LogEntryRow.seq > last).order_by(LogEntryRow.seq).limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        for row in rows:
            body = {name: getattr(row, name) for name in LogEntry.__dataclass_fields__}
            yield StoredEntry(LogEntry(**body), row.entry_hash)
        last = rows[-1].seq


def load_payloads(session: Session) -> dict[int, tuple[str, Mapping[str, Any]]]:
    rows = session.execute(select(LogPayloadRow.seq, LogPayloadRow.salt, LogPayloadRow.payload)).all()
    return {seq: (salt, payload) for seq, salt, payload in rows}
