"""The terms of an exchange: formulas, categories, priority order, tranches, gates, red lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from homebound.core.exchange.categories import Category, check_unique_keys
from homebound.core.exchange.eligibility import EligibilityRules, LegalHoldOverride, RedLine
from homebound.core.exchange.errors import InvalidTerms, UnknownCategory
from homebound.core.exchange.formula import (
    PARITY_FORMULAS,
    AllForAllInCategory,
    DeclaredRatio,
    Formula,
    Humanitarian,
    NForN,
    ParityFormula,
    WeightedEquivalence,
)
from homebound.core.exchange.priority import PriorityOrder


@dataclass(frozen=True, slots=True)
class TrancheSpec:
    """One handover of the parity lists: how many each side releases, and when."""

    a_count: int
    b_count: int
    scheduled_on: date | None = None

    def __post_init__(self) -> None:
        if self.a_count < 0 or self.b_count < 0 or self.a_count + self.b_count == 0:
            raise InvalidTerms(f"a tranche moves somebody: {self.a_count} / {self.b_count}", field="tranches")

    def to_document(self) -> dict[str, Any]:
        scheduled = None if self.scheduled_on is None else self.scheduled_on.isoformat()
        return {"a_count": self.a_count, "b_count": self.b_count, "scheduled_on": scheduled}


@dataclass(frozen=True, slots=True)
class Terms:
    """What both parties agree to, apart from the names on the lists.

    `formulas` holds at most one parity formula (N for N, declared package, weighted equivalence) plus any
    all-for-all categories and humanitarian releases, which go outside parity. `max_persons` caps the
    persons under parity, both sides together (a "1,000-person agreement" is 500 per side under N for N).
    Ages and captivity are computed at `reference_date`.
    """

    reference_date: date
    formulas: tuple[Formula, ...] = (NForN(),)
    max_persons: int | None = None
    categories: tuple[Category, ...] = ()
    priority: PriorityOrder = field(default_factory=PriorityOrder)
    tranches: tuple[TrancheSpec, ...] = ()
    outside_parity_tranche: int = 0  # which tranche carries the all-for-all and humanitarian persons
    eligibility: EligibilityRules = field(default_factory=EligibilityRules)
    red_lines: tuple[RedLine, ...] = ()
    legal_hold_overrides: tuple[LegalHoldOverride, ...] = ()
    remains_formula: NForN | DeclaredRatio | None = None  # remains are outside parity unless agreed
    # When set, the parity lists are drawn from this category only (e.g. N for N of the seriously wounded).
    parity_category: str | None = None

    def __post_init__(self) -> None:
        parity = [f for f in self.formulas if isinstance(f, PARITY_FORMULAS)]
        if len(parity) > 1:
            raise InvalidTerms("an agreement has at most one parity formula", field="formulas")
        if not self.formulas:
            raise InvalidTerms("an agreement needs at least one formula", field="formulas")
        check_unique_keys(self.categories)
        known = {c.key for c in self.categories}
        wanted = [
            (f.category, f"formulas.{n}.category")
            for n, f in enumerate(self.formulas)
            if isinstance(f, AllForAllInCategory | Humanitarian)
        ]
        wanted += [(key, f"priority.categories.{n}") for n, key in enumerate(self.priority.categories)]
        wanted.append((self.parity_category, "parity_category"))
        for key, where in wanted:
            if key is not None and key not in known:
                message = f"category {key!r} is used but not defined in the agreement"
                raise UnknownCategory(message, field=where)
        if self.max_persons is not None and self.max_persons < 1:
            raise InvalidTerms("the cap on persons is a positive number", field="max_persons")
        self._check_declared_and_tranches()

    def _check_declared_and_tranches(self) -> None:
        parity = self.parity
        cap = self.max_persons
        if isinstance(parity, DeclaredRatio) and cap is not None and parity.a_count + parity.b_count > cap:
            raise InvalidTerms("the declared package exceeds the cap on persons", field="max_persons")
        if not self.tranches:
            return
        total_a = sum(t.a_count for t in self.tranches)
        total_b = sum(t.b_count for t in self.tranches)
        if isinstance(parity, DeclaredRatio) and (total_a, total_b) != (parity.a_count, parity.b_count):
            raise InvalidTerms(
                f"tranches move {total_a} for {total_b}, the package is {parity}", field="tranches"
            )
        if isinstance(parity, NForN) and total_a != total_b:
            raise InvalidTerms(f"tranches move {total_a} for {total_b} under N for N", field="tranches")
        if not 0 <= self.outside_parity_tranche < len(self.tranches):
            raise InvalidTerms(
                "the tranche for persons outside parity does not exist", field="outside_parity_tranche"
            )

    @property
    def parity(self) -> ParityFormula | None:
        for formula in self.formulas:
            if isinstance(formula, NForN | DeclaredRatio | WeightedEquivalence):
                return formula
        return None

    @property
    def all_for_all(self) -> tuple[AllForAllInCategory, ...]:
        return tuple(f for f in self.formulas if isinstance(f, AllForAllInCategory))

    @property
    def humanitarian(self) -> tuple[Humanitarian, ...]:
        return tuple(f for f in self.formulas if isinstance(f, Humanitarian))

    def to_document(self) -> dict[str, Any]:
        """A JSON-able form with a stable order, the input of the agreement's content hash."""
        return {
            "reference_date": self.reference_date.isoformat(),
            "formulas": [f.to_document() for f in self.formulas],
            "max_persons": self.max_persons,
            "categories": [c.to_document() for c in self.categories],
            "priority": self.priority.to_document(),
            "tranches": [t.to_document() for t in self.tranches],
            "outside_parity_tranche": self.outside_parity_tranche,
            "eligibility": self.eligibility.to_document(),
            "red_lines": [r.to_document() for r in self.red_lines],
            "legal_hold_overrides": [o.to_document() for o in self.legal_hold_overrides],
            "remains_formula": None if self.remains_formula is None else self.remains_formula.to_document(),
            # Only when set: versions made before the field existed keep their content hash.
            **({} if self.parity_category is None else {"parity_category": self.parity_category}),
        }
