"""Both sides' candidates as arrays: eligibility, categories, basis, priority weights and ranks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from homebound.core.exchange.candidate import Candidate, Side
from homebound.core.exchange.eligibility import EligibilityDecision, RedLine, assess, clear
from homebound.core.exchange.errors import InvalidTerms
from homebound.core.exchange.formula import Basis, Humanitarian
from homebound.core.exchange.priority import ranking, weights
from homebound.core.exchange.terms import Terms

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
SIDES = (Side.A, Side.B)
_NO_CATEGORY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Pool:
    """Candidates of both sides in one order, with everything composition needs as parallel arrays."""

    candidates: tuple[Candidate, ...]
    reported: Mapping[str, EligibilityDecision]  # only candidates with something to report
    categories: tuple[frozenset[str], ...]  # empty for the ineligible: never computed
    basis: tuple[Basis | None, ...]  # None for the ineligible
    side: IntArray  # 0 for A, 1 for B
    eligible: BoolArray
    weight: IntArray
    days: IntArray
    rank: IntArray  # 1-based priority rank among the side's eligible candidates; 0 if ineligible
    eligible_count: tuple[int, int]

    def eligibility(self, i: int) -> EligibilityDecision:
        candidate = self.candidates[i]
        found = self.reported.get(candidate.candidate_id)
        return found if found is not None else EligibilityDecision(candidate.candidate_id, candidate.side, ())


def build_pool(terms: Terms, pool_a: Sequence[Candidate], pool_b: Sequence[Candidate]) -> Pool:
    """Gates, categories, basis and priority of every candidate, at the terms' reference date."""
    candidates = (*pool_a, *pool_b)
    _check_sides(pool_a, pool_b)
    reported = _gates(terms, candidates)
    n = len(candidates)
    eligible = np.fromiter(
        (c.candidate_id not in reported or reported[c.candidate_id].eligible for c in candidates), np.bool_, n
    )
    on, defined = terms.reference_date, terms.categories
    categories = tuple(
        frozenset(k.key for k in defined if k.contains(c, on)) if ok else _NO_CATEGORY
        for c, ok in zip(candidates, eligible.tolist(), strict=True)
    )
    all_for_all = frozenset(f.category for f in terms.all_for_all)
    humanitarian = terms.humanitarian
    basis = tuple(
        _basis(all_for_all, humanitarian, c, keys) if ok else None
        for c, keys, ok in zip(candidates, categories, eligible.tolist(), strict=True)
    )
    side = np.fromiter((c.side is Side.B for c in candidates), np.int64, n)
    severity = np.fromiter((c.health.severity for c in candidates), np.int64, n)
    days = np.fromiter((c.captivity_days(on) for c in candidates), np.int64, n)
    mask_of: dict[frozenset[str], int] = {}
    masks = np.fromiter(
        (mask_of.get(k) or mask_of.setdefault(k, terms.priority.category_mask(k)) for k in categories),
        np.int64,
        n,
    )
    weight = weights(terms.priority, severity, days, masks)
    rank = np.zeros(n, dtype=np.int64)
    for index in (0, 1):
        members = np.flatnonzero(eligible & (side == index))
        order = ranking(weight[members], days[members], [candidates[i].candidate_id for i in members])
        rank[members[order]] = np.arange(1, len(members) + 1)
    counts = (int((eligible & (side == 0)).sum()), int((eligible & (side == 1)).sum()))
    return Pool(candidates, reported, categories, basis, side, eligible, weight, days, rank, counts)


def _gates(terms: Terms, candidates: Sequence[Candidate]) -> dict[str, EligibilityDecision]:
    rules = terms.eligibility
    overrides = {o.candidate_id: o for o in terms.legal_hold_overrides}
    red_lines: dict[str, list[RedLine]] = {}
    for red_line in terms.red_lines:
        red_lines.setdefault(red_line.candidate_id, []).append(red_line)
    on = terms.reference_date
    return {
        c.candidate_id: assess(
            c, rules, red_lines=red_lines.get(c.candidate_id, ()), overrides=overrides, reference_date=on
        )
        for c in candidates
        if c.candidate_id in red_lines or not clear(c, rules, on)
    }


def _basis(
    all_for_all: frozenset[str],
    humanitarian: Sequence[Humanitarian],
    candidate: Candidate,
    keys: frozenset[str],
) -> Basis:
    if not keys.isdisjoint(all_for_all):
        return Basis.ALL_FOR_ALL
    if any(f.covers(candidate.side, candidate.candidate_id, keys) for f in humanitarian):
        return Basis.HUMANITARIAN
    return Basis.PARITY


def _check_sides(pool_a: Sequence[Candidate], pool_b: Sequence[Candidate]) -> None:
    seen: set[str] = set()
    for expected, pool in ((Side.A, pool_a), (Side.B, pool_b)):
        for candidate in pool:
            if candidate.side is not expected:
                raise InvalidTerms(f"{candidate.candidate_id} is held by {candidate.side}, not {expected}")
            seen.add(candidate.candidate_id)
    if len(seen) != len(pool_a) + len(pool_b):
        raise InvalidTerms("a candidate id appears twice in the pools")


def ranked(pool: Pool, mask: BoolArray) -> IntArray:
    """Indices of `mask`, first priority first."""
    members = np.flatnonzero(mask)
    ordered: IntArray = members[np.argsort(pool.rank[members], kind="stable")]
    return ordered
