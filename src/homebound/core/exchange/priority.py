"""The agreed priority order turned into integer weights and a total ranking of candidates.

Weights are lexicographic per person, by mixed-radix scaling: with the default order, one level of medical
severity outweighs any captivity length and any categories, and one day of captivity outweighs any
combination of categories. Each criterion is an integer of bounded range (severity 0–3, days capped at
DAYS_CAP, categories as a bit mask over at most MAX_PRIORITY_CATEGORIES agreed categories, first listed
category the most significant bit), so every weight is an integer below MAX_WEIGHT (≈ 7.5 million, < 2^23).
That is what makes the scaling numerically safe: the solver sees costs within seven orders of magnitude,
and any objective over ≤ 2^30 persons stays below 2^53, where doubles represent integers exactly.

Why per person and not lexicographic over totals: lexicographic totals need a scale factor of the list size
per tier (≈ 10^15 for 1,000 places and day-level captivity), beyond what a floating-point solver can
separate. For counting formulas (N for N, declared counts) the two notions coincide (taking the top k
persons by the per-person order is also lexicographically best in totals); for weighted equivalence the
difference shows only where several lower-priority persons of few points compete with one person of many.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from homebound.core.exchange.errors import InvalidTerms

DAYS_CAP = 7305  # twenty years; longer captivity ranks as twenty years
MAX_PRIORITY_CATEGORIES = 8
SEVERITY_LEVELS = 4
MAX_WEIGHT = SEVERITY_LEVELS * (DAYS_CAP + 1) * 2**MAX_PRIORITY_CATEGORIES


class PriorityCriterion(StrEnum):
    MEDICAL_SEVERITY = "medical_severity"
    CAPTIVITY_LENGTH = "captivity_length"
    CATEGORIES = "categories"


DEFAULT_CRITERIA = (
    PriorityCriterion.MEDICAL_SEVERITY,
    PriorityCriterion.CAPTIVITY_LENGTH,
    PriorityCriterion.CATEGORIES,
)


@dataclass(frozen=True, slots=True)
class PriorityOrder:
    """The agreed order of criteria (most important first) and the agreed categories, in order."""

    criteria: tuple[PriorityCriterion, ...] = DEFAULT_CRITERIA
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if sorted(self.criteria) != sorted(PriorityCriterion):
            raise InvalidTerms("the priority order ranks each criterion exactly once", field="priority")
        if len(set(self.categories)) != len(self.categories):
            raise InvalidTerms("a category appears twice in the priority order", field="priority")
        if len(self.categories) > MAX_PRIORITY_CATEGORIES:
            raise InvalidTerms(
                f"at most {MAX_PRIORITY_CATEGORIES} categories can rank priority", field="priority"
            )

    def category_mask(self, keys: Collection[str]) -> int:
        width = len(self.categories)
        mask = 0
        for i, key in enumerate(self.categories):
            if key in keys:
                mask |= 1 << (width - 1 - i)
        return mask

    def radix(self, criterion: PriorityCriterion) -> int:
        if criterion is PriorityCriterion.MEDICAL_SEVERITY:
            return SEVERITY_LEVELS
        if criterion is PriorityCriterion.CAPTIVITY_LENGTH:
            return DAYS_CAP + 1
        return 1 << len(self.categories)

    def to_document(self) -> dict[str, Any]:
        return {"criteria": [c.value for c in self.criteria], "categories": list(self.categories)}


IntArray = npt.NDArray[np.int64]


def weights(order: PriorityOrder, severity: IntArray, days: IntArray, masks: IntArray) -> IntArray:
    """Per-person integer weights ≥ 1, strictly increasing in the agreed lexicographic order."""
    values = {
        PriorityCriterion.MEDICAL_SEVERITY: np.clip(severity, 0, SEVERITY_LEVELS - 1),
        PriorityCriterion.CAPTIVITY_LENGTH: np.clip(days, 0, DAYS_CAP),
        PriorityCriterion.CATEGORIES: masks,
    }
    total = np.zeros(len(severity), dtype=np.int64)
    for criterion in order.criteria:
        total = total * order.radix(criterion) + values[criterion]
    return total + 1  # +1: an empty place is worth less than any person


def weight(order: PriorityOrder, severity: int, days: int, category_keys: Collection[str]) -> int:
    """The weight of one person (the scalar form of `weights`)."""
    one = np.array([0], dtype=np.int64)
    mask = order.category_mask(category_keys)
    return int(weights(order, one + severity, one + days, one + mask)[0])


def ranking(weight_values: IntArray, days: IntArray, ids: Sequence[str]) -> npt.NDArray[np.intp]:
    """Indices from first to last priority: higher weight, then longer captivity, then id (deterministic)."""
    return np.lexsort((np.asarray(ids), -days, -weight_values))
