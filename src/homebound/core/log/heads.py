"""Tree heads: which signatures make a checkpoint valid and final, and the checks that tie a verified log to
its proofs and to the state a party saved after its previous run.

A checkpoint is valid when every signature is by a known key of the named owner (never the system key),
in force at the checkpoint's tree size, no owner signs twice, the signatures verify, and a mediator is among
the signers. It is final when, in addition, every party with a key in force at that size has signed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from homebound.core.log.checkpoint import Checkpoint
from homebound.core.log.errors import CheckpointFailure, LogFailure, ProofError
from homebound.core.log.keys import KeyRecord, OwnerKind
from homebound.core.log.merkle import MerkleTree, verify_consistency, verify_inclusion
from homebound.core.log.signing import verify

Verify = Callable[[KeyRecord, bytes, bytes], bool]


@dataclass(frozen=True)
class Problem:
    """The first failure: its kind, where it is (`seq`: the entry, or a checkpoint's tree size) and why."""

    kind: str
    seq: int
    where: str
    message: str


@dataclass(frozen=True)
class ConsistencyProof:
    first_size: int
    second_size: int
    path: tuple[bytes, ...]


@dataclass(frozen=True)
class InclusionProof:
    seq: int
    tree_size: int
    path: tuple[bytes, ...]


@dataclass(frozen=True)
class SavedState:
    """What a party keeps between runs: the newest final checkpoint it verified."""

    origin: str
    tree_size: int
    root_hash: bytes
    timestamp_ms: int


def verify_with_key(key: KeyRecord, message: bytes, signature: bytes) -> bool:
    return verify(key.public_key, message, signature)


def signature_problem(
    head: Checkpoint, lookup: Callable[[str], KeyRecord | None], check: Verify = verify_with_key
) -> tuple[str, str] | None:
    """The first thing wrong with a checkpoint's signatures, as (kind, message), or None."""
    message, seen, published = head.signed_bytes(), set[str](), False
    for signature in head.signatures:
        key, owner = lookup(signature.key_id), signature.signer_role
        problem: tuple[str, str] | None = None
        if key is None:
            problem = CheckpointFailure.UNKNOWN_KEY, f"{owner}: unknown key {signature.key_id}"
        elif key.owner != owner or key.owner_kind is OwnerKind.SYSTEM:
            problem = CheckpointFailure.WRONG_SIGNER, f"key {key.key_id} may not sign for {owner}"
        elif owner in seen:
            problem = CheckpointFailure.DUPLICATE_SIGNER, f"{owner} signed twice"
        elif not key.valid_at(head.tree_size):
            problem = (
                CheckpointFailure.KEY_NOT_VALID,
                f"key {key.key_id} was not in force at {head.tree_size}",
            )
        elif not check(key, message, signature.signature):
            problem = CheckpointFailure.BAD_SIGNATURE, f"{owner}'s signature does not verify"
        if problem is not None or key is None:
            return problem
        seen.add(owner)
        published = published or key.owner_kind is OwnerKind.MEDIATOR
    if not published:
        return CheckpointFailure.UNSIGNED, "no mediator signed this tree head"
    return None


def required_parties(records: Iterable[KeyRecord], tree_size: int) -> frozenset[str]:
    """Parties that must cosign a checkpoint of `tree_size`: each with a key in force at that size."""
    return frozenset(
        record.owner
        for record in records
        if record.owner_kind is OwnerKind.PARTY and record.valid_at(tree_size)
    )


def is_final(head: Checkpoint, records: Iterable[KeyRecord]) -> bool:
    """Every required party has signed. Counts signatures only: check `signature_problem` first."""
    signers = {signature.signer_role for signature in head.signatures}
    return required_parties(records, head.tree_size) <= signers


def proof_problem(
    tree: MerkleTree, consistency: Sequence[ConsistencyProof], inclusion: Sequence[InclusionProof]
) -> Problem | None:
    """Check shipped proofs against the tree the verifier built itself from the entries."""
    for proof in consistency:
        where = f"consistency proof {proof.first_size}->{proof.second_size}"
        if not 0 < proof.first_size <= proof.second_size <= tree.size:
            return Problem(LogFailure.MALFORMED, proof.second_size, where, "sizes outside the log")
        try:
            verify_consistency(
                proof.first_size, proof.second_size, proof.path,
                tree.root(proof.first_size), tree.root(proof.second_size),
            )  # fmt: skip
        except ProofError as error:
            return Problem(error.kind, proof.second_size, where, error.message)
    for item in inclusion:
        where = f"inclusion proof of entry {item.seq} in size {item.tree_size}"
        if not 0 < item.seq <= item.tree_size <= tree.size:
            return Problem(LogFailure.MALFORMED, item.seq, where, "entry or size outside the log")
        try:
            verify_inclusion(
                tree.leaf(item.seq - 1), item.seq - 1, item.tree_size, item.path, tree.root(item.tree_size)
            )
        except ProofError as error:
            return Problem(error.kind, item.seq, where, error.message)
    return None


def state_problem(
    tree: MerkleTree, state: SavedState | None, origin: str | None, newest_final: Checkpoint | None
) -> Problem | None:
    """Is this log a continuation of the one this party verified last time, and no older?"""
    if state is None:
        return None
    if origin is not None and state.origin != origin:
        return Problem(LogFailure.STATE_MISMATCH, 0, "state", "the saved state is of another log")
    if state.tree_size > tree.size:
        return Problem(LogFailure.TRUNCATED, tree.size, "state", f"last run saw {state.tree_size} entries")
    if state.tree_size and tree.root(state.tree_size) != state.root_hash:
        message = "the log now has another history than the one verified last time"
        return Problem(LogFailure.FORK, state.tree_size, "state", message)
    head = newest_final
    if head is None or head.tree_size < state.tree_size or head.timestamp_ms < state.timestamp_ms:
        message = "the newest final checkpoint is older than the one verified last time"
        return Problem(CheckpointFailure.STALE, state.tree_size, "state", message)
    return None
