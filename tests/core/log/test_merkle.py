"""Our Merkle tree against the naive one, the failure kinds of the verifiers, and the generator's contract."""

from __future__ import annotations

from collections.abc import Callable
from hashlib import sha256

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homebound.core.log.errors import ProofError, ProofFailure
from homebound.core.log.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from tests.core.log import naive_merkle

MAX_SIZE = 300


def _entries(size: int, tag: bytes = b"") -> list[bytes]:
    return [b"entry %d %s" % (number, tag) for number in range(size)]


def _tree(entries: list[bytes]) -> MerkleTree:
    return MerkleTree(leaf_hash(entry) for entry in entries)


def _flip_bit(value: bytes, bit: int) -> bytes:
    flipped = bytearray(value)
    flipped[bit // 8 % len(value)] ^= 1 << (bit % 8)
    return bytes(flipped)


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[list[bytes], int]:
    size = draw(st.integers(min_value=1, max_value=MAX_SIZE))
    return _entries(size, draw(st.binary(max_size=4))), draw(st.integers(min_value=0, max_value=size - 1))


@st.composite
def tree_and_old_size(draw: st.DrawFn) -> tuple[list[bytes], int]:
    size = draw(st.integers(min_value=1, max_value=MAX_SIZE))
    return _entries(size, draw(st.binary(max_size=4))), draw(st.integers(min_value=1, max_value=size))


# --- agreement with the naive implementation -------------------------------------------------------------


@given(st.integers(min_value=0, max_value=MAX_SIZE), st.binary(max_size=4))
def test_roots_agree_with_the_naive_tree(size: int, tag: bytes) -> None:
    entries = _entries(size, tag)
    assert _tree(entries).root() == naive_merkle.mth(entries)


@given(tree_and_index())
def test_inclusion_proofs_agree_with_the_naive_tree(case: tuple[list[bytes], int]) -> None:
    entries, index = case
    tree = _tree(entries)
    naive_path = naive_merkle.path(index, entries)
    assert tree.inclusion_proof(index) == naive_path
    verify_inclusion(leaf_hash(entries[index]), index, len(entries), naive_path, naive_merkle.mth(entries))


@given(tree_and_old_size())
def test_consistency_proofs_agree_with_the_naive_tree(case: tuple[list[bytes], int]) -> None:
    entries, old_size = case
    tree = _tree(entries)
    naive_proof = naive_merkle.proof(old_size, entries)
    assert tree.consistency_proof(old_size) == naive_proof
    old_root, new_root = naive_merkle.mth(entries[:old_size]), naive_merkle.mth(entries)
    verify_consistency(old_size, len(entries), naive_proof, old_root, new_root)


@given(tree_and_old_size(), st.data())
def test_proofs_for_an_older_size_come_from_the_grown_tree(
    case: tuple[list[bytes], int], data: st.DataObject
) -> None:
    entries, old_size = case
    old_entries = entries[:old_size]
    index = data.draw(st.integers(min_value=0, max_value=old_size - 1))
    tree = _tree(entries)
    assert tree.root(old_size) == naive_merkle.mth(old_entries)
    assert tree.inclusion_proof(index, old_size) == naive_merkle.path(index, old_entries)
    smaller = data.draw(st.integers(min_value=1, max_value=old_size))
    assert tree.consistency_proof(smaller, old_size) == naive_merkle.proof(smaller, old_entries)


# Tampered inputs: both verifiers must reach the same verdict, and a flipped bit is always caught.
TAMPERINGS = ["index+1", "index-1", "size+1", "size-1", "drop-first", "drop-last", "duplicate-last", "swap"]


def _tamper(how: str, index: int, size: int, hashes: list[bytes]) -> tuple[int, int, list[bytes]]:
    match how:
        case "index+1" | "index-1":
            return index + (1 if how == "index+1" else -1), size, hashes
        case "size+1" | "size-1":
            return index, size + (1 if how == "size+1" else -1), hashes
        case "drop-first":
            return index, size, hashes[1:]
        case "drop-last":
            return index, size, hashes[:-1]
        case "duplicate-last":
            return index, size, hashes + hashes[-1:]
        case _:
            return index, size, hashes[::-1]


@given(tree_and_index(), st.sampled_from(TAMPERINGS))
def test_inclusion_verdicts_agree_with_the_naive_verifier(case: tuple[list[bytes], int], how: str) -> None:
    entries, index = case
    tree = _tree(entries)
    leaf, root = leaf_hash(entries[index]), tree.root()
    index, size, hashes = _tamper(how, index, len(entries), tree.inclusion_proof(index))
    try:
        verify_inclusion(leaf, index, size, hashes, root)
        ours = True
    except ProofError:
        ours = False
    assert ours == naive_merkle.inclusion_holds(leaf, index, size, hashes, root)


@given(tree_and_old_size(), st.sampled_from(TAMPERINGS))
def test_consistency_verdicts_agree_with_the_naive_verifier(case: tuple[list[bytes], int], how: str) -> None:
    entries, old_size = case
    tree = _tree(entries)
    old_root, new_root = tree.root(old_size), tree.root()
    old_size, new_size, hashes = _tamper(how, old_size, len(entries), tree.consistency_proof(old_size))
    try:
        verify_consistency(old_size, new_size, hashes, old_root, new_root)
        ours = True
    except ProofError:
        ours = False
    assert ours == naive_merkle.consistency_holds(old_size, new_size, hashes, old_root, new_root)


@given(tree_and_index(), st.integers(min_value=0))
def test_a_flipped_bit_in_an_inclusion_proof_is_caught(case: tuple[list[bytes], int], bit: int) -> None:
    entries, index = case
    tree = _tree(entries)
    hashes = tree.inclusion_proof(index)
    if hashes:
        hashes[bit % len(hashes)] = _flip_bit(hashes[bit % len(hashes)], bit)
    leaf = leaf_hash(entries[index]) if hashes else _flip_bit(leaf_hash(entries[index]), bit)
    with pytest.raises(ProofError) as failure:
        verify_inclusion(leaf, index, len(entries), hashes, tree.root())
    assert failure.value.kind is ProofFailure.ROOT_MISMATCH


@settings(max_examples=50)
@given(tree_and_old_size(), st.integers(min_value=0))
def test_a_flipped_bit_in_a_consistency_proof_is_caught(case: tuple[list[bytes], int], bit: int) -> None:
    entries, old_size = case
    tree = _tree(entries)
    hashes = tree.consistency_proof(old_size)
    if not hashes:
        return  # equal sizes: nothing to flip
    hashes[bit % len(hashes)] = _flip_bit(hashes[bit % len(hashes)], bit)
    with pytest.raises(ProofError) as failure:
        verify_consistency(old_size, len(entries), hashes, tree.root(old_size), tree.root())
    assert failure.value.kind in {ProofFailure.ROOT_MISMATCH, ProofFailure.OLD_ROOT_MISMATCH}


def test_every_proof_of_every_small_tree_verifies() -> None:
    """Exhaustive up to 40 leaves: every index and every older size, against the naive roots."""
    entries = _entries(40)
    tree = _tree(entries)
    for size in range(1, 41):
        root = naive_merkle.mth(entries[:size])
        for index in range(size):
            verify_inclusion(leaf_hash(entries[index]), index, size, tree.inclusion_proof(index, size), root)
        for old_size in range(1, size + 1):
            old_root = naive_merkle.mth(entries[:old_size])
            verify_consistency(old_size, size, tree.consistency_proof(old_size, size), old_root, root)


# --- hashing ---------------------------------------------------------------------------------------------


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    left, right = leaf_hash(b"a"), leaf_hash(b"b")
    assert leaf_hash(b"a") == sha256(b"\x00a").digest()
    assert node_hash(left, right) == sha256(b"\x01" + left + right).digest()
    # A node's preimage offered as an entry must not hash to the node: the leaf/node confusion attack.
    assert leaf_hash(left + right) != node_hash(left, right)


def test_the_empty_tree_has_the_hash_of_nothing_as_root() -> None:
    assert MerkleTree().root() == EMPTY_ROOT == sha256(b"").digest()


def test_a_node_passed_off_as_a_leaf_is_rejected() -> None:
    """Leaf/node confusion: an 'entry' made of the two child hashes of node 0-1, proven as a leaf of a 2-leaf
    tree whose root is the 4-leaf root. Without the 0x00/0x01 prefixes its leaf hash would be the node's hash.
    """
    entries = _entries(4)
    tree = _tree(entries)
    forged_entry = leaf_hash(entries[0]) + leaf_hash(entries[1])
    upper_path = tree.inclusion_proof(0)[1:]
    with pytest.raises(ProofError) as failure:
        verify_inclusion(leaf_hash(forged_entry), 0, 2, upper_path, tree.root())
    assert failure.value.kind is ProofFailure.ROOT_MISMATCH
    # The same claim with the node's own hash goes through, which is why verifiers hash entries themselves.
    verify_inclusion(node_hash(leaf_hash(entries[0]), leaf_hash(entries[1])), 0, 2, upper_path, tree.root())


# --- failure kinds ---------------------------------------------------------------------------------------

ENTRIES = _entries(7)
TREE = _tree(ENTRIES)
LEAF_3 = leaf_hash(ENTRIES[3])
PATH_3 = TREE.inclusion_proof(3)
ROOT_7, ROOT_4 = TREE.root(), TREE.root(4)
PROOF_4_7 = TREE.consistency_proof(4)
InclusionClaim = tuple[bytes, int, int, list[bytes], bytes]  # leaf hash, index, size, proof, root
ConsistencyClaim = tuple[int, int, list[bytes], bytes, bytes]  # old size, new size, proof, old root, new root


@pytest.mark.parametrize(
    ("claim", "kind"),
    [
        ((LEAF_3[:31], 3, 7, PATH_3, ROOT_7), ProofFailure.MALFORMED),
        ((LEAF_3, 3, 7, [*PATH_3[:-1], PATH_3[-1] + b"\x00"], ROOT_7), ProofFailure.MALFORMED),
        ((LEAF_3, -1, 7, PATH_3, ROOT_7), ProofFailure.MALFORMED),
        ((LEAF_3, 7, 7, PATH_3, ROOT_7), ProofFailure.INDEX_OUT_OF_RANGE),
        ((LEAF_3, 0, 0, [], EMPTY_ROOT), ProofFailure.INDEX_OUT_OF_RANGE),
        ((LEAF_3, 3, 7, PATH_3[:-1], ROOT_7), ProofFailure.WRONG_LENGTH),
        ((LEAF_3, 3, 7, [*PATH_3, ROOT_7], ROOT_7), ProofFailure.WRONG_LENGTH),
        ((LEAF_3, 3, 7, PATH_3, ROOT_4), ProofFailure.ROOT_MISMATCH),
        ((leaf_hash(ENTRIES[2]), 3, 7, PATH_3, ROOT_7), ProofFailure.ROOT_MISMATCH),
    ],
    ids=[
        "short-leaf",
        "long-hash",
        "negative-index",
        "index-at-size",
        "empty-tree",
        "short",
        "long",
        "root",
        "leaf",
    ],
)
def test_inclusion_failure_kinds(claim: InclusionClaim, kind: ProofFailure) -> None:
    verify_inclusion(LEAF_3, 3, 7, PATH_3, ROOT_7)  # the untampered case holds
    with pytest.raises(ProofError) as failure:
        verify_inclusion(*claim)
    assert failure.value.kind is kind


@pytest.mark.parametrize(
    ("claim", "kind"),
    [
        ((4, 7, [PROOF_4_7[0][:16], *PROOF_4_7[1:]], ROOT_4, ROOT_7), ProofFailure.MALFORMED),
        ((-1, 7, PROOF_4_7, ROOT_4, ROOT_7), ProofFailure.MALFORMED),
        ((7, 4, PROOF_4_7, ROOT_7, ROOT_4), ProofFailure.SIZE_ORDER),
        ((0, 7, PROOF_4_7, EMPTY_ROOT, ROOT_7), ProofFailure.EMPTY_TREE),
        ((4, 7, [], ROOT_4, ROOT_7), ProofFailure.WRONG_LENGTH),
        ((4, 7, PROOF_4_7[:-1], ROOT_4, ROOT_7), ProofFailure.WRONG_LENGTH),
        ((4, 7, [*PROOF_4_7, ROOT_7], ROOT_4, ROOT_7), ProofFailure.WRONG_LENGTH),
        ((7, 7, [ROOT_7], ROOT_7, ROOT_7), ProofFailure.WRONG_LENGTH),
        ((7, 7, [], ROOT_7, ROOT_4), ProofFailure.ROOT_MISMATCH),
        ((4, 7, PROOF_4_7, ROOT_4, TREE.root(6)), ProofFailure.ROOT_MISMATCH),
        ((5, 7, TREE.consistency_proof(5), TREE.root(6), ROOT_7), ProofFailure.OLD_ROOT_MISMATCH),
    ],
    ids=[
        "short-hash",
        "negative-size",
        "shrinking",
        "from-empty",
        "empty-proof",
        "short",
        "long",
        "equal-sizes-with-proof",
        "equal-sizes-forked",
        "new-root",
        "old-root",
    ],
)
def test_consistency_failure_kinds(claim: ConsistencyClaim, kind: ProofFailure) -> None:
    verify_consistency(4, 7, PROOF_4_7, ROOT_4, ROOT_7)  # the untampered case holds
    with pytest.raises(ProofError) as failure:
        verify_consistency(*claim)
    assert failure.value.kind is kind


def test_a_forked_history_fails_consistency() -> None:
    """The mediator shows one party a log whose entry 2 differs: no proof links the two heads."""
    honest, forked = _entries(9), _entries(9)
    forked[2] = b"entry 2 rewritten"
    honest_tree, forked_tree = _tree(honest), _tree(forked)
    with pytest.raises(ProofError) as failure:
        verify_consistency(5, 9, forked_tree.consistency_proof(5), honest_tree.root(5), forked_tree.root())
    assert failure.value.kind in {ProofFailure.ROOT_MISMATCH, ProofFailure.OLD_ROOT_MISMATCH}


# --- generator contract ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda tree: tree.append(b"short"),
        lambda tree: tree.root(8),
        lambda tree: tree.root(-1),
        lambda tree: tree.inclusion_proof(7),
        lambda tree: tree.inclusion_proof(-1),
        lambda tree: tree.inclusion_proof(4, 4),
        lambda tree: tree.consistency_proof(0),
        lambda tree: tree.consistency_proof(5, 4),
        lambda tree: tree.consistency_proof(4, 8),
    ],
    ids=["append", "root>size", "root<0", "index", "index<0", "index>=old", "from-0", "shrink", "beyond"],
)
def test_bad_generation_arguments_are_programming_errors(call: Callable[[MerkleTree], object]) -> None:
    tree = _tree(_entries(7))
    with pytest.raises(ValueError):  # noqa: PT011 - every case here raises the same plain ValueError
        call(tree)
    assert tree.size == 7
