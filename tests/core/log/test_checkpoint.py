"""Checkpoints: canonical signed bytes, signatures by mediator and parties, finality."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

import pytest

from homebound.core.log.checkpoint import Checkpoint, CheckpointSignature, SignerKey
from homebound.core.log.errors import CheckpointError, CheckpointFailure
from homebound.core.log.merkle import MerkleTree, leaf_hash
from homebound.core.log.signing import KeyPair, generate_key_pair, sign

ROLES = ("mediator", "party_a", "party_b")
KEYS: dict[str, KeyPair] = {role: generate_key_pair() for role in ROLES}
KEY_SET = [SignerKey(role, pair.public_key) for role, pair in KEYS.items()]
ROOT = MerkleTree(leaf_hash(b"entry %d" % number) for number in range(5)).root()
HEAD = Checkpoint(
    origin="homebound.example/exchange-2026-04", tree_size=5, root_hash=ROOT, timestamp_ms=1775000000000
)


def _signed(head: Checkpoint, *roles: str) -> Checkpoint:
    for role in roles:
        head = head.signed_by(role, KEYS[role].private_key)
    return head


def test_signed_bytes_are_the_domain_tag_and_canonical_json() -> None:
    root_text = base64.b64encode(ROOT).decode()
    assert HEAD.signed_bytes() == (
        b"homebound.log.checkpoint.v1\x00"
        b'{"origin":"homebound.example/exchange-2026-04","root_hash":"' + root_text.encode() + b'",'
        b'"timestamp_ms":1775000000000,"tree_size":5}'
    )


def test_signatures_do_not_enter_the_signed_bytes() -> None:
    assert _signed(HEAD, *ROLES).signed_bytes() == HEAD.signed_bytes()


def test_a_checkpoint_signed_by_all_three_verifies_and_is_final() -> None:
    checkpoint = _signed(HEAD, *ROLES)
    checkpoint.verify(KEY_SET)
    assert checkpoint.is_final(ROLES)


@pytest.mark.parametrize(
    ("roles", "final"),
    [
        ((), False),
        (("mediator",), False),
        (("mediator", "party_a"), False),
        (("party_b", "mediator", "party_a"), True),
    ],
)
def test_final_only_when_every_required_role_signed(roles: tuple[str, ...], final: bool) -> None:
    checkpoint = _signed(HEAD, *roles)
    checkpoint.verify(KEY_SET)
    assert checkpoint.is_final(ROLES) is final


def _bad_signature_cases() -> list[tuple[Checkpoint, CheckpointFailure]]:
    mediator_only = _signed(HEAD, "mediator")
    outsider = generate_key_pair()
    good = mediator_only.signatures[0]
    return [
        (HEAD.signed_by("party_a", KEYS["party_b"].private_key), CheckpointFailure.WRONG_SIGNER),
        (HEAD.signed_by("party_a", outsider.private_key), CheckpointFailure.UNKNOWN_KEY),
        (_signed(HEAD, "mediator", "mediator"), CheckpointFailure.DUPLICATE_SIGNER),
        (
            replace(
                mediator_only,
                signatures=(replace(good, signature=bytes([good.signature[0] ^ 1]) + good.signature[1:]),),
            ),
            CheckpointFailure.BAD_SIGNATURE,
        ),
        (replace(mediator_only, tree_size=6), CheckpointFailure.BAD_SIGNATURE),
        (replace(mediator_only, timestamp_ms=HEAD.timestamp_ms + 1), CheckpointFailure.BAD_SIGNATURE),
        (replace(mediator_only, origin="homebound.example/other-log"), CheckpointFailure.BAD_SIGNATURE),
        (replace(mediator_only, root_hash=bytes([ROOT[0] ^ 1]) + ROOT[1:]), CheckpointFailure.BAD_SIGNATURE),
        (
            # A signature over the bare JSON, as an entry signature might be: the domain tag keeps it out.
            replace(
                HEAD,
                signatures=(
                    CheckpointSignature(
                        "mediator",
                        KEYS["mediator"].key_id,
                        sign(KEYS["mediator"].private_key, HEAD.signed_bytes().split(b"\x00", 1)[1]),
                    ),
                ),
            ),
            CheckpointFailure.BAD_SIGNATURE,
        ),
    ]


@pytest.mark.parametrize(
    ("checkpoint", "kind"),
    _bad_signature_cases(),
    ids=[
        "wrong-signer",
        "unknown-key",
        "signed-twice",
        "flipped-signature",
        "edited-size",
        "edited-time",
        "edited-origin",
        "edited-root",
        "bare-json",
    ],
)
def test_bad_signatures_are_rejected_with_their_kind(checkpoint: Checkpoint, kind: CheckpointFailure) -> None:
    _signed(HEAD, "mediator").verify(KEY_SET)  # the untampered case holds
    with pytest.raises(CheckpointError) as failure:
        checkpoint.verify(KEY_SET)
    assert failure.value.kind is kind


def test_a_rotated_role_is_accepted_under_either_of_its_keys() -> None:
    rotated = generate_key_pair()
    keys = [*KEY_SET, SignerKey("party_a", rotated.public_key)]
    HEAD.signed_by("party_a", rotated.private_key).verify(keys)
    HEAD.signed_by("party_a", KEYS["party_a"].private_key).verify(keys)


def test_one_key_for_two_roles_is_a_configuration_error() -> None:
    keys = [*KEY_SET, SignerKey("party_b", KEYS["party_a"].public_key)]
    with pytest.raises(ValueError, match="two roles"):
        _signed(HEAD, "mediator").verify(keys)


@pytest.mark.parametrize(
    "fields",
    [
        {"origin": ""},
        {"tree_size": -1},
        {"timestamp_ms": -1},
        {"root_hash": ROOT[:31]},
    ],
    ids=["no-origin", "negative-size", "negative-time", "short-root"],
)
def test_an_impossible_tree_head_is_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"origin|negative|bytes"):
        replace(HEAD, **fields)
