"""Witnessing: a node's signed checkpoint, a peer's cosignature, and the check a witness makes before it
cosigns (a consistency proof from the size it cosigned last, RFC 9162 §2.1.4).

The texts follow C2SP tlog-checkpoint, signed-note and tlog-cosignature, with one difference: every
signature covers a Homebound domain tag before the C2SP message, because the same Ed25519 key also signs
log entries, packages, cards and receipts. A stock C2SP verifier therefore finds the key by its hash and
then rejects the signature, as it should.

    homebound.log/4f0c…\\n               origin (the node's log, named by its first entry)
    1234\\n                               tree size
    q0bd…=\\n                             root hash, base64
    \\n
    — ua <base64(key hash[4] || Ed25519 signature[64])>\\n
    — med <base64(key hash[4] || time[8, big-endian Unix seconds] || Ed25519 signature[64])>\\n

- checkpoint signature: over CHECKPOINT_DOMAIN || body (the first three lines); key hash = SHA-256(name ||
  "\\n" || 0x01 || public key)[:4] as in signed-note;
- cosignature: over COSIGNATURE_DOMAIN || "cosignature/v1\\ntime <T>\\n" || body; key hash with 0x04, as in
  tlog-cosignature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from homebound.core.log.errors import ProofError
from homebound.core.log.merkle import HASH_SIZE, verify_consistency
from homebound.core.log.signing import SigningKey, VerifyingKey
from homebound.core.packages.errors import PackageRefused, Refusal

CHECKPOINT_DOMAIN = b"homebound.checkpoint.v1\x00"
COSIGNATURE_DOMAIN = b"homebound.cosignature.v1\x00"
MAX_NOTE_BYTES = 4096
MAX_PROOFS = 16  # proofs from the sizes a witness may have cosigned last (see `checkpoint_proofs`)
_ORIGIN = re.compile(r"[\x21-\x7e]{1,200}")  # printable ASCII, no space (signed-note key names too)
_SIZE = re.compile(r"0|[1-9][0-9]{0,15}")
_DASH = "\u2014 "  # an em dash and a space open a signature line


def _refused(message: str) -> PackageRefused:
    return PackageRefused(Refusal.INVALID_CONTENT, message, field="payload")


def key_hash(name: str, signature_type: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("ascii") + b"\n" + bytes([signature_type]) + public_key).digest()[:4]


@dataclass(frozen=True)
class TreeHead:
    """Log `origin` had `size` entries with Merkle root `root` (the body of a checkpoint)."""

    origin: str
    size: int
    root: bytes

    def body(self) -> bytes:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode('ascii')}\n".encode("ascii")


@dataclass(frozen=True)
class SignedCheckpoint:
    """A tree head and its log's signature (by the node named `signer`); `note` is the full text."""

    head: TreeHead
    signer: str
    signature: bytes

    @property
    def note(self) -> str:
        line = base64.b64encode(self.signature).decode("ascii")
        return self.head.body().decode("ascii") + "\n" + f"{_DASH}{self.signer} {line}\n"


@dataclass(frozen=True)
class Cosignature:
    """A witness's signature over a tree head at `time` (Unix seconds)."""

    head: TreeHead
    witness: str
    time: int
    signature: bytes  # key hash, time and Ed25519 signature, as on the line

    @property
    def line(self) -> str:
        return f"{_DASH}{self.witness} {base64.b64encode(self.signature).decode('ascii')}\n"


def _cosigned_message(head: TreeHead, time: int) -> bytes:
    return COSIGNATURE_DOMAIN + f"cosignature/v1\ntime {time}\n".encode("ascii") + head.body()


def sign_checkpoint(head: TreeHead, signer: str, key: SigningKey) -> SignedCheckpoint:
    signature = key_hash(signer, 0x01, key.public_key) + key.sign(CHECKPOINT_DOMAIN + head.body())
    return SignedCheckpoint(head, signer, signature)


def cosign(head: TreeHead, witness: str, key: SigningKey, time: int) -> Cosignature:
    signed = key.sign(_cosigned_message(head, time))
    raw = key_hash(witness, 0x04, key.public_key) + time.to_bytes(8, "big") + signed
    return Cosignature(head, witness, time, raw)


def _signature_line(line: str, name: str) -> bytes:
    if not line.startswith(_DASH) or not line.endswith("\n") or line.count("\n") != 1:
        raise _refused("a signature line is '— name base64'")
    found, _, encoded = line[len(_DASH) : -1].partition(" ")
    if found != name:
        raise _refused(f"the signature is {found!r}'s, not {name!r}'s")
    try:
        return base64.b64decode(encoded, validate=True)
    except binascii.Error as error:
        raise _refused("a signature line is not base64") from error


def parse_checkpoint(note: object, signer: str) -> SignedCheckpoint:
    """A checkpoint note with exactly one signature line, by `signer`; its signature is NOT checked here
    (`read_checkpoint` does): for notes this node checked when they arrived."""
    if not isinstance(note, str) or len(note.encode("utf-8")) > MAX_NOTE_BYTES:
        raise _refused("a checkpoint is a note of at most 4 KiB")
    body, separator, signatures = note.partition("\n\n")
    lines = body.split("\n")
    if not separator or len(lines) != 3:
        raise _refused("a checkpoint has origin, size and root hash, a blank line, then its signature")
    origin, size, root_text = lines
    if not _ORIGIN.fullmatch(origin) or not _SIZE.fullmatch(size) or int(size) < 1:
        raise _refused("a checkpoint's origin is printable ASCII and its size a whole number from 1")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error as error:
        raise _refused("the root hash is not base64") from error
    if len(root) != HASH_SIZE or base64.b64encode(root).decode("ascii") != root_text:
        raise _refused("the root hash is not a SHA-256 in base64")
    raw = _signature_line(signatures, signer)
    if len(raw) != 68:
        raise _refused("a checkpoint signature has a key hash and an Ed25519 signature")
    return SignedCheckpoint(TreeHead(origin, int(size), root), signer, raw)


def read_checkpoint(note: object, signer: str, public_key: bytes) -> SignedCheckpoint:
    """A checkpoint note signed by `signer` with `public_key` (exactly one signature line); refused else."""
    checkpoint = parse_checkpoint(note, signer)
    raw = checkpoint.signature
    if raw[:4] != key_hash(signer, 0x01, public_key):
        raise _refused(f"the checkpoint is not signed by {signer}'s pinned key")
    if not VerifyingKey(public_key).verify(CHECKPOINT_DOMAIN + checkpoint.head.body(), raw[4:]):
        raise _refused(f"the checkpoint's signature is not {signer}'s")
    return checkpoint


def read_cosignature(line: object, head: TreeHead, witness: str, public_key: bytes) -> Cosignature:
    """A cosignature line by `witness` over `head`, checked against its pinned key; refused otherwise."""
    if not isinstance(line, str) or len(line) > 200:
        raise _refused("a cosignature is one signature line")
    raw = _signature_line(line, witness)
    if len(raw) != 76 or raw[:4] != key_hash(witness, 0x04, public_key):
        raise _refused(f"the cosignature is not by {witness}'s pinned key")
    time = int.from_bytes(raw[4:12], "big")
    if not VerifyingKey(public_key).verify(_cosigned_message(head, time), raw[12:]):
        raise _refused(f"the cosignature is not {witness}'s over this checkpoint")
    return Cosignature(head, witness, time, raw)


def proofs_to_json(proofs: Mapping[int, Sequence[bytes]]) -> list[dict[str, Any]]:
    return [
        {"old_size": size, "proof": [base64.b64encode(h).decode("ascii") for h in path]}
        for size, path in sorted(proofs.items())
    ]


def proofs_from_json(value: object) -> dict[int, list[bytes]]:
    if not isinstance(value, list) or len(value) > MAX_PROOFS:
        raise _refused(f"proofs is a list of at most {MAX_PROOFS}")
    proofs: dict[int, list[bytes]] = {}
    for item in value:
        if not isinstance(item, dict) or set(item) != {"old_size", "proof"}:
            raise _refused("a proof has exactly old_size and proof")
        size, path = item["old_size"], item["proof"]
        if type(size) is not int or size < 1 or not isinstance(path, list) or len(path) > 64:
            raise _refused("old_size is a whole number from 1 and proof a list of at most 64 hashes")
        try:
            proofs[size] = [base64.b64decode(str(h), validate=True) for h in path]
        except binascii.Error as error:
            raise _refused("a proof hash is not base64") from error
    return proofs


class CheckpointRefused(PackageRefused):
    """A checkpoint a witness will not cosign. For two histories or a rollback, `evidence` holds both
    signed checkpoints (the one cosigned before, the one refused); a third party checks them with the
    peer's card alone."""

    def __init__(
        self,
        refusal: Refusal,
        message: str,
        evidence: tuple[SignedCheckpoint, SignedCheckpoint] | None = None,
    ) -> None:
        super().__init__(refusal, message, field="checkpoint")
        self.evidence = evidence


def check_extends(
    cosigned: SignedCheckpoint | None, offered: SignedCheckpoint, proofs: Mapping[int, Sequence[bytes]]
) -> None:
    """The witness's rule: cosign only a checkpoint of the same log that extends the one cosigned last.

    Nothing cosigned yet: the first checkpoint is taken as it is (trust on first use, as every witness
    starts). Otherwise the origin must be the same, the size not smaller, and the proof from the size
    cosigned last must lead from its root to the offered root.
    """
    if cosigned is None:
        return
    old, new = cosigned.head, offered.head
    evidence = (cosigned, offered)
    if new.origin != old.origin:
        raise CheckpointRefused(
            Refusal.CHECKPOINT_INCONSISTENT,
            f"{offered.signer} now signs another log ({new.origin}) than the one cosigned ({old.origin})",
            evidence,
        )
    if new.size < old.size:
        raise CheckpointRefused(
            Refusal.CHECKPOINT_ROLLBACK,
            f"{offered.signer}'s log has {new.size} entries; this witness cosigned {old.size}",
            evidence,
        )
    proof = [] if new.size == old.size else proofs.get(old.size)
    if proof is None:
        raise CheckpointRefused(
            Refusal.CHECKPOINT_UNPROVEN,
            f"no consistency proof from size {old.size}, the size this witness cosigned last",
        )
    try:
        verify_consistency(old.size, new.size, proof, old.root, new.root)
    except ProofError as error:
        raise CheckpointRefused(
            Refusal.CHECKPOINT_INCONSISTENT,
            f"the log of size {new.size} does not extend the one cosigned at size {old.size} ({error.kind})",
            evidence,
        ) from error
