"""Signed statements about an agreement version: a party's acceptance and the mediator's conclusion.

An acceptance is the accepting party's Ed25519 signature (its node's key) over the version document's
SHA-256; a conclusion is the mediator's signature over the same hash with both acceptances inside. Each is
RFC 8785 JSON `{"statement": {...}, "signature"}` with a domain of its own, so one cannot pass for the
other or for a package. Whoever holds the version document and the three cards checks all of it offline
(`verify_agreement`): no database, no network, no private key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homebound.core.log.entries import DuplicateKeyError, canonical, parse_json_strict
from homebound.core.log.signing import SigningKey, VerifyingKey
from homebound.core.packages.body import check_org_code, check_time
from homebound.core.packages.cards import NodeCard
from homebound.core.packages.errors import PackageRefused, Refusal

ACCEPTANCE_FORMAT = "homebound-acceptance/1"
CONCLUSION_FORMAT = "homebound-conclusion/1"
_ACCEPTANCE_DOMAIN = b"homebound.agreement.acceptance.v1\x00"
_CONCLUSION_DOMAIN = b"homebound.agreement.conclusion.v1\x00"
_ACCEPTANCE_FIELDS = frozenset(
    {"format", "agreement", "version", "content_hash", "party", "role", "accepted"}
)
_CONCLUSION_FIELDS = frozenset(
    {"format", "agreement", "version", "content_hash", "mediator", "acceptances", "concluded"}
)
_HEX64 = re.compile(r"[0-9a-f]{64}")
_AGREEMENT_ID = re.compile(r"[0-9A-Za-z-]{1,36}")
ROLES = ("party_a", "party_b")


def _invalid(message: str) -> PackageRefused:
    return PackageRefused(Refusal.INVALID_CONTENT, message, field="payload")


def document_hash(document: Mapping[str, Any]) -> str:
    """Hex SHA-256 of a version document's RFC 8785 form (core.exchange.agreement.content_hash)."""
    return hashlib.sha256(canonical(dict(document))).hexdigest()


def _signed(body: dict[str, Any], domain: bytes, key: SigningKey) -> dict[str, Any]:
    signature = base64.b64encode(key.sign(domain + canonical(body))).decode("ascii")
    return {"statement": body, "signature": signature}


def _opened(document: object, fields: frozenset[str], form: str, what: str) -> tuple[dict[str, Any], bytes]:
    if not isinstance(document, dict) or set(document) != {"statement", "signature"}:
        raise _invalid(f"a signed {what} has exactly a statement and its signature")
    body = document["statement"]
    if not isinstance(body, dict) or set(body) != fields or body["format"] != form:
        raise _invalid(f"a {what} has exactly the fields {sorted(fields)}")
    try:
        signature = base64.b64decode(str(document["signature"]), validate=True)
    except binascii.Error as error:
        raise _invalid(f"the {what}'s signature is not base64") from error
    if not isinstance(body["agreement"], str) or not _AGREEMENT_ID.fullmatch(body["agreement"]):
        raise _invalid(f"the {what} names no agreement")
    version, digest = body["version"], body["content_hash"]
    if type(version) is not int or version < 1 or not isinstance(digest, str) or not _HEX64.fullmatch(digest):
        raise _invalid(f"the {what}'s version is a positive number and its hash a SHA-256 in hex")
    return body, signature


def _check(card: NodeCard, domain: bytes, body: dict[str, Any], signature: bytes, what: str) -> None:
    if not VerifyingKey(card.signing_key).verify(domain + canonical(body), signature):
        raise PackageRefused(Refusal.BAD_SIGNATURE, f"the {what} is not signed by {card.org}'s key")


@dataclass(frozen=True)
class Acceptance:
    agreement: str
    version: int
    content_hash: str
    party: str
    role: str  # party_a or party_b
    accepted: str

    def signed(self, key: SigningKey) -> dict[str, Any]:
        body = {"format": ACCEPTANCE_FORMAT, "agreement": self.agreement, "version": self.version,
                "content_hash": self.content_hash, "party": self.party, "role": self.role,
                "accepted": self.accepted}  # fmt: skip
        return _signed(body, _ACCEPTANCE_DOMAIN, key)


def read_acceptance(document: object, cards: Mapping[str, NodeCard]) -> Acceptance:
    """A signed acceptance, its signature checked against the accepting party's card."""
    body, signature = _opened(document, _ACCEPTANCE_FIELDS, ACCEPTANCE_FORMAT, "acceptance")
    if body["role"] not in ROLES:
        raise _invalid("an acceptance is made as party_a or party_b")
    try:
        party = check_org_code(body["party"], "party")
        accepted = check_time(body["accepted"], "accepted")
    except PackageRefused as error:
        raise _invalid(error.message) from error
    card = cards.get(party)
    if card is None:
        raise PackageRefused(Refusal.UNTRUSTED_SENDER, f"no pinned card for {party}", field="party")
    _check(card, _ACCEPTANCE_DOMAIN, body, signature, "acceptance")
    return Acceptance(body["agreement"], body["version"], body["content_hash"], party, body["role"], accepted)


@dataclass(frozen=True)
class Conclusion:
    agreement: str
    version: int
    content_hash: str
    mediator: str
    acceptances: tuple[Acceptance, Acceptance]  # party_a's, then party_b's
    concluded: str


def sign_conclusion(
    agreement: str,
    version: int,
    digest: str,
    mediator: str,
    acceptances: list[dict[str, Any]],
    concluded: str,
    key: SigningKey,
) -> dict[str, Any]:
    """The mediator's signed conclusion, carrying both parties' signed acceptances as they were made."""
    body = {"format": CONCLUSION_FORMAT, "agreement": agreement, "version": version, "content_hash": digest,
            "mediator": mediator, "acceptances": acceptances, "concluded": concluded}  # fmt: skip
    return _signed(body, _CONCLUSION_DOMAIN, key)


def read_conclusion(document: object, cards: Mapping[str, NodeCard]) -> Conclusion:
    """A signed conclusion: the mediator's signature and both acceptances inside, each against its card,
    all naming the same agreement, version and hash, one by each party."""
    body, signature = _opened(document, _CONCLUSION_FIELDS, CONCLUSION_FORMAT, "conclusion")
    try:
        mediator = check_org_code(body["mediator"], "mediator")
        concluded = check_time(body["concluded"], "concluded")
    except PackageRefused as error:
        raise _invalid(error.message) from error
    card = cards.get(mediator)
    if card is None:
        raise PackageRefused(Refusal.UNTRUSTED_SENDER, f"no pinned card for {mediator}", field="mediator")
    _check(card, _CONCLUSION_DOMAIN, body, signature, "conclusion")
    inner = body["acceptances"]
    if not isinstance(inner, list) or len(inner) != 2:
        raise _invalid("a conclusion carries exactly two acceptances")
    first, second = (read_acceptance(item, cards) for item in inner)
    if (first.role, second.role) != ROLES:
        raise _invalid("a conclusion carries party_a's acceptance, then party_b's")
    for acceptance in (first, second):
        same = (acceptance.agreement, acceptance.version, acceptance.content_hash)
        if same != (body["agreement"], body["version"], body["content_hash"]):
            raise _invalid(f"{acceptance.party}'s acceptance is of another version than the conclusion")
    return Conclusion(
        body["agreement"], body["version"], body["content_hash"], mediator, (first, second), concluded
    )


def parse_statement(data: bytes) -> object:
    """A statement file's JSON (strict: no duplicate keys)."""
    try:
        return parse_json_strict(data)
    except (ValueError, DuplicateKeyError) as error:
        raise PackageRefused(Refusal.MALFORMED, f"not a signed statement ({type(error).__name__})") from error


def verify_agreement(
    document: Mapping[str, Any], conclusion: object, cards: Mapping[str, NodeCard]
) -> Conclusion:
    """Offline: the version document is the one concluded (its hash), the mediator and the two parties it
    names signed the conclusion and the acceptances inside, each with the key on its card."""
    participants = document.get("participants")
    if not isinstance(participants, dict):
        raise _invalid("the version document names no participants")
    checked = read_conclusion(conclusion, cards)
    if document_hash(document) != checked.content_hash:
        raise _invalid("the version document is not the one concluded (its SHA-256 differs)")
    if document.get("agreement_id") != checked.agreement or document.get("version") != checked.version:
        raise _invalid("the version document is of another agreement or version than the conclusion")
    named = (participants.get("party_a"), participants.get("party_b"), participants.get("mediator"))
    signers = (checked.acceptances[0].party, checked.acceptances[1].party, checked.mediator)
    if named != signers:
        raise _invalid("the signers are not the parties and the mediator the version document names")
    return checked
