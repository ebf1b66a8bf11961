"""A person as an exchange sees them: who holds them, their health, age, captivity and the gates' facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum, StrEnum

from homebound.core.dates import PartialDate
from homebound.core.persons import Sex, WillToReturn, WillToReturnRecord

__all__ = [
    "Candidate",
    "Custody",
    "Health",
    "LegalHold",
    "MedicalSeverity",
    "PartialDate",
    "SeriousBasis",
    "Sex",
    "Side",
    "WillToReturn",
    "WillToReturnRecord",
]


class Side(StrEnum):
    """One of the two parties to an exchange. The mediator is not a side: it holds no one in the lists."""

    A = "a"
    B = "b"

    @property
    def other(self) -> Side:
        return Side.B if self is Side.A else Side.A


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
    sex: Sex = Sex.UNKNOWN
    civilian: bool = False
    captured_on: date | None = None
    remains: bool = False
    confirmed_match_id: str | None = None
    custody: Custody = Custody()
    will_to_return: WillToReturnRecord = field(default_factory=WillToReturnRecord)
    stays_with: str = ""  # where a person who refused repatriation stays instead
    legal_hold: LegalHold | None = None

    def __post_init__(self) -> None:
        if self.will_to_return.value is WillToReturn.REFUSED and not self.stays_with.strip():
            raise ValueError("a refusal of repatriation must record where the person stays instead")

    @property
    def refused_repatriation(self) -> bool:
        return self.will_to_return.value is WillToReturn.REFUSED

    def captivity_days(self, on: date) -> int:
        """Whole days held by `on`; an unknown capture date earns no captivity credit."""
        if self.captured_on is None or self.captured_on > on:
            return 0
        return (on - self.captured_on).days
