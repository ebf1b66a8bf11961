"""Privacy pages: who read, searched or exported personal data (the owning party's admin and the mediator),
and publication acts (a party's counts; the mediator's publication of a recorded exchange)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response

from homebound.core.access import Permission, can
from homebound.core.errors import Conflict, FieldProblem, PermissionDenied, ValidationFailed
from homebound.services import accounts, publication
from homebound.services.access_audit import AccessFilter, DataAction, list_access
from homebound.services.agreement_views import list_agreements
from homebound.web.deps import Uows
from homebound.web.ui.render import UiRoute, redirect, render
from homebound.web.ui.session import CurrentVisit, PostedVisit, Visit

router = APIRouter(route_class=UiRoute, include_in_schema=False)
PAGE_SIZE = 100


def _day(value: str, field: str, *, end: bool = False) -> dt.datetime | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            [FieldProblem(field, "invalid_value", "expected a date (YYYY-MM-DD)")]
        ) from None
    return dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time(), tzinfo=dt.UTC)


@router.get("/access-records")
def access_records(
    request: Request,
    uows: Uows,
    visit: CurrentVisit,
    party: Annotated[str, Query(max_length=32)] = "",
    user: Annotated[str, Query(max_length=64)] = "",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    action: DataAction | None = None,
) -> Response:
    actor = visit.signed_in().actor
    form = {
        "party": party,
        "user": user,
        "since": since,
        "until": until,
        "action": action.value if action else "",
    }
    flt = AccessFilter(
        party=party or None,
        user=user or None,
        since=_day(since, "since"),
        until=_day(until, "until", end=True),
        action=action,
    )
    page = list_access(uows, actor, flt, limit=PAGE_SIZE)
    parties = [o.code for o in accounts.list_organisations(uows) if o.kind == "party"]
    if actor.party_id is not None:
        parties = []  # a party reviews its own records only
    return render(
        request, visit, "privacy/access.html", page=page, form=form, parties=parties, actions=list(DataAction)
    )


def _publication_page(
    request: Request, uows: Uows, visit: Visit, *, problems: list[FieldProblem], status: int = 200
) -> Response:
    actor = visit.signed_in().actor
    parties = [o.code for o in accounts.list_organisations(uows) if o.kind == "party"]
    own = [o.code for o in accounts.list_organisations(uows) if o.id == actor.party_id]
    mediator = can(actor, Permission.ANY_FIGURES_PUBLISH)
    concluded = [a for a in list_agreements(uows, actor) if a.status == "concluded"] if mediator else []
    return render(
        request,
        visit,
        "privacy/publish.html",
        status=status,
        parties=parties if mediator else own,
        figures=publication.FIGURE_KEYS,
        defaults=set(publication.DEFAULT_FIGURES),
        agreements=concluded,
        problems=problems,
    )


def _may_publish(visit: Visit) -> None:
    actor = visit.signed_in().actor
    if not (can(actor, Permission.ANY_FIGURES_PUBLISH) or can(actor, Permission.PARTY_FIGURES_PUBLISH)):
        raise PermissionDenied("this role does not publish figures")


@router.get("/publications")
def publications(request: Request, uows: Uows, visit: CurrentVisit) -> Response:
    _may_publish(visit)
    return _publication_page(request, uows, visit, problems=[])


@router.post("/publications/registry-counts")
def publish_counts(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    party: Annotated[str, Form(max_length=32)] = "",
    figures: Annotated[list[str] | None, Form(max_length=64)] = None,
) -> Response:
    _may_publish(visit)
    try:
        publication.publish_registry_counts(uows, visit.signed_in().actor, party, figures or [])
    except ValidationFailed as exc:
        return _publication_page(request, uows, visit, problems=exc.problems, status=422)
    return redirect(visit, "/ledger")


@router.post("/publications/exchange")
def publish_exchange(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    agreement_id: Annotated[str, Form(max_length=36)] = "",
    public_label: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    _may_publish(visit)
    try:
        publication.publish_exchange(uows, visit.signed_in().actor, agreement_id, public_label=public_label)
    except ValidationFailed as exc:
        return _publication_page(request, uows, visit, problems=exc.problems, status=422)
    except Conflict as exc:  # nothing closed yet
        problem = FieldProblem(exc.field or "agreement_id", exc.code, exc.message)
        return _publication_page(request, uows, visit, problems=[problem], status=409)
    return redirect(visit, "/ledger")
