"""Signed logs built in memory with the pure core (no database): for the tamper tests and the benchmark.

`MemoryLog` keeps the same rules as the server's log writer: the system key introduces itself, every
organisation's first key is introduced by the system key, entries are signed by the acting organisation's
key, a rotation is a create signed by the old key followed by a retire, checkpoints are signed by a mediator
and cosigned by the parties. `build_log` makes a realistic log of any length from a seed.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from homebound.core.log.checkpoint import Checkpoint, CheckpointSignature, origin_of
from homebound.core.log.entries import (
    GENESIS_HASH,
    SYSTEM_SIGNER,
    ActionTag,
    LogEntry,
    commitment,
    new_salt,
)
from homebound.core.log.export import ExportContent, encode_export, payload_visible_to
from homebound.core.log.keys import (
    KEY_OBJECT,
    Custody,
    KeyRecord,
    OwnerKind,
    RetireReason,
    key_created_payload,
    key_retired_payload,
)
from homebound.core.log.merkle import MerkleTree, leaf_hash
from homebound.core.log.signing import SigningKey, generate_key_pair

START = dt.datetime(2026, 4, 1, 8, 0, tzinfo=dt.UTC)


@dataclass
class MemoryLog:
    """An append-only signed log held in lists; `export` gives the files a party would receive."""

    rng: random.Random = field(default_factory=lambda: random.Random(0))
    entries: list[tuple[LogEntry, bytes, bytes]] = field(default_factory=list)
    payloads: dict[int, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    keys: dict[str, KeyRecord] = field(default_factory=dict)
    private: dict[str, SigningKey] = field(default_factory=dict)
    active: dict[str, SigningKey] = field(default_factory=dict)
    checkpoints: list[Checkpoint] = field(default_factory=list)
    tree: MerkleTree = field(default_factory=MerkleTree)
    head: str = GENESIS_HASH
    clock: dt.datetime = START

    @property
    def size(self) -> int:
        return len(self.entries)

    @property
    def origin(self) -> str:
        """Named by the first entry, as a stored log is (db/checkpoint_store.log_origin)."""
        return origin_of(self.entries[0][0].entry_hash() if self.entries else None)

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _tick(self) -> str:
        self.clock += dt.timedelta(milliseconds=self.rng.randint(1, 90_000))
        return self.clock.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def append(
        self,
        signer: str,
        tag: ActionTag,
        object_type: str,
        object_id: str,
        payload: Mapping[str, Any],
        *,
        party: str | None = None,
        actor: str | None = None,
        key: SigningKey | None = None,
    ) -> LogEntry:
        key = key or self.active[signer]
        salt = new_salt()
        entry = LogEntry(
            seq=self.size + 1,
            time=self._tick(),
            actor=actor or signer,
            party=party,
            tag=tag.value,
            object_type=object_type,
            object_id=object_id,
            commitment=commitment(salt, payload),
            prev_hash=self.head,
            signer=signer,
            key_id=key.key_id,
        )
        leaf = entry.leaf_bytes()
        self.entries.append((entry, leaf, key.sign(entry.signed_message())))
        self.payloads[entry.seq] = (salt, dict(payload))
        self.tree.append(leaf_hash(leaf))
        self.head = entry.entry_hash()
        return entry

    def _new_key(self, owner: str, kind: OwnerKind, introduced_by: str | None) -> SigningKey:
        pair = generate_key_pair()
        key = SigningKey(pair.private_key)
        payload = key_created_payload(pair.public_key, owner, kind, Custody.SERVER)
        signer = introduced_by or owner
        entry = self.append(
            signer,
            ActionTag.KEY_CREATE,
            KEY_OBJECT,
            key.key_id,
            payload,
            party=owner if kind is OwnerKind.PARTY else None,
            key=None if introduced_by else key,
        )
        self.keys[key.key_id] = KeyRecord(key.key_id, owner, kind, pair.public_key, Custody.SERVER, entry.seq)
        self.private[key.key_id] = key
        self.active[owner] = key
        return key

    def bootstrap(self) -> None:
        """The system key introduces itself: the log's first entry."""
        self._new_key(SYSTEM_SIGNER, OwnerKind.SYSTEM, None)

    def add_organisation(self, kind: OwnerKind) -> str:
        owner = self.new_uuid()
        self.append(SYSTEM_SIGNER, ActionTag.ORGANISATION_CREATE, "organisation", owner, {"kind": kind.value})
        self._new_key(owner, kind, SYSTEM_SIGNER)
        return owner

    def rotate(self, owner: str, reason: RetireReason = RetireReason.ROTATED) -> SigningKey:
        """A new key signed in by the old one, then the old one retired (signed by the new)."""
        old = self.active[owner]
        kind = self.keys[old.key_id].owner_kind
        self._new_key(owner, kind, owner)
        entry = self.append(
            owner,
            ActionTag.KEY_RETIRE,
            KEY_OBJECT,
            old.key_id,
            key_retired_payload(old.key_id, owner, reason),
            party=owner if kind is OwnerKind.PARTY else None,
        )
        record = self.keys[old.key_id]
        self.keys[old.key_id] = KeyRecord(
            record.key_id, owner, kind, record.public_key, record.custody, record.valid_from, entry.seq
        )
        return old

    def checkpoint(self, publisher: str, cosigners: list[str]) -> Checkpoint:
        """A tree head over the whole log, signed by the publisher then the cosigners; publication logged."""
        self.clock += dt.timedelta(seconds=1)
        head = Checkpoint(self.origin, self.size, self.tree.root(), int(self.clock.timestamp() * 1000))
        for owner in (publisher, *cosigners):
            key = self.active[owner]
            signature = CheckpointSignature(owner, key.key_id, key.sign(head.signed_bytes()))
            head = replace(head, signatures=(*head.signatures, signature))
        self.checkpoints.append(head)
        self.append(
            publisher,
            ActionTag.CHECKPOINT_PUBLISH,
            "log_checkpoint",
            self.new_uuid(),
            {"tree_size": head.tree_size, "root_hash": head.root_hash.hex()},
        )
        return head

    def export(self, party: str | None, checkpoints: list[Checkpoint] | None = None) -> dict[str, bytes]:
        """The export `party` would receive (the mediator's when None)."""
        payloads = (
            (entry.seq, *self.payloads[entry.seq])
            for entry, _, _ in self.entries
            if entry.seq in self.payloads and payload_visible_to(entry, party)
        )
        return encode_export(
            ExportContent(
                origin=self.origin,
                party=party,
                exported_at=self.clock.isoformat(),
                entries=[(leaf, signature) for _, leaf, signature in self.entries],
                payloads=payloads,
                keys=sorted(self.keys.values(), key=lambda record: (record.valid_from, record.key_id)),
                checkpoints=self.checkpoints if checkpoints is None else checkpoints,
                head_hash=self.head,
            )
        )


@dataclass
class Scenario:
    """A built log and who is who in it."""

    log: MemoryLog
    mediator: str
    party_a: str
    party_b: str


def _person_action(log: MemoryLog, party: str) -> None:
    person = log.new_uuid()
    tag = log.rng.choice((ActionTag.PERSON_CREATE, ActionTag.PERSON_UPDATE, ActionTag.PERSON_STATUS))
    payload = {
        "person": person,
        "registry": log.rng.choice(("held", "sought")),
        "status": log.rng.choice(("held", "listed_for_exchange", "missing")),
        "fields": {"family_name": log.rng.choice(("Коваленко", "Шевченко", "Бондаренко", "Ткаченко"))},
    }
    log.append(party, tag, "person", person, payload, party=party, actor=log.new_uuid())


def build_log(size: int, seed: int = 1, *, checkpoint_every: int = 200, rotate: bool = True) -> Scenario:
    """A log of exactly `size` entries (at least 7): set-up, person changes by both parties, a key
    rotation of party A at about a third of the way, and a checkpoint cosigned by all about every
    `checkpoint_every` entries (the last one published but cosigned by party A only, so it is not final).
    """
    log = MemoryLog(rng=random.Random(seed))
    log.bootstrap()
    mediator = log.add_organisation(OwnerKind.MEDIATOR)
    party_a = log.add_organisation(OwnerKind.PARTY)
    party_b = log.add_organisation(OwnerKind.PARTY)
    rotate_at = size // 3 if rotate and size > 40 else None
    next_checkpoint = checkpoint_every
    while log.size < size:
        remaining = size - log.size
        if rotate_at is not None and log.size >= rotate_at and remaining > 2:
            log.rotate(party_a)
            rotate_at = None
        elif log.size >= next_checkpoint and remaining > 1:
            last = remaining <= checkpoint_every
            log.checkpoint(mediator, [party_a] if last else [party_a, party_b])
            next_checkpoint = log.size + checkpoint_every
        else:
            _person_action(log, party_a if log.rng.random() < 0.5 else party_b)
    return Scenario(log, mediator, party_a, party_b)
