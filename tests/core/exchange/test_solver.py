"""The exact 0/1 MILP with reduced-cost fixing, against brute force and against plain HiGHS."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array

from homebound.core.exchange.solver import BinaryProgram, maximise


def program(weights, eq_rows, eq_rhs, ub_rows, ub_rhs) -> BinaryProgram:
    n = len(weights)
    return BinaryProgram(
        weights=np.asarray(weights, dtype=np.float64),
        a_eq=csr_array(np.asarray(eq_rows, dtype=np.float64).reshape(len(eq_rows), n)),
        b_eq=np.asarray(eq_rhs, dtype=np.float64),
        a_ub=csr_array(np.asarray(ub_rows, dtype=np.float64).reshape(len(ub_rows), n)),
        b_ub=np.asarray(ub_rhs, dtype=np.float64),
    )


def brute_force(p: BinaryProgram) -> int | None:
    best = None
    for bits in itertools.product((False, True), repeat=p.size):
        x = np.array(bits, dtype=np.bool_)
        if p.feasible(x):
            value = int(p.weights[x].sum())
            best = value if best is None else max(best, value)
    return best


@st.composite
def small_programs(draw) -> BinaryProgram:
    n = draw(st.integers(1, 11))
    weights = draw(st.lists(st.integers(1, 60), min_size=n, max_size=n))
    coefficient = st.integers(-4, 4)
    eq_count = draw(st.integers(0, 2))
    eq_rows = [draw(st.lists(coefficient, min_size=n, max_size=n)) for _ in range(eq_count)]
    eq_rhs = [draw(st.integers(-3, 3)) for _ in range(eq_count)]
    ub_count = draw(st.integers(0, 2))
    ub_rows = [draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)) for _ in range(ub_count)]
    ub_rhs = [draw(st.integers(0, 8)) for _ in range(ub_count)]
    return program(weights, eq_rows, eq_rhs, ub_rows, ub_rhs)


@settings(max_examples=150, deadline=None)
@given(small_programs())
def test_maximise_agrees_with_brute_force(p: BinaryProgram) -> None:
    expected = brute_force(p)
    result = maximise(p)
    if expected is None:
        assert result is None
    else:
        assert result is not None
        assert result.objective == expected
        assert p.feasible(result.chosen)
        assert result.bound >= expected - 1e-6  # the Lagrangian bound is an upper bound


def points_program(seed: int, n: int = 200, cap: int = 30) -> BinaryProgram:
    """Two sides, Dix–Hill-like points, equal points and a cap on persons: the composition's shape."""
    rng = np.random.default_rng(seed)
    points = rng.choice([1, 1, 1, 1, 2, 2, 4, 6, 15], size=n)
    side = np.where(np.arange(n) < n // 2, 1.0, -1.0)
    weights = rng.integers(1, 5000, size=n)
    return program(weights, [side * points], [0], [np.ones(n)], [cap])


def test_fixing_leaves_a_small_core_and_matches_plain_highs() -> None:
    # Plain HiGHS stalls on a few hundred such binaries (the very reason for fixing), so keep it small.
    for seed in range(4):
        p = points_program(seed)
        result = maximise(p)
        assert result is not None
        assert result.free_variables < p.size  # reduced-cost fixing did fix variables
        plain = milp(
            -p.weights,
            integrality=np.ones(p.size),
            bounds=Bounds(0, 1),
            constraints=[
                LinearConstraint(p.a_eq, p.b_eq, p.b_eq),
                LinearConstraint(p.a_ub, -np.inf, p.b_ub),
            ],
            options={"mip_rel_gap": 0.0, "time_limit": 60.0},
        )
        assert plain.status == 0
        assert result.objective == round(-plain.fun)


def test_bound_is_the_lp_optimum() -> None:
    p = points_program(7)
    result = maximise(p)
    assert result is not None
    lp = linprog(
        -p.weights, A_ub=p.a_ub, b_ub=p.b_ub, A_eq=p.a_eq, b_eq=p.b_eq, bounds=(0, 1), method="highs"
    )
    assert abs(result.bound - (-lp.fun)) < 1e-6 * max(1.0, abs(lp.fun))


def test_infeasible_and_empty_programs() -> None:
    assert maximise(program([5, 5], [[2, 2]], [1], [], [])) is None  # 2x + 2y = 1 has no 0/1 solution
    assert maximise(program([5], [[1]], [3], [], [])) is None  # even the LP is infeasible
    empty = maximise(program([], [], [], [], []))
    assert empty is not None
    assert empty.objective == 0
