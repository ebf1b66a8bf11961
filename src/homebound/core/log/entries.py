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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from operator import itemgetter
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
    CROSSING_INSTALL = "exchange:crossing:install"  # a concluded agreement's manifest on a crossing node
    CROSSING_LINE = "exchange:crossing:line"  # one device's account of one line, by hash
    ACT_ISSUE = "exchange:act:issue"  # a handover act signed by this node
    ACT_IMPORT = "exchange:act:import"  # a handover act received from the crossing
    ACT_COUNTERSIGN = "exchange:act:countersign"  # a party's signature over an act (made or received)
    NOTIFICATION_DELIVER = "exchange:notification:deliver"
    LEDGER_RECORD = "exchange:ledger:record"
    LEDGER_PUBLISH = "exchange:ledger:publish"  # a publication act: who, when, which figures (aggregates)
    MATCH_RUN = "matching:run:create"
    MATCH_CONFIRM = "matching:candidate:confirm"
    MATCH_REJECT = "matching:candidate:reject"
    MATCH_DEFER = "matching:candidate:defer"  # "not sure": back to the queue with a note
    MATCH_RECONCILE = "matching:list:reconcile"  # a list sorted into buckets; counts only
    NODE_INIT = "federation:node:init"  # this node's organisation, kind and encryption key
    PEER_TRUST = "federation:peer:trust"  # a peer's card pinned (or replaced) after comparing fingerprints
    PACKAGE_SEND = "federation:package:send"  # by name: sender, addressees, sequence numbers, kind, size
    PACKAGE_RECEIVE = "federation:package:receive"
    PACKAGE_ACKNOWLEDGE = "federation:package:acknowledge"  # the addressee's signed receipt came back
    PACKAGE_REFUSE = "federation:package:refuse"  # a package refused: its name, the code, nothing of it kept
    CHECKPOINT_WITNESS = "federation:checkpoint:witness"  # this node cosigned a peer's checkpoint
    CHECKPOINT_COSIGNED = "federation:checkpoint:cosigned"  # a witness cosigned this node's checkpoint
    CHECKPOINT_EVIDENCE = "federation:checkpoint:evidence"  # a peer showed two histories: both heads kept


# Payloads of these actions hold keys, tree heads and package names, nothing personal: every party's export
# carries them, and they are never sealed under a party's data key (a node's refusals and witnessing stay
# readable, and verifiable, after a party's data key is erased).
PUBLIC_PAYLOAD_TAGS = frozenset(
    {
        ActionTag.KEY_CREATE,
        ActionTag.KEY_RETIRE,
        ActionTag.CHECKPOINT_PUBLISH,
        ActionTag.CHECKPOINT_COSIGN,
        ActionTag.NODE_INIT,
        ActionTag.PEER_TRUST,
        ActionTag.PACKAGE_SEND,
        ActionTag.PACKAGE_RECEIVE,
        ActionTag.PACKAGE_ACKNOWLEDGE,
        ActionTag.PACKAGE_REFUSE,
        ActionTag.CHECKPOINT_WITNESS,
        ActionTag.CHECKPOINT_COSIGNED,
        ActionTag.CHECKPOINT_EVIDENCE,
    }
)


class DuplicateKeyError(ValueError):
    """A JSON object repeated a key: ambiguous, so never accepted in a log."""


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        keys = [key for key, _ in pairs]
        repeated = next(key for key in keys if keys.count(key) > 1)
        raise DuplicateKeyError(f"duplicate key {repeated!r}")
    return result


_STRICT = json.JSONDecoder(object_pairs_hook=_reject_duplicates)


def parse_json_strict(text: str | bytes) -> Any:
    """json.loads that refuses duplicate keys (RFC 8785 input must be I-JSON); bytes must be UTF-8."""
    return _STRICT.decode(text.decode("utf-8") if isinstance(text, bytes) else text)


_SAFE_INT = 2**53 - 1


def _plain(value: Any) -> bool:
    """True when json.dumps already yields RFC 8785 bytes: ASCII keys, strings, safe integers, no floats.

    A loop over a stack rather than recursion: it runs once per payload commitment, on every append and
    in every verification, so it is kept cheap.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if item is None or isinstance(item, str | bool):
            continue
        if isinstance(item, int):
            if not -_SAFE_INT <= item <= _SAFE_INT:
                return False
        elif isinstance(item, dict):
            for key in item:
                if not isinstance(key, str) or not key.isascii():
                    return False
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
        else:
            return False
    return True


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
        if type(version) is not int or version not in _FIELDS_BY_VERSION:
            raise ValueError(f"unknown entry format {version!r}")
        expected = _FIELDS_BY_VERSION[version]
        if body.keys() != expected:
            missing = sorted(expected - set(body))
            extra = sorted(set(body) - expected)
            raise ValueError(f"entry fields differ: missing {missing}, unexpected {extra}")
        party = body["party"]
        try:
            "".join(_TEXT_FIELDS[version](body))  # refuses any value that is not a string, in C
        except TypeError as error:
            raise ValueError("an entry field that must be text is not") from error
        # `type(...) is`: a bool is an int to isinstance.
        if type(body["seq"]) is not int or not (party is None or isinstance(party, str)):
            raise ValueError("an entry field has the wrong type")
        # Every field was checked above, so the generated frozen __init__ (a third of a verifier's time per
        # entry) is skipped; format-1 entries read the class defaults for the fields they lack.
        entry = object.__new__(cls)
        object.__setattr__(entry, "__dict__", dict(body))
        return entry


def entry_hash_of(leaf_bytes: bytes) -> str:
    """The chain hash of an entry from its canonical body bytes."""
    return hashlib.sha256(_ENTRY_DOMAIN + leaf_bytes).hexdigest()


_V2_FIELDS = tuple(f.name for f in fields(LogEntry))
_V1_FIELDS = tuple(name for name in _V2_FIELDS if name not in ("signer", "key_id"))
_FIELDS_BY_VERSION: dict[int, frozenset[str]] = {
    LEGACY_VERSION: frozenset(_V1_FIELDS),
    FORMAT_VERSION: frozenset(_V2_FIELDS),
}
_TEXT_FIELDS: dict[int, Callable[[Mapping[str, Any]], tuple[str, ...]]] = {
    version: itemgetter(*(name for name in names if name not in ("seq", "v", "party")))
    for version, names in ((LEGACY_VERSION, _V1_FIELDS), (FORMAT_VERSION, _V2_FIELDS))
}
