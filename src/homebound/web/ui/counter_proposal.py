"""Counter-proposals in the browser: the terms of the version on screen, changed through the form and checked
by the parser the API and the CLI use; a refused form comes back with its values and each problem beside its
field, and nothing is written."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from homebound.core.errors import ValidationFailed
from homebound.core.exchange.documents import listed_from_document
from homebound.services import agreement_views as views
from homebound.services import agreements
from homebound.web.deps import Uows
from homebound.web.numbers import MAX_VERSION
from homebound.web.ui.agreement_page import agreement_response, service_errors
from homebound.web.ui.render import UiRoute, redirect
from homebound.web.ui.session import PostedVisit
from homebound.web.ui.terms_form import FORMULAS, STANDARD_CATEGORIES, TermsForm, new_terms

router = APIRouter(route_class=UiRoute, include_in_schema=False)


@router.post("/agreements/{agreement_id}/counter")
def counter_propose(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    agreement_id: str,
    expected_version: Annotated[int, Form(ge=1, le=MAX_VERSION)],
    reference_date: Annotated[str, Form(max_length=10)] = "",
    formula: Annotated[str, Form(max_length=40)] = "n_for_n",
    declared_a: Annotated[str, Form(max_length=7)] = "",
    declared_b: Annotated[str, Form(max_length=7)] = "",
    max_persons: Annotated[str, Form(max_length=7)] = "",
    tranches: Annotated[str, Form(max_length=200)] = "",
    category: Annotated[list[str], Form(max_length=len(STANDARD_CATEGORIES))] = [],  # noqa: B006
    long_captivity_days: Annotated[str, Form(max_length=6)] = "",
    all_for_all: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
    share: Annotated[bool, Form()] = False,
) -> Response:
    actor = visit.signed_in().actor
    form = TermsForm(
        reference_date.strip(),
        formula if formula in {k for k, _ in FORMULAS} else "n_for_n",
        declared_a.strip(),
        declared_b.strip(),
        max_persons.strip(),
        tranches.strip(),
        tuple(c for c in category if c in {k for k, _ in STANDARD_CATEGORIES}),
        long_captivity_days.strip(),
        all_for_all.strip(),
    )
    posted = {**dataclasses.asdict(form), "categories": list(form.categories), "note": note, "share": share}
    current = views.get_version(uows, actor, agreement_id, expected_version)
    document = current.document or {}
    terms, errors = new_terms(document["terms"], form, visit.t)
    if not note.strip():
        errors["note"] = visit.t.gettext("Say why: the reason goes with every change of this version.")
    if terms is not None and not errors:
        list_a = [listed_from_document(p) for p in document["list_a"]]
        list_b = [listed_from_document(p) for p in document["list_b"]]
        try:
            written = agreements.propose(
                uows,
                actor,
                agreement_id,
                terms,
                list_a,
                list_b,
                note=note.strip(),
                counter=True,
                share=share,
                expected_version=expected_version,
            )
        except ValidationFailed as exc:
            errors = service_errors(exc, {}, "note")
        else:
            return redirect(
                visit, f"/agreements/{agreement_id}?v={written.number}&against={expected_version}"
            )
    return agreement_response(
        request, uows, visit, agreement_id, expected_version, status=422, errors=errors, posted=posted
    )
