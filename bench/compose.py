"""Benchmark of composition: 20,000 synthetic candidates per side, a 1,000-person agreement, three formulas.

Run from the project root: `.venv/bin/python bench/compose.py` (see --help). For N for N, a declared package
and weighted equivalence (the Dix–Hill points), it prints the wall time of `compose` (best of --repeat runs:
eligibility gates, categories, priority, the lists, a decision code for every candidate), the time to render
every candidate's reason sentence once, and the peak memory of one composition (tracemalloc, measured in a
separate run because tracing slows Python down). The baseline, timed in the same process, is a plain greedy
sort-and-take in pure Python over the same pools (gates and categories included): exact for counting
formulas, and for points a greedy fill then trim, which shows what the MILP buys (exact balance, more
priority). Ratios are baseline / ours.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import TypeVar

from homebound.core.exchange.candidate import (
    Candidate,
    Custody,
    Health,
    MedicalSeverity,
    PartialDate,
    SeriousBasis,
    Sex,
    Side,
    WillStatus,
    WillToReturn,
)
from homebound.core.exchange.categories import (
    AgeBand,
    AgeBandCategory,
    Civilians,
    SeriouslyWoundedOrSick,
    Women,
)
from homebound.core.exchange.compose import Composition, Method, compose
from homebound.core.exchange.eligibility import assess_pool
from homebound.core.exchange.formula import (
    DIX_HILL_1862,
    DeclaredRatio,
    NForN,
    ParityFormula,
    WeightedEquivalence,
)
from homebound.core.exchange.priority import PriorityOrder, weight
from homebound.core.exchange.terms import Terms

T = TypeVar("T")
REFERENCE = date(2025, 5, 23)
# Roughly an army's shape: mostly privates and NCOs, a thin tail of officers, a general now and then.
RANK_SHARES = {
    "private": 0.60,
    "non_commissioned_officer": 0.21,
    "midshipman_or_warrant_officer": 0.05,
    "lieutenant_or_ensign": 0.06,
    "army_captain_or_navy_lieutenant": 0.04,
    "major_or_lieutenant_commander": 0.02,
    "lieutenant_colonel_or_navy_commander": 0.01,
    "colonel_or_navy_captain": 0.006,
    "brigadier_general_or_commodore": 0.002,
    "major_general_or_flag_officer": 0.0015,
    "general_in_chief_or_admiral": 0.0005,
}
CATEGORIES = (
    SeriouslyWoundedOrSick(),
    Civilians(),
    Women(),
    AgeBandCategory("young", "young", AgeBand(18, 26, "18–25"), AgeBand(None, 25, "under 25"), Side.A),
)
PRIORITY = PriorityOrder(categories=("civilians", "women", "young"))


def synthetic_pool(side: Side, size: int, rng: random.Random) -> list[Candidate]:
    """Invented candidates held by `side`; about 5% fail a gate, about 4% are seriously wounded."""
    ranks, shares = list(RANK_SHARES), list(RANK_SHARES.values())
    pool = []
    for i in range(size):
        severity = rng.choices(list(MedicalSeverity), [0.80, 0.12, 0.06, 0.02])[0]
        wounded = severity >= MedicalSeverity.SERIOUS and rng.random() < 0.6
        pool.append(
            Candidate(
                candidate_id=f"{side.value}-{i:06d}",
                side=side,
                rank_class=rng.choices(ranks, shares)[0],
                health=Health(severity, wounded, SeriousBasis.ANNEX_I if wounded else None),
                date_of_birth=PartialDate(rng.randint(1962, 2006), rng.choice([None, rng.randint(1, 12)])),
                sex=Sex.FEMALE if rng.random() < 0.04 else Sex.MALE,
                civilian=rng.random() < 0.08,
                captured_on=REFERENCE - timedelta(days=rng.randint(1, 1500)),
                confirmed_match_id=f"m-{side.value}-{i}" if rng.random() > 0.03 else None,
                custody=Custody(
                    confirmed_by_holding_party=rng.random() > 0.02, confirmed_by_icrc=rng.random() < 0.4
                ),
                will_to_return=WillToReturn(WillStatus.CONFIRMED, interviewed_by="ICRC"),
            )
        )
    return pool


def timed(action: Callable[[], T], repeat: int) -> tuple[T, float]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return result, best


def peak_memory(action: Callable[[], object]) -> int:
    tracemalloc.start()
    action()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def greedy(terms: Terms, pool_a: Sequence[Candidate], pool_b: Sequence[Candidate]) -> tuple[int, bool]:
    """Baseline: sort by priority, take from the top; for points, fill greedily then trim the heavier side.

    Returns the total priority weight of what it takes and whether the formula is kept exactly.
    """
    formula, cap = terms.parity, terms.max_persons or 0
    decisions = assess_pool([*pool_a, *pool_b], terms.eligibility)
    ranked = []
    for candidates in (pool_a, pool_b):
        scored = []
        for c in candidates:
            if decisions[c.candidate_id].eligible:
                keys = {k.key for k in terms.categories if k.contains(c, terms.reference_date)}
                days = c.captivity_days(terms.reference_date)
                scored.append((weight(PRIORITY, int(c.health.severity), days, keys), days, c))
        scored.sort(key=lambda item: (-item[0], -item[1], item[2].candidate_id))
        ranked.append(scored)
    if isinstance(formula, DeclaredRatio):
        taken = [ranked[0][: formula.a_count], ranked[1][: formula.b_count]]
    elif isinstance(formula, NForN):
        n = min(cap // 2, len(ranked[0]), len(ranked[1]))
        taken = [ranked[0][:n], ranked[1][:n]]
    else:
        assert isinstance(formula, WeightedEquivalence)
        return _greedy_points(formula, ranked, cap)
    return sum(w for side in taken for w, _, _ in side), True


def _greedy_points(
    formula: WeightedEquivalence, ranked: list[list[tuple[int, int, Candidate]]], cap: int
) -> tuple[int, bool]:
    merged = sorted(
        ((w, d, c, s) for s, side in enumerate(ranked) for w, d, c in side),
        key=lambda item: (-item[0], -item[1], item[2].candidate_id),
    )
    taken: list[list[tuple[int, Candidate]]] = [[], []]
    for w, _, c, s in merged[:cap]:
        taken[s].append((w, c))
    points = [sum(formula.points(c.rank_class) for _, c in side) for side in taken]
    heavy = 0 if points[0] > points[1] else 1
    while taken[heavy] and points[heavy] > points[1 - heavy]:
        _, dropped = taken[heavy].pop()  # the lowest priority of the heavier side
        points[heavy] -= formula.points(dropped.rank_class)
    return sum(w for side in taken for w, _ in side), points[0] == points[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-side", type=int, default=20_000, help="candidates held by each side")
    parser.add_argument("--places", type=int, default=1_000, help="persons in the agreement, both sides")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best is printed")
    parser.add_argument("--seed", type=int, default=1862)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    start = time.perf_counter()
    pool_a, pool_b = synthetic_pool(Side.A, args.per_side, rng), synthetic_pool(Side.B, args.per_side, rng)
    elapsed = time.perf_counter() - start
    print(f"generated {2 * args.per_side:,} candidates in {elapsed:.2f} s; cpus: {os.cpu_count()}")
    share = round(args.places * 0.6)
    declared = DeclaredRatio(share, args.places - share)
    runs: list[tuple[str, ParityFormula, Method]] = [
        ("N for N", NForN(), Method.AUTO),
        ("N for N, MILP", NForN(), Method.MILP),
        (f"declared {share} for {args.places - share}", declared, Method.AUTO),
        ("declared, MILP", declared, Method.MILP),
        ("weighted (Dix–Hill)", WeightedEquivalence(DIX_HILL_1862), Method.AUTO),
    ]
    header = f"{'formula':<22}{'compose':>10}{'reasons':>10}{'peak MiB':>10}{'greedy':>10}{'ratio':>8}"
    print(f"\n{header}{'  lists':<14}{'objective (greedy / ours)':>28}  method")
    for name, formula, method in runs:
        terms = Terms(
            REFERENCE, formulas=(formula,), max_persons=args.places, categories=CATEGORIES, priority=PRIORITY
        )
        result, seconds = timed(lambda t=terms, m=method: compose(t, pool_a, pool_b, method=m), args.repeat)
        _, render = timed(lambda result=result: [d.text for d in result.decisions.values()], 1)
        peak = peak_memory(lambda t=terms, m=method: compose(t, pool_a, pool_b, method=m))
        (baseline, kept), greedy_seconds = timed(
            lambda terms=terms: greedy(terms, pool_a, pool_b), args.repeat
        )
        print(_row(name, result, seconds, render, peak, greedy_seconds, baseline, kept))
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess peak resident memory: {max_rss:.0f} MiB")


def _row(
    name: str,
    result: Composition,
    seconds: float,
    render: float,
    peak: int,
    greedy_seconds: float,
    baseline: int,
    kept: bool,
) -> str:
    assert result.balance is not None
    assert result.balance.kept
    lists = f"{len(result.list_a)}/{len(result.list_b)}"
    objective = f"{baseline / result.objective:.4f}{'' if kept else ' (not kept)'}"
    solver = "" if result.solver is None else f", {result.solver.free_variables} free in core MILP"
    return (
        f"{name:<22}{seconds:>9.2f}s{render:>9.2f}s{peak / 2**20:>10.0f}{greedy_seconds:>9.2f}s"
        f"{greedy_seconds / seconds:>7.1f}x  {lists:<12}{objective:>28}  {result.method.value}{solver}"
    )


if __name__ == "__main__":
    main()
