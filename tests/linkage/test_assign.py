"""One-to-one assignment and the three bands, on hand-made candidate graphs."""

from __future__ import annotations

import pandas as pd
import pytest

from homebound.linkage.assign import Bands, Decision, assign_one_to_one, decide

Edge = tuple[str, str, float]


def _pairs(edges: list[Edge]) -> pd.DataFrame:
    return pd.DataFrame(edges, columns=["left_id", "right_id", "match_probability"])


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        # Two people, two records each side: the obvious pairs.
        ([("a1", "b1", 0.99), ("a2", "b2", 0.98)], {("a1", "b1"), ("a2", "b2")}),
        # Greedy would take a1-b1 (0.9) and leave a2 alone; the optimum keeps two likely pairs (1.65).
        ([("a1", "b1", 0.9), ("a1", "b2", 0.8), ("a2", "b1", 0.85)], {("a1", "b2"), ("a2", "b1")}),
        # One held record wanted by two sought records: only the stronger gets it.
        ([("a1", "b1", 0.97), ("a2", "b1", 0.6)], {("a1", "b1")}),
        # Below the floor: nothing, even without competition.
        ([("a1", "b1", 0.3)], set()),
        # A chain a1-b1-a2-b2: the assignment takes the two ends' best partners.
        ([("a1", "b1", 0.7), ("a2", "b1", 0.9), ("a2", "b2", 0.95)], {("a1", "b1"), ("a2", "b2")}),
    ],
)
def test_one_to_one(edges: list[Edge], expected: set[tuple[str, str]]) -> None:
    pairs = _pairs(edges)
    chosen = pairs[assign_one_to_one(pairs, min_probability=0.5)]
    assert set(zip(chosen["left_id"], chosen["right_id"], strict=True)) == expected


def test_each_record_proposed_at_most_once_in_a_crowd() -> None:
    """A surname-and-year crowd: 30 x 30 records, all linked to all."""
    edges = [(f"a{i}", f"b{j}", 0.5 + ((i * 7 + j * 3) % 17) / 40) for i in range(30) for j in range(30)]
    pairs = _pairs(edges)
    chosen = pairs[assign_one_to_one(pairs, min_probability=0.5)]
    assert chosen["left_id"].is_unique
    assert chosen["right_id"].is_unique
    assert len(chosen) == 30


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ([("a1", "b1", 0.99)], {("a1", "b1"): Decision.MATCH}),
        ([("a1", "b1", 0.7)], {("a1", "b1"): Decision.REVIEW}),
        ([("a1", "b1", 0.2)], {}),
        # A twin competes for the held record: the strong pair is only put to review, never auto-matched.
        ([("a1", "b1", 0.99), ("a2", "b1", 0.8)], {("a1", "b1"): Decision.REVIEW}),
        # A weak rival below the review band does not demote.
        ([("a1", "b1", 0.99), ("a2", "b1", 0.2)], {("a1", "b1"): Decision.MATCH}),
    ],
)
def test_decide(edges: list[Edge], expected: dict[tuple[str, str], Decision]) -> None:
    decided = decide(_pairs(edges), Bands(match=0.95, review=0.5))
    got = {
        (a, b): Decision(d)
        for a, b, d in zip(decided["left_id"], decided["right_id"], decided["decision"], strict=True)
    }
    assert got == expected


def test_decide_on_nothing() -> None:
    decided = decide(_pairs([]), Bands())
    assert decided.empty
    assert "decision" in decided.columns


@pytest.mark.parametrize(("match", "review"), [(0.5, 0.9), (1.5, 0.5), (0.9, 0.0)])
def test_bands_refuse_nonsense(match: float, review: float) -> None:
    with pytest.raises(ValueError, match="bands"):
        Bands(match=match, review=review)
