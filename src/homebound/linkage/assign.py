"""One-to-one assignment of scored pairs and the three bands: match, review, non-match."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["Bands", "Decision", "assign_one_to_one", "decide"]

# Components larger than this (a surname-and-year crowd) are assigned greedily instead of optimally.
MAX_OPTIMAL_COMPONENT = 400


class Decision(StrEnum):
    """What a proposed pair asks of the reviewer."""

    MATCH = "match"  # strong evidence, no rival: confirm
    REVIEW = "review"  # plausible, or strong but another record competes for it: look closely
    NON_MATCH = "non-match"


@dataclass(frozen=True)
class Bands:
    """Probability thresholds of the bands; a match with a rival at ``rival`` or above is only reviewed.

    Set on a training draw of the second generator (bench/independent_lists.py, seed 1, 100k x 100k;
    never the held-out draw): from 0.8 the strong matches stay above 0.995 precision, and a pair from 0.02
    is worth a look (a name-only or doubly mistyped true pair often scores 0.02-0.5 against a crowd of
    namesakes). A rival counts from 0.5 whatever the review floor: a twin or brother still demotes a match.
    """

    match: float = 0.8
    review: float = 0.02
    rival: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 < self.review <= self.match <= 1.0 or not 0.0 < self.rival <= 1.0:
            raise ValueError("bands need 0 < review <= match <= 1 and 0 < rival <= 1")


def _components(left: np.ndarray, right: np.ndarray, n_left: int, n_right: int) -> np.ndarray:
    nodes = n_left + n_right
    graph = coo_matrix((np.ones(len(left)), (left, right + n_left)), shape=(nodes, nodes))
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels[left])


def _greedy(left: np.ndarray, right: np.ndarray, probability: np.ndarray) -> np.ndarray:
    chosen = np.zeros(len(left), dtype=bool)
    used_left: set[int] = set()
    used_right: set[int] = set()
    for k in np.argsort(-probability, kind="stable"):
        a, b = int(left[k]), int(right[k])
        if a not in used_left and b not in used_right:
            used_left.add(a)
            used_right.add(b)
            chosen[k] = True
    return chosen


def _optimal(left: np.ndarray, right: np.ndarray, probability: np.ndarray) -> np.ndarray:
    """The assignment maximising the summed probability: the expected number of true pairs kept."""
    rows, row_of = np.unique(left, return_inverse=True)
    cols, col_of = np.unique(right, return_inverse=True)
    gain = np.zeros((len(rows), len(cols)))
    gain[row_of, col_of] = probability
    picked_rows, picked_cols = linear_sum_assignment(gain, maximize=True)
    wanted = set(zip(picked_rows.tolist(), picked_cols.tolist(), strict=True))
    return np.fromiter(
        ((r, c) in wanted and gain[r, c] > 0 for r, c in zip(row_of, col_of, strict=True)),
        dtype=bool,
        count=len(left),
    )


def assign_one_to_one(pairs: pd.DataFrame, min_probability: float) -> pd.Series:
    """Which pairs to propose so that each record is in at most one: a boolean mask over ``pairs``.

    Pairs below ``min_probability`` are never proposed. Linked groups of candidates (a record with several
    plausible partners) are solved exactly with the Hungarian method, large ones greedily.
    """
    eligible = pairs["match_probability"].to_numpy() >= min_probability
    mask = np.zeros(len(pairs), dtype=bool)
    if not eligible.any():
        return pd.Series(mask, index=pairs.index)
    sub = pairs.loc[eligible]
    left, left_ids = pd.factorize(sub["left_id"])
    right, right_ids = pd.factorize(sub["right_id"])
    probability = sub["match_probability"].to_numpy(dtype=float)
    component = _components(left, right, len(left_ids), len(right_ids))
    sizes = np.bincount(component)
    chosen = np.zeros(len(sub), dtype=bool)
    single = sizes[component] == 1
    chosen[single] = True
    crowded = np.flatnonzero(~single)
    if len(crowded):
        order = crowded[np.argsort(component[crowded], kind="stable")]
        groups = np.split(order, np.flatnonzero(np.diff(component[order])) + 1)
        for group in groups:
            solve = _optimal if len(group) <= MAX_OPTIMAL_COMPONENT else _greedy
            chosen[group] = solve(left[group], right[group], probability[group])
    mask[np.flatnonzero(eligible)] = chosen
    return pd.Series(mask, index=pairs.index)


def _best_other(ids: pd.Series, probability: pd.Series) -> np.ndarray:
    """For each pair, the highest probability among the other pairs sharing its record on this side."""
    frame = pd.DataFrame({"id": ids.to_numpy(), "p": probability.to_numpy()})
    frame["rank"] = frame.groupby("id")["p"].rank(method="first", ascending=False)
    top = frame[frame["rank"] == 1].set_index("id")["p"]
    second = frame[frame["rank"] == 2].set_index("id")["p"]
    first_of = frame["id"].map(top).to_numpy()
    second_of = frame["id"].map(second).fillna(0.0).to_numpy()
    return np.where(frame["rank"].to_numpy() == 1, second_of, first_of)


def decide(pairs: pd.DataFrame, bands: Bands) -> pd.DataFrame:
    """The proposed pairs, one-to-one, each with its decision and its strongest rival's probability."""
    if pairs.empty:
        return pairs.assign(rival_probability=pd.Series(dtype=float), decision=pd.Series(dtype=str))
    candidates = pairs[pairs["match_probability"] >= bands.review]
    rival = np.maximum(
        _best_other(candidates["left_id"], candidates["match_probability"]),
        _best_other(candidates["right_id"], candidates["match_probability"]),
    )
    candidates = candidates.assign(rival_probability=rival)
    proposed = candidates[assign_one_to_one(candidates, bands.review)]
    strong = (proposed["match_probability"] >= bands.match) & (proposed["rival_probability"] < bands.rival)
    decision = np.where(strong, Decision.MATCH.value, Decision.REVIEW.value)
    return proposed.assign(decision=decision)
