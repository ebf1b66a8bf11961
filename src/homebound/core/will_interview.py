"""The private interview on the will to return (GC III Art. 118; DOMAIN.md: no forced repatriation), held by
a neutral intermediary (the ICRC) or by the holding party with the ICRC as witness.

Its outcome sets the person's will to return: wishes to return → confirmed, refuses → refused (with the
custodian who takes the person and the time limit, as the Neutral Nations Repatriation Commission had in
1953), undecided → unknown (the gate stays closed until another interview).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from homebound.core.errors import FieldProblem
from homebound.core.persons import WillToReturn


class InterviewOutcome(StrEnum):
    WISHES_TO_RETURN = "wishes_to_return"
    REFUSES = "refuses"
    UNDECIDED = "undecided"


WILL_OF_OUTCOME: dict[InterviewOutcome, WillToReturn] = {
    InterviewOutcome.WISHES_TO_RETURN: WillToReturn.CONFIRMED,
    InterviewOutcome.REFUSES: WillToReturn.REFUSED,
    InterviewOutcome.UNDECIDED: WillToReturn.UNKNOWN,
}
MAX_TEXT = 200


@dataclass(frozen=True)
class WillInterview:
    """One interview; `witness` is the code of the neutral organisation whose word verifies the outcome."""

    interviewer: str
    place: str
    held_on: dt.date
    language: str
    present: str  # who else was in the room (the interviewer and the person alone: "none")
    outcome: InterviewOutcome
    witness: str
    custodian: str | None = None  # for a refusal: who takes the person (a neutral state, UNHCR)
    time_limit: dt.date | None = None  # for a refusal: until when the custodian keeps the person

    def to_json(self) -> dict[str, str | None]:
        return {
            "interviewer": self.interviewer,
            "place": self.place,
            "held_on": self.held_on.isoformat(),
            "language": self.language,
            "present": self.present,
            "outcome": self.outcome.value,
            "witness": self.witness,
            "custodian": self.custodian,
            "time_limit": self.time_limit.isoformat() if self.time_limit else None,
        }


def check_interview(interview: WillInterview, today: dt.date) -> list[FieldProblem]:
    """Every problem with the interview as recorded; empty when it can set the will to return."""
    problems: list[FieldProblem] = []
    for name in ("interviewer", "place", "language", "present", "witness"):
        value = getattr(interview, name)
        if not value.strip():
            problems.append(FieldProblem(name, "required", f"{name} is required"))
        elif len(value) > MAX_TEXT:
            problems.append(FieldProblem(name, "too_long", f"{name} is longer than {MAX_TEXT} characters"))
    if interview.held_on > today:
        problems.append(FieldProblem("held_on", "in_future", "the interview cannot be after today"))
    if interview.outcome is InterviewOutcome.REFUSES:
        if not (interview.custodian or "").strip():
            problems.append(FieldProblem("custodian", "required", "a refusal names the custodian"))
        if interview.time_limit is None:
            problems.append(FieldProblem("time_limit", "required", "a refusal has a time limit"))
        elif interview.time_limit <= interview.held_on:
            text = "the time limit is after the interview"
            problems.append(FieldProblem("time_limit", "before_interview", text))
    elif interview.custodian or interview.time_limit:
        text = "a custodian and a time limit are named only for a refusal"
        problems.append(FieldProblem("custodian", "only_for_refusal", text))
    return problems
