"""Agreements in the browser: the list, one agreement's versions with their differences, composition with a
reason per person, acceptance with the password re-entered, and conclusion with its hash."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.core.exchange.terms import Terms
from homebound.services import agreement_views as views
from homebound.services import agreements
from homebound.services.composition import compose_version
from homebound.services.sign_in import ReauthenticationFailed
from homebound.web.deps import Throttle, Uows
from homebound.web.numbers import MAX_VERSION
from homebound.web.ui import amendments, counter_proposal
from homebound.web.ui.agreement_page import agreement_response, person_labels
from homebound.web.ui.binding import binding_proof, reauthentication_errors
from homebound.web.ui.i18n import Translator
from homebound.web.ui.render import UiRoute, redirect, render
from homebound.web.ui.session import CurrentVisit, PostedVisit
from homebound.web.ui.terms_form import FORMULAS, STANDARD_CATEGORIES, TermsForm, new_terms

router = APIRouter(route_class=UiRoute, include_in_schema=False)
# Amendments and counter-proposals, beside the page they return to.
router.include_router(amendments.router)
router.include_router(counter_proposal.router)
__all__ = ["person_labels", "router"]


def _manages(actor: Actor) -> bool:
    return can(actor, Permission.ANY_AGREEMENT_MANAGE)


@router.get("/agreements")
def agreement_list(request: Request, uows: Uows, visit: CurrentVisit) -> Response:
    actor = visit.signed_in().actor
    found = views.list_agreements(uows, actor)
    return render(request, visit, "exchange/list.html", agreements=found, manages=_manages(actor))


@router.post("/agreements")
def open_agreement(
    uows: Uows,
    visit: PostedVisit,
    title: Annotated[str, Form(max_length=200)] = "",
    party_a: Annotated[str, Form(max_length=40)] = "",
    party_b: Annotated[str, Form(max_length=40)] = "",
    venue: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    actor = visit.signed_in().actor
    opened = agreements.create_agreement(
        uows,
        actor,
        title=title.strip(),
        party_a=party_a.strip(),
        party_b=party_b.strip(),
        venue=venue.strip(),
    )
    return redirect(visit, f"/agreements/{opened.id}")


@router.get("/agreements/{agreement_id}")
def agreement_page(
    request: Request,
    uows: Uows,
    visit: CurrentVisit,
    agreement_id: str,
    v: int | None = None,
    against: int | None = None,
) -> Response:
    return agreement_response(request, uows, visit, agreement_id, v, against)


def _gate(posted: list[str]) -> str:
    """A gate checkbox after its hidden "off": on when ticked, and when the form did not say (the default)."""
    return "on" if not posted or "on" in posted else "off"


def _composition_terms(form: TermsForm, t: Translator) -> Terms:
    """The terms the compose form asks for (any formula, categories, all for all, a parity category),
    through the parser every edge uses; each problem named by its form field."""
    terms, errors = new_terms({}, form, t)
    if terms is None:
        raise ValidationFailed([FieldProblem(name, "invalid_value", text) for name, text in errors.items()])
    return terms


@router.post("/agreements/{agreement_id}/compose")
def compose(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    agreement_id: str,
    reference_date: Annotated[str, Form(max_length=10)],
    max_persons: Annotated[str, Form(max_length=7)] = "",
    tranches: Annotated[str, Form(max_length=200)] = "",
    formula: Annotated[str, Form(max_length=40)] = "n_for_n",
    declared_a: Annotated[str, Form(max_length=7)] = "",
    declared_b: Annotated[str, Form(max_length=7)] = "",
    category: Annotated[list[str], Form(max_length=len(STANDARD_CATEGORIES))] = [],  # noqa: B006
    long_captivity_days: Annotated[str, Form(max_length=6)] = "",
    all_for_all: Annotated[str, Form(max_length=40)] = "",
    parity_category: Annotated[str, Form(max_length=40)] = "",
    custody: Annotated[str, Form(max_length=20)] = "either",
    identity_gate: Annotated[list[str], Form(max_length=2)] = [],  # noqa: B006 - "off" (hidden) and "on"
    interview_gate: Annotated[list[str], Form(max_length=2)] = [],  # noqa: B006
    priority: Annotated[list[str], Form(max_length=3)] = [],  # noqa: B006 - criteria, first first
    priority_category: Annotated[list[str], Form(max_length=len(STANDARD_CATEGORIES))] = [],  # noqa: B006
    expected_version: Annotated[int, Form(ge=0, le=MAX_VERSION)] = 0,
    share: Annotated[bool, Form()] = False,
) -> Response:
    actor = visit.signed_in().actor
    known = {k for k, _ in STANDARD_CATEGORIES}
    chosen = tuple(c for c in category if c in known)
    form = TermsForm(
        reference_date.strip(),
        formula if formula in {k for k, _ in FORMULAS} else "n_for_n",
        declared_a.strip(),
        declared_b.strip(),
        max_persons.strip(),
        tranches.strip(),
        chosen,
        long_captivity_days.strip() or ("365" if "long_captivity" in chosen else ""),
        all_for_all.strip(),
        parity_category.strip(),
        gates=(custody, _gate(identity_gate), _gate(interview_gate)),
        priority=tuple(priority) or None,
        priority_categories=tuple(c for c in priority_category if c in known),
    )
    terms = _composition_terms(form, visit.t)
    composed = compose_version(
        uows, actor, agreement_id, terms, share=share, expected_version=expected_version or None
    )
    names = person_labels(uows, actor, [d["candidate_id"] for d in composed.decisions])
    agreement = views.get_agreement(uows, actor, agreement_id)
    return render(
        request,
        visit,
        "exchange/composition.html",
        agreement=agreement,
        composed=composed,
        decisions=_in_reading_order(composed.decisions),
        names=names,
        back=f"/agreements/{agreement_id}",
    )


def _in_reading_order(decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Those in first, then those out, each by reason, side and priority rank (the unranked last)."""
    return sorted(
        decisions,
        key=lambda d: (
            not d["code"].startswith("in."),
            d["code"],
            d["side"],
            d["priority_rank"] is None,
            d["priority_rank"] or 0,
        ),
    )


@router.post("/agreements/{agreement_id}/versions/{number}/share")
def share(uows: Uows, visit: PostedVisit, agreement_id: str, number: int) -> Response:
    agreements.share_version(uows, visit.signed_in().actor, agreement_id, number)
    return redirect(visit, f"/agreements/{agreement_id}?v={number}")


@router.post("/agreements/{agreement_id}/versions/{number}/accept")
def accept(
    request: Request,
    uows: Uows,
    throttle: Throttle,
    visit: PostedVisit,
    agreement_id: str,
    number: int,
    password: Annotated[str, Form(max_length=200)] = "",
    totp_code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Binding: the password (and the code of an enrolled account) re-entered with this very request."""
    actor = visit.signed_in().actor
    proof = binding_proof(password, totp_code)
    try:
        agreements.accept(uows, actor, agreement_id, number, proof, throttle=throttle)
    except ReauthenticationFailed:
        errors = reauthentication_errors(visit.t)
        return agreement_response(request, uows, visit, agreement_id, number, status=403, errors=errors)
    return redirect(visit, f"/agreements/{agreement_id}?v={number}")


@router.post("/agreements/{agreement_id}/conclude")
def conclude(uows: Uows, visit: PostedVisit, agreement_id: str) -> Response:
    agreements.conclude(uows, visit.signed_in().actor, agreement_id)
    return redirect(visit, f"/agreements/{agreement_id}")
