"""Stored answers to idempotent requests: claimed and completed inside the request's own transaction.

The client's Idempotency-Key is never stored. The row holds its SHA-256, an HMAC of the request under a key
derived from it, and the answer sealed (AES-GCM) under another derived key: a reader of the database learns
neither the answers (which can carry a token or a case secret shown once) nor, by hashing guesses, the
bodies that were sent.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from homebound.db.tables import IdempotencyRow, utcnow

KEY_TTL = dt.timedelta(hours=24)
IN_PROGRESS = 0  # status of a claim; never committed, because the claim and the answer commit together


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KeyMaterial:
    """What one Idempotency-Key yields for one actor: the row's key and two derived secrets."""

    actor_id: str
    key_digest: str
    mac_key: bytes
    seal_key: bytes

    @classmethod
    def derive(cls, actor_id: str, key: str) -> KeyMaterial:
        okm = HKDF(
            algorithm=hashes.SHA256(),
            length=64,
            salt=actor_id.encode(),
            info=b"homebound idempotency v1",
        ).derive(key.encode())
        return cls(actor_id, hashlib.sha256(key.encode()).hexdigest(), okm[:32], okm[32:])

    def request_mac(self, canonical_request: bytes) -> str:
        return hmac.new(self.mac_key, canonical_request, hashlib.sha256).hexdigest()

    def seal(self, answer: StoredAnswer) -> str:
        plain = json.dumps(
            {"headers": answer.headers, "body": base64.b64encode(answer.body).decode()},
            separators=(",", ":"),
        ).encode()
        nonce = os.urandom(12)
        sealed = AESGCM(self.seal_key).encrypt(nonce, plain, self.key_digest.encode())
        return base64.b64encode(nonce + sealed).decode()

    def open(self, status_code: int, sealed: str) -> StoredAnswer:
        raw = base64.b64decode(sealed)
        try:
            plain = AESGCM(self.seal_key).decrypt(raw[:12], raw[12:], self.key_digest.encode())
        except InvalidTag as exc:  # only if the row was altered: the key digest already matched
            raise ValueError("stored answer does not open under this key") from exc
        data = json.loads(plain)
        return StoredAnswer(status_code, base64.b64decode(data["body"]), dict(data["headers"]))


@dataclass(frozen=True)
class Recorded:
    request_mac: str
    status_code: int
    sealed: str
    created_at: dt.datetime


def find(connection: Connection, material: KeyMaterial, *, now: dt.datetime | None = None) -> Recorded | None:
    """The committed answer for this key, unless it has expired."""
    row = connection.execute(
        select(
            IdempotencyRow.request_hash,
            IdempotencyRow.status_code,
            IdempotencyRow.response_body,
            IdempotencyRow.created_at,
        ).where(IdempotencyRow.actor_id == material.actor_id, IdempotencyRow.key == material.key_digest)
    ).first()
    if row is None:
        return None
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=dt.UTC)
    if (now or utcnow()) - created > KEY_TTL:
        return None
    return Recorded(row.request_hash, row.status_code, row.response_body, created)


def claim(connection: Connection, material: KeyMaterial, request_mac: str) -> bool:
    """Take the key inside the current transaction; False when another request holds or has used it.

    On PostgreSQL a concurrent claim of the same key waits here until the holder commits (then fails) or
    rolls back (then succeeds): identical concurrent requests run one after the other, and only one acts.
    An expired answer is removed first, so an old key can be used again.
    """
    connection.execute(
        delete(IdempotencyRow).where(
            IdempotencyRow.actor_id == material.actor_id,
            IdempotencyRow.key == material.key_digest,
            IdempotencyRow.created_at < utcnow() - KEY_TTL,
        )
    )
    try:
        with connection.begin_nested():
            connection.execute(
                insert(IdempotencyRow).values(
                    actor_id=material.actor_id,
                    key=material.key_digest,
                    request_hash=request_mac,
                    status_code=IN_PROGRESS,
                    response_body="",
                    created_at=utcnow(),
                )
            )
    except IntegrityError:
        return False
    return True


def complete(connection: Connection, material: KeyMaterial, answer: StoredAnswer) -> None:
    """Record the answer on the claimed row, in the same transaction as the change it answers."""
    connection.execute(
        update(IdempotencyRow)
        .where(IdempotencyRow.actor_id == material.actor_id, IdempotencyRow.key == material.key_digest)
        .values(status_code=answer.status_code, response_body=material.seal(answer))
    )


def prune(connection: Connection, *, now: dt.datetime | None = None) -> int:
    """Forget answers older than the retention period; returns how many were removed."""
    result = connection.execute(
        delete(IdempotencyRow).where(IdempotencyRow.created_at < (now or utcnow()) - KEY_TTL)
    )
    return result.rowcount
