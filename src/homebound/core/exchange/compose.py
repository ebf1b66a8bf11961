"""Composition: the two lists that maximise priority under the exact formula, and why for each person.

`compose(terms, pool_a, pool_b)` runs the eligibility gates, puts everyone of an all-for-all category and
every humanitarian release in (outside parity), then chooses the parity lists:

- N for N and declared packages are counting formulas: taking the top k of each side by priority is
  optimal (an exchange argument: any other k-subset can be improved by swapping in a higher-ranked person),
  so `Method.AUTO` sorts and takes. `Method.MILP` solves the same case as a program; tests hold them equal.
- Weighted equivalence is a MILP over one binary per candidate (see `solver`), points on both sides equal,
  at most `max_persons` persons, amendments' additions fixed to 1, removals to 0.

Within a group of interchangeable candidates (same side, same points) any optimal selection can be replaced
by the top-ranked ones of that group without changing the objective or the constraints, so every method
returns the same canonical lists and ties never depend on the solver.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from homebound.core.exchange.candidate import Candidate, Side
from homebound.core.exchange.errors import CompositionInfeasible, InvalidAmendment
from homebound.core.exchange.formula import Balance, Basis, ListedPerson, balance
from homebound.core.exchange.pool import SIDES, BoolArray, Pool, build_pool
from homebound.core.exchange.reasons import Decision, DecisionCode, Decisions, decide
from homebound.core.exchange.selection import Places, counting_places, select_by_milp, select_by_sort
from homebound.core.exchange.solver import Selection
from homebound.core.exchange.terms import Terms

__all__ = ["Composition", "Decision", "DecisionCode", "Method", "compose"]


class Method(StrEnum):
    AUTO = "auto"  # sort-and-take for counting formulas, MILP for points
    MILP = "milp"
    SORT = "sort"


@dataclass(frozen=True)
class Composition:
    """Proposed lists (in priority order), the parity balance, and a decision for every candidate."""

    list_a: tuple[ListedPerson, ...]
    list_b: tuple[ListedPerson, ...]
    decisions: Decisions  # every candidate of both pools, keyed by id
    balance: Balance | None  # None when the terms have no parity formula
    method: Method  # the method actually used for the parity lists
    objective: int  # total priority weight of the parity lists
    solver: Selection | None  # MILP statistics when a program was solved

    def listed(self, side: Side) -> tuple[ListedPerson, ...]:
        return self.list_a if side is Side.A else self.list_b


def compose(
    terms: Terms,
    pool_a: Sequence[Candidate],
    pool_b: Sequence[Candidate],
    *,
    added: Mapping[str, str] | None = None,
    removed: Mapping[str, str] | None = None,
    method: Method = Method.AUTO,
) -> Composition:
    """Compose both lists. `added` and `removed` map candidate ids to the amendment's reason."""
    pool = build_pool(terms, pool_a, pool_b)
    added, removed = dict(added or {}), dict(removed or {})
    forced_in, forced_out = _amendment_masks(pool, added, removed)
    basis = np.array([b is Basis.PARITY for b in pool.basis], dtype=np.bool_)
    in_category = _in_parity_category(terms, pool)
    parity = pool.eligible & ~forced_out & basis & in_category
    outside = pool.eligible & ~forced_out & ~basis
    for i in np.flatnonzero(forced_in & basis & ~in_category):
        raise CompositionInfeasible(
            f"cannot add {pool.candidates[i].candidate_id}: outside the category the parity lists come from"
        )
    chosen, used, places, selection = _select_parity(terms, pool, parity, forced_in, method)
    codes = decide(terms, pool, chosen=chosen, outside=outside, forced_in=forced_in, forced_out=forced_out,
                   off_category=pool.eligible & basis & ~in_category)  # fmt: skip
    decisions = Decisions(terms, pool, codes, places, {**added, **removed})
    lists = _lists(pool, chosen | outside)
    parity_lists = [[p for p in listed if p.basis is Basis.PARITY] for listed in lists]
    formula = terms.parity
    parity_balance = None if formula is None else balance(formula, parity_lists[0], parity_lists[1])
    objective = int(pool.weight[chosen].sum())
    return Composition(lists[0], lists[1], decisions, parity_balance, used, objective, selection)


def _in_parity_category(terms: Terms, pool: Pool) -> BoolArray:
    """Who may be listed under parity: everyone, or the members of the terms' parity category."""
    wanted = terms.parity_category
    if wanted is None:
        return np.ones(len(pool.candidates), dtype=np.bool_)
    return np.fromiter((wanted in keys for keys in pool.categories), np.bool_, len(pool.candidates))


def _amendment_masks(
    pool: Pool, added: dict[str, str], removed: dict[str, str]
) -> tuple[BoolArray, BoolArray]:
    index = {c.candidate_id: i for i, c in enumerate(pool.candidates)}
    both = sorted(set(added) & set(removed))
    if both:
        raise InvalidAmendment(f"added and removed at once: {', '.join(both)}")
    forced_in = np.zeros(len(pool.candidates), dtype=np.bool_)
    forced_out = np.zeros(len(pool.candidates), dtype=np.bool_)
    for ids, mask in ((added, forced_in), (removed, forced_out)):
        for candidate_id, reason in ids.items():
            if candidate_id not in index:
                raise InvalidAmendment(f"{candidate_id} is in neither pool")
            if not reason.strip():
                raise InvalidAmendment(f"the amendment on {candidate_id} states no reason")
            mask[index[candidate_id]] = True
    for i in np.flatnonzero(forced_in & ~pool.eligible):
        candidate = pool.candidates[i]
        summary = pool.eligibility(int(i)).summary()
        raise CompositionInfeasible(f"cannot add {candidate.candidate_id}: {summary}")
    return forced_in, forced_out


def _select_parity(
    terms: Terms, pool: Pool, parity: BoolArray, forced_in: BoolArray, method: Method
) -> tuple[BoolArray, Method, Places, Selection | None]:
    formula = terms.parity
    forced = forced_in & parity
    if formula is None:
        if forced.any():
            raise CompositionInfeasible("the terms have no parity formula to count added persons under")
        return np.zeros_like(parity), Method.SORT, Places(None), None
    places = counting_places(formula, terms, pool, parity, forced)
    if method is Method.SORT and places.targets is None:
        raise ValueError("sort-and-take only solves counting formulas; weighted equivalence needs the MILP")
    if method is Method.MILP or places.targets is None:
        chosen, selection = select_by_milp(formula, terms, pool, parity, forced, places)
        return chosen, Method.MILP, places, selection
    return select_by_sort(pool, parity, forced, places), Method.SORT, places, None


def _lists(pool: Pool, chosen: BoolArray) -> tuple[tuple[ListedPerson, ...], tuple[ListedPerson, ...]]:
    result: list[tuple[ListedPerson, ...]] = []
    for index in range(len(SIDES)):
        members = np.flatnonzero(chosen & (pool.side == index))
        members = members[np.argsort(pool.rank[members], kind="stable")]
        result.append(tuple(_listed(pool, int(i)) for i in members))
    return result[0], result[1]


def _listed(pool: Pool, i: int) -> ListedPerson:
    basis = pool.basis[i]
    assert basis is not None
    candidate = pool.candidates[i]
    return ListedPerson(candidate.candidate_id, candidate.rank_class, basis)
