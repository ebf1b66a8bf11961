"""Choosing the parity lists: places under counting formulas, sort-and-take, and the MILP for any formula."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array

from homebound.core.exchange.errors import CompositionInfeasible
from homebound.core.exchange.formula import DeclaredRatio, NForN, ParityFormula, WeightedEquivalence
from homebound.core.exchange.pool import SIDES, BoolArray, IntArray, Pool, ranked
from homebound.core.exchange.solver import BinaryProgram, Selection, maximise
from homebound.core.exchange.terms import Terms


@dataclass(frozen=True, slots=True)
class Places:
    """Persons per side under a counting formula (None under points), and why a side got fewer places."""

    targets: tuple[int, int] | None
    notes: tuple[str, str] = ("", "")


def _per_side(mask: BoolArray, pool: Pool) -> tuple[int, int]:
    return int((mask & (pool.side == 0)).sum()), int((mask & (pool.side == 1)).sum())


def counting_places(
    formula: ParityFormula, terms: Terms, pool: Pool, parity: BoolArray, forced: BoolArray
) -> Places:
    """How many each side releases under parity; raises when amendments or pools make that impossible."""
    available, added = _per_side(parity, pool), _per_side(forced, pool)
    if isinstance(formula, WeightedEquivalence):
        if terms.max_persons is not None and sum(added) > terms.max_persons:
            raise CompositionInfeasible(
                f"amendments add {sum(added)} persons, the cap is {terms.max_persons}"
            )
        return Places(None)
    if isinstance(formula, DeclaredRatio):
        targets = (formula.a_count, formula.b_count)
        notes = ("", "")
    else:
        cap = None if terms.max_persons is None else terms.max_persons // 2
        n = min(*available, *(() if cap is None else (cap,)))
        targets = (n, n)
        notes = tuple(  # type: ignore[assignment]
            f"; side {SIDES[1 - s].value.upper()} has only {n} eligible under parity"
            if n < available[s] and (cap is None or n < cap)
            else ""
            for s in (0, 1)
        )
    for s, side in enumerate(SIDES):
        if available[s] < targets[s]:
            raise CompositionInfeasible(
                f"side {side.value.upper()} has {available[s]} eligible under parity, {targets[s]} needed"
            )
        if added[s] > targets[s]:
            raise CompositionInfeasible(
                f"amendments add {added[s]} on side {side.value.upper()}; the formula gives {targets[s]}"
            )
    return Places(targets, notes)


def select_by_sort(pool: Pool, parity: BoolArray, forced: BoolArray, places: Places) -> BoolArray:
    """Top of each side by priority, after the amendments' additions (counting formulas only)."""
    assert places.targets is not None
    chosen = forced.copy()
    for s in (0, 1):
        side = pool.side == s
        free = ranked(pool, parity & ~forced & side)
        chosen[free[: places.targets[s] - int((forced & side).sum())]] = True
    return chosen


def select_by_milp(
    formula: ParityFormula, terms: Terms, pool: Pool, parity: BoolArray, forced: BoolArray, places: Places
) -> tuple[BoolArray, Selection]:
    """The MILP for any parity formula; the result is canonical within groups of interchangeable persons."""
    points = _points(formula, pool, parity)
    groups = _groups(pool, parity & ~forced, points, _group_limit(terms, pool, forced, places))
    columns = np.concatenate([g[1] for g in groups]) if groups else np.zeros(0, dtype=np.int64)
    program = _program(formula, terms, pool, forced, points, columns)
    selection = maximise(program)
    if selection is None:
        raise CompositionInfeasible(
            "no pair of lists keeps the formula exactly with these pools and amendments"
        )
    chosen = forced.copy()
    taken = dict(zip(columns.tolist(), selection.chosen.tolist(), strict=True))
    for _, members in groups:
        count = sum(taken[int(i)] for i in members)
        chosen[members[:count]] = True  # canonical: the top of each group of interchangeable persons
    return chosen, selection


def _points(formula: ParityFormula, pool: Pool, parity: BoolArray) -> IntArray:
    points = np.ones(len(pool.candidates), dtype=np.int64)
    if isinstance(formula, WeightedEquivalence):
        for i in np.flatnonzero(parity):
            points[i] = formula.points(pool.candidates[i].rank_class)
    return points


def _group_limit(
    terms: Terms, pool: Pool, forced: BoolArray, places: Places
) -> tuple[int | None, int | None]:
    """No selection can take more than this from one group (a side, or a side's rank class)."""
    added = _per_side(forced, pool)
    if places.targets is not None:
        return places.targets[0] - added[0], places.targets[1] - added[1]
    if terms.max_persons is None:
        return None, None
    left = terms.max_persons - sum(added)
    return left, left


def _groups(
    pool: Pool, free: BoolArray, points: IntArray, limits: tuple[int | None, int | None]
) -> list[tuple[tuple[int, int], IntArray]]:
    """Interchangeable candidates (same side, same points) in priority order, cut to what can be taken."""
    groups = []
    for s in (0, 1):
        side_free = free & (pool.side == s)
        for value in np.unique(points[side_free]):
            members = ranked(pool, side_free & (points == value))
            limit = limits[s]
            groups.append(((s, int(value)), members if limit is None else members[:limit]))
    return groups


def _program(
    formula: ParityFormula, terms: Terms, pool: Pool, forced: BoolArray, points: IntArray, columns: IntArray
) -> BinaryProgram:
    side = pool.side[columns]
    a_side, b_side = (side == 0).astype(np.float64), (side == 1).astype(np.float64)
    added = _per_side(forced, pool)
    eq_rows: list[np.ndarray] = []
    eq_rhs: list[float] = []
    ub_rows: list[np.ndarray] = []
    ub_rhs: list[float] = []
    if isinstance(formula, DeclaredRatio):
        eq_rows += [a_side, b_side]
        eq_rhs += [formula.a_count - added[0], formula.b_count - added[1]]
    elif isinstance(formula, NForN):
        eq_rows.append(a_side - b_side)
        eq_rhs.append(added[1] - added[0])
        if terms.max_persons is not None:
            ub_rows += [a_side, b_side]
            ub_rhs += [terms.max_persons // 2 - added[0], terms.max_persons // 2 - added[1]]
    else:
        signed = np.where(side == 0, 1.0, -1.0) * points[columns]
        forced_points = [int(points[forced & (pool.side == s)].sum()) for s in (0, 1)]
        eq_rows.append(signed)
        eq_rhs.append(forced_points[1] - forced_points[0])
        if terms.max_persons is not None:
            ub_rows.append(np.ones(len(columns)))
            ub_rhs.append(terms.max_persons - sum(added))
    return BinaryProgram(
        weights=pool.weight[columns].astype(np.float64),
        a_eq=_matrix(eq_rows, len(columns)),
        b_eq=np.array(eq_rhs, dtype=np.float64),
        a_ub=_matrix(ub_rows, len(columns)),
        b_ub=np.array(ub_rhs, dtype=np.float64),
    )


def _matrix(rows: list[np.ndarray], width: int) -> csr_array:
    if not rows:
        return csr_array((0, width), dtype=np.float64)
    return csr_array(np.vstack(rows))
