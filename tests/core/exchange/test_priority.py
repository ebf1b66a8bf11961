"""Priority weights: lexicographic per person, integers in a numerically safe range."""

from __future__ import annotations

import numpy as np
import pytest

from homebound.core.exchange.errors import InvalidTerms
from homebound.core.exchange.priority import (
    DAYS_CAP,
    MAX_PRIORITY_CATEGORIES,
    MAX_WEIGHT,
    PriorityCriterion,
    PriorityOrder,
    ranking,
    weight,
    weights,
)

ORDER = PriorityOrder(categories=("civilians", "women", "young"))
ALL = {"civilians", "women", "young"}


@pytest.mark.parametrize(
    ("higher", "lower"),
    [
        # (severity, days, categories) of the person who must rank higher, then of the one below.
        ((1, 0, set()), (0, DAYS_CAP, ALL)),  # one level of severity beats everything below it
        ((3, 0, set()), (2, DAYS_CAP, ALL)),
        ((0, 1, set()), (0, 0, ALL)),  # one day of captivity beats every category
        ((0, 10, {"civilians"}), (0, 10, {"women", "young"})),  # the first category beats the later ones
        ((0, 10, {"women"}), (0, 10, {"young"})),
        ((0, 10, {"young"}), (0, 10, set())),
        ((0, 0, set()), None),  # anyone beats an empty place
    ],
)
def test_weights_are_lexicographic_per_person(higher, lower) -> None:
    high = weight(ORDER, *higher)
    low = 0 if lower is None else weight(ORDER, *lower)
    assert high > low


def test_other_agreed_orders() -> None:
    captivity_first = PriorityOrder(
        criteria=(
            PriorityCriterion.CAPTIVITY_LENGTH,
            PriorityCriterion.MEDICAL_SEVERITY,
            PriorityCriterion.CATEGORIES,
        )
    )
    assert weight(captivity_first, 0, 2, set()) > weight(captivity_first, 3, 1, set())


def test_captivity_beyond_the_cap_ranks_as_the_cap() -> None:
    assert weight(ORDER, 0, DAYS_CAP, set()) == weight(ORDER, 0, DAYS_CAP + 400, set())


def test_weights_stay_in_a_safe_integer_range() -> None:
    widest = PriorityOrder(categories=tuple(f"c{i}" for i in range(MAX_PRIORITY_CATEGORIES)))
    top = weight(widest, 3, DAYS_CAP, set(widest.categories))
    assert top == MAX_WEIGHT
    assert MAX_WEIGHT < 2**23
    # Even 2^30 persons at the top weight sum exactly in double precision.
    assert float(MAX_WEIGHT) * 2**30 < 2**53
    assert weight(widest, 0, 0, set()) == 1


def test_vector_and_scalar_forms_agree() -> None:
    severity = np.array([0, 3, 1, 2], dtype=np.int64)
    days = np.array([5, 0, 900, 20000], dtype=np.int64)
    keys = [set(), {"women"}, ALL, {"young"}]
    masks = np.array([ORDER.category_mask(k) for k in keys], dtype=np.int64)
    vector = weights(ORDER, severity, days, masks)
    assert vector.tolist() == [
        weight(ORDER, int(s), int(d), k) for s, d, k in zip(severity, days, keys, strict=True)
    ]


def test_ranking_breaks_ties_by_days_then_id() -> None:
    w = np.array([5, 5, 5, 7], dtype=np.int64)
    days = np.array([DAYS_CAP + 10, DAYS_CAP + 10, DAYS_CAP + 50, 0], dtype=np.int64)
    order = ranking(w, days, ["b", "a", "c", "d"])
    assert order.tolist() == [3, 2, 1, 0]


@pytest.mark.parametrize(
    "build",
    [
        lambda: PriorityOrder(criteria=(PriorityCriterion.MEDICAL_SEVERITY,)),
        lambda: PriorityOrder(categories=("women", "women")),
        lambda: PriorityOrder(categories=tuple(f"c{i}" for i in range(MAX_PRIORITY_CATEGORIES + 1))),
    ],
)
def test_invalid_priority_orders(build) -> None:
    with pytest.raises(InvalidTerms):
        build()
