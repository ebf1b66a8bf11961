"""Manifests: cutting a concluded version into tranches."""

from __future__ import annotations

from dataclasses import replace

import pytest

from homebound.core.exchange.agreement import AgreementVersion, Role, VersionKind
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.categories import SeriouslyWoundedOrSick
from homebound.core.exchange.errors import InvalidTerms, TrancheMismatch
from homebound.core.exchange.formula import AllForAllInCategory, Basis, DeclaredRatio, ListedPerson, NForN
from homebound.core.exchange.manifest import plan_tranches
from homebound.core.exchange.terms import Terms, TrancheSpec

from .factories import REFERENCE


def version(terms: Terms, a: int, b: int, wounded_a: int = 0) -> AgreementVersion:
    list_a = tuple(ListedPerson(f"a{i}") for i in range(a)) + tuple(
        ListedPerson(f"a-sw{i}", basis=Basis.ALL_FOR_ALL) for i in range(wounded_a)
    )
    list_b = tuple(ListedPerson(f"b{i}") for i in range(b))
    return AgreementVersion(1, VersionKind.PROPOSAL, Role.MEDIATOR, terms, list_a, list_b, "", ())


def test_single_tranche_by_default() -> None:
    (only,) = plan_tranches("ag", version(Terms(REFERENCE), 3, 3))
    assert [line.candidate_id for line in only.lines] == ["a0", "a1", "a2", "b0", "b1", "b2"]
    assert [line.line_no for line in only.lines] == [1, 2, 3, 4, 5, 6]
    assert only.listed_ids == {"a0", "a1", "a2", "b0", "b1", "b2"}


def test_tranches_cut_in_list_order_with_outside_parity_where_agreed() -> None:
    terms = Terms(
        REFERENCE,
        formulas=(DeclaredRatio(5, 3), AllForAllInCategory("seriously_wounded_or_sick")),
        categories=(SeriouslyWoundedOrSick(),),
        tranches=(TrancheSpec(3, 2), TrancheSpec(2, 1)),
        outside_parity_tranche=1,
    )
    first, second = plan_tranches("ag", version(terms, 5, 3, wounded_a=2))
    assert [line.candidate_id for line in first.lines] == ["a0", "a1", "a2", "b0", "b1"]
    assert [line.candidate_id for line in second.lines] == ["a3", "a4", "b2", "a-sw0", "a-sw1"]
    assert first.formula == DeclaredRatio(3, 2)  # each tranche is held to its own share
    assert [line.releasing_side for line in second.lines][-1] is Side.A


def test_tranches_must_add_up_to_the_lists() -> None:
    terms = Terms(REFERENCE, formulas=(NForN(),), tranches=(TrancheSpec(2, 2),))
    with pytest.raises(TrancheMismatch):
        plan_tranches("ag", version(terms, 3, 3))


@pytest.mark.parametrize(
    "build",
    [
        lambda: Terms(REFERENCE, formulas=(NForN(),), tranches=(TrancheSpec(2, 1),)),
        lambda: Terms(REFERENCE, formulas=(DeclaredRatio(3, 1),), tranches=(TrancheSpec(2, 1),)),
        lambda: Terms(
            REFERENCE, formulas=(NForN(),), tranches=(TrancheSpec(1, 1),), outside_parity_tranche=1
        ),
        lambda: TrancheSpec(0, 0),
        lambda: Terms(REFERENCE, formulas=(DeclaredRatio(3, 1),), max_persons=3),
        lambda: Terms(REFERENCE, formulas=(NForN(), DeclaredRatio(3, 1))),
        lambda: Terms(REFERENCE, formulas=()),
        lambda: Terms(REFERENCE, max_persons=0),
    ],
)
def test_inconsistent_terms(build) -> None:
    with pytest.raises(InvalidTerms):
        build()


def test_terms_document_changes_with_the_terms() -> None:
    terms = Terms(REFERENCE, formulas=(NForN(),), max_persons=1000)
    assert terms.to_document() != replace(terms, max_persons=998).to_document()
    assert terms.to_document()["formulas"] == [{"kind": "n_for_n"}]
