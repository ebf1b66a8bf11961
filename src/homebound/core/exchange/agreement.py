"""Agreements as versioned documents: proposals, counter-proposals, amendments, acceptances, conclusion.

An `Agreement` is immutable: every action returns a new one with the domain event appended to `events`,
for the service layer to persist and log in the same transaction. It is concluded only when party A and
party B have both accepted the latest version; it is then frozen and carries the SHA-256 of the RFC 8785
canonical JSON of the concluded version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import rfc8785

from homebound.core.exchange.candidate import Side
from homebound.core.exchange.errors import (
    AgreementFrozen,
    AlreadyAccepted,
    AlreadyProposed,
    FormulaNotKept,
    MissingAcceptance,
    NotAParty,
    NoVersionYet,
    SupersededVersion,
    TrancheMismatch,
    UnchangedVersion,
    UnknownVersion,
)
from homebound.core.exchange.formula import Basis, ListedPerson, balance
from homebound.core.exchange.terms import Terms
from homebound.core.exchange.versioning import (
    AddPerson,
    Amendment,
    Change,
    RemovePerson,
    ReplacePerson,
    apply_amendments,
    check_lists,
    diff_versions,
)

__all__ = [
    "AddPerson",
    "Agreement",
    "AgreementVersion",
    "Amendment",
    "Change",
    "Participants",
    "RemovePerson",
    "ReplacePerson",
    "Role",
    "VersionKind",
]


class Role(StrEnum):
    PARTY_A = "party_a"
    PARTY_B = "party_b"
    MEDIATOR = "mediator"

    @property
    def side(self) -> Side | None:
        return {Role.PARTY_A: Side.A, Role.PARTY_B: Side.B}.get(self)


class VersionKind(StrEnum):
    PROPOSAL = "proposal"
    COUNTER_PROPOSAL = "counter_proposal"
    AMENDMENT = "amendment"
    COMPOSITION = "composition"  # the mediator's lists from both eligible pools, not a party's counter


class AgreementStatus(StrEnum):
    DRAFT = "draft"  # no version yet
    NEGOTIATING = "negotiating"
    CONCLUDED = "concluded"


@dataclass(frozen=True, slots=True)
class Participants:
    party_a: str
    party_b: str
    mediator: str
    venue: str

    def to_document(self) -> dict[str, Any]:
        return {
            "party_a": self.party_a,
            "party_b": self.party_b,
            "mediator": self.mediator,
            "venue": self.venue,
        }


@dataclass(frozen=True, slots=True)
class AgreementVersion:
    """One immutable state of the agreement, with what changed since the previous version and why."""

    number: int
    kind: VersionKind
    author: Role
    terms: Terms
    list_a: tuple[ListedPerson, ...]
    list_b: tuple[ListedPerson, ...]
    note: str
    changes: tuple[Change, ...]

    def listed(self, side: Side) -> tuple[ListedPerson, ...]:
        return self.list_a if side is Side.A else self.list_b

    def parity_list(self, side: Side) -> tuple[ListedPerson, ...]:
        return tuple(p for p in self.listed(side) if p.basis is Basis.PARITY)


@dataclass(frozen=True, slots=True)
class Acceptance:
    role: Role
    version: int
    accepted_by: str  # the authorised user who re-entered their password (checked by the service)


@dataclass(frozen=True, slots=True)
class Conclusion:
    version: int
    content_hash: str
    concluded_by: Role


@dataclass(frozen=True, slots=True)
class VersionRecorded:
    agreement_id: str
    number: int
    kind: VersionKind
    author: Role
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class VersionAccepted:
    agreement_id: str
    number: int
    role: Role
    accepted_by: str


@dataclass(frozen=True, slots=True)
class AgreementConcluded:
    agreement_id: str
    number: int
    content_hash: str


AgreementEvent = VersionRecorded | VersionAccepted | AgreementConcluded


def version_document(
    agreement_id: str, participants: Participants, version: AgreementVersion
) -> dict[str, Any]:
    """What a concluded agreement commits to: who, where, the terms and both lists, in a stable form."""
    return {
        "agreement_id": agreement_id,
        "participants": participants.to_document(),
        "version": version.number,
        "terms": version.terms.to_document(),
        "list_a": [p.to_document() for p in version.list_a],
        "list_b": [p.to_document() for p in version.list_b],
    }


def content_hash(agreement_id: str, participants: Participants, version: AgreementVersion) -> str:
    """Hex SHA-256 of the RFC 8785 (JCS) canonical JSON of the version document."""
    canonical: bytes = rfc8785.dumps(version_document(agreement_id, participants, version))
    return hashlib.sha256(canonical).hexdigest()


@dataclass(frozen=True)
class Agreement:
    agreement_id: str
    participants: Participants
    versions: tuple[AgreementVersion, ...] = ()
    acceptances: tuple[Acceptance, ...] = ()
    conclusion: Conclusion | None = None
    events: tuple[AgreementEvent, ...] = ()

    @property
    def status(self) -> AgreementStatus:
        if self.conclusion is not None:
            return AgreementStatus.CONCLUDED
        return AgreementStatus.NEGOTIATING if self.versions else AgreementStatus.DRAFT

    @property
    def latest(self) -> AgreementVersion:
        if not self.versions:
            raise NoVersionYet(f"agreement {self.agreement_id} has no version yet")
        return self.versions[-1]

    def version(self, number: int) -> AgreementVersion:
        if not 1 <= number <= len(self.versions):
            raise UnknownVersion(f"agreement {self.agreement_id} has no version {number}", field="version")
        return self.versions[number - 1]

    def accepted(self, number: int) -> frozenset[Role]:
        return frozenset(a.role for a in self.acceptances if a.version == number)

    # --- versions -----------------------------------------------------------------------------------

    def propose(
        self,
        *,
        by: Role,
        terms: Terms,
        list_a: Sequence[ListedPerson],
        list_b: Sequence[ListedPerson],
        note: str = "",
    ) -> Agreement:
        """The first version; later full replacements are counter-proposals."""
        if self.versions:
            raise AlreadyProposed(
                f"agreement {self.agreement_id} already has a proposal; counter-propose instead"
            )
        return self._record(VersionKind.PROPOSAL, by, terms, tuple(list_a), tuple(list_b), note, None)

    def counter_propose(
        self,
        *,
        by: Role,
        terms: Terms,
        list_a: Sequence[ListedPerson],
        list_b: Sequence[ListedPerson],
        note: str = "",
    ) -> Agreement:
        """A full new version: terms and lists; the diff against the latest is computed."""
        if not self.versions:
            raise NoVersionYet(f"agreement {self.agreement_id} has no proposal to counter yet")
        return self._record(VersionKind.COUNTER_PROPOSAL, by, terms, tuple(list_a), tuple(list_b), note, None)

    def compose(
        self,
        *,
        by: Role,
        terms: Terms,
        list_a: Sequence[ListedPerson],
        list_b: Sequence[ListedPerson],
        note: str = "",
    ) -> Agreement:
        """The mediator's composition from both pools, first or later: a version of its own kind."""
        if by is not Role.MEDIATOR:
            raise NotAParty("only the mediator composes from both parties' pools")
        return self._record(VersionKind.COMPOSITION, by, terms, tuple(list_a), tuple(list_b), note, None)

    def amend(self, *, by: Role, amendments: Sequence[Amendment], note: str = "") -> Agreement:
        """Add, remove or replace named persons, each with its reason; the terms stay as they are."""
        latest = self.latest
        list_a, list_b, changes = apply_amendments(latest.list_a, latest.list_b, amendments)
        return self._record(VersionKind.AMENDMENT, by, latest.terms, list_a, list_b, note, changes)

    def _record(
        self,
        kind: VersionKind,
        by: Role,
        terms: Terms,
        list_a: tuple[ListedPerson, ...],
        list_b: tuple[ListedPerson, ...],
        note: str,
        changes: tuple[Change, ...] | None,
    ) -> Agreement:
        self._check_open()
        check_lists(list_a, list_b)
        if self.versions and (terms, list_a, list_b) == (
            self.latest.terms,
            self.latest.list_a,
            self.latest.list_b,
        ):
            raise UnchangedVersion(
                f"version {self.latest.number} has these terms and lists already; nothing new to record"
            )
        number = len(self.versions) + 1
        if changes is None:
            previous = self.versions[-1] if self.versions else None
            old = None if previous is None else (previous.terms, previous.list_a, previous.list_b)
            changes = diff_versions(old, (terms, list_a, list_b), note)
        version = AgreementVersion(number, kind, by, terms, list_a, list_b, note, changes)
        event = VersionRecorded(self.agreement_id, number, kind, by, changes)
        return replace(self, versions=(*self.versions, version), events=(*self.events, event))

    # --- acceptance and conclusion --------------------------------------------------------------------

    def accept(self, *, by: Role, version: int, accepted_by: str) -> Agreement:
        """A party accepts one version; only the latest can be accepted, and only if it keeps the formula."""
        self._check_open()
        if by.side is None:
            raise NotAParty("only party A and party B accept an agreement; the mediator carries it")
        latest = self.latest
        target = self.version(version)
        if target.number != latest.number:
            raise SupersededVersion(
                f"version {version} was superseded by version {latest.number}; accept the latest",
                field="version",
            )
        if by in self.accepted(version):
            raise AlreadyAccepted(f"{by.value} already accepted version {version}", field="version")
        check_keeps_formula(target)
        acceptance = Acceptance(by, version, accepted_by)
        event = VersionAccepted(self.agreement_id, version, by, accepted_by)
        return replace(self, acceptances=(*self.acceptances, acceptance), events=(*self.events, event))

    def conclude(self, *, by: Role) -> Agreement:
        """Freeze the agreement on the version both parties accepted, with its content hash."""
        self._check_open()
        latest = self.latest
        missing = sorted(
            r.value for r in (Role.PARTY_A, Role.PARTY_B) if r not in self.accepted(latest.number)
        )
        if missing:
            raise MissingAcceptance(
                f"version {latest.number} lacks the acceptance of {' and '.join(missing)}"
            )
        digest = content_hash(self.agreement_id, self.participants, latest)
        event = AgreementConcluded(self.agreement_id, latest.number, digest)
        return replace(self, conclusion=Conclusion(latest.number, digest, by), events=(*self.events, event))

    @property
    def concluded_version(self) -> AgreementVersion:
        if self.conclusion is None:
            raise MissingAcceptance(f"agreement {self.agreement_id} is not concluded")
        return self.version(self.conclusion.version)

    def _check_open(self) -> None:
        if self.conclusion is not None:
            raise AgreementFrozen(
                f"agreement {self.agreement_id} is frozen: concluded on version {self.conclusion.version}"
            )


def check_keeps_formula(version: AgreementVersion) -> None:
    """Raise unless the lists keep the parity formula, the tranches add up, and every basis is agreed."""
    terms = version.terms
    for side in Side:
        for person in version.listed(side):
            if person.basis is Basis.ALL_FOR_ALL and not terms.all_for_all:
                raise FormulaNotKept(
                    f"{person.candidate_id} is listed all-for-all, the terms have no such category"
                )
            if person.basis is Basis.HUMANITARIAN and side not in {
                h.releasing_side for h in terms.humanitarian
            }:
                raise FormulaNotKept(
                    f"{person.candidate_id} is listed as a humanitarian release side {side} gives none"
                )
    parity_a, parity_b = version.parity_list(Side.A), version.parity_list(Side.B)
    formula = terms.parity
    if formula is None:
        if parity_a or parity_b:
            raise FormulaNotKept("persons are listed under parity but the terms have no parity formula")
        return
    result = balance(formula, parity_a, parity_b)
    if not result.kept:
        raise FormulaNotKept(f"version {version.number} does not keep the formula: {result.explanation}")
    if terms.tranches:
        planned = (sum(t.a_count for t in terms.tranches), sum(t.b_count for t in terms.tranches))
        if planned != (len(parity_a), len(parity_b)):
            raise TrancheMismatch(
                f"tranches move {planned[0]} for {planned[1]}, lists hold {len(parity_a)} for {len(parity_b)}"
            )
