"""Measuring a linkage against known truth: blocking recall, precision, recall and F1."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from homebound.linkage.comparisons import BLOCKING_KEYS

__all__ = ["Scores", "blocking_recall", "score_pairs"]

IdPair = tuple[str, str]


@dataclass(frozen=True)
class Scores:
    """How proposed pairs compare with the true ones."""

    proposed: int
    true_pairs: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.proposed if self.proposed else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def score_pairs(proposed: Iterable[IdPair], truth: Iterable[IdPair]) -> Scores:
    proposed_set, truth_set = set(proposed), set(truth)
    return Scores(len(proposed_set), len(truth_set), len(proposed_set & truth_set))


def blocking_recall(
    left: pd.DataFrame,
    right: pd.DataFrame,
    truth: Iterable[IdPair],
    keys: tuple[tuple[str, ...], ...] = BLOCKING_KEYS,
) -> float:
    """Share of true pairs that agree on all keys of at least one blocking rule (so get scored at all)."""
    pairs = pd.DataFrame(list(truth), columns=["left_id", "right_id"])
    if pairs.empty:
        return 1.0
    joined = pairs.merge(left.add_suffix("_l"), left_on="left_id", right_on="unique_id_l").merge(
        right.add_suffix("_r"), left_on="right_id", right_on="unique_id_r"
    )
    found = np.zeros(len(joined), dtype=bool)
    for rule in keys:
        agree = np.ones(len(joined), dtype=bool)
        for key in rule:
            agree &= (joined[f"{key}_l"] == joined[f"{key}_r"]).fillna(False).to_numpy(dtype=bool)
        found |= agree
    return float(found.sum() / len(pairs))
