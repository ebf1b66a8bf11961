"""Linking two lists in one call: keys, training when no model is given, prediction, assignment, bands."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from homebound.linkage.assign import Bands, decide
from homebound.linkage.batch import DEFAULT_SEED, LinkSession
from homebound.linkage.features import prepare_features
from homebound.linkage.model import LinkageModel

__all__ = ["LinkResult", "link_lists"]

# Pairs below this never reach assignment; it only trims the fetched frame.
FETCH_FLOOR = 0.01


@dataclass(frozen=True)
class LinkResult:
    """The proposed pairs (one-to-one, match or review) with their levels and weights, and the model used."""

    proposals: pd.DataFrame
    model: LinkageModel
    scored_pairs: int
    seconds: dict[str, float] = field(default_factory=dict)


def _silent(_: str) -> None:
    return None


def link_lists(
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    model: LinkageModel | None = None,
    bands: Bands | None = None,
    seed: int = DEFAULT_SEED,
    progress: Callable[[str], None] = _silent,
) -> LinkResult:
    """Link two lists given as frames of source columns (``features.SOURCE_COLUMNS``).

    With no ``model``, one is trained on the two lists themselves (EM needs no labelled pairs); a given
    model keeps its m and u values, and its prior is re-estimated on these lists.
    """
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    progress(f"computing keys of {len(left):,} + {len(right):,} records")
    left_keys, right_keys = prepare_features(left), prepare_features(right)
    seconds["keys"] = time.perf_counter() - started
    session = LinkSession(left_keys, right_keys, model)
    mark = time.perf_counter()
    if model is None:
        session.train(seed=seed, progress=progress)
    else:
        progress("estimating the share of matching pairs in these lists")
        session.fit_prior()
    seconds["training"] = time.perf_counter() - mark
    mark = time.perf_counter()
    progress("scoring the blocked pairs")
    scored = session.predict(min_probability=FETCH_FLOOR)
    seconds["prediction"] = time.perf_counter() - mark
    mark = time.perf_counter()
    progress(f"assigning one to one among {len(scored):,} scored pairs")
    proposals = decide(scored, bands or Bands())
    seconds["assignment"] = time.perf_counter() - mark
    seconds["total"] = time.perf_counter() - started
    return LinkResult(proposals.reset_index(drop=True), session.model, len(scored), seconds)
