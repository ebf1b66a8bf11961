"""Storing the action log: signed appends inside the caller's transaction, reads for verification and export.

Every entry is signed when appended, by the key of the organisation that acts (the system key for set-up,
command-line and public actions). Keys are looked up once per transaction; an owner without a key gets one
on first need (the system key introduces itself as the log's first signed entry; an organisation that
predates signing gets its key from the system key), so a log never holds a signed entry by an unknown key.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import rfc8785
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from homebound.core.access import Actor
from homebound.core.log.entries import (
    LEGACY_VERSION,
    PUBLIC_PAYLOAD_TAGS,
    SYSTEM_SIGNER,
    ActionTag,
    LogEntry,
    commitment,
    entry_hash_of,
    new_salt,
)
from homebound.core.log.keys import (
    KEY_OBJECT,
    Custody,
    KeyRecord,
    OwnerKind,
    RetireReason,
    key_created_payload,
    key_retired_payload,
    owner_kind_of,
)
from homebound.core.log.merkle import leaf_hash
from homebound.core.log.signing import SigningKey, generate_key_pair, public_key_from_text
from homebound.db.bulk import bulk_insert
from homebound.db.custody import custody_of
from homebound.db.keystore import KeyStore
from homebound.db.sealed import provider_of
from homebound.db.sealing import KeyUnavailable, PartyKeys, associated_data
from homebound.db.tables import LogEntryRow, LogHeadRow, LogPayloadRow, OrganisationRow, SigningKeyRow

_WRITER_KEY = "homebound.log_writer"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def signer_of(actor: Actor | str) -> str:
    """The organisation whose key signs what `actor` does; the system for set-up, the CLI and the public."""
    if isinstance(actor, Actor) and actor.organisation_id:
        return actor.organisation_id
    return SYSTEM_SIGNER


def key_store_of(session: Session) -> KeyStore:
    return custody_of(session).signing


class LogWriter:
    """Holds the chain head for one transaction; entries are written when the session commits.

    The head row is locked on first use, so concurrent transactions append one after the other and the
    entry commits or rolls back with the change it records.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        head = session.execute(select(LogHeadRow).where(LogHeadRow.id == 1).with_for_update()).scalar_one()
        self._seq = head.seq
        self._hash = head.head_hash
        self._keys = key_store_of(session)
        self._signers: dict[str, SigningKey] = {}
        self._entries: list[dict[str, Any]] = []
        self._payloads: list[dict[str, Any]] = []

    @classmethod
    def for_session(cls, session: Session) -> LogWriter:
        writer = session.info.get(_WRITER_KEY)
        if writer is None:
            writer = cls(session)
            session.info[_WRITER_KEY] = writer
        return writer

    @property
    def next_seq(self) -> int:
        return self._seq + 1

    def append(
        self,
        actor: Actor | str,
        tag: ActionTag,
        object_type: str,
        object_id: str,
        payload: Mapping[str, Any],
        *,
        party: str | None = None,
        signer: str | None = None,
    ) -> LogEntry:
        owner = signer or signer_of(actor)
        key = self.signing_key(owner)
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
            signer=owner,
            key_id=key.key_id,
        )
        leaf = entry.leaf_bytes()
        entry_hash = entry_hash_of(leaf)
        self._entries.append(
            {
                **entry.body(),
                "entry_hash": entry_hash,
                "signature": key.sign(entry.signed_message()).hex(),
                "leaf_hash": leaf_hash(leaf).hex(),
            }
        )
        sealed_by = None if tag.value in PUBLIC_PAYLOAD_TAGS else entry.party
        self._payloads.append(self._payload_row(entry.seq, salt, payload, sealed_by))
        self._seq, self._hash = entry.seq, entry_hash
        return entry

    def _payload_row(
        self, seq: int, salt: str, payload: Mapping[str, Any], party: str | None
    ) -> dict[str, Any]:
        """A party's payload sealed under its data key (erasable with it); public payloads (keys, checkpoints)
        and those of no party in clear.
        """
        if party is None:
            return {"seq": seq, "salt": salt, "payload": dict(payload), "sealed": None}
        plain = rfc8785.dumps(dict(payload))
        keys = provider_of(self._session).keys(party, create=True)
        return {"seq": seq, "salt": salt, "payload": None, "sealed": keys.seal(plain, payload_ad(seq))}

    def flush(self) -> None:
        if not self._entries:
            return
        bulk_insert(self._session, LogEntryRow.__table__, self._entries)  # type: ignore[arg-type]
        bulk_insert(self._session, LogPayloadRow.__table__, self._payloads)  # type: ignore[arg-type]
        self._session.execute(
            update(LogHeadRow).where(LogHeadRow.id == 1).values(seq=self._seq, head_hash=self._hash)
        )
        self._entries, self._payloads = [], []

    # -- keys -------------------------------------------------------------------------------------------

    def signing_key(self, owner: str) -> SigningKey:
        """The key that signs for `owner` in this transaction (made and introduced if it has none yet)."""
        key = self._signers.get(owner)
        if key is not None:
            return key
        row = self._session.execute(
            select(SigningKeyRow)
            .where(
                SigningKeyRow.owner == owner,
                SigningKeyRow.custody == Custody.SERVER.value,
                SigningKeyRow.valid_until.is_(None),
            )
            .order_by(SigningKeyRow.valid_from.desc())
            .limit(1)
        ).scalar_one_or_none()
        if row is not None:
            key = self._keys.signing_key(row.key_id)
        elif owner == SYSTEM_SIGNER:
            key = self._bootstrap_system_key()
        else:
            key, _ = self.new_server_key(SYSTEM_SIGNER, owner, self._owner_kind(owner), signer=SYSTEM_SIGNER)
        self._signers[owner] = key
        return key

    def _owner_kind(self, owner: str) -> OwnerKind:
        kind = self._session.execute(select(OrganisationRow.kind).where(OrganisationRow.id == owner)).scalar()
        if kind is None:
            raise LookupError(f"no organisation {owner} to sign for")
        return owner_kind_of(kind)

    def _bootstrap_system_key(self) -> SigningKey:
        """The system key signs its own introduction: the one self-signed entry of a log."""
        key = self._keys.save(generate_key_pair())
        self._signers[SYSTEM_SIGNER] = key
        self.introduce_key(
            SYSTEM_SIGNER,
            SYSTEM_SIGNER,
            OwnerKind.SYSTEM,
            key.public_key,
            Custody.SERVER,
            signer=SYSTEM_SIGNER,
        )
        return key

    def new_server_key(
        self, actor: Actor | str, owner: str, owner_kind: OwnerKind, *, signer: str
    ) -> tuple[SigningKey, KeyRecord]:
        """Generate a key kept in the key directory and log its introduction, signed by `signer`'s current
        key (the system's or a mediator's for a first key, the owner's own afterwards); the new key signs
        the owner's entries from then on."""
        key = self._keys.save(generate_key_pair())
        record = self.introduce_key(actor, owner, owner_kind, key.public_key, Custody.SERVER, signer=signer)
        self._signers[owner] = key
        return key, record

    def introduce_key(
        self,
        actor: Actor | str,
        owner: str,
        owner_kind: OwnerKind,
        public_key: bytes,
        custody: Custody,
        *,
        signer: str,
    ) -> KeyRecord:
        """Log a key's introduction and store its public half; valid from the introducing entry on."""
        payload = key_created_payload(public_key, owner, owner_kind, custody)
        party = owner if owner_kind is OwnerKind.PARTY else None
        entry = self.append(actor, ActionTag.KEY_CREATE, KEY_OBJECT, payload["key_id"], payload, party=party,
                            signer=signer)  # fmt: skip
        record = KeyRecord(payload["key_id"], owner, owner_kind, public_key, custody, valid_from=entry.seq)
        self._session.execute(
            insert(SigningKeyRow).values(
                key_id=record.key_id,
                owner=owner,
                owner_kind=owner_kind.value,
                public_key=payload["public_key"],
                custody=custody.value,
                valid_from=entry.seq,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        return record

    def retire_key(self, actor: Actor | str, record: KeyRecord, reason: RetireReason) -> LogEntry:
        """Log a key's retirement (signed by a current key of its owner) and close its validity there."""
        payload = key_retired_payload(record.key_id, record.owner, reason)
        party = record.owner if record.owner_kind is OwnerKind.PARTY else None
        entry = self.append(actor, ActionTag.KEY_RETIRE, KEY_OBJECT, record.key_id, payload, party=party,
                            signer=record.owner)  # fmt: skip
        self._session.execute(
            update(SigningKeyRow)
            .where(SigningKeyRow.key_id == record.key_id)
            .values(valid_until=entry.seq, retired_reason=reason.value, retired_at=dt.datetime.now(dt.UTC))
        )
        if (
            self._signers.get(record.owner) is not None
            and self._signers[record.owner].key_id == record.key_id
        ):
            del self._signers[record.owner]
        return entry


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


def entry_of(row: Any) -> LogEntry:
    """The entry a stored row (an ORM row or a plain result row) holds, in the row's own format."""
    signed = row.v != LEGACY_VERSION
    return LogEntry(
        seq=row.seq,
        time=row.time,
        actor=row.actor,
        party=row.party,
        tag=row.tag,
        object_type=row.object_type,
        object_id=row.object_id,
        commitment=row.commitment,
        prev_hash=row.prev_hash,
        v=row.v,
        signer=row.signer if signed else None,
        key_id=row.key_id if signed else None,
    )


def iter_entry_rows(session: Session, batch: int = 5000, *, until: int | None = None) -> Iterator[Any]:
    """Stored entries in order, as plain result rows (not tracked by the session: bounded memory)."""
    columns = LogEntryRow.__table__.columns
    last = 0
    while True:
        query = select(*columns).where(LogEntryRow.seq > last)
        if until is not None:
            query = query.where(LogEntryRow.seq <= until)
        rows = session.execute(query.order_by(LogEntryRow.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def leaf_hashes(session: Session, until: int | None = None) -> list[bytes]:
    """The Merkle leaf hashes of the stored log in order (computed for format-1 rows, which have none)."""
    hashes: list[bytes] = []
    last = 0
    while True:
        query = select(LogEntryRow.seq, LogEntryRow.leaf_hash).where(LogEntryRow.seq > last)
        if until is not None:
            query = query.where(LogEntryRow.seq <= until)
        rows = session.execute(query.order_by(LogEntryRow.seq).limit(20000)).all()
        if not rows:
            return hashes
        for seq, stored in rows:
            hashes.append(bytes.fromhex(stored) if stored else _legacy_leaf(session, seq))
        last = rows[-1][0]


def _legacy_leaf(session: Session, seq: int) -> bytes:
    row = session.execute(select(*LogEntryRow.__table__.columns).where(LogEntryRow.seq == seq)).one()
    return leaf_hash(entry_of(row).leaf_bytes())


def key_records(session: Session) -> list[KeyRecord]:
    rows = session.execute(
        select(SigningKeyRow).order_by(SigningKeyRow.valid_from, SigningKeyRow.key_id)
    ).scalars()
    return [record_of(row) for row in rows]


def record_of(row: SigningKeyRow) -> KeyRecord:
    return KeyRecord(
        key_id=row.key_id,
        owner=row.owner,
        owner_kind=OwnerKind(row.owner_kind),
        public_key=public_key_from_text(row.public_key),
        custody=Custody(row.custody),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
    )


def payload_ad(seq: int) -> bytes:
    return associated_data("log_payload", "payload", str(seq))


def load_payloads(
    session: Session, visible: Callable[[int], bool] | None = None
) -> dict[int, tuple[str, Mapping[str, Any]]]:
    """The payloads `visible` admits, opened; a payload whose party's key was erased is left out (it can no
    longer be read, and its commitment still stands in the log).
    """
    rows = session.execute(
        select(LogPayloadRow.seq, LogPayloadRow.salt, LogPayloadRow.payload, LogPayloadRow.sealed)
        .add_columns(LogEntryRow.party)
        .join(LogEntryRow, LogEntryRow.seq == LogPayloadRow.seq)
        .order_by(LogPayloadRow.seq)
    ).all()
    provider = provider_of(session)
    keys: dict[str, PartyKeys | None] = {}
    result: dict[int, tuple[str, Mapping[str, Any]]] = {}
    for seq, salt, payload, sealed, party in rows:
        if visible is not None and not visible(seq):
            continue
        if payload is not None or sealed is None:  # in clear: public, or of no party, or older than sealing
            result[seq] = (salt, payload)
            continue
        if party not in keys:
            try:
                keys[party] = provider.keys(party)
            except KeyUnavailable:
                keys[party] = None
        party_keys = keys[party]
        if party_keys is not None:
            result[seq] = (salt, open_payload(party_keys, seq, sealed))
    return result


def open_payload(keys: PartyKeys, seq: int, sealed: bytes) -> Mapping[str, Any]:
    """One sealed payload opened (KeyUnavailable or SealBroken name the key and the entry, never content)."""
    plain = keys.open(bytes(sealed), payload_ad(seq), f"payload of entry {seq}")
    value: Mapping[str, Any] = json.loads(plain)
    return value
