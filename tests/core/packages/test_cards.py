"""Node cards: self-signed, read back exactly, and a fingerprint that moves with the keys only."""

from __future__ import annotations

import json
from dataclasses import replace

import pyrage
import pytest

from homebound.core.log.signing import SigningKey, generate_key_pair
from homebound.core.packages.cards import NodeCard, NodeKind, group_fingerprint, read_card
from homebound.core.packages.errors import CardRefused

KEY = SigningKey(generate_key_pair().private_key)
CARD = NodeCard("ua", NodeKind.PARTY, "Національне інформаційне бюро", KEY.public_key,
                str(pyrage.x25519.Identity.generate().to_public()), "2023-01-11T09:00:00Z")  # fmt: skip


def test_a_card_reads_back_as_written() -> None:
    assert read_card(CARD.signed(KEY)) == CARD


def test_the_fingerprint_ignores_name_and_inbox_but_not_keys() -> None:
    renamed = replace(CARD, name="NIB", inbox_url="https://nib.example/api/v1/federation/inbox")
    assert renamed.fingerprint == CARD.fingerprint
    other_key = replace(CARD, encryption_key=str(pyrage.x25519.Identity.generate().to_public()))
    assert other_key.fingerprint != CARD.fingerprint
    assert replace(CARD, org="ru").fingerprint != CARD.fingerprint


def test_fingerprint_is_shown_in_two_lines_of_eight_groups() -> None:
    shown = group_fingerprint(CARD.fingerprint)
    lines = shown.split("\n")
    assert len(lines) == 2 and all(len(line.split(" ")) == 8 for line in lines)
    assert shown.replace(" ", "").replace("\n", "").lower() == CARD.fingerprint


def test_a_card_changed_after_signing_is_refused() -> None:
    document = json.loads(CARD.signed(KEY))
    document["card"]["name"] = "someone else"
    with pytest.raises(CardRefused) as caught:
        read_card(json.dumps(document).encode())
    assert caught.value.code == "card.bad_signature"


def test_a_card_whose_key_id_is_not_its_key_is_refused() -> None:
    document = json.loads(CARD.signed(KEY))
    document["card"]["signing_key_id"] = "0" * 32
    with pytest.raises(CardRefused):
        read_card(json.dumps(document).encode())


def test_only_the_cards_own_key_signs_it() -> None:
    with pytest.raises(ValueError, match="own signing key"):
        CARD.signed(SigningKey(generate_key_pair().private_key))


@pytest.mark.parametrize("data", [b"", b"[]", b"{}", b'{"card": {}, "signature": ""}', b"x" * 20000])
def test_garbage_is_refused(data: bytes) -> None:
    with pytest.raises(CardRefused):
        read_card(data)
