"""A person as an exchange sees them: who holds them, their health, age, captivity and the gates' facts."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum


class Side(StrEnum):
    """One of the two parties to an exchange. The mediator is not a side: it holds no one in the lists."""

    A = "a"
    B = "b"

    @property
    def other(self) -> Side:
        return Side.B if self is Side.A else Side.A


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date of which the month or the day may be unknown (lists often carry only a year of birth)."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year out of range: {self.year}")
        if self.month is None and self.day is not None:
            raise ValueError("a day without a month is not a partial date")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month out of range: {self.month}")
        if self.day is not None:
            assert self.month is not None
            if not 1 <= self.day <= calendar.monthrange(self.year, self.month)[1]:
                raise ValueError(f"day out of range: {self.year}-{self.month}-{self.day}")

    @property
    def earliest(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> date:
        month = self.month or 12
        return date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    def __str__(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"


class MedicalSeverity(IntEnum):
    """Ordinal medical urgency used by the priority order; the Annex I flag is separate (see Health)."""

    NONE = 0
    WOUNDED_OR_SICK = 1
    SERIOUS = 2
    CRITICAL = 3  # life in danger ("in mortal danger while in captivity")


class SeriousBasis(StrEnum):
    """Why a person counts as seriously wounded or sick under GC III Art. 110."""

    ANNEX_I = "annex_i"  # meets one of the GC III Annex I model-agreement criteria
    MIXED_MEDICAL_COMMISSION = "mixed_medical_commission"  # decided by a Mixed Medical Commission


@dataclass(frozen=True, slots=True)
class Health:
    severity: MedicalSeverity = MedicalSeverity.NONE
    seriously_wounded_or_sick: bool = False
    basis: SeriousBasis | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.seriously_wounded_or_sick and self.basis is None:
            raise ValueError(
                "the seriously wounded/sick flag needs its basis (Annex I or a commission decision)"
            )


@dataclass(frozen=True, slots=True)
class Custody:
    """Who has confirmed that this person is actually held, and by whom."""

    confirmed_by_holding_party: bool = False
    confirmed_by_icrc: bool = False


class WillStatus(StrEnum):
    NOT_INTERVIEWED = "not_interviewed"
    CONFIRMED = "confirmed"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class WillToReturn:
    """The outcome of the private interview on the will to return; a refusal records where they stay."""

    status: WillStatus = WillStatus.NOT_INTERVIEWED
    stays_with: str = ""
    interviewed_by: str = ""

    def __post_init__(self) -> None:
        if self.status is WillStatus.REFUSED and not self.stays_with.strip():
            raise ValueError("a refusal of repatriation must record where the person stays instead")


@dataclass(frozen=True, slots=True)
class LegalHold:
    """Criminal proceedings or a sentence that lets the detaining power hold the person back (GC III 119)."""

    reason: str
    reference: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One person (or set of remains) who might be on an exchange list.

    `side` is the party that HOLDS the person and would release them: list A is what party A hands over.
    """

    candidate_id: str
    side: Side
    rank_class: str = "private"
    health: Health = Health()
    date_of_birth: PartialDate | None = None
    sex: Sex | None = None
    civilian: bool = False
    captured_on: date | None = None
    remains: bool = False
    confirmed_match_id: str | None = None
    custody: Custody = Custody()
    will_to_return: WillToReturn = WillToReturn()
    legal_hold: LegalHold | None = None

    def captivity_days(self, on: date) -> int:
        """Whole days held by `on`; an unknown capture date earns no captivity credit."""
        if self.captured_on is None or self.captured_on > on:
            return 0
        return (on - self.captured_on).days
