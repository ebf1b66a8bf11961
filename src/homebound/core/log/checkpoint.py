"""Checkpoints: signed tree heads of the log, published by the mediator and cosigned by the parties.

Signed bytes: the domain tag `homebound.log.checkpoint.v1` and a NUL byte, then the RFC 8785 canonical JSON
of {origin, tree_size, root_hash (base64), timestamp_ms}. RFC 8785 rather than the C2SP signed-note text
format because log entries are RFC 8785 JSON already, so a verifier needs one canonical form and one parser,
and we exchange no cosignatures with outside witnesses, which is what C2SP's format would buy us. The tag
keeps a checkpoint signature from being replayed as the signature of an entry (or the reverse), since
parties sign both with the same key.

Every signer (mediator, party_a, party_b: plain role strings) signs the same bytes; a signature is tied to its
role by the verifier's key set, where each key belongs to exactly one role.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, replace

import rfc8785

from homebound.core.log.errors import CheckpointError, CheckpointFailure
from homebound.core.log.merkle import HASH_SIZE
from homebound.core.log.signing import key_id, public_key_of, sign, verify

SIGNING_DOMAIN = b"homebound.log.checkpoint.v1\x00"
ORIGIN_PREFIX = "homebound.log/"


def origin_of(first_entry_hash: str | None) -> str:
    """A log's name in its checkpoints and exports: fixed by its first entry, so no other log shares it."""
    return ORIGIN_PREFIX + (first_entry_hash[:32] if first_entry_hash else "empty")


@dataclass(frozen=True)
class SignerKey:
    """A public key the verifier trusts for one role."""

    role: str
    public_key: bytes

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)


@dataclass(frozen=True)
class CheckpointSignature:
    """One role's signature over a checkpoint's signed bytes."""

    signer_role: str
    key_id: str
    signature: bytes


@dataclass(frozen=True)
class Checkpoint:
    """Log `origin` had `tree_size` entries with Merkle root `root_hash` at `timestamp_ms` (Unix ms, UTC)."""

    origin: str
    tree_size: int
    root_hash: bytes
    timestamp_ms: int
    signatures: tuple[CheckpointSignature, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin:
            raise ValueError("a checkpoint names its log origin")
        if self.tree_size < 0 or self.timestamp_ms < 0:
            raise ValueError("tree size and timestamp are not negative")
        if len(self.root_hash) != HASH_SIZE:
            raise ValueError(f"a root hash has {HASH_SIZE} bytes, not {len(self.root_hash)}")

    def signed_bytes(self) -> bytes:
        """What every signer signs: the domain tag and the canonical JSON of the tree head."""
        head: dict[str, str | int] = {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": base64.b64encode(self.root_hash).decode("ascii"),
            "timestamp_ms": self.timestamp_ms,
        }
        return SIGNING_DOMAIN + rfc8785.dumps(head)

    def signed_by(self, role: str, private_key: bytes) -> Checkpoint:
        """A copy of this checkpoint with `role`'s signature added."""
        signature = CheckpointSignature(
            signer_role=role,
            key_id=key_id(public_key_of(private_key)),
            signature=sign(private_key, self.signed_bytes()),
        )
        return replace(self, signatures=(*self.signatures, signature))

    def is_final(self, required_signers: Iterable[str]) -> bool:
        """True when every required role has signed. Counts signatures only: call `verify` first."""
        return set(required_signers) <= {entry.signer_role for entry in self.signatures}

    def verify(self, keys: Iterable[SignerKey]) -> None:
        """Check every signature against the trusted `keys`; raise `CheckpointError` on the first bad one.

        Rejected: a signature by an unknown key, by a key of another role, a second signature by one role, and
        a signature that does not verify; a checkpoint carries no signature the verifier cannot account for.
        """
        trusted: dict[str, SignerKey] = {}
        for key in keys:
            if trusted.setdefault(key.key_id, key).role != key.role:
                raise ValueError(f"key {key.key_id} is given for two roles")
        message = self.signed_bytes()
        seen_roles: set[str] = set()
        for entry in self.signatures:
            signer = trusted.get(entry.key_id)
            if signer is None:
                raise CheckpointError(
                    CheckpointFailure.UNKNOWN_KEY, f"{entry.signer_role}: unknown key {entry.key_id}"
                )
            if signer.role != entry.signer_role:
                raise CheckpointError(
                    CheckpointFailure.WRONG_SIGNER,
                    f"key {entry.key_id} belongs to {signer.role}, not {entry.signer_role}",
                )
            if entry.signer_role in seen_roles:
                raise CheckpointError(CheckpointFailure.DUPLICATE_SIGNER, f"{entry.signer_role} signed twice")
            seen_roles.add(entry.signer_role)
            if not verify(signer.public_key, message, entry.signature):
                raise CheckpointError(
                    CheckpointFailure.BAD_SIGNATURE, f"{entry.signer_role}'s signature does not verify"
                )
