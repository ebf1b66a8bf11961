"""One parser for the agreement's terms (API, CLI and UI): limits and core rules as field problems."""

from __future__ import annotations

from typing import Any

import pytest

from homebound.core.errors import DomainError, FieldProblem, ValidationFailed
from homebound.core.exchange.errors import ExchangeError, ExchangeInputError, InvalidTerms, TrancheClosed
from homebound.web.schemas.terms import MAX_NUMBER, parse_terms
from homebound.web.ui.i18n import Translator
from homebound.web.ui.terms_form import TermsForm, new_terms

BASE: dict[str, Any] = {"reference_date": "2023-01-08", "max_persons": 8}


def _fields(problems: list[FieldProblem]) -> list[str]:
    return [p.field for p in problems]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"max_persons": MAX_NUMBER + 1}, "terms.max_persons"),
        ({"max_persons": "eight"}, "terms.max_persons"),
        ({"reference_date": "8 Jan"}, "terms.reference_date"),
        ({"tranches": [{"a_count": 0, "b_count": 0}]}, "terms.tranches"),
        ({"tranches": [{"a_count": 3, "b_count": 4}]}, "terms.tranches"),
        (
            {"formulas": [{"kind": "n_for_n"}, {"kind": "all_for_all", "category": "women"}]},
            "terms.formulas.1.category",
        ),
        (
            {"categories": [{"kind": "long_captivity", "more_than_days": 0}]},
            "terms.categories.0.long_captivity.more_than_days",
        ),
        (
            {"formulas": [{"kind": "declared_ratio", "a_count": 6, "b_count": 6}], "max_persons": 10},
            "terms.max_persons",
        ),
    ],
)
def test_each_problem_names_the_part_of_the_terms_at_fault(change: dict[str, Any], field: str) -> None:
    terms, problems = parse_terms({**BASE, **change})
    assert terms is None
    assert _fields(problems) == [field]


def test_good_terms_parse() -> None:
    terms, problems = parse_terms(
        {**BASE, "tranches": [{"a_count": 2, "b_count": 2}, {"a_count": 2, "b_count": 2}]}
    )
    assert problems == [] and terms is not None
    assert (terms.max_persons, [t.a_count for t in terms.tranches]) == (8, [2, 2])


def _form(**changes: Any) -> TermsForm:
    fields: dict[str, Any] = {
        "reference_date": "2023-01-08",
        "formula": "n_for_n",
        "declared_a": "",
        "declared_b": "",
        "max_persons": "8",
        "tranches": "4/4",
        "categories": (),
        "long_captivity_days": "",
        "all_for_all": "",
    }
    return TermsForm(**{**fields, **changes})


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (_form(max_persons=str(MAX_NUMBER + 1)), "max_persons"),  # the API's limit, not one of the page's own
        (_form(tranches="3/4"), "tranches"),
        (_form(tranches="0/0"), "tranches"),
        (_form(tranches="four"), "tranches"),
        (_form(all_for_all="women"), "all_for_all"),
        (_form(formula="declared_ratio", declared_a="x", declared_b="4"), "declared_a"),
        (_form(categories=("long_captivity",), long_captivity_days="0"), "long_captivity_days"),
        (_form(reference_date=""), "reference_date"),
    ],
)
def test_the_form_is_refused_by_the_same_parser_beside_its_field(form: TermsForm, field: str) -> None:
    terms, errors = new_terms({"reference_date": "2023-01-08"}, form, Translator("en"))
    assert terms is None and list(errors) == [field]


def test_the_form_takes_what_the_api_takes() -> None:
    form = _form(max_persons="150000", tranches="75000/75000")  # the page once refused more than 100,000
    terms, errors = new_terms({"reference_date": "2023-01-08"}, form, Translator("en"))
    assert errors == {} and terms is not None and terms.max_persons == 150_000


def test_exchange_errors_are_domain_errors_that_name_their_field() -> None:
    state = TrancheClosed("the tranche is closed")
    assert isinstance(state, DomainError) and isinstance(state, ExchangeError)
    assert (state.status_hint, state.at("actions[2]").field) == (409, "actions[2]")
    given = InvalidTerms("a tranche moves somebody", field="tranches")
    assert isinstance(given, ValidationFailed) and isinstance(given, ExchangeInputError)
    assert given.status_hint == 422
    assert given.problems == [FieldProblem("tranches", "agreement.invalid_terms", "a tranche moves somebody")]
