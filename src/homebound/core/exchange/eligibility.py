"""Per-person gates before anyone goes on a list: identity, custody, will to return, legal hold, red lines."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from homebound.core.exchange.candidate import Candidate, Side, WillToReturn
from homebound.core.exchange.errors import InvalidTerms


class CustodyRule(StrEnum):
    """Whose confirmation of custody the agreement requires."""

    HOLDING_PARTY = "holding_party"
    ICRC = "icrc"
    EITHER = "either"
    BOTH = "both"


class ReasonCode(StrEnum):
    IDENTITY_UNVERIFIED = "eligibility.identity_unverified"
    CUSTODY_UNCONFIRMED = "eligibility.custody_unconfirmed"
    WILL_NOT_CONFIRMED = "eligibility.will_not_confirmed"
    REFUSED_REPATRIATION = "eligibility.refused_repatriation"
    LEGAL_HOLD = "eligibility.legal_hold"
    LEGAL_HOLD_OVERRIDDEN = "eligibility.legal_hold_overridden"  # informational: does not block
    RED_LINE = "eligibility.red_line"
    CAPTURED_AFTER_REFERENCE = "eligibility.captured_after_reference"  # the lists are drawn as of that date


BLOCKING = frozenset(ReasonCode) - {ReasonCode.LEGAL_HOLD_OVERRIDDEN}


@dataclass(frozen=True, slots=True)
class EligibilityRules:
    custody: CustodyRule = CustodyRule.EITHER
    require_confirmed_identity: bool = True
    require_will_interview: bool = True

    def to_document(self) -> dict[str, Any]:
        return {
            "custody": self.custody.value,
            "require_confirmed_identity": self.require_confirmed_identity,
            "require_will_interview": self.require_will_interview,
        }


@dataclass(frozen=True, slots=True)
class RedLine:
    """A party's refusal to see one person on the lists, with its reason (e.g. a conviction)."""

    drawn_by: Side
    candidate_id: str
    reason: str

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise InvalidTerms("a red line states its reason", field="red_lines")

    def to_document(self) -> dict[str, Any]:
        return {"drawn_by": self.drawn_by.value, "candidate_id": self.candidate_id, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class LegalHoldOverride:
    """An explicit, reasoned decision to release a person despite proceedings or a sentence."""

    candidate_id: str
    reason: str
    decided_by: str

    def __post_init__(self) -> None:
        if not self.reason.strip() or not self.decided_by.strip():
            raise InvalidTerms(
                "a legal-hold override states its reason and who decided it", field="legal_hold_overrides"
            )

    def to_document(self) -> dict[str, Any]:
        return {"candidate_id": self.candidate_id, "reason": self.reason, "decided_by": self.decided_by}


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    text: str

    @property
    def blocking(self) -> bool:
        return self.code in BLOCKING


@dataclass(frozen=True, slots=True)
class EligibilityDecision:
    candidate_id: str
    side: Side
    reasons: tuple[Reason, ...]
    stays_with: str = ""  # set when the person refused repatriation

    @property
    def eligible(self) -> bool:
        return not any(reason.blocking for reason in self.reasons)

    @property
    def blocking_reasons(self) -> tuple[Reason, ...]:
        return tuple(reason for reason in self.reasons if reason.blocking)

    def summary(self) -> str:
        blocking = self.blocking_reasons
        if not blocking:
            return "eligible"
        return "not eligible: " + "; ".join(reason.text for reason in blocking)


_CUSTODY_WANTED = {
    CustodyRule.HOLDING_PARTY: "the holding party",
    CustodyRule.ICRC: "the ICRC",
    CustodyRule.EITHER: "the holding party or the ICRC",
    CustodyRule.BOTH: "both the holding party and the ICRC",
}


def custody_confirmed(candidate: Candidate, rule: CustodyRule) -> bool:
    by_party, by_icrc = candidate.custody.confirmed_by_holding_party, candidate.custody.confirmed_by_icrc
    if rule is CustodyRule.EITHER:
        return by_party or by_icrc
    if rule is CustodyRule.BOTH:
        return by_party and by_icrc
    return by_party if rule is CustodyRule.HOLDING_PARTY else by_icrc


def _custody_reason(candidate: Candidate, rule: CustodyRule) -> Reason | None:
    if custody_confirmed(candidate, rule):
        return None
    return Reason(ReasonCode.CUSTODY_UNCONFIRMED, f"custody not confirmed by {_CUSTODY_WANTED[rule]}")


def _person_reasons(candidate: Candidate, rules: EligibilityRules) -> list[Reason]:
    """Gates that only apply to living persons: identity, will to return."""
    reasons: list[Reason] = []
    if rules.require_confirmed_identity and candidate.confirmed_match_id is None:
        reasons.append(Reason(ReasonCode.IDENTITY_UNVERIFIED, "identity not verified by a confirmed match"))
    will = candidate.will_to_return.value
    if will is WillToReturn.REFUSED:
        text = f"refused repatriation in a private interview; stays with {candidate.stays_with}"
        reasons.append(Reason(ReasonCode.REFUSED_REPATRIATION, text))
    elif rules.require_will_interview and will is not WillToReturn.CONFIRMED:
        text = "will to return not yet confirmed in a private interview"
        reasons.append(Reason(ReasonCode.WILL_NOT_CONFIRMED, text))
    return reasons


def captured_after(candidate: Candidate, reference_date: date | None) -> bool:
    """Captured after the date the lists are drawn at: not a candidate of this agreement."""
    captured = candidate.captured_on
    return reference_date is not None and captured is not None and captured > reference_date


def clear(candidate: Candidate, rules: EligibilityRules, reference_date: date | None = None) -> bool:
    """True when every personal gate passes with nothing to report; red lines are the caller's to check.

    The common case, answered without building reasons: `assess` gives the same verdict in full.
    """
    if captured_after(candidate, reference_date) or (
        candidate.legal_hold is not None and not candidate.remains
    ):
        return False
    if not custody_confirmed(candidate, rules.custody):
        return False
    if candidate.remains:
        return True
    if rules.require_confirmed_identity and candidate.confirmed_match_id is None:
        return False
    will = candidate.will_to_return.value
    if will is WillToReturn.REFUSED:
        return False
    return not rules.require_will_interview or will is WillToReturn.CONFIRMED


def assess(
    candidate: Candidate,
    rules: EligibilityRules,
    *,
    red_lines: Iterable[RedLine] = (),
    overrides: Mapping[str, LegalHoldOverride] | None = None,
    reference_date: date | None = None,
) -> EligibilityDecision:
    """All gates for one person, every failing gate reported (not just the first)."""
    reasons = [] if candidate.remains else _person_reasons(candidate, rules)
    if captured_after(candidate, reference_date):
        text = f"captured {candidate.captured_on}, after the agreement's reference date {reference_date}"
        reasons.append(Reason(ReasonCode.CAPTURED_AFTER_REFERENCE, text))
    custody = _custody_reason(candidate, rules.custody)
    if custody is not None:
        reasons.append(custody)
    hold = candidate.legal_hold
    if hold is not None and not candidate.remains:
        override = (overrides or {}).get(candidate.candidate_id)
        if override is None:
            text = f"legal hold (GC III Art. 119): {hold.reason}"
            reasons.append(Reason(ReasonCode.LEGAL_HOLD, text))
        else:
            text = f"legal hold overridden by {override.decided_by}: {override.reason}"
            reasons.append(Reason(ReasonCode.LEGAL_HOLD_OVERRIDDEN, text))
    for red_line in red_lines:
        if red_line.candidate_id == candidate.candidate_id:
            text = f"red line of party {red_line.drawn_by.value.upper()}: {red_line.reason}"
            reasons.append(Reason(ReasonCode.RED_LINE, text))
    stays_with = candidate.stays_with if candidate.refused_repatriation and not candidate.remains else ""
    return EligibilityDecision(candidate.candidate_id, candidate.side, tuple(reasons), stays_with)


def assess_pool(
    candidates: Iterable[Candidate],
    rules: EligibilityRules,
    *,
    red_lines: Iterable[RedLine] = (),
    overrides: Iterable[LegalHoldOverride] = (),
) -> dict[str, EligibilityDecision]:
    """Decisions for a whole pool, keyed by candidate id."""
    by_id = {override.candidate_id: override for override in overrides}
    lines_by_id: dict[str, list[RedLine]] = {}
    for red_line in red_lines:
        lines_by_id.setdefault(red_line.candidate_id, []).append(red_line)
    return {
        c.candidate_id: assess(c, rules, red_lines=lines_by_id.get(c.candidate_id, ()), overrides=by_id)
        for c in candidates
    }
