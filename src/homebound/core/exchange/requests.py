"""Requests: a party asks, name by name, for its own people held by the other side.

A request is one sought record of the requesting party, tabled with the mediator (for one agreement or in
general). Its status is what the party follows: received by the mediator, confirmed held (the mediator
linked it to a held record of the other side), listed (on an agreement version), refused with a reason (by
the other side, through the mediator), returned (handed over). Refusal is the common outcome, not an error:
a refused request keeps its reason and stays visible; it can be asked again (back to received) later.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from homebound.core.errors import Conflict, FieldProblem, ValidationFailed


class RequestStatus(StrEnum):
    RECEIVED = "received"
    CONFIRMED_HELD = "confirmed_held"
    LISTED = "listed"
    REFUSED = "refused"
    RETURNED = "returned"


# status -> the statuses it may move to; returned is final.
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.RECEIVED: frozenset({RequestStatus.CONFIRMED_HELD, RequestStatus.REFUSED}),
    RequestStatus.CONFIRMED_HELD: frozenset(
        {RequestStatus.CONFIRMED_HELD, RequestStatus.LISTED, RequestStatus.REFUSED}
    ),
    RequestStatus.LISTED: frozenset({RequestStatus.RETURNED, RequestStatus.REFUSED}),
    RequestStatus.REFUSED: frozenset({RequestStatus.RECEIVED}),  # asked again at a later round
    RequestStatus.RETURNED: frozenset(),
}

MAX_REASON = 500
MAX_PRIORITY = 1000


def check_transition(current: RequestStatus, wanted: RequestStatus) -> None:
    """Refuse a status change the table does not allow (409, with both statuses named)."""
    if wanted not in TRANSITIONS[current]:
        raise Conflict(
            f"a request that is {current.value} cannot become {wanted.value}",
            code="request.status_not_allowed",
            field="status",
        )


@dataclass(frozen=True, slots=True)
class RequestedPerson:
    """One line of a request list: the party's own sought record, with an optional priority and reason.

    `reason` goes to the mediator (and with a forwarded request, to the holding party); `private_note` stays
    with the requesting party."""

    sought_person_id: str
    priority: int | None = None
    reason: str = ""
    private_note: str = ""

    def problems(self, index: int) -> list[FieldProblem]:
        where = f"items[{index}]"
        found: list[FieldProblem] = []
        if not self.sought_person_id.strip():
            found.append(FieldProblem(f"{where}.sought_person_id", "required", "a sought record is named"))
        if self.priority is not None and not 1 <= self.priority <= MAX_PRIORITY:
            text = f"priority runs from 1 (first) to {MAX_PRIORITY}"
            found.append(FieldProblem(f"{where}.priority", "request.priority", text))
        for name, text in (("reason", self.reason), ("private_note", self.private_note)):
            if len(text) > MAX_REASON:
                found.append(FieldProblem(f"{where}.{name}", "too_long", f"at most {MAX_REASON} characters"))
        return found


def check_request_list(items: list[RequestedPerson]) -> None:
    """A request list names at least one record, each once, every line valid."""
    problems: list[FieldProblem] = []
    if not items:
        problems.append(FieldProblem("items", "required", "a request list names at least one sought record"))
    seen: set[str] = set()
    for index, item in enumerate(items):
        problems.extend(item.problems(index))
        if item.sought_person_id in seen:
            text = "the same record is requested twice in one list"
            problems.append(FieldProblem(f"items[{index}].sought_person_id", "request.duplicate", text))
        seen.add(item.sought_person_id)
    if problems:
        raise ValidationFailed(problems)


def check_refusal_reason(reason: str) -> str:
    """A refusal always says why: the requesting party reads the reason."""
    cleaned = reason.strip()
    if not cleaned:
        raise ValidationFailed(
            [FieldProblem("reason", "request.reason_required", "a refusal gives its reason")]
        )
    if len(cleaned) > MAX_REASON:
        raise ValidationFailed([FieldProblem("reason", "too_long", f"at most {MAX_REASON} characters")])
    return cleaned
