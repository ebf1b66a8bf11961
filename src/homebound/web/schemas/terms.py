"""The agreement's terms as every edge receives them: the API's and the CLI's JSON and the UI's form all go
through `parse_terms`, which applies one set of limits and the core's rules and answers field problems
(paths as the API reports them: `terms.tranches.1.a_count`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.core.exchange.documents import terms_from_document
from homebound.core.exchange.errors import ExchangeInputError
from homebound.core.exchange.formula import DIX_HILL_1862
from homebound.core.exchange.terms import Terms

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Text = Annotated[str, StringConstraints(max_length=500)]
Short = Annotated[str, StringConstraints(max_length=200)]  # stored in a 200-character column
MAX_NUMBER = 1_000_000  # versions and tranches are counted well below this; larger is not a number we keep
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=64)]
SideIn = Literal["a", "b"]
MAX_CAPTIVITY_DAYS = 36_500  # a hundred years: "held more than N days" beyond it is a typing error


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- terms --------------------------------------------------------------------------------------------------


class NForNIn(_In):
    kind: Literal["n_for_n"] = "n_for_n"


class DeclaredRatioIn(_In):
    kind: Literal["declared_ratio"]
    a_count: int = Field(ge=0, le=1_000_000)
    b_count: int = Field(ge=0, le=1_000_000)


class WeightedIn(_In):
    kind: Literal["weighted_equivalence"]
    points_table: dict[Key, int] = Field(default_factory=lambda: dict(DIX_HILL_1862))


class AllForAllIn(_In):
    kind: Literal["all_for_all"]
    category: Key


class HumanitarianIn(_In):
    kind: Literal["humanitarian"]
    releasing_side: SideIn
    category: Key | None = None
    candidate_ids: list[Id] = Field(default_factory=list, max_length=20_000)


FormulaIn = Annotated[
    NForNIn | DeclaredRatioIn | WeightedIn | AllForAllIn | HumanitarianIn, Field(discriminator="kind")
]


class SeriousIn(_In):
    kind: Literal["seriously_wounded_or_sick"]
    key: Key = "seriously_wounded_or_sick"
    label: Text = "seriously wounded or sick"
    bases: list[Literal["annex_i", "mixed_medical_commission"]] = ["annex_i", "mixed_medical_commission"]


class AgeBandDefinition(_In):
    lower: int | None = Field(default=None, ge=0, le=150)
    upper: int | None = Field(default=None, ge=0, le=150)
    label: Text


class AgeBandIn(_In):
    kind: Literal["age_band"]
    key: Key
    label: Text
    definition_a: AgeBandDefinition
    definition_b: AgeBandDefinition
    holds: SideIn


class CiviliansIn(_In):
    kind: Literal["civilians"]
    key: Key = "civilians"
    label: Text = "civilians"


class WomenIn(_In):
    kind: Literal["women"]
    key: Key = "women"
    label: Text = "women"


class LongCaptivityIn(_In):
    kind: Literal["long_captivity"]
    key: Key = "long_captivity"
    label: Text = "long captivity"
    captured_before: dt.date | None = None
    more_than_days: int | None = Field(default=None, ge=1, le=MAX_CAPTIVITY_DAYS)


class RemainsCategoryIn(_In):
    kind: Literal["remains"]
    key: Key = "remains"
    label: Text = "remains"


CategoryIn = Annotated[
    SeriousIn | AgeBandIn | CiviliansIn | WomenIn | LongCaptivityIn | RemainsCategoryIn,
    Field(discriminator="kind"),
]


class PriorityIn(_In):
    criteria: list[Literal["medical_severity", "captivity_length", "categories"]] | None = None
    categories: list[Key] = Field(default_factory=list, max_length=8)


class TrancheIn(_In):
    a_count: int = Field(ge=0, le=1_000_000)
    b_count: int = Field(ge=0, le=1_000_000)
    scheduled_on: dt.date | None = None


class EligibilityIn(_In):
    custody: Literal["holding_party", "icrc", "either", "both"] = "either"
    require_confirmed_identity: bool = True
    require_will_interview: bool = True


class RedLineIn(_In):
    drawn_by: SideIn
    candidate_id: Id
    reason: Reason


class OverrideIn(_In):
    candidate_id: Id
    reason: Reason
    decided_by: Reason


def _n_for_n() -> list[FormulaIn]:
    return [NForNIn()]


class TermsIn(_In):
    """The terms, in the same shape as the agreement's version document (`terms`)."""

    reference_date: dt.date
    formulas: list[FormulaIn] = Field(default_factory=_n_for_n, min_length=1, max_length=10)
    max_persons: int | None = Field(default=None, ge=1, le=MAX_NUMBER)
    categories: list[CategoryIn] = Field(default_factory=list, max_length=20)
    priority: PriorityIn = Field(default_factory=PriorityIn)
    tranches: list[TrancheIn] = Field(default_factory=list, max_length=100)
    outside_parity_tranche: int = Field(default=0, ge=0)
    eligibility: EligibilityIn = Field(default_factory=EligibilityIn)
    red_lines: list[RedLineIn] = Field(default_factory=list, max_length=20_000)
    legal_hold_overrides: list[OverrideIn] = Field(default_factory=list, max_length=20_000)
    remains_formula: Annotated[NForNIn | DeclaredRatioIn, Field(discriminator="kind")] | None = None
    parity_category: str | None = Field(
        default=None, max_length=64, description="draw the parity lists from this category only"
    )

    def to_core(self) -> Terms:
        """The core terms; a combination the core refuses (a band that is empty, tranches that do not add
        up) is a 422 naming the part of the terms at fault."""
        terms, problems = terms_of(self)
        if terms is None:
            raise ValidationFailed(problems)
        return terms


def _path(at: str, loc: tuple[Any, ...]) -> str:
    return ".".join([at, *(str(part) for part in loc)]) if loc else at


def terms_of(checked: TermsIn, at: str = "terms") -> tuple[Terms | None, list[FieldProblem]]:
    """The core terms of schema-checked input, or the core's objections, each naming its part."""
    try:
        return terms_from_document(checked.model_dump(mode="json")), []
    except ExchangeInputError as refused:
        return None, [
            FieldProblem(_path(at, () if p.field == "body" else (p.field,)), p.code, p.message)
            for p in refused.problems
        ]


def parse_terms(document: Mapping[str, Any], at: str = "terms") -> tuple[Terms | None, list[FieldProblem]]:
    """Terms in the document shape (what the API and the CLI read, what the UI's form builds): the terms, or
    every problem found, each with the field at fault; nothing else is raised for bad input."""
    try:
        checked = TermsIn.model_validate(document)
    except ValidationError as invalid:
        problems = [FieldProblem(_path(at, tuple(e["loc"])), e["type"], e["msg"]) for e in invalid.errors()]
        return None, problems
    return terms_of(checked, at)
