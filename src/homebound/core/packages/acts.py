"""Handover acts: what the crossing recorded for a tranche, line by line, signed by the crossing node.

A **crossing line** is one device's account of one manifest line: the person (the releasing party's own
record id), the outcome (delivered, refused, not delivered, substituted), when the person crossed, who
recorded it on which device, and when. Lines are never edited: a line recorded on two devices is two
crossing lines, both kept. `resolve` decides which one counts, by a rule anyone can re-run: the earliest
recorded, then the smaller device id, then the smaller line hash. The act states that resolution (the
conflicts with the line kept and the lines set aside) and every receiver re-computes it before accepting
the act, so a person is never counted twice and a conflict is never hidden.

An act is RFC 8785 JSON `{"act": {...}, "signature"}`, signed by the issuing node's key
(`homebound.handover-act.v1` domain); its hash (SHA-256 of the canonical act) is what parties countersign.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from homebound.core.log.entries import canonical
from homebound.core.log.signing import SigningKey, VerifyingKey
from homebound.core.packages.body import check_org_code, check_time
from homebound.core.packages.errors import PackageRefused, Refusal

ACT_FORMAT = "homebound-handover-act/1"
MANIFEST_FORMAT = "homebound-crossing-manifest/1"
ACT_DOMAIN = b"homebound.handover-act.v1\x00"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_LINE_FIELDS = frozenset(
    {"tranche", "line_no", "person", "outcome", "crossed_at", "substitute", "note", "recorder", "device",
     "recorded_at"}
)  # fmt: skip
_ACT_FIELDS = frozenset(
    {"format", "agreement", "content_hash", "tranche", "issuer", "issued", "lines", "merged", "resolution"}
)
MAX_TEXT = 500


class Outcome(StrEnum):
    DELIVERED = "delivered"  # crossed, identity checked by the receiving side
    REFUSED = "refused"  # refused repatriation in a private interview; the note says where they stay
    NOT_DELIVERED = "not_delivered"  # not brought; the note says why
    SUBSTITUTED = "substituted"  # another person crossed instead, accepted by the receiving side


_CROSSED = frozenset({Outcome.DELIVERED, Outcome.SUBSTITUTED})  # these count toward the balance


def invalid(message: str, field: str = "payload") -> PackageRefused:
    return PackageRefused(Refusal.INVALID_CONTENT, message, field=field)


def digest(value: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(dict(value))).hexdigest()


@dataclass(frozen=True)
class PersonRef:
    """A person as both parties know them: the releasing party's code and its own record id."""

    party: str
    record_id: str

    def to_json(self) -> dict[str, str]:
        return {"party": self.party, "record_id": self.record_id}

    @classmethod
    def from_json(cls, value: object, where: str) -> PersonRef:
        if not isinstance(value, dict) or set(value) != {"party", "record_id"}:
            raise invalid(f"{where} has exactly party and record_id", where)
        record_id = value["record_id"]
        if not isinstance(record_id, str) or not 0 < len(record_id) <= 200:
            raise invalid(f"{where}.record_id is a record id", where)
        return cls(check_org_code(value["party"], where), record_id)


@dataclass(frozen=True)
class ManifestEntry:
    line_no: int
    person: PersonRef


@dataclass(frozen=True)
class CrossingManifest:
    """What the crossing needs of a concluded agreement: who, in which tranche, on which line."""

    agreement: str
    content_hash: str
    party_a: str
    party_b: str
    mediator: str
    tranches: Mapping[int, tuple[ManifestEntry, ...]]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "agreement": self.agreement,
            "content_hash": self.content_hash,
            "party_a": self.party_a,
            "party_b": self.party_b,
            "mediator": self.mediator,
            "tranches": [
                {"number": number, "lines": [{"line_no": e.line_no, "person": e.person.to_json()}
                                             for e in entries]}
                for number, entries in sorted(self.tranches.items())
            ],
        }  # fmt: skip

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> CrossingManifest:
        if value.get("format") != MANIFEST_FORMAT or not _HEX64.fullmatch(str(value.get("content_hash"))):
            raise invalid("not a crossing manifest", "manifest")
        tranches: dict[int, tuple[ManifestEntry, ...]] = {}
        for tranche in value["tranches"]:
            entries = tuple(
                ManifestEntry(int(line["line_no"]), PersonRef.from_json(line["person"], "manifest.person"))
                for line in tranche["lines"]
            )
            tranches[int(tranche["number"])] = entries
        return cls(str(value["agreement"]), str(value["content_hash"]), str(value["party_a"]),
                   str(value["party_b"]), str(value["mediator"]), tranches)  # fmt: skip

    def entries(self, tranche: int) -> tuple[ManifestEntry, ...]:
        found = self.tranches.get(tranche)
        if found is None:
            raise invalid(f"the agreement has no tranche {tranche}", "tranche")
        return found


@dataclass(frozen=True)
class CrossingLine:
    """One device's account of one manifest line. Immutable; identified by its hash."""

    tranche: int
    line_no: int
    person: PersonRef
    outcome: Outcome
    crossed_at: str | None
    substitute: PersonRef | None
    note: str
    recorder: str
    device: str
    recorded_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "tranche": self.tranche,
            "line_no": self.line_no,
            "person": self.person.to_json(),
            "outcome": self.outcome.value,
            "crossed_at": self.crossed_at,
            "substitute": None if self.substitute is None else self.substitute.to_json(),
            "note": self.note,
            "recorder": self.recorder,
            "device": self.device,
            "recorded_at": self.recorded_at,
        }

    @cached_property
    def hash(self) -> str:
        return digest(self.to_json())

    @property
    def account(self) -> tuple[Outcome, str | None, PersonRef | None]:
        """What the line says happened; two devices agreeing on it are no conflict."""
        return self.outcome, self.crossed_at, self.substitute

    @property
    def counted(self) -> bool:
        return self.outcome in _CROSSED

    def check(self) -> CrossingLine:
        """The rules of a line's content; `PackageRefused(INVALID_CONTENT)` naming the first broken."""
        if self.outcome in _CROSSED and self.crossed_at is None:
            raise invalid(
                f"line {self.line_no}: a person who crossed has the time they crossed", "crossed_at"
            )
        if (self.outcome is Outcome.SUBSTITUTED) != (self.substitute is not None):
            raise invalid(
                f"line {self.line_no}: a substitute is named exactly when substituted", "substitute"
            )
        if self.outcome in (Outcome.REFUSED, Outcome.NOT_DELIVERED) and not self.note.strip():
            raise invalid(f"line {self.line_no}: a refusal says where the person stays, a non-delivery why",
                          "note")  # fmt: skip
        for name, text in (("recorder", self.recorder), ("device", self.device)):
            if not text.strip() or len(text) > 64:
                raise invalid(f"line {self.line_no}: {name} is 1 to 64 characters", name)
        if len(self.note) > MAX_TEXT:
            raise invalid(f"line {self.line_no}: the note has at most {MAX_TEXT} characters", "note")
        return self

    @classmethod
    def from_json(cls, value: object) -> CrossingLine:
        if not isinstance(value, dict) or set(value) != _LINE_FIELDS:
            raise invalid(f"a crossing line has exactly {sorted(_LINE_FIELDS)}", "lines")
        try:
            outcome = Outcome(value["outcome"])
        except ValueError as error:
            raise invalid("outcome is delivered, refused, not_delivered or substituted", "outcome") from error
        tranche, line_no = value["tranche"], value["line_no"]
        if type(tranche) is not int or type(line_no) is not int or tranche < 1 or line_no < 1:
            raise invalid("tranche and line_no are whole numbers from 1", "line_no")
        crossed, substitute = value["crossed_at"], value["substitute"]
        texts = [value[name] for name in ("note", "recorder", "device")]
        if not all(isinstance(text, str) for text in texts):
            raise invalid("note, recorder and device are text", "lines")
        return cls(
            tranche,
            line_no,
            PersonRef.from_json(value["person"], "person"),
            outcome,
            None if crossed is None else check_time(crossed, "crossed_at"),
            None if substitute is None else PersonRef.from_json(substitute, "substitute"),
            str(value["note"]),
            str(value["recorder"]),
            str(value["device"]),
            check_time(value["recorded_at"], "recorded_at"),
        ).check()


def precedence(line: CrossingLine) -> tuple[str, str, str]:
    """The rule between two accounts of one line: the earliest recorded, then device id, then hash."""
    return line.recorded_at, line.device, line.hash


@dataclass(frozen=True)
class Conflict:
    line_no: int
    kept: str  # hash of the line that counts
    set_aside: tuple[str, ...]  # hashes of the other accounts, kept and shown, never counted

    def to_json(self) -> dict[str, Any]:
        return {"line_no": self.line_no, "kept": self.kept, "set_aside": list(self.set_aside)}


@dataclass(frozen=True)
class Resolution:
    kept: Mapping[int, CrossingLine]  # line number -> the account that counts
    conflicts: tuple[Conflict, ...]
    complete: bool  # every manifest line has an outcome
    counted: Mapping[str, int]  # persons received, by releasing party

    def to_json(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "counted": dict(sorted(self.counted.items())),
            "conflicts": [c.to_json() for c in self.conflicts],
        }


def check_against_manifest(
    lines: Iterable[CrossingLine], entries: Sequence[ManifestEntry], tranche: int
) -> None:
    by_number = {e.line_no: e for e in entries}
    for line in lines:
        entry = by_number.get(line.line_no)
        if line.tranche != tranche or entry is None:
            raise invalid(f"line {line.line_no} is not on the manifest of tranche {tranche}", "line_no")
        if entry.person != line.person:
            raise invalid(f"line {line.line_no} names another person than the manifest", "person")
        if line.substitute is not None and line.substitute.party != line.person.party:
            raise invalid(f"line {line.line_no}: a substitute is held by the releasing party", "substitute")


def resolve(lines: Iterable[CrossingLine], entries: Sequence[ManifestEntry]) -> Resolution:
    """One account per manifest line by `precedence`; other accounts with another content are conflicts.
    The same account from two devices counts once and is no conflict."""
    by_line: dict[int, dict[str, CrossingLine]] = {}
    for line in lines:
        by_line.setdefault(line.line_no, {})[line.hash] = line
    kept: dict[int, CrossingLine] = {}
    conflicts: list[Conflict] = []
    for line_no in sorted(by_line):
        accounts = sorted(by_line[line_no].values(), key=precedence)
        winner = accounts[0]
        kept[line_no] = winner
        others = tuple(a.hash for a in accounts[1:] if a.account != winner.account)
        if others:
            conflicts.append(Conflict(line_no, winner.hash, others))
    counted: dict[str, int] = {}
    for line in kept.values():
        if line.counted:
            counted[line.person.party] = counted.get(line.person.party, 0) + 1
    complete = {e.line_no for e in entries} <= set(kept)
    return Resolution(kept, tuple(conflicts), complete, counted)


@dataclass(frozen=True)
class HandoverAct:
    agreement: str
    content_hash: str
    tranche: int
    issuer: str
    issued: str
    lines: tuple[CrossingLine, ...]
    merged: tuple[str, ...]  # hashes of other devices' acts whose lines this act includes
    resolution: Resolution

    def to_json(self) -> dict[str, Any]:
        return {
            "format": ACT_FORMAT,
            "agreement": self.agreement,
            "content_hash": self.content_hash,
            "tranche": self.tranche,
            "issuer": self.issuer,
            "issued": self.issued,
            "lines": [line.to_json() for line in self.lines],
            "merged": list(self.merged),
            "resolution": self.resolution.to_json(),
        }

    @property
    def hash(self) -> str:
        return digest(self.to_json())

    def signed(self, key: SigningKey) -> dict[str, Any]:
        body = self.to_json()
        signature = base64.b64encode(key.sign(ACT_DOMAIN + canonical(body))).decode("ascii")
        return {"act": body, "signature": signature}


def build_act(
    manifest: CrossingManifest,
    tranche: int,
    issuer: str,
    issued: str,
    lines: Iterable[CrossingLine],
    merged: Iterable[str] = (),
) -> HandoverAct:
    """The act of a tranche over every line known to the issuer, sorted, with its resolution."""
    entries = manifest.entries(tranche)
    unique = {line.hash: line for line in lines}
    ordered = tuple(sorted(unique.values(), key=lambda line: (line.line_no, *precedence(line))))
    check_against_manifest(ordered, entries, tranche)
    return HandoverAct(manifest.agreement, manifest.content_hash, tranche, issuer, issued, ordered,
                       tuple(sorted(set(merged))), resolve(ordered, entries))  # fmt: skip


def read_act(
    document: object, issuer_key: bytes, manifest_of: Callable[[str], CrossingManifest | None]
) -> HandoverAct:
    """A signed act checked: shape, the issuer's signature, lines on the manifest, and the resolution it
    states equal to the one re-computed here; `PackageRefused(INVALID_CONTENT)` otherwise."""
    if not isinstance(document, dict) or set(document) != {"act", "signature"}:
        raise invalid("a signed act has exactly act and signature", "act")
    body = document["act"]
    if not isinstance(body, dict) or set(body) != _ACT_FIELDS or body["format"] != ACT_FORMAT:
        raise invalid(f"an act has exactly {sorted(_ACT_FIELDS)}", "act")
    try:
        signature = base64.b64decode(str(document["signature"]), validate=True)
    except binascii.Error as error:
        raise invalid("the act's signature is not base64", "signature") from error
    if not VerifyingKey(issuer_key).verify(ACT_DOMAIN + canonical(body), signature):
        raise PackageRefused(Refusal.BAD_SIGNATURE, "the act is not signed by its issuer", field="signature")
    manifest = manifest_of(str(body["content_hash"]))
    if manifest is None or manifest.agreement != body["agreement"]:
        raise invalid("no concluded agreement with this content hash on this node", "content_hash")
    if not isinstance(body["lines"], list) or not isinstance(body["merged"], list):
        raise invalid("lines and merged are lists", "act")
    if not all(isinstance(h, str) and _HEX64.fullmatch(h) for h in body["merged"]):
        raise invalid("merged names acts by their hash", "merged")
    tranche = body["tranche"]
    if type(tranche) is not int:
        raise invalid("tranche is a whole number", "tranche")
    lines = [CrossingLine.from_json(line) for line in body["lines"]]
    act = build_act(manifest, tranche, check_org_code(body["issuer"], "issuer"),
                    check_time(body["issued"], "issued"), lines, body["merged"])  # fmt: skip
    if act.to_json() != body:
        raise invalid(
            "the act's lines are out of order, repeated, or its resolution is not the rule's", "act"
        )
    return act
