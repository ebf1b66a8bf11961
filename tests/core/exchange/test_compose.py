"""Composition: exact formulas, priority, amendments, outside-parity releases, a reason for everyone."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from homebound.core.exchange.candidate import Candidate, LegalHold, Side
from homebound.core.exchange.categories import Civilians, SeriouslyWoundedOrSick
from homebound.core.exchange.compose import DecisionCode, Method, compose
from homebound.core.exchange.errors import CompositionInfeasible, InvalidAmendment, UnknownCategory
from homebound.core.exchange.formula import (
    AllForAllInCategory,
    Basis,
    DeclaredRatio,
    Humanitarian,
    NForN,
    WeightedEquivalence,
)
from homebound.core.exchange.priority import PriorityOrder, weight
from homebound.core.exchange.terms import Terms

from .factories import REFERENCE, person

SW = SeriouslyWoundedOrSick()
ORDER = PriorityOrder(categories=("civilians",))


def terms(*formulas, max_persons: int | None = None, **kwargs) -> Terms:
    return Terms(
        REFERENCE,
        formulas=formulas or (NForN(),),
        max_persons=max_persons,
        categories=(SW, Civilians()),
        priority=ORDER,
        **kwargs,
    )


def ids(listed) -> list[str]:
    return [p.candidate_id for p in listed]


def side_pool(side: Side, days: list[int], **kwargs) -> list[Candidate]:
    return [person(f"{side.value}{i}", side, days=d, **kwargs) for i, d in enumerate(days)]


def test_n_for_n_takes_the_top_of_each_side_seriously_wounded_first() -> None:
    pool_a = [
        person("a-long", Side.A, days=900),
        person("a-wounded", Side.A, days=10, severity=2, seriously_wounded=True),
        person("a-short", Side.A, days=20),
        person("a-critical", Side.A, days=5, severity=3),
    ]
    pool_b = side_pool(Side.B, [300, 200, 100, 50, 25])
    result = compose(terms(max_persons=6), pool_a, pool_b)
    assert ids(result.list_a) == ["a-critical", "a-wounded", "a-long"]
    assert ids(result.list_b) == ["b0", "b1", "b2"]
    assert result.balance is not None and result.balance.kept
    assert result.method is Method.SORT
    short = result.decisions["a-short"]
    assert short.code is DecisionCode.OUT_BELOW_CUTOFF
    assert short.text == "out: below the cut-off for the 3 places of side A (priority rank 4)"
    wounded = result.decisions["a-wounded"]
    assert wounded.code is DecisionCode.IN_PRIORITY
    assert wounded.text.startswith("in: seriously wounded or sick, medical severity serious")
    assert wounded.text.endswith("priority rank 2 of 4")


def test_the_smaller_pool_limits_n_for_n_and_says_so() -> None:
    result = compose(terms(max_persons=10), side_pool(Side.A, [5, 4, 3]), side_pool(Side.B, [9, 8]))
    assert (len(result.list_a), len(result.list_b)) == (2, 2)
    assert result.decisions["a2"].text.endswith("side B has only 2 eligible under parity")


def test_declared_package_is_exact() -> None:
    result = compose(terms(DeclaredRatio(3, 1)), side_pool(Side.A, [1, 2, 3, 4]), side_pool(Side.B, [7, 8]))
    assert ids(result.list_a) == ["a3", "a2", "a1"]
    assert ids(result.list_b) == ["b1"]
    assert result.balance is not None
    assert (result.balance.target_a, result.balance.target_b, result.balance.kept) == (3, 1, True)
    with pytest.raises(CompositionInfeasible, match="side B has 2 eligible"):
        compose(terms(DeclaredRatio(1, 3)), side_pool(Side.A, [1]), side_pool(Side.B, [7, 8]))


def test_weighted_equivalence_balances_points_exactly() -> None:
    # B holds a colonel (15 points) who ranks first; A can only match him with fifteen privates.
    pool_a = side_pool(Side.A, list(range(100, 120)))
    colonel = person("b-colonel", Side.B, rank_class="colonel_or_navy_captain", days=999)
    pool_b = [colonel, *side_pool(Side.B, [50, 40])]
    result = compose(terms(WeightedEquivalence(), max_persons=18), pool_a, pool_b)
    assert result.balance is not None and result.balance.kept
    assert result.method is Method.MILP
    assert ids(result.list_b) == ["b-colonel", "b0"]  # 16 points
    assert len(result.list_a) == 16
    assert result.balance.a == result.balance.b == 16
    out = result.decisions["b1"]
    assert out.code is DecisionCode.OUT_BELOW_CUTOFF


def test_weighted_equivalence_explains_a_person_skipped_for_points() -> None:
    # A's first-ranked person is a colonel (15 points) but B can give only 3 points in all.
    colonel = person("a-colonel", Side.A, rank_class="colonel_or_navy_captain", days=999)
    pool_a = [colonel, *side_pool(Side.A, [10, 9, 8])]
    pool_b = side_pool(Side.B, [5, 4, 3])
    result = compose(terms(WeightedEquivalence()), pool_a, pool_b)
    assert ids(result.list_a) == ["a0", "a1", "a2"]
    decision = result.decisions["a-colonel"]
    assert decision.code is DecisionCode.OUT_FORMULA
    assert decision.text == (
        "out: formula: points exhausted (colonel_or_navy_captain: 15 points; priority rank 1)"
    )


def test_sort_and_take_refuses_points() -> None:
    with pytest.raises(ValueError, match="weighted"):
        compose(terms(WeightedEquivalence()), [], [], method=Method.SORT)


def test_every_candidate_gets_a_reason() -> None:
    pool_a = [
        *side_pool(Side.A, [10, 20, 30]),
        person("a-held", Side.A, legal_hold=LegalHold("under investigation")),
        person("a-unknown", Side.A, verified=False),
    ]
    result = compose(terms(max_persons=2), pool_a, side_pool(Side.B, [1, 2]))
    assert set(result.decisions) == {c.candidate_id for c in pool_a} | {"b0", "b1"}
    held = result.decisions["a-held"]
    assert held.code is DecisionCode.OUT_NOT_ELIGIBLE
    assert held.text == "out: not eligible: legal hold (GC III Art. 119): under investigation"
    assert held.priority_rank is None
    counts = result.decisions.counts()
    assert counts == {
        DecisionCode.IN_PRIORITY: 2,  # one place per side
        DecisionCode.OUT_BELOW_CUTOFF: 3,
        DecisionCode.OUT_NOT_ELIGIBLE: 2,
    }


def test_amendments_force_people_in_and_out() -> None:
    pool_a = side_pool(Side.A, [50, 40, 30, 20])
    pool_b = side_pool(Side.B, [5, 4, 3, 2])
    added = {"a3": "named by the mediator: father of four"}
    removed = {"a0": "already returned in December", "b0": "not in custody"}
    for method in (Method.SORT, Method.MILP):
        result = compose(terms(max_persons=4), pool_a, pool_b, added=added, removed=removed, method=method)
        assert ids(result.list_a) == ["a1", "a3"]
        assert ids(result.list_b) == ["b1", "b2"]
        assert result.decisions["a3"].code is DecisionCode.IN_AMENDMENT
        assert result.decisions["a3"].text.startswith("in: added by amendment (named by the mediator")
        assert result.decisions["a0"].text == "out: removed by amendment (already returned in December)"


@pytest.mark.parametrize(
    ("added", "removed", "error"),
    [
        ({"a0": "x"}, {"a0": "y"}, InvalidAmendment),
        ({"nobody": "x"}, {}, InvalidAmendment),
        ({"a0": " "}, {}, InvalidAmendment),
        ({"a-held": "x"}, {}, CompositionInfeasible),  # an amendment cannot add someone who is not eligible
        ({"a0": "x", "a1": "y", "a2": "z"}, {}, CompositionInfeasible),  # three added, two places
    ],
)
def test_impossible_amendments(added, removed, error) -> None:
    pool_a = [*side_pool(Side.A, [1, 2, 3]), person("a-held", Side.A, legal_hold=LegalHold("trial pending"))]
    with pytest.raises(error):
        compose(terms(max_persons=4), pool_a, side_pool(Side.B, [1, 2, 3]), added=added, removed=removed)


def test_all_for_all_goes_outside_parity() -> None:
    pool_a = [
        *side_pool(Side.A, [10, 20, 30]),
        *[person(f"a-sw{i}", Side.A, seriously_wounded=True) for i in range(3)],
    ]
    pool_b = [*side_pool(Side.B, [10, 20]), person("b-sw", Side.B, seriously_wounded=True)]
    result = compose(terms(NForN(), AllForAllInCategory(SW.key), max_persons=4), pool_a, pool_b)
    a_bases = {p.candidate_id: p.basis for p in result.list_a}
    assert [k for k, v in a_bases.items() if v is Basis.ALL_FOR_ALL] == ["a-sw0", "a-sw1", "a-sw2"]
    assert result.balance is not None
    assert (result.balance.a, result.balance.b, result.balance.kept) == (2, 2, True)
    assert result.decisions["b-sw"].text.startswith("in: all for all: seriously wounded or sick")


def test_humanitarian_release_is_one_sided() -> None:
    pool_a = [*side_pool(Side.A, [10]), person("a-sw", Side.A, seriously_wounded=True)]
    pool_b = [*side_pool(Side.B, [10]), person("b-sw", Side.B, seriously_wounded=True)]
    result = compose(terms(NForN(), Humanitarian(Side.A, SW.key)), pool_a, pool_b)
    assert result.decisions["a-sw"].code is DecisionCode.IN_HUMANITARIAN
    assert result.decisions["b-sw"].basis is Basis.PARITY  # B's wounded go under parity


def test_only_all_for_all() -> None:
    pool_a = [*side_pool(Side.A, [10]), person("a-sw", Side.A, seriously_wounded=True)]
    result = compose(terms(AllForAllInCategory(SW.key)), pool_a, [])
    assert ids(result.list_a) == ["a-sw"]
    assert result.balance is None
    assert result.decisions["a0"].code is DecisionCode.OUT_NO_PARITY


# --- MILP against sort-and-take and against brute force -----------------------------------------------

RANKS = ["private", "non_commissioned_officer", "lieutenant_or_ensign", "colonel_or_navy_captain"]


@st.composite
def small_pools(draw, max_size: int = 5) -> tuple[list[Candidate], list[Candidate]]:
    pools = []
    for side in Side:
        size = draw(st.integers(0, max_size))
        pools.append(
            [
                person(
                    f"{side.value}{i}",
                    side,
                    rank_class=draw(st.sampled_from(RANKS)),
                    severity=draw(st.integers(0, 3)),
                    days=draw(st.integers(0, 40)),
                    civilian=draw(st.booleans()),
                )
                for i in range(size)
            ]
        )
    return pools[0], pools[1]


POINTS = {
    "private": 1,
    "non_commissioned_officer": 2,
    "lieutenant_or_ensign": 4,
    "colonel_or_navy_captain": 15,
}


def brute_force(formula, cap, pool_a, pool_b, added, removed) -> int | None:
    """Best total weight over every pair of subsets that keeps the formula, by enumeration."""

    def value(c: Candidate) -> int:
        keys = {"civilians"} if c.civilian else set()
        return weight(ORDER, int(c.health.severity), c.captivity_days(REFERENCE), keys)

    def subsets(pool):
        free = [c for c in pool if c.candidate_id not in added and c.candidate_id not in removed]
        fixed = [c for c in pool if c.candidate_id in added]
        for r in range(len(free) + 1):
            for combo in itertools.combinations(free, r):
                yield [*fixed, *combo]

    best = None
    for sa in subsets(pool_a):
        for sb in subsets(pool_b):
            if isinstance(formula, NForN):
                ok = len(sa) == len(sb) and (cap is None or len(sa) <= cap // 2)
            elif isinstance(formula, DeclaredRatio):
                ok = (len(sa), len(sb)) == (formula.a_count, formula.b_count)
            else:
                points = [sum(POINTS[c.rank_class] for c in s) for s in (sa, sb)]
                ok = points[0] == points[1] and (cap is None or len(sa) + len(sb) <= cap)
            if ok:
                total = sum(value(c) for c in (*sa, *sb))
                best = total if best is None else max(best, total)
    return best


WEIGHTED = WeightedEquivalence(POINTS)
FORMULAS = st.sampled_from([NForN(), DeclaredRatio(2, 1), DeclaredRatio(1, 3), WEIGHTED, WEIGHTED, WEIGHTED])


@settings(max_examples=200, deadline=None)
@given(small_pools(), FORMULAS, st.one_of(st.none(), st.integers(1, 8)), st.data())
def test_milp_agrees_with_brute_force(pools, formula, cap, data) -> None:
    pool_a, pool_b = pools
    if isinstance(formula, DeclaredRatio) and cap is not None and cap < formula.a_count + formula.b_count:
        cap = None
    everyone = [c.candidate_id for c in (*pool_a, *pool_b)]
    added_ids = data.draw(st.lists(st.sampled_from(everyone), max_size=2, unique=True)) if everyone else []
    rest = [i for i in everyone if i not in added_ids]
    removed_ids = data.draw(st.lists(st.sampled_from(rest), max_size=2, unique=True)) if rest else []
    added = dict.fromkeys(added_ids, "amendment")
    removed = dict.fromkeys(removed_ids, "amendment")
    expected = brute_force(formula, cap, pool_a, pool_b, added, removed)
    agreed = Terms(REFERENCE, formulas=(formula,), max_persons=cap, categories=(Civilians(),), priority=ORDER)
    try:
        result = compose(agreed, pool_a, pool_b, added=added, removed=removed, method=Method.MILP)
    except CompositionInfeasible:
        event("infeasible")
        assert expected is None
        return
    event(f"solved {type(formula).__name__}")
    assert expected is not None
    assert result.objective == expected
    assert result.balance is not None and result.balance.kept
    if not isinstance(formula, WeightedEquivalence):
        quick = compose(agreed, pool_a, pool_b, added=added, removed=removed, method=Method.SORT)
        assert (quick.list_a, quick.list_b) == (result.list_a, result.list_b)


@settings(max_examples=25, deadline=None)
@given(small_pools(max_size=40), st.integers(1, 60), st.sampled_from([NForN(), DeclaredRatio(5, 3)]))
def test_sort_and_take_equals_the_milp_on_larger_pools(pools, cap, formula) -> None:
    pool_a, pool_b = pools
    agreed = Terms(
        REFERENCE, formulas=(formula,), max_persons=max(cap, 8), categories=(Civilians(),), priority=ORDER
    )
    try:
        quick = compose(agreed, pool_a, pool_b, method=Method.SORT)
    except CompositionInfeasible:
        with pytest.raises(CompositionInfeasible):
            compose(agreed, pool_a, pool_b, method=Method.MILP)
        return
    exact = compose(agreed, pool_a, pool_b, method=Method.MILP)
    assert (quick.list_a, quick.list_b, quick.objective) == (exact.list_a, exact.list_b, exact.objective)


def test_persons_captured_after_the_reference_date_are_not_listed() -> None:
    """Istanbul's composition listed 219 persons captured after its reference date."""
    pool_a = [person("a-before", Side.A, days=40), person("a-after", Side.A, days=-3, severity=3)]
    pool_b = side_pool(Side.B, [30, 20])
    result = compose(terms(), pool_a, pool_b)
    assert ids(result.list_a) == ["a-before"] and len(result.list_b) == 1
    after = result.decisions["a-after"]
    assert after.code is DecisionCode.OUT_NOT_ELIGIBLE
    assert "after the agreement's reference date" in after.text
    on_the_day = compose(terms(), [person("a-same-day", Side.A, days=0)], side_pool(Side.B, [1]))
    assert ids(on_the_day.list_a) == ["a-same-day"]


def test_a_parity_category_restricts_the_parity_lists() -> None:
    """N for N of the seriously wounded: the others stay off the lists, each told why."""
    pool_a = [
        person("a-wounded", Side.A, days=10, severity=2, seriously_wounded=True),
        person("a-long", Side.A, days=900),
    ]
    pool_b = [
        person("b-wounded", Side.B, days=5, severity=2, seriously_wounded=True),
        person("b-wounded-2", Side.B, days=4, severity=2, seriously_wounded=True),
        person("b-long", Side.B, days=800),
    ]
    result = compose(terms(parity_category=SW.key), pool_a, pool_b)
    assert ids(result.list_a) == ["a-wounded"] and ids(result.list_b) == ["b-wounded"]
    long = result.decisions["a-long"]
    assert long.code is DecisionCode.OUT_CATEGORY
    assert long.text == "out: not in the category the parity lists are drawn from (seriously wounded or sick)"
    assert result.decisions["b-wounded-2"].code is DecisionCode.OUT_BELOW_CUTOFF
    unrestricted = compose(terms(), pool_a, pool_b)
    assert len(unrestricted.list_a) == 2
    with pytest.raises(CompositionInfeasible, match="outside the category"):
        compose(terms(parity_category=SW.key), pool_a, pool_b, added={"a-long": "asked by name"})


def test_a_parity_category_must_be_defined_and_keeps_old_hashes() -> None:
    with pytest.raises(UnknownCategory):
        terms(parity_category="heroes")
    assert "parity_category" not in terms().to_document()
    assert terms(parity_category=SW.key).to_document()["parity_category"] == SW.key
