"""Node cards: an organisation's public identity (code, kind, name, signing and encryption keys, inbox),
signed by its own signing key, and the fingerprint two people compare in the room before pinning one.

A card's self-signature proves only that whoever made it holds the key; that the key is the organisation's
is what the fingerprint comparison establishes (as the ombudsmen met in Ankara). The fingerprint covers
what a package's trust rests on (code, kind and both public keys), not the name or the inbox address, so
a card re-issued with a new inbox keeps its fingerprint and one with a new key does not.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pyrage

from homebound.core.log.entries import DuplicateKeyError, canonical, parse_json_strict
from homebound.core.log.signing import (
    SigningKey,
    VerifyingKey,
    key_id,
    public_key_from_text,
    public_key_to_text,
)
from homebound.core.packages.body import check_org_code, check_time
from homebound.core.packages.errors import CardRefused, PackageRefused

CARD_FORMAT = "homebound-node-card/1"
MAX_CARD_BYTES = 16 * 1024
_CARD_DOMAIN = b"homebound.node-card.v1\x00"
_FINGERPRINT_DOMAIN = b"homebound.node-fingerprint.v1\x00"
_CARD_FIELDS = frozenset(
    {
        "format",
        "org",
        "kind",
        "name",
        "signing_key",
        "signing_key_id",
        "encryption_key",
        "encryption_key_id",
        "inbox_url",
        "created",
    }
)


class NodeKind(StrEnum):
    PARTY = "party"  # a belligerent's bureau: its registries stay on its node
    MEDIATOR = "mediator"  # relays, matches and negotiates on what the parties disclosed
    OBSERVER = "observer"  # e.g. the ICRC Central Tracing Agency: receives, witnesses


def encryption_key_id(recipient: str) -> str:
    """Short stable name of an age recipient: hex of the first 16 bytes of SHA-256 over its text."""
    return hashlib.sha256(recipient.encode("ascii")).digest()[:16].hex()


def check_recipient(text: object) -> str:
    """An age X25519 recipient (age1...) as text; `CardRefused` otherwise."""
    if not isinstance(text, str) or not text.startswith("age1") or len(text) > 100:
        raise CardRefused("encryption_key is not an age X25519 recipient", field="encryption_key")
    try:
        pyrage.x25519.Recipient.from_str(text)
    except pyrage.RecipientError as error:
        raise CardRefused("encryption_key is not an age X25519 recipient", field="encryption_key") from error
    return text


def group_fingerprint(hex_digest: str) -> str:
    """The fingerprint as people read it aloud: upper-case groups of four, eight to a line."""
    groups = [hex_digest[i : i + 4].upper() for i in range(0, len(hex_digest), 4)]
    return "\n".join(" ".join(groups[i : i + 8]) for i in range(0, len(groups), 8))


@dataclass(frozen=True)
class NodeCard:
    org: str
    kind: NodeKind
    name: str
    signing_key: bytes  # raw Ed25519 public key
    encryption_key: str  # age X25519 recipient
    created: str
    inbox_url: str | None = None

    @property
    def signing_key_id(self) -> str:
        return key_id(self.signing_key)

    @property
    def encryption_key_id(self) -> str:
        return encryption_key_id(self.encryption_key)

    @property
    def fingerprint(self) -> str:
        """SHA-256 (hex) over the code, kind and both public keys."""
        bound = {
            "org": self.org,
            "kind": self.kind.value,
            "signing_key": public_key_to_text(self.signing_key),
            "encryption_key": self.encryption_key,
        }
        return hashlib.sha256(_FINGERPRINT_DOMAIN + canonical(bound)).hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {
            "format": CARD_FORMAT,
            "org": self.org,
            "kind": self.kind.value,
            "name": self.name,
            "signing_key": public_key_to_text(self.signing_key),
            "signing_key_id": self.signing_key_id,
            "encryption_key": self.encryption_key,
            "encryption_key_id": self.encryption_key_id,
            "inbox_url": self.inbox_url,
            "created": self.created,
        }

    def signed(self, key: SigningKey) -> bytes:
        """The card file: the card and its self-signature, RFC 8785 JSON and a final newline."""
        if key.public_key != self.signing_key:
            raise ValueError("a card is signed by its own signing key")
        body = self.to_json()
        signature = key.sign(_CARD_DOMAIN + canonical(body))
        document = {"card": body, "signature": base64.b64encode(signature).decode("ascii")}
        return canonical(document) + b"\n"


def _refused(message: str, field: str | None = None) -> CardRefused:
    return CardRefused(message, field=field)


def read_card(data: bytes) -> NodeCard:
    """A card from its file, its self-signature checked; `CardRefused` naming what is wrong."""
    if len(data) > MAX_CARD_BYTES:
        raise _refused(f"a node card has at most {MAX_CARD_BYTES} bytes")
    try:
        document = parse_json_strict(data)
    except (ValueError, DuplicateKeyError) as error:
        raise _refused(f"not a node card: {type(error).__name__}") from error
    if not isinstance(document, dict) or set(document) != {"card", "signature"}:
        raise _refused("a card file holds exactly a card and its signature")
    body = document["card"]
    if not isinstance(body, dict) or set(body) != _CARD_FIELDS or body["format"] != CARD_FORMAT:
        raise _refused(f"a card has exactly the fields {sorted(_CARD_FIELDS)}", "card")
    card = _card_of(body)
    if body != card.to_json():
        raise _refused("the key ids on the card are not those of its keys", "signing_key_id")
    try:
        signature = base64.b64decode(str(document["signature"]), validate=True)
    except ValueError as error:
        raise _refused("the card's signature is not base64", "signature") from error
    if not VerifyingKey(card.signing_key).verify(_CARD_DOMAIN + canonical(body), signature):
        raise CardRefused(
            "the card is not signed by its own signing key", code="card.bad_signature", field="signature"
        )
    return card


def _card_of(body: dict[str, Any]) -> NodeCard:
    try:
        kind = NodeKind(body["kind"])
        signing_key = public_key_from_text(str(body["signing_key"]))
    except ValueError as error:
        raise _refused(f"a card field is out of shape: {error}", "card") from error
    name, inbox = body["name"], body["inbox_url"]
    if not isinstance(name, str) or not 0 < len(name) <= 200:
        raise _refused("name is text of 1 to 200 characters", "name")
    if inbox is not None and (not isinstance(inbox, str) or not inbox.startswith(("https://", "http://"))):
        raise _refused("inbox_url is an http(s) address or null", "inbox_url")
    try:
        org = check_org_code(body["org"], "org")
        created = check_time(body["created"], "created")
    except PackageRefused as error:
        raise _refused(error.message, error.field) from error
    return NodeCard(
        org=org,
        kind=kind,
        name=name,
        signing_key=signing_key,
        encryption_key=check_recipient(body["encryption_key"]),
        created=created,
        inbox_url=inbox,
    )
