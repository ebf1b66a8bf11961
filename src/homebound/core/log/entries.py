"""Log entries: canonical JSON (RFC 8785), salted payload commitments, the hash chain and entry signatures.

Format 2 (current) adds `signer` (the organisation id whose key signs, or "system") and `key_id` to the hashed
body; the Ed25519 signature itself lies outside the body, over `SIGNATURE_DOMAIN || canonical body`, so the
body, the chain hash, the Merkle leaf and the signed message are all the same bytes. Format 1 entries (before
signatures) are still read, and a verifier accepts them only as a prefix of the log.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

import rfc8785

FORMAT_VERSION = 2
LEGACY_VERSION = 1
GENESIS_HASH = "0" * 64
SYSTEM_SIGNER = "system"
_ENTRY_DOMAIN = b"homebound.log.entry.v1\x00"
_COMMIT_DOMAIN = b"homebound.log.commitment.v1\x00"
# Distinct from the checkpoint tag, so no signature over an entry can pass for one over a tree head.
SIGNATURE_DOMAIN = b"homebound.log.entry-signature.v2\x00"


class ActionTag(StrEnum):
    """What happened, as scope:resource:action; the set is closed so logs stay comparable."""

    ORGANISATION_CREATE = "account:organisation:create"
    USER_CREATE = "account:user:create"
    USER_UPDATE = "account:user:update"
    TOKEN_CREATE = "account:token:create"  # noqa: S105 - an action tag
    TOKEN_REVOKE = "account:token:revoke"  # noqa: S105 - an action tag
    PERSON_CREATE = "registry:person:create"
    PERSON_UPDATE = "registry:person:update"
    PERSON_STATUS = "registry:person:status"
    PERSON_SHARE = "registry:person:share"
    LIST_IMPORT = "registry:list:import"
    INQUIRY_FILE = "inquiry:inquiry:file"
    INQUIRY_ATTACH = "inquiry:inquiry:attach"
    KEY_CREATE = "log:key:create"
    KEY_RETIRE = "log:key:retire"
    CHECKPOINT_PUBLISH = "log:checkpoint:publish"
    CHECKPOINT_COSIGN = "log:checkpoint:cosign"
    AGREEMENT_CREATE = "exchange:agreement:create"
    AGREEMENT_VERSION = "exchange:agreement:version"  # proposal, counter-proposal or amendment
    AGREEMENT_SHARE = "exchange:agreement:share"
    AGREEMENT_ACCEPT = "exchange:agreement:accept"
    AGREEMENT_CONCLUDE = "exchange:agreement:conclude"
    IDENTITY_CONFIRM = "exchange:identity:confirm"
    HANDOVER_LINE = "exchange:handover:line"
    HANDOVER_SUBSTITUTE = "exchange:handover:substitute"  # the receiving party's decision
    REMAINS_RECORD = "exchange:remains:record"
    TRANCHE_CLOSE = "exchange:tranche:close"
    NOTIFICATION_DELIVER = "exchange:notification:deliver"
    LEDGER_RECORD = "exchange:ledger:record"


# Payloads of these actions hold keys and tree heads, nothing personal: every party's export carries them.
PUBLIC_PAYLOAD_TAGS = frozenset(
    {ActionTag.KEY_CREATE, ActionTag.KEY_RETIRE, ActionTag.CHECKPOINT_PUBLISH, ActionTag.CHECKPOINT_COSIGN}
)


class DuplicateKeyError(ValueError):
    """A JSON object repeated a key: ambiguous, so never accepted in a log."""


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKeyError(f"duplicate key {key!r}")
        result[key] = value
    return result


def parse_json_strict(text: str | bytes) -> Any:
    """json.loads that refuses duplicate keys (RFC 8785 input must be I-JSON)."""
    return json.loads(text, object_pairs_hook=_reject_duplicates)


_SAFE_INT = 2**53 - 1


def _plain(value: Any) -> bool:
    """True when json.dumps already yields RFC 8785 bytes: ASCII keys, strings, safe integers, no floats."""
    if value is None or isinstance(value, str | bool):
        return True
    if isinstance(value, int):
        return -_SAFE_INT <= value <= _SAFE_INT
    if isinstance(value, dict):
        return all(isinstance(k, str) and k.isascii() and _plain(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    return False


def canonical(value: Any) -> bytes:
    """RFC 8785 JSON Canonicalization Scheme bytes.

    For the values the log uses (ASCII keys, strings, integers) the standard library's sorted, compact
    output is byte-identical to RFC 8785 and about four times faster; anything else (floats, non-ASCII
    keys, where the two sort or format differently) goes through the rfc8785 package. A property test
    holds the two paths equal.
    """
    if _plain(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return bytes(rfc8785.dumps(value))


def new_salt() -> str:
    return secrets.token_hex(32)


def commitment(salt_hex: str, payload: Mapping[str, Any]) -> str:
    """Salted SHA-256 over the canonical payload: binds the entry to data that stays out of the log."""
    digest = hashlib.sha256(_COMMIT_DOMAIN + bytes.fromhex(salt_hex) + canonical(dict(payload)))
    return digest.hexdigest()


@dataclass(frozen=True)
class LogEntry:
    """One action. Holds references and a commitment, never personal data in clear."""

    seq: int
    time: str
    actor: str
    party: str | None
    tag: str
    object_type: str
    object_id: str
    commitment: str
    prev_hash: str
    v: int = FORMAT_VERSION
    signer: str | None = None
    key_id: str | None = None

    def body(self) -> dict[str, Any]:
        names = _V1_FIELDS if self.v == LEGACY_VERSION else _V2_FIELDS
        return {name: getattr(self, name) for name in names}

    def leaf_bytes(self) -> bytes:
        """The bytes a Merkle leaf covers and the chain hashes; a signature covers them behind its tag."""
        return canonical(self.body())

    def entry_hash(self) -> str:
        return entry_hash_of(self.leaf_bytes())

    def signed_message(self) -> bytes:
        return SIGNATURE_DOMAIN + self.leaf_bytes()

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> LogEntry:
        """An entry from its JSON body; `ValueError` unless fields and types are those of its version."""
        version = body.get("v")
        expected = _FIELDS_BY_VERSION.get(version) if isinstance(version, int) else None
        if expected is None:
            raise ValueError(f"unknown entry format {version!r}")
        if set(body) != expected:
            missing = sorted(expected - set(body))
            extra = sorted(set(body) - expected)
            raise ValueError(f"entry fields differ: missing {missing}, unexpected {extra}")
        for name, value in body.items():
            if not isinstance(value, _FIELD_TYPES[name]) or (isinstance(value, bool) and name in _INT_FIELDS):
                raise ValueError(f"entry field {name} has the wrong type")
        return cls(**body)


def entry_hash_of(leaf_bytes: bytes) -> str:
    """The chain hash of an entry from its canonical body bytes."""
    return hashlib.sha256(_ENTRY_DOMAIN + leaf_bytes).hexdigest()


_V2_FIELDS = tuple(f.name for f in fields(LogEntry))
_V1_FIELDS = tuple(name for name in _V2_FIELDS if name not in ("signer", "key_id"))
_FIELDS_BY_VERSION: dict[int, frozenset[str]] = {
    LEGACY_VERSION: frozenset(_V1_FIELDS),
    FORMAT_VERSION: frozenset(_V2_FIELDS),
}
_INT_FIELDS = frozenset({"seq", "v"})
_FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    name: int if name in _INT_FIELDS else (str, type(None)) if name == "party" else str for name in _V2_FIELDS
}
