"""The package format: a round trip, what a relay sees, and every refusal with its stable code."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, replace

import pyrage
import pytest

from homebound.core.log.signing import SigningKey, generate_key_pair
from homebound.core.packages.body import Addressee, LogHead, PackageBody
from homebound.core.packages.cards import NodeCard, NodeKind
from homebound.core.packages.envelope import (
    MAGIC,
    check_sequence,
    open_package,
    package_name,
    read_envelope,
    seal,
    verify_envelope,
)
from homebound.core.packages.errors import EXIT_CODES, PackageRefused, Refusal
from homebound.core.packages.kinds import PackageKind

NOW = "2023-01-08T10:00:00Z"


@dataclass
class Org:
    card: NodeCard
    key: SigningKey
    identity: pyrage.x25519.Identity


def _org(code: str, kind: NodeKind) -> Org:
    key = SigningKey(generate_key_pair().private_key)
    identity = pyrage.x25519.Identity.generate()
    card = NodeCard(code, kind, f"{code} bureau", key.public_key, str(identity.to_public()), NOW)
    return Org(card, key, identity)


UA, MED, RU = _org("ua", NodeKind.PARTY), _org("med", NodeKind.MEDIATOR), _org("ru", NodeKind.PARTY)
PINNED = {org.card.org: org.card for org in (UA, MED, RU)}


def _body(seq: int = 1, kind: PackageKind = PackageKind.DISCLOSURE, to: str = "med") -> PackageBody:
    return PackageBody(
        sender="ua",
        recipients=(Addressee(to, seq),),
        kind=kind,
        log_head=LogHead(12, "ab" * 32),
        created=NOW,
        payload={"registry": "held", "records": [{"record_id": "UA-1", "family_name": "Коваленко"}]},
    )


def _package(body: PackageBody | None = None, key: SigningKey = UA.key) -> bytes:
    body = body or _body()
    return seal(body, key, {org: PINNED[org].encryption_key for org in PINNED})


def _refusal(
    data: bytes, me: Org = MED, trusted: dict[str, NodeCard] = PINNED, max_bytes: int = 10**6
) -> Refusal:
    def receive() -> None:
        envelope = verify_envelope(data, trusted.get, max_bytes=max_bytes)
        open_package(envelope, me.card.org, me.identity, trusted[envelope.header.sender])

    with pytest.raises(PackageRefused) as caught:
        receive()
    return caught.value.refusal


def test_round_trip_gives_the_signed_body_back_to_the_addressee() -> None:
    data = _package()
    envelope = verify_envelope(data, PINNED.get)
    opened = open_package(envelope, "med", MED.identity, UA.card)
    assert opened.body == _body()
    assert envelope.name == package_name(data) and len(envelope.name) == 64
    assert json.loads(opened.signed_body)["body"]["payload"]["records"][0]["family_name"] == "Коваленко"


def test_a_relay_sees_routing_but_no_content() -> None:
    data = _package()
    assert "Коваленко".encode() not in data and b"UA-1" not in data
    header = read_envelope(data).header
    assert (header.sender, header.recipients, header.kind) == (
        "ua",
        (Addressee("med", 1),),
        PackageKind.DISCLOSURE,
    )


def test_two_addressees_each_read_the_same_body() -> None:
    body = replace(_body(), recipients=(Addressee("med", 4), Addressee("ru", 1)))
    data = _package(body)
    envelope = verify_envelope(data, PINNED.get)
    assert open_package(envelope, "med", MED.identity, UA.card).body == body
    assert open_package(envelope, "ru", RU.identity, UA.card).body == body


def test_bad_signature() -> None:
    data = _package()
    lines = data.split(b"\n", 3)
    forged = base64.b64encode(RU.key.sign(b"something else"))
    assert _refusal(b"\n".join([lines[0], lines[1], forged, lines[3]])) is Refusal.BAD_SIGNATURE


def test_a_changed_header_breaks_the_signature() -> None:
    data = _package().replace(b'"seq":1', b'"seq":2', 1)
    assert _refusal(data) is Refusal.BAD_SIGNATURE


def test_impostor_signing_with_its_own_key_under_a_pinned_code() -> None:
    assert _refusal(_package(key=RU.key)) is Refusal.UNTRUSTED_SENDER


def test_untrusted_sender() -> None:
    only_med = {"med": MED.card}
    assert _refusal(_package(), trusted=only_med) is Refusal.UNTRUSTED_SENDER


def test_wrong_recipient() -> None:
    assert _refusal(_package(), me=RU) is Refusal.WRONG_RECIPIENT


def test_addressed_to_me_but_encrypted_to_another_key() -> None:
    body = _body()
    data = seal(body, UA.key, {"med": RU.card.encryption_key})
    assert _refusal(data) is Refusal.WRONG_RECIPIENT


@pytest.mark.parametrize("keep", [0, 5, len(MAGIC) + 10, -1, -200])
def test_truncated(keep: int) -> None:
    data = _package()
    assert _refusal(data[:keep]) is Refusal.TRUNCATED


def test_oversized() -> None:
    data = _package()
    assert _refusal(data, max_bytes=len(data) - 1) is Refusal.OVERSIZED


def test_tampered_ciphertext() -> None:
    data = bytearray(_package())
    data[-40] ^= 0x01
    assert _refusal(bytes(data)) is Refusal.TAMPERED


def test_trailing_bytes_are_tampering() -> None:
    assert _refusal(_package() + b"x") is Refusal.TAMPERED


def test_unknown_kind() -> None:
    data = _package().replace(b'"kind":"disclosure"', b'"kind":"ransom-note"', 1)
    assert _refusal(data) is Refusal.UNKNOWN_KIND


def test_not_a_package_at_all() -> None:
    assert _refusal(b"record_id,family_name\r\nUA-1,X\r\n") is Refusal.MALFORMED


@pytest.mark.parametrize(("seq", "last", "refusal"), [(3, 3, Refusal.REPLAY), (1, 3, Refusal.REPLAY),
                                                      (5, 3, Refusal.OUT_OF_ORDER)])  # fmt: skip
def test_sequence(seq: int, last: int, refusal: Refusal) -> None:
    with pytest.raises(PackageRefused) as caught:
        check_sequence(Addressee("med", seq), last)
    assert caught.value.refusal is refusal


def test_next_in_sequence_is_taken() -> None:
    check_sequence(Addressee("med", 4), 3)


def test_each_refusal_has_its_own_exit_code() -> None:
    assert len(set(EXIT_CODES.values())) == len(Refusal) and 2 not in EXIT_CODES.values()
