"""The request status table and the checks on a request list, as pure rules."""

from __future__ import annotations

import pytest

from homebound.core.errors import Conflict, ValidationFailed
from homebound.core.exchange.requests import (
    RequestedPerson,
    RequestStatus,
    check_refusal_reason,
    check_request_list,
    check_transition,
)

R = RequestStatus

ALLOWED = [
    (R.RECEIVED, R.CONFIRMED_HELD),
    (R.RECEIVED, R.REFUSED),
    (R.CONFIRMED_HELD, R.LISTED),
    (R.CONFIRMED_HELD, R.REFUSED),
    (R.LISTED, R.RETURNED),
    (R.LISTED, R.REFUSED),
    (R.REFUSED, R.RECEIVED),
]
FORBIDDEN = [
    (R.RECEIVED, R.LISTED),
    (R.RECEIVED, R.RETURNED),
    (R.CONFIRMED_HELD, R.RETURNED),
    (R.REFUSED, R.LISTED),
    (R.RETURNED, R.REFUSED),
    (R.RETURNED, R.RECEIVED),
]


@pytest.mark.parametrize(("current", "wanted"), ALLOWED)
def test_allowed_transitions(current: RequestStatus, wanted: RequestStatus) -> None:
    check_transition(current, wanted)


@pytest.mark.parametrize(("current", "wanted"), FORBIDDEN)
def test_forbidden_transitions_are_conflicts(current: RequestStatus, wanted: RequestStatus) -> None:
    with pytest.raises(Conflict) as caught:
        check_transition(current, wanted)
    assert caught.value.code == "request.status_not_allowed"


def test_request_list_problems_name_their_lines() -> None:
    items = [
        RequestedPerson("s1", priority=1),
        RequestedPerson("s1"),
        RequestedPerson("s2", priority=0),
        RequestedPerson("s3", reason="x" * 501),
    ]
    with pytest.raises(ValidationFailed) as caught:
        check_request_list(items)
    found = {(p.field, p.code) for p in caught.value.problems}
    assert found == {
        ("items[1].sought_person_id", "request.duplicate"),
        ("items[2].priority", "request.priority"),
        ("items[3].reason", "too_long"),
    }


def test_an_empty_list_and_a_reasonless_refusal_are_refused() -> None:
    with pytest.raises(ValidationFailed):
        check_request_list([])
    with pytest.raises(ValidationFailed) as caught:
        check_refusal_reason("   ")
    assert caught.value.problems[0].code == "request.reason_required"
    assert check_refusal_reason("  under investigation ") == "under investigation"
