"""Ed25519 helpers: the RFC 8032 vector, round trips, and a verifier that says no without raising."""

from __future__ import annotations

import base64
from hashlib import sha256

import pytest

from homebound.core.log.signing import (
    generate_key_pair,
    key_id,
    public_key_from_text,
    public_key_of,
    public_key_to_text,
    sign,
    verify,
)

# RFC 8032 §7.1, TEST 1 (empty message).
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)
MESSAGE = b'{"action":"exchange:agreement:sign","seq":17}'


def test_the_rfc8032_vector() -> None:
    assert public_key_of(RFC8032_SECRET) == RFC8032_PUBLIC
    assert sign(RFC8032_SECRET, b"") == RFC8032_SIGNATURE
    assert verify(RFC8032_PUBLIC, b"", RFC8032_SIGNATURE)


def test_a_fresh_key_pair_signs_and_verifies() -> None:
    pair = generate_key_pair()
    assert len(pair.private_key) == 32
    assert public_key_of(pair.private_key) == pair.public_key
    assert verify(pair.public_key, MESSAGE, sign(pair.private_key, MESSAGE))


def test_the_private_key_stays_out_of_repr() -> None:
    pair = generate_key_pair()
    assert pair.private_key.hex() not in repr(pair)
    assert repr(pair.private_key) not in repr(pair)


def test_key_id_is_the_first_half_of_the_sha256_of_the_raw_key() -> None:
    assert key_id(RFC8032_PUBLIC) == sha256(RFC8032_PUBLIC).hexdigest()[:32]
    pair = generate_key_pair()
    assert pair.key_id == key_id(pair.public_key) != key_id(RFC8032_PUBLIC)


def test_public_key_text_round_trip() -> None:
    text = public_key_to_text(RFC8032_PUBLIC)
    assert text == base64.b64encode(RFC8032_PUBLIC).decode()
    assert public_key_from_text(text) == RFC8032_PUBLIC


@pytest.mark.parametrize(
    "text",
    ["not base64!", base64.b64encode(b"\x01" * 31).decode(), base64.b64encode(b"\x01" * 33).decode(), ""],
    ids=["not-base64", "31-bytes", "33-bytes", "empty"],
)
def test_bad_public_key_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"base64|bytes"):
        public_key_from_text(text)


def _flip(value: bytes, position: int) -> bytes:
    flipped = bytearray(value)
    flipped[position] ^= 0x01
    return bytes(flipped)


GOOD_SIGNATURE = sign(RFC8032_SECRET, MESSAGE)


@pytest.mark.parametrize(
    ("public_key", "message", "signature"),
    [
        (generate_key_pair().public_key, MESSAGE, GOOD_SIGNATURE),
        (RFC8032_PUBLIC, _flip(MESSAGE, 5), GOOD_SIGNATURE),
        (RFC8032_PUBLIC, MESSAGE, _flip(GOOD_SIGNATURE, 0)),
        (RFC8032_PUBLIC, MESSAGE, _flip(GOOD_SIGNATURE, 63)),
        (_flip(RFC8032_PUBLIC, 10), MESSAGE, GOOD_SIGNATURE),
        (RFC8032_PUBLIC, MESSAGE, GOOD_SIGNATURE[:63]),
        (RFC8032_PUBLIC, MESSAGE, GOOD_SIGNATURE + b"\x00"),
        (RFC8032_PUBLIC, MESSAGE, b""),
        (RFC8032_PUBLIC[:31], MESSAGE, GOOD_SIGNATURE),
        (b"", MESSAGE, GOOD_SIGNATURE),
        (b"\xff" * 32, MESSAGE, GOOD_SIGNATURE),
        (RFC8032_PUBLIC, MESSAGE, b"\x00" * 64),
    ],
    ids=[
        "wrong-key",
        "flipped-message",
        "flipped-signature-first",
        "flipped-signature-last",
        "flipped-key",
        "short-signature",
        "long-signature",
        "empty-signature",
        "short-key",
        "empty-key",
        "not-a-curve-point",
        "zero-signature",
    ],
)
def test_verify_says_no_without_raising(public_key: bytes, message: bytes, signature: bytes) -> None:
    assert verify(RFC8032_PUBLIC, MESSAGE, GOOD_SIGNATURE)  # the untampered case holds
    assert verify(public_key, message, signature) is False
