"""Categories an agreement defines (seriously wounded, age bands, civilians, women, long captivity, remains).

A category is a predicate over a Candidate at the agreement's reference date. Membership is conservative:
a person counts as a member only when every reading of their partial data puts them inside; a person whose
partial date of birth straddles a band's edge is reported as uncertain, for a human to settle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from homebound.core.exchange.candidate import Candidate, PartialDate, SeriousBasis, Sex, Side
from homebound.core.exchange.errors import InvalidTerms


class MemberStatus(StrEnum):
    YES = "yes"
    NO = "no"
    UNCERTAIN = "uncertain"


@dataclass(frozen=True, slots=True)
class Membership:
    status: MemberStatus
    reason: str

    @property
    def member(self) -> bool:
        return self.status is MemberStatus.YES


def age_on(born: date, on: date) -> int:
    """Completed years of age on `on` (a 29 February birthday completes a year on 1 March)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_range(date_of_birth: PartialDate, on: date) -> tuple[int, int]:
    """Youngest and oldest possible age on `on` for a partial date of birth."""
    return age_on(date_of_birth.latest(), on), age_on(date_of_birth.earliest(), on)


@dataclass(frozen=True, slots=True)
class AgeBand:
    """Ages from `lower` (inclusive) to `upper` (exclusive); "18–25" is AgeBand(18, 26), "under 25" is
    AgeBand(None, 25)."""

    lower: int | None
    upper: int | None
    label: str

    def __post_init__(self) -> None:
        if self.lower is None and self.upper is None:
            raise InvalidTerms("an age band needs a lower or an upper bound", field="categories")
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise InvalidTerms(f"empty age band {self.label!r}", field="categories")

    def contains(self, age: int) -> bool:
        return (self.lower is None or age >= self.lower) and (self.upper is None or age < self.upper)

    def status(self, youngest: int, oldest: int) -> MemberStatus:
        if self.contains(youngest) and self.contains(oldest):
            return MemberStatus.YES  # an interval inside an interval: both ends inside is enough
        below = self.lower is not None and oldest < self.lower
        above = self.upper is not None and youngest >= self.upper
        return MemberStatus.NO if below or above else MemberStatus.UNCERTAIN

    def to_document(self) -> dict[str, Any]:
        return {"lower": self.lower, "upper": self.upper, "label": self.label}


def _yes(reason: str) -> Membership:
    return Membership(MemberStatus.YES, reason)


def _no(reason: str) -> Membership:
    return Membership(MemberStatus.NO, reason)


@dataclass(frozen=True, slots=True)
class SeriouslyWoundedOrSick:
    """GC III Art. 110 and Annex I: by the Annex I criteria or by a Mixed Medical Commission's decision."""

    key: str = "seriously_wounded_or_sick"
    label: str = "seriously wounded or sick"
    accepted_bases: frozenset[SeriousBasis] = frozenset(SeriousBasis)

    def assess(self, candidate: Candidate, on: date) -> Membership:  # noqa: ARG002 - same shape for all
        health = candidate.health
        if not health.seriously_wounded_or_sick:
            return _no("not recorded as seriously wounded or sick")
        if health.basis not in self.accepted_bases:
            return _no(f"basis {health.basis} not accepted by this agreement")
        assert health.basis is not None
        return _yes(f"seriously wounded or sick ({health.basis.value.replace('_', ' ')})")

    def contains(self, candidate: Candidate, on: date) -> bool:  # noqa: ARG002
        health = candidate.health
        return health.seriously_wounded_or_sick and health.basis in self.accepted_bases

    def to_document(self) -> dict[str, Any]:
        bases = sorted(b.value for b in self.accepted_bases)
        return {"kind": "seriously_wounded_or_sick", "key": self.key, "label": self.label, "bases": bases}


@dataclass(frozen=True, slots=True)
class AgeBandCategory:
    """An age band each side may define differently ("18–25" vs "under 25"); `holds` says whose applies."""

    key: str
    label: str
    definition_a: AgeBand
    definition_b: AgeBand
    holds: Side

    @property
    def band(self) -> AgeBand:
        return self.definition_a if self.holds is Side.A else self.definition_b

    def assess(self, candidate: Candidate, on: date) -> Membership:
        band = self.band
        if candidate.date_of_birth is None:
            return Membership(MemberStatus.UNCERTAIN, "date of birth unknown")
        youngest, oldest = age_range(candidate.date_of_birth, on)
        status = band.status(youngest, oldest)
        ages = str(youngest) if youngest == oldest else f"{youngest}–{oldest}"
        return Membership(status, f"aged {ages} on {on.isoformat()}; {self.label} means {band.label}")

    def contains(self, candidate: Candidate, on: date) -> bool:
        if candidate.date_of_birth is None:
            return False
        return self.band.status(*age_range(candidate.date_of_birth, on)) is MemberStatus.YES

    def to_document(self) -> dict[str, Any]:
        return {
            "kind": "age_band",
            "key": self.key,
            "label": self.label,
            "definition_a": self.definition_a.to_document(),
            "definition_b": self.definition_b.to_document(),
            "holds": self.holds.value,
        }


@dataclass(frozen=True, slots=True)
class Civilians:
    key: str = "civilians"
    label: str = "civilians"

    def assess(self, candidate: Candidate, on: date) -> Membership:  # noqa: ARG002
        return _yes("civilian") if candidate.civilian else _no("not a civilian")

    def contains(self, candidate: Candidate, on: date) -> bool:  # noqa: ARG002
        return candidate.civilian

    def to_document(self) -> dict[str, Any]:
        return {"kind": "civilians", "key": self.key, "label": self.label}


@dataclass(frozen=True, slots=True)
class Women:
    key: str = "women"
    label: str = "women"

    def assess(self, candidate: Candidate, on: date) -> Membership:  # noqa: ARG002
        if candidate.sex is Sex.UNKNOWN:
            return Membership(MemberStatus.UNCERTAIN, "sex not recorded")
        return _yes("woman") if candidate.sex is Sex.FEMALE else _no("not a woman")

    def contains(self, candidate: Candidate, on: date) -> bool:  # noqa: ARG002
        return candidate.sex is Sex.FEMALE

    def to_document(self) -> dict[str, Any]:
        return {"kind": "women", "key": self.key, "label": self.label}


@dataclass(frozen=True, slots=True)
class LongCaptivity:
    """Captured before a date, or held more than a number of days (exactly one of the two)."""

    captured_before: date | None = None
    more_than_days: int | None = None
    key: str = "long_captivity"
    label: str = "long captivity"

    def __post_init__(self) -> None:
        if (self.captured_before is None) == (self.more_than_days is None):
            raise InvalidTerms(
                "long captivity is defined by a capture date or by a number of days, not both",
                field="categories",
            )

    def assess(self, candidate: Candidate, on: date) -> Membership:
        if candidate.captured_on is None:
            return Membership(MemberStatus.UNCERTAIN, "capture date unknown")
        if self.captured_before is not None:
            inside = candidate.captured_on < self.captured_before
            text = (
                f"captured {candidate.captured_on.isoformat()}, threshold {self.captured_before.isoformat()}"
            )
            return _yes(text) if inside else _no(text)
        assert self.more_than_days is not None
        days = candidate.captivity_days(on)
        text = f"{days} days in captivity, threshold more than {self.more_than_days}"
        return _yes(text) if days > self.more_than_days else _no(text)

    def contains(self, candidate: Candidate, on: date) -> bool:
        if candidate.captured_on is None:
            return False
        if self.captured_before is not None:
            return candidate.captured_on < self.captured_before
        assert self.more_than_days is not None
        return candidate.captivity_days(on) > self.more_than_days

    def to_document(self) -> dict[str, Any]:
        before = None if self.captured_before is None else self.captured_before.isoformat()
        return {
            "kind": "long_captivity",
            "key": self.key,
            "label": self.label,
            "captured_before": before,
            "more_than_days": self.more_than_days,
        }


@dataclass(frozen=True, slots=True)
class Remains:
    key: str = "remains"
    label: str = "remains"

    def assess(self, candidate: Candidate, on: date) -> Membership:  # noqa: ARG002
        return _yes("remains") if candidate.remains else _no("a living person")

    def contains(self, candidate: Candidate, on: date) -> bool:  # noqa: ARG002
        return candidate.remains

    def to_document(self) -> dict[str, Any]:
        return {"kind": "remains", "key": self.key, "label": self.label}


Category = SeriouslyWoundedOrSick | AgeBandCategory | Civilians | Women | LongCaptivity | Remains


def check_unique_keys(categories: Iterable[Category]) -> None:
    seen: set[str] = set()
    for category in categories:
        if category.key in seen:
            raise InvalidTerms(f"category key {category.key!r} defined twice", field="categories")
        seen.add(category.key)


def categories_of(candidate: Candidate, categories: Iterable[Category], on: date) -> frozenset[str]:
    """The keys of the categories the candidate certainly belongs to (the same verdicts as `assess`)."""
    return frozenset(c.key for c in categories if c.contains(candidate, on))


def _age_band(document: Mapping[str, Any]) -> AgeBand:
    return AgeBand(document.get("lower"), document.get("upper"), str(document["label"]))


def category_from_document(document: Mapping[str, Any]) -> Category:
    """Inverse of `to_document`, for the service layer's persistence."""
    kind, key, label = document["kind"], str(document["key"]), str(document["label"])
    if kind == "seriously_wounded_or_sick":
        bases = frozenset(SeriousBasis(b) for b in document["bases"])
        return SeriouslyWoundedOrSick(key, label, bases)
    if kind == "age_band":
        band_a, band_b = _age_band(document["definition_a"]), _age_band(document["definition_b"])
        return AgeBandCategory(key, label, band_a, band_b, Side(document["holds"]))
    if kind == "civilians":
        return Civilians(key, label)
    if kind == "women":
        return Women(key, label)
    if kind == "long_captivity":
        before = document.get("captured_before")
        return LongCaptivity(
            None if before is None else date.fromisoformat(before), document.get("more_than_days"), key, label
        )
    if kind == "remains":
        return Remains(key, label)
    raise InvalidTerms(f"unknown category kind {kind!r}")
