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
    # Bits the level gained (rare name) or lost (common name) for how common the name is, and the share of
    # records carrying it that decided so (None when no such weight applied).
    tf_adjustment: float = 0.0
    name_share: float | None = None

    def rarity(self) -> str:
        """The rare-name weight in words: "name shared by 1 in 12,500 (+3.4)"; empty when none applied."""
        if self.name_share is None:
            return ""
        return f"name shared by 1 in {1 / self.name_share:,.0f} ({self.tf_adjustment:+.1f})"


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

    def for_review(self) -> dict[str, Any]:
        """What a queued pair keeps for its reviewer: the prior and each comparison's level and weights."""
        return {
            "prior_weight": self.prior_weight,
            "evidence": [
                {
                    "comparison": e.comparison,
                    "level": e.level,
                    "gamma": e.gamma,
                    "match_weight": e.match_weight,
                    "tf_adjustment": e.tf_adjustment,
                    "name_share": e.name_share,
                    "rarity": e.rarity(),
                }
                for e in self.evidence
            ],
        }

    def summary(self) -> str:
        """One line a reviewer reads: the levels, strongest evidence first."""
        ordered = sorted(self.evidence, key=lambda e: -abs(e.match_weight + e.tf_adjustment))
        parts = [
            f"{e.comparison}: {e.level} ({e.match_weight:+.1f}" + (f"; {e.rarity()})" if e.rarity() else ")")
            for e in ordered
            if e.gamma != -1
        ]
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


def _share(value: object) -> float | None:
    if value is None:
        return None
    share = _number(value)
    return None if math.isnan(share) else share


def explain_pair(pair: Mapping[Any, Any], model: LinkageModel) -> PairExplanation:
    """Explain one row of a prediction frame (it keeps ``gamma_<name>`` and ``mw_<name>`` per comparison, and
    ``mw_tf_adj_<name>`` and ``name_share_<name>`` where a rare-name weight applies)."""
    evidence = tuple(
        Evidence(
            spec.name,
            level_label(model, spec.name, int(pair[f"gamma_{spec.name}"])),
            int(pair[f"gamma_{spec.name}"]),
            _number(pair[f"mw_{spec.name}"]),
            _number(pair.get(f"mw_tf_adj_{spec.name}", 0.0)),
            _share(pair.get(f"name_share_{spec.name}")),
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
