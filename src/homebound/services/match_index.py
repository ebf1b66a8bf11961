"""A process-wide cache of incremental matching indexes, one per (database, registry, party).

An index is built once from the registry's open records and then brought up to date in place, before every
use, from the records changed since it was last refreshed. The high-water mark is the action log's
sequence number: every change to a person record is logged (``object_type == "person"``), and log entries
are numbered under the log head's row lock, so the numbers are in commit order and a refresh that reads
every person entry above its mark misses no committed change. The mark keeps the entry's hash too: when
the entry at the mark is gone or different (a rolled-back transaction, a restored database), the index is
rebuilt instead of trusted. Several server processes each keep their own cache; each refreshes from the
database before scoring, so none serves an index that misses a committed record.

Memory is bounded: indexes beyond ``Settings.match_index_max_records`` records in all (default 1,000,000,
about 400 MB; set on the process's cache at start-up) are dropped least recently used first, and rebuilt
when next needed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, Select, select
from sqlalchemy.orm import Session

from homebound.core.person_input import PersonInput
from homebound.core.persons import PersonFields, Registry, Status
from homebound.db.persons import row_to_fields
from homebound.db.tables import LogEntryRow, LogHeadRow, PersonRow
from homebound.linkage.features import frame_from_persons
from homebound.linkage.index import RegistryIndex
from homebound.linkage.model import LinkageModel

__all__ = [
    "ELIGIBLE",
    "IN_CUSTODY",
    "OPEN_SOUGHT",
    "IndexCache",
    "IndexEntry",
    "Reads",
    "database_key",
    "default_cache",
    "record_of",
]

# Sought records still looked for, and held records still in custody: what an index holds.
OPEN_SOUGHT = (Status.MISSING.value, Status.BELIEVED_CAPTIVE.value)
IN_CUSTODY = (Status.HELD.value, Status.HOSPITALISED.value, Status.LISTED_FOR_EXCHANGE.value)
ELIGIBLE = {Registry.SOUGHT: OPEN_SOUGHT, Registry.HELD: IN_CUSTODY}
DEFAULT_MAX_RECORDS = 1_000_000
_PERSON = "person"
_CHUNK = 500  # under SQLite's bound-parameter limit


def record_of(person_id: str, fields: PersonFields, written_date: str | None = None) -> dict[str, str | None]:
    """One record's source columns, as the index reads them, from ``PersonFields`` (and the date of birth
    as written when it is no date: compared digit by digit)."""
    return {
        "record_id": person_id,
        "family_name": fields.family_name,
        "given_name": fields.given_name,
        "patronymic": fields.patronymic,
        "sex": {"male": "m", "female": "f"}.get(fields.sex.value),
        "date_of_birth": fields.date_of_birth.iso() if fields.date_of_birth else written_date,
        "service_number": fields.service_number,
        "unit": fields.unit,
    }


@dataclass
class IndexEntry:
    """One registry's index and what the refresh needs: versions, the log mark, the depended-on party."""

    registry: Registry
    party_id: str
    index: RegistryIndex
    seq: int
    head_hash: str
    versions: dict[str, int] = field(default_factory=dict)
    depends_on: dict[str, str | None] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def database_key(bind: Engine | Connection) -> str:
    """Which database an index belongs to: its URL, without the password."""
    return bind.engine.url.render_as_string(hide_password=True)


def _database(session: Session) -> str:
    bind = session.get_bind()
    assert isinstance(bind, Engine | Connection)
    return database_key(bind)


@dataclass(frozen=True)
class _Loaded:
    id: str
    version: int
    status: str
    party_depended_on: str | None
    fields: PersonFields
    written_date: str | None = None


def _batches(session: Session, query: Select[Any], size: int = 10_000) -> Iterator[list[_Loaded]]:
    """The selected persons' matching view, ``size`` at a time, read in ``session``'s transaction through a
    session of its own (same connection, same settings, so sealed fields open as usual): the caller's
    session is left as it was, holding none of the rows read, which may be a whole registry."""
    side = Session(
        bind=session.connection(),
        info=dict(session.info),
        autoflush=False,
        expire_on_commit=False,
        join_transaction_mode="rollback_only",  # closing it leaves the caller's transaction alone
    )
    try:
        for part in side.execute(query.execution_options(yield_per=size)).scalars().partitions():
            loaded = []
            for row in part:
                fields = row_to_fields(row)
                loaded.append(
                    _Loaded(
                        row.id,
                        row.version,
                        row.status,
                        fields.party_depended_on,
                        fields,
                        row.date_of_birth_written,
                    )
                )
            yield loaded
    finally:
        side.close()


def _rows(session: Session, query: Select[Any]) -> list[_Loaded]:
    return [row for part in _batches(session, query) for row in part]


def _person_query() -> Select[Any]:
    return select(PersonRow)


def _head(session: Session) -> tuple[int, str]:
    found = session.execute(select(LogHeadRow.seq, LogHeadRow.head_hash).where(LogHeadRow.id == 1)).first()
    return (int(found[0]), str(found[1])) if found else (0, "")


def _frame(rows: Sequence[_Loaded]) -> pd.DataFrame:
    written = {row.id: row.written_date for row in rows if row.written_date}
    return frame_from_persons([PersonInput(row.id, row.fields, None) for row in rows], written)


class Reads:
    """The log's head and the persons changed in a range, read once for the registries one scoring
    refreshes (the head cannot move meanwhile: the scoring holds the log head's lock)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._head: tuple[int, str] | None = None
        self._ranges: dict[tuple[int, int], list[str]] = {}

    def head(self) -> tuple[int, str]:
        if self._head is None:
            self._head = _head(self._session)
        return self._head

    def persons_changed(self, since: int, upto: int) -> list[str]:
        """Ids of the persons whose log entries are numbered in (since, upto]."""
        found = self._ranges.get((since, upto))
        if found is None:
            # The range alone, filtered here: with `object_type` or DISTINCT in SQL the planners chose the
            # index on (object_type, object_id) and read every person entry of the log.
            entries = self._session.execute(
                select(LogEntryRow.object_type, LogEntryRow.object_id).where(
                    LogEntryRow.seq > since, LogEntryRow.seq <= upto
                )
            )
            found = sorted({object_id for object_type, object_id in entries if object_type == _PERSON})
            self._ranges[(since, upto)] = found
        return found


class IndexCache:
    """Indexes by (database, registry, party), least recently used dropped beyond ``max_records``."""

    def __init__(self, max_records: int = DEFAULT_MAX_RECORDS) -> None:
        self.max_records = max_records
        self._entries: OrderedDict[tuple[str, str, str], IndexEntry] = OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0  # how many times an index was built from scratch (tests, monitoring)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def needs_build(self, database: str, registry: Registry) -> bool:
        """No index of ``registry`` in that database is built yet (a first write after a start)."""
        with self._lock:
            return not any(
                key[0] == database and key[1] == registry.value and entry.seq >= 0
                for key, entry in self._entries.items()
            )

    @contextmanager
    def entry(
        self,
        session: Session,
        registry: Registry,
        party_id: str,
        model: LinkageModel,
        reads: Reads | None = None,
    ) -> Iterator[IndexEntry]:
        """The registry's index, brought up to date in ``session``'s transaction, held for one use.

        Call it inside the writing transaction whose records are matched, after the log head is locked
        (``LogWriter.for_session``): from then on no other writer commits a change until this one ends.
        ``reads`` shares the log's head and ranges between the registries one scoring refreshes.
        """
        key = (_database(session), registry.value, party_id)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
        if found is None:
            found = IndexEntry(registry, party_id, RegistryIndex(model), -1, "")
            with self._lock:
                found = self._entries.setdefault(key, found)
        with found.lock:
            self._refresh(session, found, model, reads or Reads(session))
            yield found
        self._bound()

    def _bound(self) -> None:
        with self._lock:
            total = sum(len(e.index) for e in self._entries.values())
            while len(self._entries) > 1 and total > self.max_records:
                _, dropped = self._entries.popitem(last=False)
                total -= len(dropped.index)

    def _refresh(self, session: Session, entry: IndexEntry, model: LinkageModel, reads: Reads) -> None:
        seq, head_hash = reads.head()
        if not self._still_valid(session, entry, model, seq, head_hash):
            self._build(session, entry, model, seq, head_hash)
            return
        if seq == entry.seq:
            return
        # The log range, then the changed persons by primary key (one joined query made PostgreSQL scan the
        # person table).
        ids = reads.persons_changed(entry.seq, seq)
        rows: list[_Loaded] = []
        for start in range(0, len(ids), _CHUNK):
            query = _person_query().where(
                PersonRow.id.in_(ids[start : start + _CHUNK]),
                PersonRow.party_id == entry.party_id,
                PersonRow.registry_kind == entry.registry.value,
            )
            rows.extend(_rows(session, query))
        open_statuses = ELIGIBLE[entry.registry]
        for row in rows:
            if row.status not in open_statuses:
                if entry.index.remove(row.id):
                    entry.versions.pop(row.id, None)
                    entry.depends_on.pop(row.id, None)
            elif entry.versions.get(row.id) != row.version:
                entry.index.add(record_of(row.id, row.fields, row.written_date))
                entry.versions[row.id] = row.version
                entry.depends_on[row.id] = row.party_depended_on
        entry.seq, entry.head_hash = seq, head_hash

    @staticmethod
    def _still_valid(session: Session, entry: IndexEntry, model: LinkageModel, seq: int, head: str) -> bool:
        if entry.seq < 0 or entry.index.model is not model:
            return False
        if entry.seq == 0:
            return True
        if entry.seq == seq:  # the head is the mark's entry: its hash is the head's
            return entry.head_hash == head
        stored = session.execute(select(LogEntryRow.entry_hash).where(LogEntryRow.seq == entry.seq)).scalar()
        return stored == entry.head_hash

    def _build(self, session: Session, entry: IndexEntry, model: LinkageModel, seq: int, head: str) -> None:
        query = _person_query().where(
            PersonRow.party_id == entry.party_id,
            PersonRow.registry_kind == entry.registry.value,
            PersonRow.status.in_(ELIGIBLE[entry.registry]),
        )
        frames: list[pd.DataFrame] = []
        entry.versions, entry.depends_on = {}, {}
        for part in _batches(session, query):  # a batch's records are let go once it is a frame
            frames.append(_frame(part))
            entry.versions.update((row.id, row.version) for row in part)
            entry.depends_on.update((row.id, row.party_depended_on) for row in part)
        records = pd.concat(frames, ignore_index=True) if frames else None
        entry.index = (
            RegistryIndex.from_records(records, model) if records is not None else RegistryIndex(model)
        )
        entry.seq, entry.head_hash = seq, head
        self.builds += 1


@cache
def default_cache() -> IndexCache:
    """The process's cache; the app factory and the CLI set its `max_records` from the settings."""
    return IndexCache()
