"""The review of a proposed match: the reviewer's verdicts and the states a candidate pair goes through."""

from __future__ import annotations

from enum import StrEnum

from homebound.core.errors import Conflict

__all__ = ["CandidateStatus", "Verdict", "after_verdict"]


class CandidateStatus(StrEnum):
    """Where a proposed pair (a sought record, a held record) stands."""

    PENDING = "pending"  # proposed by the machine, not yet looked at
    NOT_SURE = "not_sure"  # looked at; needs more evidence (a photo, a unit roster, a family's answer)
    CONFIRMED = "confirmed"  # a person decided: the same person
    REJECTED = "rejected"  # a person decided: two people


class Verdict(StrEnum):
    """What the reviewer says of a pair."""

    CONFIRM = "confirm"
    REJECT = "reject"
    NOT_SURE = "not_sure"


_RESULT = {
    Verdict.CONFIRM: CandidateStatus.CONFIRMED,
    Verdict.REJECT: CandidateStatus.REJECTED,
    Verdict.NOT_SURE: CandidateStatus.NOT_SURE,
}
# Decided pairs are final here: undoing a confirmation changes what the seeking party was told, which is
# a correction of its own (a new sought status), not a second verdict on the same pair.
OPEN = frozenset({CandidateStatus.PENDING, CandidateStatus.NOT_SURE})


def after_verdict(current: CandidateStatus, verdict: Verdict) -> CandidateStatus:
    """The status a verdict leads to; Conflict if the pair was already decided."""
    if current not in OPEN:
        raise Conflict(f"this pair was already {current.value}", code="match.decided", field="verdict")
    return _RESULT[verdict]
