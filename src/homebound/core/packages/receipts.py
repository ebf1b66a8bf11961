"""Receipts: the addressee's signed word that it took a package in (by name, sender and sequence number).

RFC 8785 JSON `{"receipt": {...}, "signature"}` signed by the addressee's key (`homebound.package.receipt.v1`
domain). The sender checks it against the addressee's pinned card and marks the package acknowledged in its
outbox; the same bytes come back by file or in the inbox's HTTP answer.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from homebound.core.log.entries import DuplicateKeyError, canonical, parse_json_strict
from homebound.core.log.signing import SigningKey, VerifyingKey
from homebound.core.packages.body import check_org_code, check_time
from homebound.core.packages.cards import NodeCard
from homebound.core.packages.errors import PackageRefused, Refusal

RECEIPT_FORMAT = "homebound-receipt/1"
MAX_RECEIPT_BYTES = 4096
_DOMAIN = b"homebound.package.receipt.v1\x00"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_FIELDS = frozenset({"format", "package", "sender", "receiver", "seq", "received"})


@dataclass(frozen=True)
class Receipt:
    package: str
    sender: str
    receiver: str
    seq: int
    received: str

    def to_json(self) -> dict[str, Any]:
        return {"format": RECEIPT_FORMAT, "package": self.package, "sender": self.sender,
                "receiver": self.receiver, "seq": self.seq, "received": self.received}  # fmt: skip

    def signed(self, key: SigningKey) -> bytes:
        body = self.to_json()
        signature = base64.b64encode(key.sign(_DOMAIN + canonical(body))).decode("ascii")
        return canonical({"receipt": body, "signature": signature}) + b"\n"


def _malformed(message: str) -> PackageRefused:
    return PackageRefused(Refusal.MALFORMED, message, field="receipt")


def read_receipt(data: bytes, cards: dict[str, NodeCard]) -> Receipt:
    """A receipt checked against the receiver's pinned card; `PackageRefused` otherwise."""
    if len(data) > MAX_RECEIPT_BYTES:
        raise PackageRefused(Refusal.OVERSIZED, f"a receipt has at most {MAX_RECEIPT_BYTES} bytes")
    try:
        document = parse_json_strict(data)
    except (ValueError, DuplicateKeyError) as error:
        raise _malformed(f"not a receipt ({type(error).__name__})") from error
    if not isinstance(document, dict) or set(document) != {"receipt", "signature"}:
        raise _malformed("a receipt file holds exactly a receipt and its signature")
    body = document["receipt"]
    if not isinstance(body, dict) or set(body) != _FIELDS or body["format"] != RECEIPT_FORMAT:
        raise _malformed(f"a receipt has exactly the fields {sorted(_FIELDS)}")
    name, seq = body["package"], body["seq"]
    if not isinstance(name, str) or not _HEX64.fullmatch(name) or type(seq) is not int or seq < 1:
        raise _malformed("package is a SHA-256 in hex and seq a positive number")
    sender, receiver = check_org_code(body["sender"], "sender"), check_org_code(body["receiver"], "receiver")
    receipt = Receipt(name, sender, receiver, seq, check_time(body["received"], "received"))
    card = cards.get(receipt.receiver)
    if card is None:
        raise PackageRefused(
            Refusal.UNTRUSTED_SENDER, f"no pinned card for {receipt.receiver}", field="receiver"
        )
    try:
        signature = base64.b64decode(str(document["signature"]), validate=True)
    except binascii.Error as error:
        raise _malformed("the receipt's signature is not base64") from error
    if not VerifyingKey(card.signing_key).verify(_DOMAIN + canonical(body), signature):
        raise PackageRefused(Refusal.BAD_SIGNATURE, f"the receipt is not signed by {receipt.receiver}'s key")
    return receipt
