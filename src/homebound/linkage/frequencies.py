"""Term frequencies: how common a family name (by skeleton) or a given-name class is; rare names weigh more.

Splink's term-frequency adjustment adds ``w * (log2 u - log2 max(tf_l, tf_r, floor))`` bits to a level that
carries it: two records agreeing on «Цюцюра» gain more than two agreeing on «Коваленко». Splink computes the
shares itself over both lists in batch; the index computes them the same way over its registry (or is given a
table, to score exactly as a batch run did). One formula, here, for the index and the explanation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from homebound.linkage.comparisons import ComparisonSpec
    from homebound.linkage.model import LinkageModel

__all__ = [
    "TF_COLUMNS",
    "TF_MINIMUM",
    "TF_WEIGHT",
    "RegistryShares",
    "TermFrequencies",
    "average_shares",
    "shrunk_share",
    "tf_adjustment",
    "tf_adjustments",
    "tf_column",
    "tf_gammas",
    "tf_levels",
]

# The key columns whose frequency adjusts a level: the family name's cross-script skeleton, and the given
# name's first class (Олександр, Александр and Oleksandr share one).
TF_COLUMNS: tuple[str, ...] = ("fam_skel", "giv_c1")
TF_WEIGHT = 1.0
# The floor under a share: no name weighs more than one carried by one person in 100,000.
TF_MINIMUM = 1e-5
# A list of a few hundred records cannot tell a name's share: every name in it is at least 1 in 400. Shares
# are shrunk toward the model's average share (the u of the level) as if this many records of the average
# kind had been seen besides: a short list's names weigh about as the model says, a long one's by count.
PRIOR_RECORDS = 10_000


@dataclass(frozen=True)
class TermFrequencies:
    """Per column, each value's share among the records where the column is known."""

    shares: Mapping[str, Mapping[str, float]]

    @classmethod
    def of(cls, *frames: pd.DataFrame, model: LinkageModel | None = None) -> TermFrequencies:
        """The shares over the records of ``frames`` together (``features.prepare_features`` output).

        With a trained ``model``, each share is shrunk toward the model's average (``shrunk_share``);
        without, it is the plain share, as Splink computes it over the lists it links.
        """
        averages = average_shares(model) if model is not None else {}
        shares: dict[str, dict[str, float]] = {}
        for column in TF_COLUMNS:
            values = pd.concat([f[column] for f in frames], ignore_index=True).dropna()
            counts = values.value_counts()
            total = len(values)
            average = averages.get(column)
            shares[column] = {
                str(k): shrunk_share(int(v), total, average) for k, v in counts.items() if total
            }
        return cls(shares)

    def share(self, column: str, value: str | None) -> float | None:
        if value is None:
            return None
        return self.shares.get(column, {}).get(value)


def average_shares(model: LinkageModel) -> dict[str, float]:
    """Per adjusting column, the u of the first level it adjusts: the chance two records of different
    people agree on it, which is the average share of its values weighted by their share."""
    from homebound.linkage.comparisons import COMPARISONS  # noqa: PLC0415 - comparisons imports this module

    averages: dict[str, float] = {}
    for spec in COMPARISONS:
        for position, level in enumerate(spec.levels):
            u = model.levels[spec.name][position].u
            if level.tf_column is not None and u is not None and level.tf_column not in averages:
                averages[level.tf_column] = u
    return averages


def shrunk_share(count: int, total: int, average: float | None) -> float:
    """``count / total``, shrunk toward ``average`` by ``PRIOR_RECORDS`` (plain when no average is known)."""
    if average is None:
        return count / max(total, 1)
    return (count + PRIOR_RECORDS * average) / (total + PRIOR_RECORDS)


def tf_adjustment(u: float, share_left: float | None, share_right: float | None) -> float:
    """Bits added to a level with u-probability ``u`` for values of these shares (0 when neither is known)."""
    known = [s for s in (share_left, share_right) if s is not None and not math.isnan(s)]
    if not known:
        return 0.0
    return TF_WEIGHT * (math.log2(u) - math.log2(max(*known, TF_MINIMUM)))


def tf_gammas(comparison: ComparisonSpec) -> set[int]:
    """Splink's gamma of each level of ``comparison`` that carries a term-frequency adjustment."""
    graded = len(comparison.levels) - 1  # the null level is first; the else level is not in the spec
    return {
        graded - (position - 1)
        for position, level in enumerate(comparison.levels)
        if level.tf_column is not None and not level.null
    }


def tf_levels(comparison: ComparisonSpec, model: LinkageModel) -> dict[int, float]:
    """The levels of ``comparison`` that carry a term-frequency adjustment: Splink's gamma -> log2 u."""
    graded = len(comparison.levels) - 1  # the null level is first; the else level is not in the spec
    found: dict[int, float] = {}
    for position, level in enumerate(comparison.levels):
        u = model.levels[comparison.name][position].u
        if level.tf_column is not None and u is not None and not level.null:
            found[graded - (position - 1)] = math.log2(u)
    return found


def tf_column(comparison: ComparisonSpec) -> str | None:
    """The key column whose frequency adjusts some level of ``comparison`` (None when no level has one)."""
    columns = {level.tf_column for level in comparison.levels if level.tf_column is not None}
    if len(columns) > 1:
        raise ValueError(f"{comparison.name} adjusts by more than one column")
    return next(iter(columns), None)


def tf_adjustments(
    levels: np.ndarray, log2_u: Mapping[int, float], left: np.ndarray, right: np.ndarray
) -> np.ndarray:
    """``tf_adjustment`` for many pairs: their levels, and each side's share (NaN where unknown)."""
    share = np.fmax(left, right)
    known = ~np.isnan(share)
    result = np.zeros(len(levels))
    for gamma, log2 in log2_u.items():
        hit = (levels == gamma) & known
        result[hit] = TF_WEIGHT * (log2 - np.log2(np.maximum(share[hit], TF_MINIMUM)))
    return result


class RegistryShares:
    """The shares of the adjusting columns' values among an index's records, by vocabulary code: counted from
    the records as they come and go, or fixed from a table (to score as a batch run over two lists did)."""

    def __init__(
        self, fixed: TermFrequencies | None = None, averages: Mapping[str, float] | None = None
    ) -> None:
        self.fixed = fixed
        self.averages = dict(averages or {})
        self.counts: dict[str, np.ndarray] = {c: np.zeros(0, dtype=np.int64) for c in TF_COLUMNS}
        self.totals: dict[str, int] = dict.fromkeys(TF_COLUMNS, 0)
        self._fixed_arrays: dict[str, np.ndarray] = {}

    def load(self, column: str, codes: np.ndarray) -> None:
        known = codes[codes >= 0]
        self.counts[column] = np.bincount(known, minlength=int(codes.max(initial=-1)) + 1).astype(np.int64)
        self.totals[column] = len(known)

    def change(self, column: str, code: int, delta: int) -> None:
        if code < 0:
            return
        counts = self.counts[column]
        if code >= len(counts):
            counts = self.counts[column] = np.concatenate(
                [counts, np.zeros(max(code + 1 - len(counts), len(counts)), dtype=np.int64)]
            )
        counts[code] += delta
        self.totals[column] += delta

    def of_codes(self, column: str, codes: np.ndarray, values: Sequence[str]) -> np.ndarray:
        """Each code's share (NaN for a missing or unseen value, or one no record now carries).

        Only the codes asked for are read: a look-up against a million records asks for a few dozen.
        """
        result = np.full(len(codes), np.nan)
        if self.fixed is not None:
            table = self._fixed_arrays.get(column)
            if table is None or len(table) != len(values):
                table = np.array([self.fixed.share(column, v) or np.nan for v in values], dtype=float)
                self._fixed_arrays[column] = table
            valid = (codes >= 0) & (codes < len(table))
            result[valid] = table[codes[valid]]
            return result
        counts = self.counts[column]
        valid = (codes >= 0) & (codes < len(counts))
        found = counts[codes[valid]].astype(float)
        average = self.averages.get(column)
        total = self.totals[column]
        if average is None:
            shares = found / max(total, 1)
        else:
            shares = (found + PRIOR_RECORDS * average) / (total + PRIOR_RECORDS)
        result[valid] = np.where(found > 0, shares, np.nan)
        return result

    def of_text(self, column: str, value: str | None) -> float:
        """The share of a value no record of the index carries (only a fixed table knows one)."""
        share = self.fixed.share(column, value) if self.fixed is not None else None
        return np.nan if share is None else share
