"""Signing keys as the log records them: who owns each key, and the span of entries it may sign.

A key's whole life is in the log. A `log:key:create` entry introduces it (object id = key id, payload = owner,
owner kind, custody and the public key, exported to every party because none of it is personal), a
`log:key:retire` entry ends it. The key may sign entries from the introducing entry's sequence number up to
and including the retiring entry's; a checkpoint only if its tree size lies in that span. A verifier therefore
derives the key set from the log itself, and a key set handed over beside the log must agree with it.

Who may change keys: an owner's first key is introduced by the system key (or a mediator's), the system key
introduces itself once at the start of the log, and from then on only the owner's own valid key adds or
retires the owner's keys. A rotation is a create (signed by the old key) followed by a retire.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from homebound.core.log.entries import LEGACY_VERSION, SYSTEM_SIGNER, ActionTag, LogEntry
from homebound.core.log.errors import KeyFailure, LogError
from homebound.core.log.signing import key_id as key_id_of
from homebound.core.log.signing import public_key_from_text, public_key_to_text

KEY_OBJECT = "signing_key"
_CREATE_FIELDS = frozenset({"key_id", "owner", "owner_kind", "public_key", "custody"})
_RETIRE_FIELDS = frozenset({"key_id", "owner", "reason"})


class OwnerKind(StrEnum):
    SYSTEM = "system"  # the log operator's own key: signs actions of no organisation (set-up, the public)
    PARTY = "party"
    MEDIATOR = "mediator"  # may introduce an organisation's first key; its signature publishes a checkpoint
    OBSERVER = "observer"  # e.g. the ICRC: signs its own entries only, neither introduces keys nor publishes


def owner_kind_of(organisation_kind: str) -> OwnerKind:
    """The key rules an organisation's keys follow, from its kind (party, mediator or observer)."""
    return OwnerKind(organisation_kind)


class Custody(StrEnum):
    SERVER = "server"  # the private key is in the server's key directory; the server signs for its owner
    EXTERNAL = "external"  # the owner holds the private key; only signatures computed by the owner exist


class RetireReason(StrEnum):
    ROTATED = "rotated"
    COMPROMISED = "compromised"
    WITHDRAWN = "withdrawn"


class KeyRuleError(LogError):
    """A key entry that breaks the rules above."""

    def __init__(self, kind: KeyFailure, message: str) -> None:
        super().__init__(kind, message)
        self.kind: KeyFailure = kind


@dataclass(frozen=True)
class KeyRecord:
    """One key and the span of log entries it may sign (`valid_until` None: still in force)."""

    key_id: str
    owner: str
    owner_kind: OwnerKind
    public_key: bytes
    custody: Custody
    valid_from: int
    valid_until: int | None = None

    def valid_at(self, seq: int) -> bool:
        return self.valid_from <= seq and (self.valid_until is None or seq <= self.valid_until)

    def to_json(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "owner": self.owner,
            "owner_kind": self.owner_kind.value,
            "public_key": public_key_to_text(self.public_key),
            "custody": self.custody.value,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KeyRecord:
        """A record from its JSON form; `ValueError` on any field out of shape."""
        until = data["valid_until"]
        if not isinstance(data["valid_from"], int) or not (until is None or isinstance(until, int)):
            raise ValueError("validity bounds are sequence numbers")
        return cls(
            key_id=str(data["key_id"]),
            owner=str(data["owner"]),
            owner_kind=OwnerKind(data["owner_kind"]),
            public_key=public_key_from_text(str(data["public_key"])),
            custody=Custody(data["custody"]),
            valid_from=data["valid_from"],
            valid_until=until,
        )


def key_created_payload(
    public_key: bytes, owner: str, owner_kind: OwnerKind, custody: Custody
) -> dict[str, str]:
    """What a `log:key:create` entry commits to (and what the export shows every party)."""
    return {
        "key_id": key_id_of(public_key),
        "owner": owner,
        "owner_kind": owner_kind.value,
        "public_key": public_key_to_text(public_key),
        "custody": custody.value,
    }


def key_retired_payload(key_id: str, owner: str, reason: RetireReason) -> dict[str, str]:
    return {"key_id": key_id, "owner": owner, "reason": reason.value}


def _malformed(message: str) -> KeyRuleError:
    return KeyRuleError(KeyFailure.MALFORMED, message)


def _record_from_create(entry: LogEntry, payload: Mapping[str, Any] | None) -> KeyRecord:
    if payload is None:
        raise KeyRuleError(
            KeyFailure.PAYLOAD_MISSING, f"entry {entry.seq} introduces a key without its payload"
        )
    if set(payload) != _CREATE_FIELDS or not all(isinstance(value, str) for value in payload.values()):
        raise _malformed(f"entry {entry.seq}: a key payload has exactly {sorted(_CREATE_FIELDS)} as text")
    try:
        public_key = public_key_from_text(payload["public_key"])
        owner_kind, custody = OwnerKind(payload["owner_kind"]), Custody(payload["custody"])
    except ValueError as error:
        raise _malformed(f"entry {entry.seq}: {error}") from error
    key_id = key_id_of(public_key)
    if not key_id == payload["key_id"] == entry.object_id or entry.object_type != KEY_OBJECT:
        raise _malformed(f"entry {entry.seq}: the key id is not the hash of the public key it introduces")
    if (payload["owner"] == SYSTEM_SIGNER) != (owner_kind is OwnerKind.SYSTEM):
        raise _malformed(f"entry {entry.seq}: only the system owns a system key")
    return KeyRecord(key_id, payload["owner"], owner_kind, public_key, custody, valid_from=entry.seq)


class KeyTable:
    """The keys a log has introduced so far, built entry by entry while the log is verified."""

    def __init__(self) -> None:
        self._keys: dict[str, KeyRecord] = {}
        self._kinds: dict[str, OwnerKind] = {}

    def get(self, key_id: str) -> KeyRecord | None:
        return self._keys.get(key_id)

    def records(self) -> list[KeyRecord]:
        return sorted(self._keys.values(), key=lambda record: (record.valid_from, record.key_id))

    def bootstrap(self, entry: LogEntry, payload: Mapping[str, Any] | None) -> KeyRecord | None:
        """The system key introducing itself (the one self-signed entry of a log), or None if not that."""
        is_candidate = (
            entry.tag == ActionTag.KEY_CREATE
            and entry.signer == SYSTEM_SIGNER
            and entry.key_id == entry.object_id
            and SYSTEM_SIGNER not in self._kinds
        )
        if not is_candidate:
            return None
        record = _record_from_create(entry, payload)
        if record.owner != SYSTEM_SIGNER:
            raise KeyRuleError(
                KeyFailure.UNAUTHORISED, f"entry {entry.seq}: a key signed itself into the log"
            )
        self._add(record)
        return record

    def apply(self, entry: LogEntry, payload: Mapping[str, Any] | None) -> None:
        """Apply a key entry that has already passed its signature check; other tags are ignored."""
        if entry.tag not in (ActionTag.KEY_CREATE, ActionTag.KEY_RETIRE):
            return
        if entry.v == LEGACY_VERSION:
            raise _malformed(f"entry {entry.seq}: keys are only introduced by signed entries")
        if entry.tag == ActionTag.KEY_CREATE:
            self._create(entry, payload)
        else:
            self._retire(entry, payload)

    def _create(self, entry: LogEntry, payload: Mapping[str, Any] | None) -> None:
        record = _record_from_create(entry, payload)
        existing = self._keys.get(record.key_id)
        if existing is not None:
            if existing == record and entry.key_id == record.key_id:
                return  # the bootstrap entry, registered before its own signature was checked
            raise KeyRuleError(KeyFailure.DUPLICATE, f"entry {entry.seq}: key {record.key_id} exists already")
        known_kind = self._kinds.get(record.owner)
        if known_kind is not None and known_kind is not record.owner_kind:
            raise _malformed(
                f"entry {entry.seq}: {record.owner} is a {known_kind}, not a {record.owner_kind}"
            )
        if self._has_valid_key(record.owner, entry.seq):
            allowed = entry.signer == record.owner
        else:
            allowed = (
                entry.signer == SYSTEM_SIGNER or self._kinds.get(entry.signer or "") is OwnerKind.MEDIATOR
            )
        if not allowed:
            raise KeyRuleError(
                KeyFailure.UNAUTHORISED,
                f"entry {entry.seq}: {entry.signer} may not add a key for {record.owner}",
            )
        self._add(record)

    def _retire(self, entry: LogEntry, payload: Mapping[str, Any] | None) -> None:
        if payload is None:
            raise KeyRuleError(
                KeyFailure.PAYLOAD_MISSING, f"entry {entry.seq} retires a key without its payload"
            )
        if set(payload) != _RETIRE_FIELDS or not all(isinstance(value, str) for value in payload.values()):
            raise _malformed(f"entry {entry.seq}: a retirement payload has exactly {sorted(_RETIRE_FIELDS)}")
        record = self._keys.get(payload["key_id"])
        if record is None or record.owner != payload["owner"] or entry.object_id != record.key_id:
            raise _malformed(f"entry {entry.seq}: retires a key the log does not know")
        if payload["reason"] not in RetireReason.__members__.values():
            raise _malformed(f"entry {entry.seq}: unknown retirement reason")
        if record.valid_until is not None:
            raise KeyRuleError(
                KeyFailure.DUPLICATE, f"entry {entry.seq}: key {record.key_id} was retired before"
            )
        if entry.signer != record.owner:
            raise KeyRuleError(
                KeyFailure.UNAUTHORISED,
                f"entry {entry.seq}: {entry.signer} may not retire a key of {record.owner}",
            )
        self._keys[record.key_id] = replace(record, valid_until=entry.seq)

    def _add(self, record: KeyRecord) -> None:
        self._keys[record.key_id] = record
        self._kinds[record.owner] = record.owner_kind

    def _has_valid_key(self, owner: str, seq: int) -> bool:
        return any(record.owner == owner and record.valid_at(seq) for record in self._keys.values())


def differences(derived: Iterable[KeyRecord], claimed: Iterable[KeyRecord]) -> list[str]:
    """Key ids on which an exported key set and the log disagree (missing, extra, or with other fields)."""
    mine = {record.key_id: record for record in derived}
    theirs = {record.key_id: record for record in claimed}
    return sorted(key for key in mine.keys() | theirs.keys() if mine.get(key) != theirs.get(key))
