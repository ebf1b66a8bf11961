"""A package's body: RFC 8785 JSON naming sender, addressees with their sequence numbers, kind, the sender's
log head, the time of sending and the kind's payload. The sender signs it; only addressees can read it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from homebound.core.log.entries import canonical
from homebound.core.packages.errors import PackageRefused, Refusal
from homebound.core.packages.kinds import PackageKind, kind_of

BODY_FORMAT = "homebound-package-body/1"
MAX_RECIPIENTS = 16
_ORG_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")
_BODY_FIELDS = frozenset({"format", "sender", "recipients", "kind", "log_head", "created", "payload"})


def malformed(message: str, field_name: str | None = None) -> PackageRefused:
    return PackageRefused(Refusal.MALFORMED, message, field=field_name)


def check_org_code(value: object, where: str) -> str:
    if not isinstance(value, str) or not _ORG_CODE.fullmatch(value):
        raise malformed(f"{where} is not an organisation code", where)
    return value


def check_time(value: object, where: str) -> str:
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise malformed(f"{where} is not a UTC time (YYYY-MM-DDTHH:MM:SSZ)", where)
    return value


def _count(value: object, where: str, *, least: int) -> int:
    if type(value) is not int or value < least or value > 2**53 - 1:  # bool is not a count
        raise malformed(f"{where} is not a whole number from {least}", where)
    return value


@dataclass(frozen=True)
class Addressee:
    """One recipient and the number of this package among those the sender addressed to it (1, 2, ...)."""

    org: str
    seq: int

    def to_json(self) -> dict[str, Any]:
        return {"org": self.org, "seq": self.seq}


def addressees_from_json(value: object) -> tuple[Addressee, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_RECIPIENTS:
        raise malformed(f"recipients is a list of 1 to {MAX_RECIPIENTS} addressees", "recipients")
    found: list[Addressee] = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"org", "seq"}:
            raise malformed("an addressee has exactly org and seq", "recipients")
        found.append(
            Addressee(
                check_org_code(item["org"], "recipients.org"), _count(item["seq"], "recipients.seq", least=1)
            )
        )
    if len({a.org for a in found}) != len(found):
        raise malformed("an organisation is named twice among the recipients", "recipients")
    return tuple(found)


@dataclass(frozen=True)
class LogHead:
    """The sender's log when it sent: how many entries, and the hash of the last one."""

    size: int
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "hash": self.hash}

    @classmethod
    def from_json(cls, value: object) -> LogHead:
        if not isinstance(value, dict) or set(value) != {"size", "hash"}:
            raise malformed("log_head has exactly size and hash", "log_head")
        digest = value["hash"]
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            raise malformed("log_head.hash is not a SHA-256 in hex", "log_head")
        return cls(_count(value["size"], "log_head.size", least=0), digest)


@dataclass(frozen=True)
class PackageBody:
    sender: str
    recipients: tuple[Addressee, ...]
    kind: PackageKind
    log_head: LogHead
    created: str
    payload: Mapping[str, Any] = field(default_factory=dict)

    def addressee(self, org: str) -> Addressee | None:
        return next((a for a in self.recipients if a.org == org), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": BODY_FORMAT,
            "sender": self.sender,
            "recipients": [a.to_json() for a in self.recipients],
            "kind": self.kind.value,
            "log_head": self.log_head.to_json(),
            "created": self.created,
            "payload": dict(self.payload),
        }

    def canonical(self) -> bytes:
        return canonical(self.to_json())

    @classmethod
    def from_json(cls, value: object) -> PackageBody:
        """A body from parsed JSON; `PackageRefused` naming the first field out of shape."""
        if not isinstance(value, dict) or set(value) != _BODY_FIELDS:
            raise malformed(f"a package body has exactly the fields {sorted(_BODY_FIELDS)}", "body")
        if value["format"] != BODY_FORMAT:
            raise malformed("not a body of package format 1", "format")
        payload = value["payload"]
        if not isinstance(payload, dict):
            raise malformed("payload is not an object", "payload")
        sender = check_org_code(value["sender"], "sender")
        recipients = addressees_from_json(value["recipients"])
        if any(a.org == sender for a in recipients):
            raise malformed("a sender does not address itself", "recipients")
        return cls(
            sender=sender,
            recipients=recipients,
            kind=kind_of(value["kind"]),
            log_head=LogHead.from_json(value["log_head"]),
            created=check_time(value["created"], "created"),
            payload=payload,
        )
