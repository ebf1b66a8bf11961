"""The status transition table, capture-card deadlines and row validation."""

from __future__ import annotations

import datetime as dt

import pytest

from homebound.core.errors import InvalidTransition
from homebound.core.person_input import IMPORT_COLUMNS, parse_person_row
from homebound.core.persons import (
    CAPTURE_CARD_DAYS,
    INITIAL_STATUS,
    TRANSITIONS,
    CardEvent,
    Category,
    Health,
    PersonFields,
    Registry,
    Sex,
    Status,
    WillToReturn,
    capture_card_deadline,
    capture_card_due,
    capture_card_overdue,
    check_transition,
)

TERMINAL = {
    Registry.HELD: {Status.EXCHANGED, Status.RELEASED, Status.DECEASED},
    Registry.SOUGHT: {Status.RETURNED},
}


@pytest.mark.parametrize("registry", list(Registry))
def test_table_is_closed_and_terminal_states_end(registry: Registry) -> None:
    table = TRANSITIONS[registry]
    states = set(table)
    for source, targets in table.items():
        assert targets <= states, (source, targets - states)
        assert source not in targets
    for terminal in TERMINAL[registry]:
        assert table[terminal] == frozenset()
    assert INITIAL_STATUS[registry] <= states


@pytest.mark.parametrize("registry", list(Registry))
def test_check_transition_agrees_with_the_table(registry: Registry) -> None:
    for source in TRANSITIONS[registry]:
        for target in Status:
            if target in TRANSITIONS[registry][source]:
                check_transition(registry, source, target)
            else:
                with pytest.raises(InvalidTransition):
                    check_transition(registry, source, target)


@pytest.mark.parametrize(
    ("capture_ago", "sent", "status", "overdue"),
    [
        (8, None, Status.HELD, True),
        (7, None, Status.HELD, False),
        (30, 3, Status.HELD, False),
        (30, None, Status.DECEASED, False),
        (30, None, Status.HOSPITALISED, True),
        (30, None, Status.EXCHANGED, False),
    ],
)
def test_capture_card_deadline(capture_ago: int, sent: int | None, status: Status, overdue: bool) -> None:
    today = dt.date(2023, 1, 31)
    fields = PersonFields(
        family_name="X",
        capture_date=today - dt.timedelta(days=capture_ago),
        capture_card_sent_on=today - dt.timedelta(days=sent) if sent else None,
    )
    assert capture_card_overdue(Registry.HELD, status, fields, today) is overdue
    assert capture_card_overdue(Registry.SOUGHT, status, fields, today) is False


@pytest.mark.parametrize(
    ("column", "value", "attribute", "expected"),
    [
        ("sex", "Ч", "sex", Sex.MALE),
        ("sex", "жен", "sex", Sex.FEMALE),
        ("sex", "F", "sex", Sex.FEMALE),
        ("category", "військовополонений", "category", Category.POW),
        ("category", "гражданский", "category", Category.CIVILIAN_INTERNEE),
        ("category", "Remains", "category", Category.REMAINS),
        ("health", "seriously wounded sick", "health", Health.SERIOUSLY_WOUNDED_SICK),
        ("health", "поранений", "health", Health.WOUNDED),
        ("family_name", "  КОВАЛЕНКО ", "family_name", "КОВАЛЕНКО"),
        ("family_name", "O'Brien", "family_name", "O'Brien"),
    ],
)
def test_vocabularies(column: str, value: str, attribute: str, expected: object) -> None:
    row, problems = parse_person_row({"record_id": "1", "family_name": "X", column: value}, Registry.HELD)
    assert not problems and row is not None
    assert getattr(row.fields, attribute) == expected


@pytest.mark.parametrize(
    ("raw", "field", "code"),
    [
        ({"family_name": "X"}, "record_id", "required"),
        ({"record_id": "1"}, "family_name", "required"),
        ({"record_id": "1", "family_name": "X", "sex": "maybe"}, "sex", "invalid_value"),
        ({"record_id": "1", "family_name": "X", "nickname": "Y"}, "nickname", "unknown_field"),
        ({"record_id": "1", "family_name": "X" * 201}, "family_name", "invalid_value"),
        ({"record_id": "1", "family_name": "Ковал\u200beнко"}, "family_name", "invalid_value"),
        ({"record_id": "1", "family_name": "\u202eокнелавоК"}, "family_name", "invalid_value"),
        ({"record_id": "1", "family_name": "X\x00"}, "family_name", "invalid_value"),
        ({"record_id": "1", "family_name": "X", "status": "exchanged"}, "status", "invalid_value"),
        (
            {
                "record_id": "1",
                "family_name": "X",
                "capture_date": "2023-01-10",
                "capture_card_sent_on": "2023-01-02",
            },
            "capture_card_sent_on",
            "invalid_value",
        ),
        ({"record_id": "1", "family_name": "X", "will_to_return": "refused"}, "will_verified_by", "required"),
    ],
)
def test_problems_name_the_field(raw: dict[str, str], field: str, code: str) -> None:
    row, problems = parse_person_row(raw, Registry.HELD, row=7)
    assert row is None
    assert (field, code, 7) in {(p.field, p.code, p.row) for p in problems}


def test_will_to_return_with_verifier() -> None:
    row, problems = parse_person_row(
        {
            "record_id": "1",
            "family_name": "X",
            "will_to_return": "refused",
            "will_verified_by": "ICRC delegate",
            "will_verified_on": "2023-01-05",
        },
        Registry.HELD,
    )
    assert row is not None and not problems
    assert row.fields.will_to_return.value is WillToReturn.REFUSED
    assert row.fields.will_to_return.verified_on == dt.date(2023, 1, 5)


def test_names_keep_their_script() -> None:
    for name in ("Олександр", "Александр", "Oleksandr", "ОЛЕКСАНДР"):
        row, _ = parse_person_row({"record_id": "1", "family_name": "X", "given_name": name}, Registry.SOUGHT)
        assert row is not None and row.fields.given_name == name


def test_required_columns_always_accepted() -> None:
    assert {"record_id", "family_name", "given_name", "patronymic", "sex", "date_of_birth"} <= set(
        IMPORT_COLUMNS
    )


_TODAY = dt.date(2023, 3, 31)


def _days_ago(days: int | None) -> dt.date | None:
    return _TODAY - dt.timedelta(days=days) if days is not None else None


@pytest.mark.parametrize(
    ("capture", "arrival", "moved", "sent", "event", "overdue"),
    [
        # A week from arrival at a camp, not from capture (GC III Art. 70).
        (30, 5, None, None, CardEvent.ARRIVAL, False),
        (30, 8, None, None, CardEvent.ARRIVAL, True),
        # A transfer or hospitalisation starts a new week, and a card sent before it no longer counts.
        (30, 20, 3, 15, CardEvent.TRANSFER, False),
        (30, 20, 9, 15, CardEvent.TRANSFER, True),
        # A card sent on or after the latest event clears it.
        (30, 20, 9, 9, CardEvent.TRANSFER, False),
        (30, 20, None, 19, CardEvent.ARRIVAL, False),
        # An arrival after an earlier transfer or hospitalisation is the latest event.
        (30, 2, 20, None, CardEvent.ARRIVAL, False),
        # The capture date only when no arrival or transfer is known.
        (30, None, None, None, CardEvent.CAPTURE, True),
        (6, None, None, None, CardEvent.CAPTURE, False),
    ],
)
def test_capture_card_week_runs_from_the_latest_arrival_transfer_or_hospitalisation(
    capture: int, arrival: int | None, moved: int | None, sent: int | None, event: CardEvent, overdue: bool
) -> None:
    fields = PersonFields(
        family_name="X",
        capture_date=_days_ago(capture),
        arrived_at_camp_on=_days_ago(arrival),
        last_transfer_on=_days_ago(moved),
        capture_card_sent_on=_days_ago(sent),
    )
    deadline = capture_card_deadline(fields)
    assert deadline is not None
    assert deadline.event is event
    assert deadline.due_on == deadline.event_on + dt.timedelta(days=CAPTURE_CARD_DAYS)
    assert capture_card_due(fields) == deadline.due_on
    assert capture_card_overdue(Registry.HELD, Status.HELD, fields, _TODAY) is overdue


def test_no_date_known_no_deadline() -> None:
    fields = PersonFields(family_name="X")
    assert capture_card_deadline(fields) is None
    assert capture_card_overdue(Registry.HELD, Status.HELD, fields, _TODAY) is False


@pytest.mark.parametrize("name", ["arrived_at_camp_on", "last_transfer_on"])
def test_arrival_and_transfer_dates_are_checked_like_the_others(name: str) -> None:
    base = {"record_id": "1", "family_name": "X", "capture_date": "2023-03-10"}
    parsed, problems = parse_person_row({**base, name: "09.03.2023"}, Registry.HELD, today=_TODAY)
    assert parsed is None
    assert [(p.field, p.message) for p in problems] == [(name, "before the capture date")]
    parsed, problems = parse_person_row({**base, name: "2023-04-05"}, Registry.HELD, today=_TODAY)
    assert [(p.field, p.code) for p in problems] == [(name, "out_of_range")]
    parsed, problems = parse_person_row({**base, name: "12.03.2023"}, Registry.HELD, today=_TODAY)
    assert parsed is not None and getattr(parsed.fields, name) == dt.date(2023, 3, 12)
