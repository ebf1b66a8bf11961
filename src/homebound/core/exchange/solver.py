"""Exact 0/1 selection by mixed-integer programming (SciPy milp / HiGHS), with reduced-cost fixing.

Maximise w·x over x ∈ {0,1}^n subject to A_eq x = b_eq and A_ub x ≤ b_ub, with integer w ≥ 0.

HiGHS alone needs tens of seconds on 40,000 binaries with a points equality: its presolve and branching drown
in interchangeable persons. We keep the MILP but shrink it with a classic, exact argument:

1. Solve the LP relaxation and take its duals y (any y with y_ub ≥ 0 will do; the LP's are the best).
2. Reduced profits r = w − Aᵀy give, for every feasible x, the Lagrangian bound
   w·x ≤ U − Σ_{i flipped} |r_i|,  with U = y·b + Σ max(r_i, 0),
   where "flipped" means x_i differs from [r_i > 0].
3. Fix every x_i with |r_i| > Δ + 1 to [r_i > 0] and solve the remaining small MILP exactly. If its optimum
   z reaches U − Δ, no solution flipping a fixed variable can beat it (its value is below U − Δ − 1 ≤ z − 1;
   the 1 absorbs floating-point error in U, and objectives are integers), so z is optimal. Otherwise widen
   Δ and repeat; at worst every variable is free and the MILP is the plain one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

INITIAL_DELTA = 64.0
DELTA_GROWTH = 8.0
LP_TIME_LIMIT = 30.0  # seconds; the LP takes well under one on 40,000 candidates


@dataclass(frozen=True, slots=True)
class BinaryProgram:
    weights: FloatArray  # integer-valued
    a_eq: csr_array
    b_eq: FloatArray
    a_ub: csr_array
    b_ub: FloatArray

    @property
    def size(self) -> int:
        return len(self.weights)

    def feasible(self, x: BoolArray) -> bool:
        chosen = x.astype(np.float64)
        eq_ok = np.array_equal(self.a_eq @ chosen, self.b_eq)
        return bool(eq_ok and np.all(self.a_ub @ chosen <= self.b_ub))


@dataclass(frozen=True, slots=True)
class Selection:
    chosen: BoolArray
    objective: int
    bound: float  # the LP (Lagrangian) upper bound
    free_variables: int  # how many binaries the last MILP actually branched over
    rounds: int


def maximise(program: BinaryProgram) -> Selection | None:
    """The optimal 0/1 selection, or None when no selection satisfies the constraints."""
    if program.size == 0:
        empty = np.zeros(0, dtype=np.bool_)
        return Selection(empty, 0, 0.0, 0, 0) if program.feasible(empty) else None
    duals = _lp_duals(program)
    if duals is None:
        return None
    y_eq, y_ub = duals
    reduced = program.weights - program.a_eq.T @ y_eq - program.a_ub.T @ y_ub
    bound = float(y_eq @ program.b_eq + y_ub @ program.b_ub + np.maximum(reduced, 0.0).sum())
    delta, rounds = INITIAL_DELTA, 0
    while True:
        rounds += 1
        free = np.abs(reduced) <= delta + 1.0
        if free.all():
            chosen = _solve_core(program, free, np.zeros(program.size, dtype=np.bool_))
            return None if chosen is None else _selection(program, chosen, bound, program.size, rounds)
        fixed_one = ~free & (reduced > 0)
        chosen = _solve_core(program, free, fixed_one)
        if chosen is not None:
            objective = int(program.weights[chosen].sum())
            if objective >= bound - delta:
                return _selection(program, chosen, bound, int(free.sum()), rounds)
        delta *= DELTA_GROWTH


def _selection(program: BinaryProgram, chosen: BoolArray, bound: float, free: int, rounds: int) -> Selection:
    if not program.feasible(chosen):  # guards against solver tolerances; never expected
        raise ArithmeticError("the MILP returned a selection that breaks its constraints")
    return Selection(chosen, int(program.weights[chosen].sum()), bound, free, rounds)


def _lp_duals(program: BinaryProgram) -> tuple[FloatArray, FloatArray] | None:
    """Duals of the LP relaxation, signed for maximisation; None when even the LP is infeasible."""
    has_eq, has_ub = program.a_eq.shape[0] > 0, program.a_ub.shape[0] > 0
    if not has_eq and not has_ub:
        return np.zeros(0), np.zeros(0)  # no constraint: every reduced profit is the weight itself
    result = None
    # Dual simplex without presolve is the fast path (HiGHS presolve is the slow part on wide programs of
    # two or three rows); the interior point method with presolve is the fallback should simplex stall.
    for method, presolve in (("highs-ds", False), ("highs-ipm", True)):
        result = linprog(
            -program.weights,
            A_ub=program.a_ub if has_ub else None,
            b_ub=program.b_ub if has_ub else None,
            A_eq=program.a_eq if has_eq else None,
            b_eq=program.b_eq if has_eq else None,
            bounds=(0, 1),
            method=method,
            options={"presolve": presolve, "time_limit": LP_TIME_LIMIT},
        )
        if result.status in (0, 2):
            break
    assert result is not None
    if result.status == 2:
        return None
    if result.status != 0:
        raise ArithmeticError(f"LP relaxation failed: {result.message}")
    y_eq = -np.asarray(result.eqlin.marginals, dtype=np.float64) if has_eq else np.zeros(0)
    y_ub = -np.asarray(result.ineqlin.marginals, dtype=np.float64) if has_ub else np.zeros(0)
    return y_eq, np.maximum(y_ub, 0.0)  # a dual of the wrong sign would void the bound


def _solve_core(program: BinaryProgram, free: BoolArray, fixed_one: BoolArray) -> BoolArray | None:
    """Exact MILP over the free variables, the others fixed (fixed_one at 1, the rest at 0)."""
    ones = fixed_one.astype(np.float64)
    rhs_eq = program.b_eq - program.a_eq @ ones
    rhs_ub = program.b_ub - program.a_ub @ ones
    columns = np.flatnonzero(free)
    chosen = fixed_one.copy()
    if len(columns) == 0:
        return chosen if program.feasible(chosen) else None
    constraints = []
    if program.a_eq.shape[0]:
        constraints.append(LinearConstraint(program.a_eq[:, columns], rhs_eq, rhs_eq))
    if program.a_ub.shape[0]:
        constraints.append(LinearConstraint(program.a_ub[:, columns], -np.inf, rhs_ub))
    result = milp(
        -program.weights[columns],
        integrality=np.ones(len(columns)),
        bounds=Bounds(0, 1),
        constraints=constraints,
        options={"mip_rel_gap": 0.0},
    )
    if result.status == 2 or result.x is None:
        return None
    if result.status != 0:
        raise ArithmeticError(f"MILP failed: {result.message}")
    chosen[columns] = result.x > 0.5
    return chosen
