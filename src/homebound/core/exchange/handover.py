"""Handover of a tranche at the crossing, line by line: delivered, substituted, refused, not delivered,
handed to a third party; a live balance where a person counts only once received; remains by batch.

A `Tranche` is immutable: each action returns a new one with its event appended to `events`. Every line
moves through TRANSITIONS, a table you can print; anything else raises IllegalTransition and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType

from homebound.core.exchange.candidate import Side
from homebound.core.exchange.errors import (
    DuplicateRemainsBatch,
    IllegalTransition,
    MissingDetail,
    NotOnManifest,
    NotReceivingParty,
    SubstituteAlreadyListed,
    TrancheClosed,
    TrancheNotSettled,
    UnknownRemainsBatch,
)
from homebound.core.exchange.formula import (
    Balance,
    Basis,
    DeclaredRatio,
    NForN,
    ParityFormula,
    balance,
    count_balance,
)
from homebound.core.exchange.remains import IdentificationStatus, RemainsBatch, remains_counts


class LineState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    SUBSTITUTE_PROPOSED = "substitute_proposed"
    SUBSTITUTE_ACCEPTED = "substitute_accepted"
    SUBSTITUTE_REJECTED = "substitute_rejected"
    REFUSED = "refused_repatriation"
    NOT_DELIVERED = "not_delivered"
    THIRD_PARTY_CUSTODY = "third_party_custody"


class LineAction(StrEnum):
    DELIVER = "deliver"
    BRING_SUBSTITUTE = "bring_substitute"
    ACCEPT_SUBSTITUTE = "accept_substitute"
    REJECT_SUBSTITUTE = "reject_substitute"
    REFUSE = "refuse_repatriation"
    NOT_DELIVER = "not_deliver"
    HAND_TO_THIRD_PARTY = "hand_to_third_party"


_S, _A = LineState, LineAction
TRANSITIONS: Mapping[tuple[LineState, LineAction], LineState] = MappingProxyType(
    {
        (_S.PENDING, _A.DELIVER): _S.DELIVERED,
        (_S.PENDING, _A.BRING_SUBSTITUTE): _S.SUBSTITUTE_PROPOSED,
        (_S.PENDING, _A.REFUSE): _S.REFUSED,
        (_S.PENDING, _A.NOT_DELIVER): _S.NOT_DELIVERED,
        (_S.PENDING, _A.HAND_TO_THIRD_PARTY): _S.THIRD_PARTY_CUSTODY,
        (_S.SUBSTITUTE_PROPOSED, _A.ACCEPT_SUBSTITUTE): _S.SUBSTITUTE_ACCEPTED,
        (_S.SUBSTITUTE_PROPOSED, _A.REJECT_SUBSTITUTE): _S.SUBSTITUTE_REJECTED,
        # After a rejected substitute the agreed person may still come, or another substitute, or nobody.
        (_S.SUBSTITUTE_REJECTED, _A.DELIVER): _S.DELIVERED,
        (_S.SUBSTITUTE_REJECTED, _A.BRING_SUBSTITUTE): _S.SUBSTITUTE_PROPOSED,
        (_S.SUBSTITUTE_REJECTED, _A.REFUSE): _S.REFUSED,
        (_S.SUBSTITUTE_REJECTED, _A.NOT_DELIVER): _S.NOT_DELIVERED,
        (_S.SUBSTITUTE_REJECTED, _A.HAND_TO_THIRD_PARTY): _S.THIRD_PARTY_CUSTODY,
        # A place left by a refusal or a non-delivery may be filled by a substitute the receiver accepts.
        (_S.REFUSED, _A.BRING_SUBSTITUTE): _S.SUBSTITUTE_PROPOSED,
        (_S.NOT_DELIVERED, _A.BRING_SUBSTITUTE): _S.SUBSTITUTE_PROPOSED,
    }
)
SETTLED = frozenset(
    {_S.DELIVERED, _S.SUBSTITUTE_ACCEPTED, _S.REFUSED, _S.NOT_DELIVERED, _S.THIRD_PARTY_CUSTODY}
)


@dataclass(frozen=True, slots=True)
class Substitute:
    """A person brought who was not agreed for this line."""

    candidate_id: str
    rank_class: str = "private"
    description: str = ""


@dataclass(frozen=True, slots=True)
class ThirdPartyCustody:
    """Handed to a mediating state under conditions (e.g. held "until the end of the war")."""

    custodian: str
    conditions: str
    counts_toward_balance: bool = True  # the releasing side has given the person up under the deal


@dataclass(frozen=True, slots=True)
class LineEvent:
    action: LineAction
    state: LineState
    by: str  # as told: who checked, interviewed or decided (free text)
    detail: str
    recorded_by: str = ""  # the signed-in account that recorded it (set by the service)


@dataclass(frozen=True, slots=True)
class ManifestLine:
    line_no: int
    candidate_id: str
    releasing_side: Side
    rank_class: str
    basis: Basis
    state: LineState = LineState.PENDING
    substitute: Substitute | None = None
    third_party: ThirdPartyCustody | None = None
    refused: bool = False  # the agreed person refused repatriation; stays visible after a substitution
    history: tuple[LineEvent, ...] = ()

    @property
    def receiving_side(self) -> Side:
        return self.releasing_side.other

    @property
    def counted(self) -> bool:
        """Whether the line counts as a person received (the only way a person counts)."""
        if self.state is LineState.THIRD_PARTY_CUSTODY:
            return self.third_party is not None and self.third_party.counts_toward_balance
        return self.state in (LineState.DELIVERED, LineState.SUBSTITUTE_ACCEPTED)

    @property
    def counted_rank_class(self) -> str:
        if self.state is LineState.SUBSTITUTE_ACCEPTED and self.substitute is not None:
            return self.substitute.rank_class
        return self.rank_class


@dataclass(frozen=True, slots=True)
class LineRecorded:
    agreement_id: str
    tranche: int
    line_no: int
    candidate_id: str
    action: LineAction
    state: LineState
    detail: str


@dataclass(frozen=True, slots=True)
class RemainsRecorded:
    agreement_id: str
    tranche: int
    batch_id: str
    status: IdentificationStatus


@dataclass(frozen=True, slots=True)
class TrancheClosure:
    reconciled: bool
    parity: Balance | None
    remains: Balance | None  # None when remains are not bound to parity
    closed_by: str

    @property
    def imbalance(self) -> int:
        return 0 if self.parity is None else self.parity.difference


@dataclass(frozen=True, slots=True)
class TrancheClosedEvent:
    agreement_id: str
    tranche: int
    reconciled: bool
    imbalance: int


HandoverEvent = LineRecorded | RemainsRecorded | TrancheClosedEvent


@dataclass(frozen=True)
class Tranche:
    """One handover: its manifest, remains batches, and (once closed) how it reconciled."""

    agreement_id: str
    index: int
    formula: ParityFormula | None
    lines: tuple[ManifestLine, ...]
    listed_ids: frozenset[str]  # every person on the agreed lists, all tranches: not a substitute
    remains_formula: NForN | DeclaredRatio | None = None
    remains: tuple[RemainsBatch, ...] = ()
    closure: TrancheClosure | None = None
    events: tuple[HandoverEvent, ...] = ()

    # --- line actions ---------------------------------------------------------------------------------

    def deliver(self, candidate_id: str, *, identity_checked_by: str) -> Tranche:
        """The agreed person crossed and the receiving side checked their identity."""
        _require(identity_checked_by, "delivery records who checked the identity")
        line = self.line(candidate_id)
        if line.refused:
            raise IllegalTransition(
                f"{candidate_id} refused repatriation and is never handed over against their will"
            )
        return self._move(line, LineAction.DELIVER, identity_checked_by, "identity checked")

    def bring_substitute(self, candidate_id: str, substitute: Substitute, *, by: str) -> Tranche:
        if substitute.candidate_id in self.listed_ids:
            raise SubstituteAlreadyListed(
                f"{substitute.candidate_id} is on the agreed lists, not a substitute"
            )
        line = self.line(candidate_id)
        detail = (
            f"{substitute.candidate_id} brought instead of {candidate_id}: {substitute.description}".rstrip(
                ": "
            )
        )
        return self._move(line, LineAction.BRING_SUBSTITUTE, by, detail, substitute=substitute)

    def decide_substitute(self, candidate_id: str, *, accept: bool, by: Side, decided_by: str) -> Tranche:
        """Only the receiving party accepts or rejects a substitute; either way it stays on the record."""
        line = self.line(candidate_id)
        if by is not line.receiving_side:
            raise NotReceivingParty(
                f"only party {line.receiving_side.value.upper()} decides on this substitute"
            )
        action = LineAction.ACCEPT_SUBSTITUTE if accept else LineAction.REJECT_SUBSTITUTE
        substitute = line.substitute.candidate_id if line.substitute else "?"
        detail = f"substitute {substitute} {'accepted' if accept else 'rejected'} by party {by.value.upper()}"
        return self._move(line, action, decided_by, detail)

    def refuse(self, candidate_id: str, *, stays_with: str, interviewed_by: str) -> Tranche:
        """The person refused repatriation in a private interview; record where they stay instead."""
        _require(stays_with, "a refusal records where the person stays")
        _require(interviewed_by, "a refusal records who held the private interview")
        line = self.line(candidate_id)
        return self._move(line, LineAction.REFUSE, interviewed_by, f"stays with {stays_with}", refused=True)

    def not_delivered(self, candidate_id: str, *, reason: str, by: str) -> Tranche:
        _require(reason, "a non-delivery records its reason")
        return self._move(self.line(candidate_id), LineAction.NOT_DELIVER, by, reason)

    def hand_to_third_party(self, candidate_id: str, custody: ThirdPartyCustody, *, by: str) -> Tranche:
        _require(custody.custodian, "third-party custody names the custodian")
        _require(custody.conditions, "third-party custody records its conditions")
        detail = f"in the custody of {custody.custodian}: {custody.conditions}"
        return self._move(
            self.line(candidate_id), LineAction.HAND_TO_THIRD_PARTY, by, detail, third_party=custody
        )

    def line(self, candidate_id: str) -> ManifestLine:
        for line in self.lines:
            if line.candidate_id == candidate_id:
                return line
        raise NotOnManifest(f"{candidate_id} is not on the manifest of tranche {self.index + 1}")

    def _move(
        self,
        line: ManifestLine,
        action: LineAction,
        by: str,
        detail: str,
        *,
        substitute: Substitute | None = None,
        third_party: ThirdPartyCustody | None = None,
        refused: bool = False,
    ) -> Tranche:
        self._check_open()
        target = TRANSITIONS.get((line.state, action))
        if target is None:
            raise IllegalTransition(
                f"line {line.line_no} ({line.candidate_id}) is {line.state}; cannot {action}"
            )
        moved = replace(
            line,
            state=target,
            substitute=substitute if substitute is not None else line.substitute,
            third_party=third_party if third_party is not None else line.third_party,
            refused=line.refused or refused,
            history=(*line.history, LineEvent(action, target, by, detail)),
        )
        lines = tuple(moved if other.line_no == line.line_no else other for other in self.lines)
        event = LineRecorded(
            self.agreement_id, self.index, line.line_no, line.candidate_id, action, target, detail
        )
        return replace(self, lines=lines, events=(*self.events, event))

    # --- remains --------------------------------------------------------------------------------------

    def receive_remains(self, batch: RemainsBatch) -> Tranche:
        self._check_open()
        if any(b.batch_id == batch.batch_id for b in self.remains):
            raise DuplicateRemainsBatch(f"remains batch {batch.batch_id} is already recorded")
        event = RemainsRecorded(self.agreement_id, self.index, batch.batch_id, batch.status)
        return replace(self, remains=(*self.remains, batch), events=(*self.events, event))

    def identify_remains(self, batch_id: str, status: IdentificationStatus) -> Tranche:
        """Identification comes weeks later (DNA); allowed after closing, it never changes the counts."""
        if not any(b.batch_id == batch_id for b in self.remains):
            raise UnknownRemainsBatch(f"no remains batch {batch_id} in tranche {self.index + 1}")
        batches = tuple(replace(b, status=status) if b.batch_id == batch_id else b for b in self.remains)
        event = RemainsRecorded(self.agreement_id, self.index, batch_id, status)
        return replace(self, remains=batches, events=(*self.events, event))

    def remains_counts(self) -> dict[Side, dict[IdentificationStatus, int]]:
        return remains_counts(self.remains)

    # --- balance and closing --------------------------------------------------------------------------

    def balance(self) -> Balance | None:
        """Live parity balance: only received persons count, substitutes by their own rank class."""
        if self.formula is None:
            return None
        counted = [line for line in self.lines if line.counted and line.basis is Basis.PARITY]
        received = [
            [_Counted(line.counted_rank_class) for line in counted if line.releasing_side is side]
            for side in Side
        ]
        return balance(self.formula, received[0], received[1])

    def remains_balance(self) -> Balance | None:
        if self.remains_formula is None:
            return None
        per_side = [sum(b.count for b in self.remains if b.releasing_side is side) for side in Side]
        return count_balance(self.remains_formula, per_side[0], per_side[1])

    def attributed(self, candidate_id: str, recorded_by: str) -> Tranche:
        """The line's latest event names the account that recorded it, beside the free-text `by`."""
        line = self.line(candidate_id)
        if not line.history:
            return self
        *earlier, last = line.history
        moved = replace(line, history=(*earlier, replace(last, recorded_by=recorded_by)))
        return replace(self, lines=tuple(moved if o.line_no == line.line_no else o for o in self.lines))

    def close(self, *, by: str) -> Tranche:
        """Close once every line is settled: reconciled if the formula is kept, else with the imbalance."""
        self._check_open()
        unsettled = [line.candidate_id for line in self.lines if line.state not in SETTLED]
        if unsettled:
            raise TrancheNotSettled(f"lines still open: {', '.join(unsettled)}")
        parity, remains = self.balance(), self.remains_balance()
        reconciled = (parity is None or parity.kept) and (remains is None or remains.kept)
        closure = TrancheClosure(reconciled, parity, remains, by)
        event = TrancheClosedEvent(self.agreement_id, self.index, reconciled, closure.imbalance)
        return replace(self, closure=closure, events=(*self.events, event))

    def _check_open(self) -> None:
        if self.closure is not None:
            raise TrancheClosed(f"tranche {self.index + 1} is closed")


@dataclass(frozen=True, slots=True)
class _Counted:
    rank_class: str


def _require(value: str, message: str) -> None:
    if not value.strip():
        raise MissingDetail(message)
