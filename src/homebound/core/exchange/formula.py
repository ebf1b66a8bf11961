"""Exchange formulas (N for N, declared packages, weighted points, all-for-all, humanitarian) and balances."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol

from homebound.core.exchange.candidate import Side
from homebound.core.exchange.errors import InvalidTerms, UnknownRankClass

# Scale of equivalents of the Dix–Hill cartel, Haxall's Landing, 22 July 1862, Article I (Official Records,
# Series II, vol. 4, pp. 266–268; also printed in Southern Historical Society Papers, vol. 1): an officer is
# exchanged for an officer of equal rank or for this many privates or common seamen. Only counted once the
# man reached his own lines, which is why handover counts a person only once received. The keys are
# Homebound's rank classes; an agreement maps modern ranks onto them or replaces the table altogether.
DIX_HILL_1862: Mapping[str, int] = MappingProxyType(
    {
        "general_in_chief_or_admiral": 60,
        "major_general_or_flag_officer": 40,
        "brigadier_general_or_commodore": 20,
        "colonel_or_navy_captain": 15,
        "lieutenant_colonel_or_navy_commander": 10,
        "major_or_lieutenant_commander": 8,
        "army_captain_or_navy_lieutenant": 6,  # also masters in the navy, captains of marines
        "lieutenant_or_ensign": 4,  # also masters' mates in the navy
        "midshipman_or_warrant_officer": 3,  # also masters of merchant vessels, commanders of privateers
        "non_commissioned_officer": 2,  # also petty officers, mates of merchant vessels or privateers
        "private": 1,  # private soldiers and common seamen, man for man
    }
)


class Basis(StrEnum):
    """Under which part of the terms a listed person goes home."""

    PARITY = "parity"  # counted by the N-for-N / declared / weighted formula
    ALL_FOR_ALL = "all_for_all"  # everyone of an agreed category, outside parity
    HUMANITARIAN = "humanitarian"  # unilateral release outside parity (GC III Art. 109)


class Unit(StrEnum):
    PERSONS = "persons"
    POINTS = "points"


class Countable(Protocol):
    """Anything a formula can count: it only needs the person's rank class (for points)."""

    @property
    def rank_class(self) -> str: ...


@dataclass(frozen=True, slots=True)
class NForN:
    """As many released by A as by B."""

    def to_document(self) -> dict[str, Any]:
        return {"kind": "n_for_n"}


@dataclass(frozen=True, slots=True)
class DeclaredRatio:
    """A declared asymmetric package: A releases exactly `a_count`, B exactly `b_count` (215 for 55)."""

    a_count: int
    b_count: int

    def __post_init__(self) -> None:
        if self.a_count < 0 or self.b_count < 0 or self.a_count + self.b_count == 0:
            raise InvalidTerms(
                f"a declared package needs non-negative counts, not both zero: {self}", field="formulas"
            )

    def to_document(self) -> dict[str, Any]:
        return {"kind": "declared_ratio", "a_count": self.a_count, "b_count": self.b_count}


@dataclass(frozen=True, slots=True)
class WeightedEquivalence:
    """Equal points on both sides, a person counting by rank class (default: the 1862 Dix–Hill scale)."""

    points_table: Mapping[str, int] = field(default_factory=lambda: DIX_HILL_1862, hash=False)

    def __post_init__(self) -> None:
        table = dict(self.points_table)
        if not table or any(type(p) is not int or p < 1 for p in table.values()):
            raise InvalidTerms(
                "a points table needs at least one rank class, each worth a positive integer",
                field="formulas",
            )
        # A private copy: the caller's dict must not be able to change concluded terms afterwards.
        object.__setattr__(self, "points_table", MappingProxyType(table))

    def points(self, rank_class: str) -> int:
        try:
            return self.points_table[rank_class]
        except KeyError:
            raise UnknownRankClass(f"rank class {rank_class!r} is not in the points table") from None

    def to_document(self) -> dict[str, Any]:
        return {"kind": "weighted_equivalence", "points_table": dict(sorted(self.points_table.items()))}


@dataclass(frozen=True, slots=True)
class AllForAllInCategory:
    """Everyone eligible in an agreed category goes home, on both sides, outside parity."""

    category: str

    def to_document(self) -> dict[str, Any]:
        return {"kind": "all_for_all", "category": self.category}


@dataclass(frozen=True, slots=True)
class Humanitarian:
    """A unilateral release outside parity: the releasing side's eligible persons in a category (e.g. the
    seriously wounded, GC III Art. 109) and/or named persons."""

    releasing_side: Side
    category: str | None = None
    candidate_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.category is None and not self.candidate_ids:
            raise InvalidTerms("a humanitarian release names a category or persons", field="formulas")

    def covers(self, side: Side, candidate_id: str, categories: Collection[str]) -> bool:
        if side is not self.releasing_side:
            return False
        return candidate_id in self.candidate_ids or (
            self.category is not None and self.category in categories
        )

    def to_document(self) -> dict[str, Any]:
        return {
            "kind": "humanitarian",
            "releasing_side": self.releasing_side.value,
            "category": self.category,
            "candidate_ids": sorted(self.candidate_ids),
        }


ParityFormula = NForN | DeclaredRatio | WeightedEquivalence
Formula = NForN | DeclaredRatio | WeightedEquivalence | AllForAllInCategory | Humanitarian
PARITY_FORMULAS = (NForN, DeclaredRatio, WeightedEquivalence)


@dataclass(frozen=True, slots=True)
class ListedPerson:
    """A person on an agreed list: who, under which part of the terms, and their rank class for points."""

    candidate_id: str
    rank_class: str = "private"
    basis: Basis = Basis.PARITY

    def to_document(self) -> dict[str, Any]:
        return {"candidate_id": self.candidate_id, "rank_class": self.rank_class, "basis": self.basis.value}


@dataclass(frozen=True, slots=True)
class Balance:
    """What each side's list amounts to under a formula, the targets if any, and whether it is kept."""

    unit: Unit
    a: int
    b: int
    target_a: int | None
    target_b: int | None
    kept: bool
    explanation: str  # in English, for the API and the log; the UI words it from the fields
    kind: str = "parity"  # parity (equal counts or points), declared, humanitarian, all_for_all
    left_out: int = 0  # all for all: eligible members of the category not on the lists

    @property
    def difference(self) -> int:
        """A's value minus B's value: positive means A has given more."""
        return self.a - self.b


def measure(formula: ParityFormula, persons: Iterable[Countable]) -> int:
    """One side's value under a parity formula: a head count, or points by rank class."""
    if isinstance(formula, WeightedEquivalence):
        return sum(formula.points(p.rank_class) for p in persons)
    return sum(1 for _ in persons)


def balance(
    formula: Formula,
    list_a: Sequence[Countable],
    list_b: Sequence[Countable],
    *,
    members_a: Collection[str] | None = None,
    members_b: Collection[str] | None = None,
) -> Balance:
    """Balance of the list A releases against the list B releases, under one formula.

    For all-for-all, pass the eligible members of the category on each side (`members_a`, `members_b`,
    as ids) to check that nobody was left out; the lists' items then need a `candidate_id`.
    """
    if isinstance(formula, AllForAllInCategory | Humanitarian):
        return _outside_parity_balance(formula, list_a, list_b, members_a, members_b)
    a, b = measure(formula, list_a), measure(formula, list_b)
    if isinstance(formula, WeightedEquivalence):
        return _equal_balance(Unit.POINTS, a, b)
    return count_balance(formula, a, b)


def count_balance(formula: NForN | DeclaredRatio, a: int, b: int) -> Balance:
    """Balance of head counts (persons, or sets of remains) under a counting formula."""
    if isinstance(formula, DeclaredRatio):
        kept = a == formula.a_count and b == formula.b_count
        text = f"declared {formula.a_count} for {formula.b_count}; lists give {a} for {b}"
        return Balance(Unit.PERSONS, a, b, formula.a_count, formula.b_count, kept, text, kind="declared")
    return _equal_balance(Unit.PERSONS, a, b)


def _equal_balance(unit: Unit, a: int, b: int) -> Balance:
    kept = a == b
    text = f"{_amount(a, unit)} for {_amount(b, unit)}" + ("" if kept else f": imbalance {a - b:+d}")
    return Balance(unit, a, b, None, None, kept, text)


def _outside_parity_balance(
    formula: AllForAllInCategory | Humanitarian,
    list_a: Sequence[Countable],
    list_b: Sequence[Countable],
    members_a: Collection[str] | None,
    members_b: Collection[str] | None,
) -> Balance:
    a, b = len(list_a), len(list_b)
    if isinstance(formula, Humanitarian):
        giver = list_a if formula.releasing_side is Side.A else list_b
        kept = len(giver) == a + b
        releasing = formula.releasing_side.value.upper()
        text = f"humanitarian release by {releasing}: {_amount(len(giver), Unit.PERSONS)}"
        return Balance(Unit.PERSONS, a, b, None, None, kept, text, kind="humanitarian")
    missing = [
        person_id
        for members, listed in ((members_a, list_a), (members_b, list_b))
        if members is not None
        for person_id in sorted(set(members) - {_id_of(p) for p in listed})
    ]
    text = f"all for all in {formula.category!r}: {a} and {b}"
    if missing:
        text += f"; left out: {', '.join(missing)}"
    kept = not missing
    return Balance(Unit.PERSONS, a, b, None, None, kept, text, kind="all_for_all", left_out=len(missing))


def _amount(n: int, unit: Unit) -> str:
    return f"{n} {unit.value if n != 1 else unit.value.removesuffix('s')}"


def _id_of(person: Countable) -> str:
    candidate_id = getattr(person, "candidate_id", None)
    if not isinstance(candidate_id, str):
        raise TypeError("checking all-for-all completeness needs listed persons with a candidate_id")
    return candidate_id


def formula_from_document(document: Mapping[str, Any]) -> Formula:
    """Inverse of `to_document`, for the service layer's persistence."""
    kind = document["kind"]
    if kind == "n_for_n":
        return NForN()
    if kind == "declared_ratio":
        return DeclaredRatio(int(document["a_count"]), int(document["b_count"]))
    if kind == "weighted_equivalence":
        return WeightedEquivalence({str(k): int(v) for k, v in document["points_table"].items()})
    if kind == "all_for_all":
        return AllForAllInCategory(str(document["category"]))
    if kind == "humanitarian":
        return Humanitarian(
            Side(document["releasing_side"]),
            document.get("category"),
            tuple(document.get("candidate_ids", ())),
        )
    raise InvalidTerms(f"unknown formula kind {kind!r}")
