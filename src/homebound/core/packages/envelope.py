"""The package on the wire: a signed clear header, then the body encrypted to the addressees with age.

    homebound-package/1\n
    <header: RFC 8785 JSON, one line>\n
    <base64 Ed25519 signature of the sender over ENVELOPE_DOMAIN || header>\n
    <age ciphertext: exactly header.ciphertext.size bytes, SHA-256 header.ciphertext.sha256>

The header names the sender, its key id, the addressees with their sequence numbers, the kind and the
ciphertext's size and hash; so a relay holding the sender's card checks the whole file (signature, sizes,
hash) without any key of its own, and learns nothing of the content. The ciphertext holds the signed body:
RFC 8785 JSON `{"body", "key", "signature"}`, the body signed by the same key (sign, encrypt, sign: the inner
signature is the evidence an addressee keeps and can show a third party; the body names the addressees, so
it cannot be re-sent to another as if addressed to it). The package's name is the SHA-256 of all its bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pyrage

from homebound.core.log.entries import DuplicateKeyError, canonical, parse_json_strict
from homebound.core.log.signing import SigningKey, VerifyingKey
from homebound.core.packages.body import (
    Addressee,
    PackageBody,
    addressees_from_json,
    check_org_code,
    malformed,
)
from homebound.core.packages.cards import NodeCard
from homebound.core.packages.errors import PackageRefused, Refusal
from homebound.core.packages.kinds import PackageKind, kind_of

MAGIC = b"homebound-package/1\n"
HEADER_FORMAT = "homebound-package/1"
MAX_HEADER_BYTES = 16 * 1024
DEFAULT_MAX_PACKAGE_BYTES = 64 * 1024 * 1024
ENVELOPE_DOMAIN = b"homebound.package.envelope.v1\x00"
BODY_DOMAIN = b"homebound.package.body.v1\x00"
_SIGNATURE_LINE = 90  # base64 of 64 bytes is 88 characters
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(r"[0-9a-f]{32}")
_HEADER_FIELDS = frozenset({"format", "sender", "key", "recipients", "kind", "ciphertext"})


def package_name(data: bytes) -> str:
    """A package's name: the SHA-256 of its bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Header:
    sender: str
    key: str  # key id of the sender's signing key
    recipients: tuple[Addressee, ...]
    kind: PackageKind
    ciphertext_size: int
    ciphertext_sha256: str

    def to_json(self) -> dict[str, Any]:
        return {
            "format": HEADER_FORMAT,
            "sender": self.sender,
            "key": self.key,
            "recipients": [a.to_json() for a in self.recipients],
            "kind": self.kind.value,
            "ciphertext": {"size": self.ciphertext_size, "sha256": self.ciphertext_sha256},
        }

    def addressee(self, org: str) -> Addressee | None:
        return next((a for a in self.recipients if a.org == org), None)

    @classmethod
    def from_json(cls, value: object, max_bytes: int) -> Header:
        if not isinstance(value, dict) or set(value) != _HEADER_FIELDS:
            raise malformed(f"a package header has exactly the fields {sorted(_HEADER_FIELDS)}", "header")
        if value["format"] != HEADER_FORMAT:
            raise malformed("not a header of package format 1", "format")
        key, cipher = value["key"], value["ciphertext"]
        if not isinstance(key, str) or not _KEY_ID.fullmatch(key):
            raise malformed("key is not a key id", "key")
        if not isinstance(cipher, dict) or set(cipher) != {"size", "sha256"}:
            raise malformed("ciphertext has exactly size and sha256", "ciphertext")
        size, digest = cipher["size"], cipher["sha256"]
        if type(size) is not int or size < 1:
            raise malformed("ciphertext.size is not a positive whole number", "ciphertext")
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            raise malformed("ciphertext.sha256 is not a SHA-256 in hex", "ciphertext")
        kind = kind_of(value["kind"])
        if size > max_bytes:
            raise PackageRefused(
                Refusal.OVERSIZED, f"the package declares {size} bytes; this node takes at most {max_bytes}"
            )
        return cls(
            sender=check_org_code(value["sender"], "sender"),
            key=key,
            recipients=addressees_from_json(value["recipients"]),
            kind=kind,
            ciphertext_size=size,
            ciphertext_sha256=digest,
        )


@dataclass(frozen=True)
class Envelope:
    """A package's outer layer, read (and, from `verify_envelope`, checked) without decrypting anything."""

    name: str
    size: int
    header: Header
    header_bytes: bytes
    signature: bytes
    ciphertext: bytes


@dataclass(frozen=True)
class OpenedPackage:
    envelope: Envelope
    body: PackageBody
    signed_body: bytes  # the inner signed document: the evidence an addressee keeps


def seal(body: PackageBody, key: SigningKey, recipients: Mapping[str, str]) -> bytes:
    """The package bytes: `body` signed by `key`, encrypted to the age recipient of every addressee.

    `recipients` maps each addressee's organisation code to its age recipient (from its pinned card).
    """
    missing = [a.org for a in body.recipients if a.org not in recipients]
    if missing:
        raise ValueError(f"no encryption key for {missing}")
    body_bytes = body.canonical()
    signed = canonical(
        {
            "body": body.to_json(),
            "key": key.key_id,
            "signature": base64.b64encode(key.sign(BODY_DOMAIN + body_bytes)).decode("ascii"),
        }
    )
    age_recipients = [pyrage.x25519.Recipient.from_str(recipients[a.org]) for a in body.recipients]
    ciphertext = pyrage.encrypt(signed, age_recipients)
    header = Header(
        sender=body.sender,
        key=key.key_id,
        recipients=body.recipients,
        kind=body.kind,
        ciphertext_size=len(ciphertext),
        ciphertext_sha256=hashlib.sha256(ciphertext).hexdigest(),
    )
    header_bytes = canonical(header.to_json())
    signature = base64.b64encode(key.sign(ENVELOPE_DOMAIN + header_bytes))
    return b"".join((MAGIC, header_bytes, b"\n", signature, b"\n", ciphertext))


def _truncated(message: str) -> PackageRefused:
    return PackageRefused(Refusal.TRUNCATED, message)


def read_envelope(data: bytes, *, max_bytes: int = DEFAULT_MAX_PACKAGE_BYTES) -> Envelope:
    """Split and shape-check a package's bytes; nothing is trusted yet (see `verify_envelope`)."""
    if len(data) > max_bytes:
        raise PackageRefused(
            Refusal.OVERSIZED, f"the package has {len(data)} bytes; this node takes at most {max_bytes}"
        )
    if not data.startswith(MAGIC):
        if MAGIC.startswith(data):
            raise _truncated("the package ends inside its first line")
        raise malformed("not a Homebound package (no homebound-package/1 line)")
    header_end = data.find(b"\n", len(MAGIC), len(MAGIC) + MAX_HEADER_BYTES + 1)
    if header_end < 0:
        if len(data) > len(MAGIC) + MAX_HEADER_BYTES:
            raise PackageRefused(Refusal.OVERSIZED, f"the header is longer than {MAX_HEADER_BYTES} bytes")
        raise _truncated("the package ends inside its header")
    signature_end = data.find(b"\n", header_end + 1, header_end + 2 + _SIGNATURE_LINE)
    if signature_end < 0:
        if len(data) - header_end - 1 <= _SIGNATURE_LINE:
            raise _truncated("the package ends inside its signature")
        raise malformed("the signature line is too long")
    header_bytes = data[len(MAGIC) : header_end]
    try:
        parsed = parse_json_strict(header_bytes)
        signature = base64.b64decode(data[header_end + 1 : signature_end], validate=True)
    except (ValueError, DuplicateKeyError, binascii.Error) as error:
        raise malformed(f"the header or signature line is unreadable ({type(error).__name__})") from error
    header = Header.from_json(parsed, max_bytes)
    if canonical(parsed) != header_bytes:
        raise malformed("the header is not in RFC 8785 form")
    ciphertext = data[signature_end + 1 :]
    if len(ciphertext) < header.ciphertext_size:
        raise _truncated(
            f"the package has {len(ciphertext)} bytes of ciphertext; its header declares"
            f" {header.ciphertext_size}"
        )
    if len(ciphertext) > header.ciphertext_size:
        raise PackageRefused(Refusal.TAMPERED, "bytes follow the end the header declares")
    return Envelope(package_name(data), len(data), header, header_bytes, signature, ciphertext)


TrustedCards = Callable[[str], NodeCard | None]


def verify_envelope(
    data: bytes, trusted: TrustedCards, *, max_bytes: int = DEFAULT_MAX_PACKAGE_BYTES
) -> Envelope:
    """Everything a relay can check offline: shape, sizes, the sender's pinned key, its signature over the
    header, and the ciphertext's hash against the signed header. Decrypts nothing."""
    envelope = read_envelope(data, max_bytes=max_bytes)
    header = envelope.header
    card = trusted(header.sender)
    if card is None:
        raise PackageRefused(
            Refusal.UNTRUSTED_SENDER, f"no pinned node card for the sender {header.sender}", field="sender"
        )
    if card.signing_key_id != header.key:
        raise PackageRefused(
            Refusal.UNTRUSTED_SENDER,
            f"signed with key {header.key}, not the key on {header.sender}'s pinned card",
            field="key",
        )
    if not VerifyingKey(card.signing_key).verify(ENVELOPE_DOMAIN + envelope.header_bytes, envelope.signature):
        raise PackageRefused(
            Refusal.BAD_SIGNATURE, f"the header is not signed by {header.sender}'s key", field="signature"
        )
    if hashlib.sha256(envelope.ciphertext).hexdigest() != header.ciphertext_sha256:
        raise PackageRefused(Refusal.TAMPERED, "the ciphertext is not the one the sender signed")
    return envelope


def open_package(
    envelope: Envelope,
    me: str,
    identity: pyrage.x25519.Identity,
    sender_card: NodeCard,
    *,
    max_bytes: int = DEFAULT_MAX_PACKAGE_BYTES,
) -> OpenedPackage:
    """Decrypt a verified envelope addressed to `me` and check the signed body inside against the header."""
    header = envelope.header
    if header.addressee(me) is None:
        raise PackageRefused(
            Refusal.WRONG_RECIPIENT, f"the package is not addressed to {me}", field="recipients"
        )
    try:
        plain = pyrage.decrypt(envelope.ciphertext, [identity])
    except pyrage.DecryptError as error:
        raise PackageRefused(
            Refusal.WRONG_RECIPIENT, f"the package is not encrypted to {me}'s current key"
        ) from error
    if len(plain) > max_bytes:
        raise PackageRefused(Refusal.OVERSIZED, "the decrypted body is larger than this node takes")
    try:
        document = parse_json_strict(plain)
    except (ValueError, DuplicateKeyError) as error:
        raise malformed(f"the signed body is unreadable ({type(error).__name__})") from error
    if not isinstance(document, dict) or set(document) != {"body", "key", "signature"}:
        raise malformed("a signed body has exactly body, key and signature", "body")
    if document["key"] != header.key:
        raise PackageRefused(Refusal.TAMPERED, "the body is signed by another key than the header")
    try:
        signature = base64.b64decode(str(document["signature"]), validate=True)
    except binascii.Error as error:
        raise malformed("the body's signature is not base64", "signature") from error
    if not VerifyingKey(sender_card.signing_key).verify(BODY_DOMAIN + canonical(document["body"]), signature):
        raise PackageRefused(Refusal.BAD_SIGNATURE, "the body is not signed by the sender's key")
    body = PackageBody.from_json(document["body"])
    if (body.sender, body.recipients, body.kind) != (header.sender, header.recipients, header.kind):
        raise PackageRefused(Refusal.TAMPERED, "the signed body and the signed header disagree")
    return OpenedPackage(envelope, body, plain)


def check_sequence(addressee: Addressee, last_received: int) -> None:
    """Packages from one sender to one addressee are taken in order, each once."""
    expected = last_received + 1
    if addressee.seq < expected:
        raise PackageRefused(
            Refusal.REPLAY,
            f"package number {addressee.seq} from this sender was received before",
            field="seq",
        )
    if addressee.seq > expected:
        raise PackageRefused(
            Refusal.OUT_OF_ORDER,
            f"package number {addressee.seq} arrived before number {expected}: receive that one first",
            field="seq",
        )
