"""Checkpoint notes, cosignatures and the witness's rule: extend what was cosigned, by a consistency proof."""

from __future__ import annotations

import base64
import hashlib

import pytest

from homebound.core.log.merkle import MerkleTree, leaf_hash
from homebound.core.log.signing import SigningKey, generate_key_pair
from homebound.core.packages.errors import PackageRefused, Refusal
from homebound.core.packages.witness import (
    CheckpointRefused,
    SignedCheckpoint,
    TreeHead,
    check_extends,
    cosign,
    proofs_from_json,
    proofs_to_json,
    read_checkpoint,
    read_cosignature,
    sign_checkpoint,
)

ORIGIN = "homebound.log/0123456789abcdef0123456789abcdef"


def _key() -> SigningKey:
    return SigningKey(generate_key_pair().private_key)


def _tree(size: int, salt: bytes = b"") -> MerkleTree:
    return MerkleTree(leaf_hash(salt + str(i).encode()) for i in range(size))


def _head(tree: MerkleTree, size: int, origin: str = ORIGIN) -> TreeHead:
    return TreeHead(origin, size, tree.root(size))


def test_a_note_reads_back_and_is_the_c2sp_shape() -> None:
    key = _key()
    signed = sign_checkpoint(_head(_tree(5), 5), "ua", key)
    lines = signed.note.split("\n")
    assert lines[:3] == [ORIGIN, "5", base64.b64encode(_tree(5).root()).decode()]
    assert lines[3] == "" and lines[4].startswith("\u2014 ua ") and lines[5] == ""
    raw = base64.b64decode(lines[4].split(" ")[2])
    assert raw[:4] == hashlib.sha256(b"ua\n\x01" + key.public_key).digest()[:4]  # signed-note key hash
    assert read_checkpoint(signed.note, "ua", key.public_key) == signed


@pytest.mark.parametrize(
    "edit",
    [
        lambda note: note.replace("\n5\n", "\n6\n"),  # another size under the same signature
        lambda note: note.replace(ORIGIN, ORIGIN[:-1] + "0"),  # another log
        lambda note: note.replace("\u2014 ua ", "\u2014 ru "),  # another signer's name
        lambda note: note + "\u2014 ua AAAA\n",  # a second signature line
        lambda note: note.replace("\n\n", "\n"),  # no blank line
    ],
)
def test_an_altered_note_is_refused(edit: object) -> None:
    key = _key()
    note = sign_checkpoint(_head(_tree(5), 5), "ua", key).note
    with pytest.raises(PackageRefused) as caught:
        read_checkpoint(edit(note), "ua", key.public_key)  # type: ignore[operator]
    assert caught.value.refusal is Refusal.INVALID_CONTENT


def test_a_note_signed_by_another_key_is_refused() -> None:
    note = sign_checkpoint(_head(_tree(5), 5), "ua", _key()).note
    with pytest.raises(PackageRefused):
        read_checkpoint(note, "ua", _key().public_key)


def test_a_cosignature_covers_the_head_and_its_time() -> None:
    key, head = _key(), _head(_tree(7), 7)
    cosignature = cosign(head, "med", key, 1_700_000_000)
    assert read_cosignature(cosignature.line, head, "med", key.public_key).time == 1_700_000_000
    with pytest.raises(PackageRefused):
        read_cosignature(cosignature.line, _head(_tree(8), 8), "med", key.public_key)
    raw = bytearray(base64.b64decode(cosignature.line.split(" ")[2]))
    raw[11] ^= 1  # another time
    with pytest.raises(PackageRefused):
        read_cosignature(f"\u2014 med {base64.b64encode(raw).decode()}\n", head, "med", key.public_key)
    # A checkpoint signature is no cosignature (domain and key hash type differ).
    checkpoint = sign_checkpoint(head, "med", key)
    with pytest.raises(PackageRefused):
        read_cosignature(checkpoint.note.split("\n\n")[1], head, "med", key.public_key)


def _signed(tree: MerkleTree, size: int, key: SigningKey, origin: str = ORIGIN) -> SignedCheckpoint:
    return sign_checkpoint(_head(tree, size, origin), "ua", key)


def test_the_witness_cosigns_what_extends_the_last_cosigned_head() -> None:
    key, tree = _key(), _tree(40)
    check_extends(None, _signed(tree, 3, key), {})  # first contact: taken as it is
    old = _signed(tree, 13, key)
    check_extends(old, _signed(tree, 40, key), {13: tree.consistency_proof(13, 40)})
    check_extends(old, _signed(tree, 13, key), {})  # the same head again
    # Proofs from other sizes are ignored; the one from the cosigned size decides.
    proofs = proofs_from_json(
        proofs_to_json({9: tree.consistency_proof(9, 40), 13: tree.consistency_proof(13, 40)})
    )
    check_extends(old, _signed(tree, 40, key), proofs)


def test_two_histories_a_rollback_and_a_missing_proof_are_refused() -> None:
    key, tree, fork = _key(), _tree(40), _tree(40, salt=b"x")
    old = _signed(tree, 13, key)
    cases = [
        (_signed(fork, 13, key), {}, Refusal.CHECKPOINT_INCONSISTENT),  # same size, another root
        (_signed(fork, 40, key), {13: fork.consistency_proof(13, 40)}, Refusal.CHECKPOINT_INCONSISTENT),
        (_signed(tree, 40, key, ORIGIN.replace("0", "f")), {13: tree.consistency_proof(13, 40)},
         Refusal.CHECKPOINT_INCONSISTENT),  # another log under the same key
        (_signed(tree, 12, key), {}, Refusal.CHECKPOINT_ROLLBACK),
        (_signed(tree, 40, key), {12: tree.consistency_proof(12, 40)}, Refusal.CHECKPOINT_UNPROVEN),
    ]  # fmt: skip
    for offered, proofs, refusal in cases:
        with pytest.raises(CheckpointRefused) as caught:
            check_extends(old, offered, proofs)
        assert caught.value.refusal is refusal
        expected = None if refusal is Refusal.CHECKPOINT_UNPROVEN else (old, offered)
        assert caught.value.evidence == expected
