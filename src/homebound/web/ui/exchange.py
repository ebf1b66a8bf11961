"""Agreements in the browser: the list, one agreement's versions with their differences, composition with a
reason per person, acceptance with the password re-entered, and conclusion with its hash."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import DomainError, FieldProblem, ValidationFailed
from homebound.core.exchange.formula import NForN
from homebound.core.exchange.terms import Terms, TrancheSpec
from homebound.services import agreement_views as views
from homebound.services import agreements, registry
from homebound.services.composition import compose_version
from homebound.web.deps import Uows
from homebound.web.ui.render import UiRoute, redirect, render
from homebound.web.ui.session import CurrentVisit, PostedVisit

router = APIRouter(route_class=UiRoute, include_in_schema=False)
MAX_TRANCHES = 10


def person_labels(uows: Uows, actor: Actor, ids: Iterable[str]) -> dict[str, str]:
    """Names the actor may read, through the registry's own policy; anyone else stays a record number."""
    labels: dict[str, str] = {}
    for person_id in dict.fromkeys(ids):
        try:
            fields = registry.get_person(uows, actor, person_id).fields
        except DomainError:
            continue
        parts = (fields.family_name, fields.given_name, fields.patronymic)
        labels[person_id] = " ".join(p for p in parts if p)
    return labels


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


def _version_context(
    uows: Uows, actor: Actor, agreement_id: str, versions: list[views.VersionView], chosen: int | None
) -> dict[str, Any]:
    if not versions:
        return {"version": None, "lists": {}, "names": {}, "previous": None}
    numbers = [v.number for v in versions]
    number = chosen if chosen in numbers else numbers[-1]
    version = views.get_version(uows, actor, agreement_id, number)
    document = version.document or {}
    lists = {"a": document.get("list_a", []), "b": document.get("list_b", [])}
    ids = [p["candidate_id"] for side in lists.values() for p in side]
    ids += [c["candidate_id"] for c in version.changes if c.get("candidate_id")]
    ids += [c["replacement_id"] for c in version.changes if c.get("replacement_id")]
    earlier = [n for n in numbers if n < number]
    return {
        "version": version,
        "lists": lists,
        "names": person_labels(uows, actor, ids),
        "previous": earlier[-1] if earlier else None,
    }


@router.get("/agreements/{agreement_id}")
def agreement_page(
    request: Request, uows: Uows, visit: CurrentVisit, agreement_id: str, v: int | None = None
) -> Response:
    actor = visit.signed_in().actor
    agreement = views.get_agreement(uows, actor, agreement_id)
    versions = views.list_versions(uows, actor, agreement_id)
    context = _version_context(uows, actor, agreement_id, versions, v)
    accepted_latest = {role for number, role in agreement.acceptances if number == agreement.latest_version}
    return render(
        request,
        visit,
        "exchange/agreement.html",
        agreement=agreement,
        versions=versions,
        manages=_manages(actor),
        may_accept=can(actor, Permission.PARTY_AGREEMENT_ACCEPT) and agreement.seat in ("party_a", "party_b"),
        accepted_latest=accepted_latest,
        today=dt.date.today().isoformat(),
        back="/agreements",
        **context,
    )


def _tranches(text: str) -> tuple[TrancheSpec, ...]:
    """'6/6, 4/4' -> two tranches; an empty text is one tranche of everyone."""
    specs: list[TrancheSpec] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        a, _, b = part.partition("/")
        if not (a.strip().isdigit() and b.strip().isdigit()) or len(specs) >= MAX_TRANCHES:
            raise ValidationFailed([FieldProblem("tranches", "invalid_value", "write tranches as 6/6, 4/4")])
        specs.append(TrancheSpec(int(a), int(b)))
    return tuple(specs)


@router.post("/agreements/{agreement_id}/compose")
def compose(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    agreement_id: str,
    max_persons: Annotated[int, Form(ge=1, le=100_000)],
    reference_date: Annotated[dt.date, Form()],
    tranches: Annotated[str, Form(max_length=200)] = "",
    expected_version: Annotated[int, Form(ge=0)] = 0,
    share: Annotated[bool, Form()] = False,
) -> Response:
    actor = visit.signed_in().actor
    specs = _tranches(tranches)
    terms = Terms(reference_date, formulas=(NForN(),), max_persons=max_persons, tranches=specs)
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
        names=names,
        back=f"/agreements/{agreement_id}",
    )


@router.post("/agreements/{agreement_id}/versions/{number}/share")
def share(uows: Uows, visit: PostedVisit, agreement_id: str, number: int) -> Response:
    agreements.share_version(uows, visit.signed_in().actor, agreement_id, number)
    return redirect(visit, f"/agreements/{agreement_id}?v={number}")


@router.post("/agreements/{agreement_id}/versions/{number}/accept")
def accept(
    uows: Uows,
    visit: PostedVisit,
    agreement_id: str,
    number: int,
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    agreements.accept(uows, visit.signed_in().actor, agreement_id, number, password)
    return redirect(visit, f"/agreements/{agreement_id}?v={number}")


@router.post("/agreements/{agreement_id}/conclude")
def conclude(uows: Uows, visit: PostedVisit, agreement_id: str) -> Response:
    agreements.conclude(uows, visit.signed_in().actor, agreement_id)
    return redirect(visit, f"/agreements/{agreement_id}")
