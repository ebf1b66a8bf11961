"""Merkle tree of RFC 9162 (Certificate Transparency 2.0): hashing, roots, inclusion and consistency proofs.

Conventions, the same as RFC 9162 §2.1 and its published test vectors:

- hashes are SHA-256; a leaf is hashed as SHA-256(0x00 || entry) and an inner node as SHA-256(0x01 || left ||
  right), so a leaf can never pass for a node;
- proofs are lists of 32-byte hashes, ordered from the leaf (or old subtree) upwards;
- the root of the empty tree is SHA-256 of the empty string.

Generation is done by `MerkleTree`, which takes leaf hashes (not entries) and answers for any prefix of
itself, so proofs against an older checkpoint's tree size come from the current tree. Bad arguments to
generation are programming errors and raise `ValueError`.

Verification (`verify_inclusion`, `verify_consistency`) returns None when the proof holds and otherwise raises
`ProofError`, whose `kind` (a `ProofFailure`) says what failed. Roots are compared, never hashed, so their
length is not checked: a root of another length simply does not match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from hashlib import sha256

from homebound.core.log.errors import ProofError, ProofFailure

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """Hash of one log entry as a leaf of the tree."""
    return sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash of an inner node from its two children."""
    return sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly smaller than `size` (size >= 2): where RFC 9162 splits a tree."""
    return 1 << ((size - 1).bit_length() - 1)


def _is_power_of_two(size: int) -> bool:
    return size > 0 and size & (size - 1) == 0


class MerkleTree:
    """Append-only tree over leaf hashes that keeps the hash of every complete subtree.

    `_levels[h][j]` is the hash of the 2**h leaves starting at j * 2**h. Appending costs one leaf plus, on
    average, one node hash; a root or proof for any prefix costs O(log n) hashes, because every subtree the
    RFC's recursion visits is either complete (one look-up) or splits into complete ones.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        for leaf in leaf_hashes:
            self.append(leaf)

    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self._levels[0])

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash and every complete subtree it closes."""
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"a leaf hash has {HASH_SIZE} bytes, not {len(leaf)}")
        self._levels[0].append(leaf)
        height = 0
        while len(self._levels[height]) % 2 == 0:
            level = self._levels[height]
            if height + 1 == len(self._levels):
                self._levels.append([])
            self._levels[height + 1].append(node_hash(level[-2], level[-1]))
            height += 1

    def leaf(self, index: int) -> bytes:
        """The hash of leaf `index`."""
        return self._levels[0][index]

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first `size` leaves (of all of them by default)."""
        size = self._checked_size(size)
        return self._subtree(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1: the audit path of one leaf, leaf side first."""
        size = self._checked_size(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} is not in a tree of size {size}")
        path: list[bytes] = []
        start = 0
        while size > 1:  # walks down from the root; the path is read from the leaf up, hence the reverse
            k = _split(size)
            if index < k:
                path.append(self._subtree(start + k, size - k))
                size = k
            else:
                path.append(self._subtree(start, k))
                start, index, size = start + k, index - k, size - k
        path.reverse()
        return path

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[0:new_size]) of RFC 9162 §2.1.4.1; empty when the sizes are equal."""
        new_size = self._checked_size(new_size)
        if not 0 < old_size <= new_size:
            raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
        proof: list[bytes] = []
        start, old, new = 0, old_size, new_size
        old_is_whole_subtree = True  # SUBPROOF's flag b: the old tree's root is known to the verifier
        while old != new:
            k = _split(new)
            if old <= k:
                proof.append(self._subtree(start + k, new - k))
                new = k
            else:
                proof.append(self._subtree(start, k))
                start, old, new = start + k, old - k, new - k
                old_is_whole_subtree = False
        if not old_is_whole_subtree:
            proof.append(self._subtree(start, old))
        proof.reverse()
        return proof

    def _checked_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} is not between 0 and {self.size}")
        return size

    def _subtree(self, start: int, size: int) -> bytes:
        """MTH of `size` leaves from `start`, where `start` is a multiple of the subtree's capacity."""
        if _is_power_of_two(size):
            height = size.bit_length() - 1
            return self._levels[height][start >> height]
        k = _split(size)
        return node_hash(self._subtree(start, k), self._subtree(start + k, size - k))


def _check_hashes(what: str, hashes: Iterable[bytes]) -> None:
    for position, value in enumerate(hashes):
        if len(value) != HASH_SIZE:
            raise ProofError(
                ProofFailure.MALFORMED, f"{what} {position} has {len(value)} bytes, not {HASH_SIZE}"
            )


def _skip_left_turns(fn: int, sn: int) -> tuple[int, int]:
    """Right-shift both until fn's lowest bit is set or fn is 0: levels where the path has no left sibling."""
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that `proof` puts leaf hash `leaf` at `index` in a tree of `size` leaves with `root`.

    RFC 9162 §2.1.3.2, with the same steps and the same bit arithmetic.
    """
    _check_hashes("leaf hash", [leaf])
    _check_hashes("proof hash", proof)
    if index < 0 or size < 0:
        raise ProofError(ProofFailure.MALFORMED, f"negative index {index} or size {size}")
    if index >= size:
        raise ProofError(ProofFailure.INDEX_OUT_OF_RANGE, f"leaf index {index} is not below tree size {size}")
    fn, sn, computed = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise ProofError(ProofFailure.WRONG_LENGTH, f"more than the expected proof hashes ({len(proof)})")
        if fn & 1 or fn == sn:
            computed = node_hash(sibling, computed)
            if not fn & 1:
                fn, sn = _skip_left_turns(fn, sn)
        else:
            computed = node_hash(computed, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(ProofFailure.WRONG_LENGTH, f"too few proof hashes ({len(proof)})")
    if computed != root:
        raise ProofError(ProofFailure.ROOT_MISMATCH, f"the proof for leaf {index} leads to another root")


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> None:
    """Check that the tree of `new_size` with `new_root` extends the tree of `old_size` with `old_root`.

    RFC 9162 §2.1.4.2. Equal sizes need an empty proof and equal roots. An old size of 0 is rejected
    (`EMPTY_TREE`): the RFC defines proofs only for 0 < old_size, and a check against the empty tree proves
    nothing.
    """
    _check_hashes("proof hash", proof)
    if _is_same_tree_head(old_size, new_size, proof, old_root, new_root):
        return
    path = [old_root, *proof] if _is_power_of_two(old_size) else list(proof)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    old_computed = new_computed = path[0]
    for sibling in path[1:]:
        if sn == 0:
            raise ProofError(ProofFailure.WRONG_LENGTH, f"more than the expected proof hashes ({len(proof)})")
        if fn & 1 or fn == sn:
            old_computed = node_hash(sibling, old_computed)
            new_computed = node_hash(sibling, new_computed)
            if not fn & 1:
                fn, sn = _skip_left_turns(fn, sn)
        else:
            new_computed = node_hash(new_computed, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(ProofFailure.WRONG_LENGTH, f"too few proof hashes ({len(proof)})")
    if old_computed != old_root:
        raise ProofError(
            ProofFailure.OLD_ROOT_MISMATCH, f"the proof does not reproduce the root of size {old_size}"
        )
    if new_computed != new_root:
        raise ProofError(
            ProofFailure.ROOT_MISMATCH, f"the proof does not reproduce the root of size {new_size}"
        )


def _is_same_tree_head(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> bool:
    """Check a consistency proof's sizes; True when they are equal and the heads match (nothing to prove)."""
    if old_size < 0 or new_size < 0:
        raise ProofError(ProofFailure.MALFORMED, f"negative size {old_size} or {new_size}")
    if old_size > new_size:
        raise ProofError(ProofFailure.SIZE_ORDER, f"old size {old_size} exceeds new size {new_size}")
    if old_size == 0:
        raise ProofError(ProofFailure.EMPTY_TREE, "no consistency proof from the empty tree")
    if old_size == new_size:
        if proof:
            raise ProofError(ProofFailure.WRONG_LENGTH, "equal sizes need an empty proof")
        if old_root != new_root:
            raise ProofError(ProofFailure.ROOT_MISMATCH, f"two different roots for size {old_size}")
        return True
    if not proof:
        raise ProofError(ProofFailure.WRONG_LENGTH, "empty proof between different sizes")
    return False
