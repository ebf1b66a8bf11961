"""Person records with the Geneva Convention fields, their vocabularies and the status transition table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from enum import StrEnum

from homebound.core.dates import PartialDate
from homebound.core.errors import InvalidTransition


class Registry(StrEnum):
    """Which list of a party a record belongs to."""

    HELD = "held"  # persons in the party's custody
    SOUGHT = "sought"  # the party's own people it wants back


class Category(StrEnum):
    POW = "pow"
    CIVILIAN_INTERNEE = "civilian_internee"
    REMAINS = "remains"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


class Health(StrEnum):
    """The capture card's state of health, plus the GC III Art. 110 category that overrides parity."""

    UNKNOWN = "unknown"
    GOOD = "good"
    SICK = "sick"
    WOUNDED = "wounded"
    SERIOUSLY_WOUNDED_SICK = "seriously_wounded_sick"


class LegalHold(StrEnum):
    """GC III Art. 119: persons under proceedings or sentence may be held back, their names communicated."""

    NONE = "none"
    PROCEEDINGS = "proceedings"
    SENTENCE = "sentence"


class WillToReturn(StrEnum):
    UNKNOWN = "unknown"
    CONFIRMED = "confirmed"
    REFUSED = "refused"


class Status(StrEnum):
    # held registry
    HELD = "held"
    HOSPITALISED = "hospitalised"
    LISTED_FOR_EXCHANGE = "listed_for_exchange"
    EXCHANGED = "exchanged"
    RELEASED = "released"
    THIRD_PARTY_CUSTODY = "third_party_custody"
    ESCAPED = "escaped"
    # sought registry
    MISSING = "missing"
    BELIEVED_CAPTIVE = "believed_captive"
    CONFIRMED_HELD = "confirmed_held"
    RETURNED = "returned"
    # both
    DECEASED = "deceased"


INITIAL_STATUS: dict[Registry, frozenset[Status]] = {
    Registry.HELD: frozenset({Status.HELD, Status.HOSPITALISED, Status.LISTED_FOR_EXCHANGE, Status.DECEASED}),
    Registry.SOUGHT: frozenset(
        {Status.MISSING, Status.BELIEVED_CAPTIVE, Status.CONFIRMED_HELD, Status.DECEASED, Status.RETURNED}
    ),
}

# Every change of status GC III Art. 122 asks the bureau to record; anything else is an error.
TRANSITIONS: dict[Registry, dict[Status, frozenset[Status]]] = {
    Registry.HELD: {
        Status.HELD: frozenset(
            {
                Status.HOSPITALISED,
                Status.LISTED_FOR_EXCHANGE,
                Status.RELEASED,
                Status.THIRD_PARTY_CUSTODY,
                Status.ESCAPED,
                Status.DECEASED,
            }
        ),
        Status.HOSPITALISED: frozenset(
            {Status.HELD, Status.LISTED_FOR_EXCHANGE, Status.RELEASED, Status.DECEASED}
        ),
        Status.LISTED_FOR_EXCHANGE: frozenset(
            {Status.HELD, Status.HOSPITALISED, Status.EXCHANGED, Status.THIRD_PARTY_CUSTODY, Status.DECEASED}
        ),
        Status.ESCAPED: frozenset({Status.HELD}),
        Status.THIRD_PARTY_CUSTODY: frozenset({Status.RELEASED}),
        Status.EXCHANGED: frozenset(),
        Status.RELEASED: frozenset(),
        Status.DECEASED: frozenset(),
    },
    Registry.SOUGHT: {
        Status.MISSING: frozenset(
            {Status.BELIEVED_CAPTIVE, Status.CONFIRMED_HELD, Status.RETURNED, Status.DECEASED}
        ),
        Status.BELIEVED_CAPTIVE: frozenset(
            {Status.MISSING, Status.CONFIRMED_HELD, Status.RETURNED, Status.DECEASED}
        ),
        Status.CONFIRMED_HELD: frozenset({Status.RETURNED, Status.DECEASED, Status.MISSING}),
        # A death notice can prove false (reported): the case is reopened, never silently edited.
        Status.DECEASED: frozenset({Status.MISSING, Status.CONFIRMED_HELD}),
        Status.RETURNED: frozenset(),
    },
}


def check_transition(registry: Registry, current: Status, target: Status) -> None:
    """Raise InvalidTransition unless the table allows current -> target in this registry."""
    allowed = TRANSITIONS[registry].get(current, frozenset())
    if target not in allowed:
        raise InvalidTransition(
            f"a {registry.value} record cannot go from {current.value} to {target.value}",
            field="status",
        )


CAPTURE_CARD_DAYS = 7  # GC III Art. 70: a capture card within one week


@dataclass(frozen=True)
class WillToReturnRecord:
    value: WillToReturn = WillToReturn.UNKNOWN
    verified_by: str | None = None
    verified_on: dt.date | None = None


@dataclass(frozen=True)
class PersonFields:
    """The editable fields of a record (GC III Art. 17, 70, 122; GC IV Art. 136-138), names in their own
    script.
    """

    family_name: str
    given_name: str | None = None
    patronymic: str | None = None
    father_given_name: str | None = None
    mother_maiden_name: str | None = None
    sex: Sex = Sex.UNKNOWN
    date_of_birth: PartialDate | None = None
    place_of_birth: str | None = None
    party_depended_on: str | None = None
    rank: str | None = None
    service_number: str | None = None
    unit: str | None = None
    category: Category = Category.POW
    capture_date: dt.date | None = None
    capture_place: str | None = None
    detention_place: str | None = None
    capture_card_sent_on: dt.date | None = None
    health: Health = Health.UNKNOWN
    legal_hold: LegalHold = LegalHold.NONE
    legal_hold_note: str | None = None
    will_to_return: WillToReturnRecord = field(default_factory=WillToReturnRecord)
    last_seen_date: dt.date | None = None
    last_seen_place: str | None = None
    nationality: str | None = None
    # GC III Art. 70 / Annex IV B: the person to be informed, and where (the capture card's last lines).
    next_of_kin: str | None = None
    next_of_kin_address: str | None = None
    # GC III Art. 70: the week for the capture card runs from arrival at a camp, and again from each transfer
    # or hospitalisation (the latest of which is kept here).
    arrived_at_camp_on: dt.date | None = None
    last_transfer_on: dt.date | None = None


PERSON_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(PersonFields))


class CardEvent(StrEnum):
    """What started the week a capture card is due in (GC III Art. 70)."""

    ARRIVAL = "arrival"  # arrival at a camp
    TRANSFER = "transfer"  # a transfer or a hospitalisation: a new card is due
    CAPTURE = "capture"  # no arrival known: the capture date stands in for it


CLOSED_FOR_CARDS = frozenset({Status.DECEASED, Status.RELEASED, Status.EXCHANGED})


@dataclass(frozen=True)
class CardDeadline:
    event: CardEvent
    event_on: dt.date
    due_on: dt.date
    sent: bool  # a card was sent on or after the event


def capture_card_deadline(fields_: PersonFields) -> CardDeadline | None:
    """The week of GC III Art. 70 from the latest arrival, transfer or hospitalisation; from the capture
    date only when neither is known; None when no date is known at all."""
    arrival, moved = fields_.arrived_at_camp_on, fields_.last_transfer_on
    if moved is not None and (arrival is None or moved >= arrival):
        event, on = CardEvent.TRANSFER, moved
    elif arrival is not None:
        event, on = CardEvent.ARRIVAL, arrival
    elif fields_.capture_date is not None:
        event, on = CardEvent.CAPTURE, fields_.capture_date
    else:
        return None
    sent = fields_.capture_card_sent_on is not None and fields_.capture_card_sent_on >= on
    return CardDeadline(event, on, on + dt.timedelta(days=CAPTURE_CARD_DAYS), sent)


def capture_card_overdue(registry: Registry, status: Status, fields_: PersonFields, today: dt.date) -> bool:
    """GC III Art. 70: a held person's card is overdue a week after the latest arrival, transfer or
    hospitalisation (or capture, when none is known) until a card is sent after it."""
    deadline = capture_card_deadline(fields_)
    if registry is not Registry.HELD or deadline is None or status in CLOSED_FOR_CARDS:
        return False
    return not deadline.sent and today > deadline.due_on


def capture_card_due(fields_: PersonFields) -> dt.date | None:
    deadline = capture_card_deadline(fields_)
    return deadline.due_on if deadline else None
