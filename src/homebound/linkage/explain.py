"""Why a pair was proposed: each comparison's level and the match weight it added, for the reviewer."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from homebound.linkage.comparisons import COMPARISONS
from homebound.linkage.model import LinkageModel

__all__ = ["Evidence", "PairExplanation", "explain_pair", "level_label"]


@dataclass(frozen=True)
class Evidence:
    """One comparison's verdict on a pair: the level it reached and the weight (bits) that level adds."""

    comparison: str
    level: str
    gamma: int
    match_weight: float


@dataclass(frozen=True)
class PairExplanation:
    """The score of a pair taken apart: prior weight plus each comparison's weight gives the total."""

    left_id: str
    right_id: str
    match_probability: float
    match_weight: float
    prior_weight: float
    evidence: tuple[Evidence, ...]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One line a reviewer reads: the levels, strongest evidence first."""
        ordered = sorted(self.evidence, key=lambda e: -abs(e.match_weight))
        parts = [f"{e.comparison}: {e.level} ({e.match_weight:+.1f})" for e in ordered if e.gamma != -1]
        return f"p={self.match_probability:.3f}; " + "; ".join(parts)


def level_label(model: LinkageModel, comparison: str, gamma: int) -> str:
    """The label of level ``gamma`` (Splink's numbering: -1 missing, 0 the else level, higher is stronger)."""
    labels = [lv.label for lv in model.levels[comparison]]
    if gamma == -1:
        return labels[0]
    if gamma == 0:
        return labels[-1]
    graded = len(labels) - 2  # levels between the null and the else level
    if not 0 < gamma <= graded:
        raise ValueError(f"{comparison} has no level {gamma}")
    return labels[1 + graded - gamma]


def _number(value: object) -> float:
    if isinstance(value, int | float):
        return float(value)
    return float(str(value))


def explain_pair(pair: Mapping[Any, Any], model: LinkageModel) -> PairExplanation:
    """Explain one row of a prediction frame (it keeps ``gamma_<name>`` and ``mw_<name>`` per comparison)."""
    evidence = tuple(
        Evidence(
            spec.name,
            level_label(model, spec.name, int(pair[f"gamma_{spec.name}"])),
            int(pair[f"gamma_{spec.name}"]),
            _number(pair[f"mw_{spec.name}"]),
        )
        for spec in COMPARISONS
    )
    weight = _number(pair["match_weight"])
    probability = _number(pair["match_probability"])
    if math.isnan(weight) or math.isnan(probability):
        raise ValueError("the pair has no score")
    return PairExplanation(
        str(pair["left_id"]),
        str(pair["right_id"]),
        probability,
        weight,
        model.prior_weight(),
        evidence,
    )
