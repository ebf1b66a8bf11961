"""Formulas and balances: counts, declared packages, Dix–Hill points, outside-parity releases."""

from __future__ import annotations

import pytest

from homebound.core.exchange.candidate import Side
from homebound.core.exchange.errors import InvalidTerms, UnknownRankClass
from homebound.core.exchange.formula import (
    DIX_HILL_1862,
    AllForAllInCategory,
    Basis,
    DeclaredRatio,
    Humanitarian,
    ListedPerson,
    NForN,
    Unit,
    WeightedEquivalence,
    balance,
    formula_from_document,
)


def listed(*ranks: str, prefix: str = "p") -> list[ListedPerson]:
    return [ListedPerson(f"{prefix}{i}", rank) for i, rank in enumerate(ranks)]


PRIVATES = ["private"]


@pytest.mark.parametrize(
    ("formula", "a", "b", "unit", "values", "kept"),
    [
        (NForN(), PRIVATES * 50, PRIVATES * 50, Unit.PERSONS, (50, 50), True),
        (NForN(), PRIVATES * 50, PRIVATES * 49, Unit.PERSONS, (50, 49), False),
        (NForN(), [], [], Unit.PERSONS, (0, 0), True),
        (DeclaredRatio(215, 55), PRIVATES * 215, PRIVATES * 55, Unit.PERSONS, (215, 55), True),
        (DeclaredRatio(215, 55), PRIVATES * 55, PRIVATES * 215, Unit.PERSONS, (55, 215), False),
        (DeclaredRatio(215, 55), PRIVATES * 214, PRIVATES * 55, Unit.PERSONS, (214, 55), False),
        # Dix–Hill: a major general is worth forty privates, a colonel fifteen.
        (
            WeightedEquivalence(),
            ["major_general_or_flag_officer"],
            PRIVATES * 40,
            Unit.POINTS,
            (40, 40),
            True,
        ),
        (WeightedEquivalence(), ["colonel_or_navy_captain"], PRIVATES * 14, Unit.POINTS, (15, 14), False),
        (
            WeightedEquivalence(),
            ["general_in_chief_or_admiral"],
            ["colonel_or_navy_captain"] * 4,
            Unit.POINTS,
            (60, 60),
            True,
        ),
        (
            WeightedEquivalence({"officer": 3, "soldier": 1}),
            ["officer"],
            ["soldier"] * 3,
            Unit.POINTS,
            (3, 3),
            True,
        ),
    ],
)
def test_balance_of_parity_formulas(formula, a, b, unit, values, kept) -> None:
    result = balance(formula, listed(*a, prefix="a"), listed(*b, prefix="b"))
    assert (result.unit, (result.a, result.b), result.kept) == (unit, values, kept)
    assert result.difference == values[0] - values[1]


def test_dix_hill_scale_matches_the_cartel() -> None:
    # Article I of the cartel, from the top: 60, 40, 20, 15, 10, 8, 6, 4, 3, 2, 1 privates.
    assert sorted(DIX_HILL_1862.values(), reverse=True) == [60, 40, 20, 15, 10, 8, 6, 4, 3, 2, 1]
    assert DIX_HILL_1862["private"] == 1


def test_unknown_rank_class_is_an_error() -> None:
    with pytest.raises(UnknownRankClass):
        balance(WeightedEquivalence(), listed("field_marshal"), [])


def test_points_table_is_copied_and_read_only() -> None:
    table = {"officer": 3}
    formula = WeightedEquivalence(table)
    table["officer"] = 99
    assert formula.points("officer") == 3
    with pytest.raises(TypeError):
        formula.points_table["officer"] = 5  # type: ignore[index]


@pytest.mark.parametrize(
    "build",
    [
        lambda: DeclaredRatio(0, 0),
        lambda: DeclaredRatio(-1, 5),
        lambda: WeightedEquivalence({}),
        lambda: WeightedEquivalence({"private": 0}),
        lambda: Humanitarian(Side.A),
    ],
)
def test_invalid_formulas(build) -> None:
    with pytest.raises(InvalidTerms):
        build()


def test_all_for_all_is_kept_only_when_nobody_in_the_category_is_left_out() -> None:
    formula = AllForAllInCategory("seriously_wounded_or_sick")
    a = [ListedPerson("a1", basis=Basis.ALL_FOR_ALL), ListedPerson("a2", basis=Basis.ALL_FOR_ALL)]
    b = [ListedPerson("b1", basis=Basis.ALL_FOR_ALL)]
    assert balance(formula, a, b, members_a={"a1", "a2"}, members_b={"b1"}).kept
    missing = balance(formula, a, b, members_a={"a1", "a2"}, members_b={"b1", "b2"})
    assert not missing.kept
    assert "b2" in missing.explanation
    # Counts of an all-for-all category need not be equal.
    assert (missing.a, missing.b) == (2, 1)


def test_humanitarian_release_is_one_sided() -> None:
    formula = Humanitarian(Side.B, category="seriously_wounded_or_sick")
    assert balance(formula, [], listed("private", "private")).kept
    assert not balance(formula, listed("private"), listed("private")).kept


@pytest.mark.parametrize(
    "formula",
    [
        NForN(),
        DeclaredRatio(215, 55),
        WeightedEquivalence(),
        WeightedEquivalence({"officer": 3, "soldier": 1}),
        AllForAllInCategory("young"),
        Humanitarian(Side.A, "seriously_wounded_or_sick", ("a7",)),
    ],
)
def test_formula_document_round_trip(formula) -> None:
    assert formula_from_document(formula.to_document()) == formula
