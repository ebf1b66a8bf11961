"""Requests in the browser: a party's own requests with their statuses (refused ones with the reason) and
those forwarded to it as the holder; the mediator's incoming requests, with the refusal form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response

from homebound.core.errors import PermissionDenied
from homebound.core.exchange.requests import RequestStatus
from homebound.services import request_mediation as mediation
from homebound.services import requests as service
from homebound.web.deps import Uows
from homebound.web.ui.i18n import N_
from homebound.web.ui.render import UiRoute, redirect, render
from homebound.web.ui.session import CurrentVisit, PostedVisit

router = APIRouter(route_class=UiRoute, include_in_schema=False)
STATUS_LABELS = {
    RequestStatus.RECEIVED.value: N_("received"),
    RequestStatus.CONFIRMED_HELD.value: N_("confirmed held"),
    RequestStatus.LISTED.value: N_("listed"),
    RequestStatus.REFUSED.value: N_("refused"),
    RequestStatus.RETURNED.value: N_("returned"),
}
StatusQuery = Annotated[str, Query(max_length=16)]


def _status(value: str) -> str | None:
    return value if value in STATUS_LABELS else None


@router.get("/party/requests")
def party_requests(request: Request, uows: Uows, visit: CurrentVisit, status: StatusQuery = "") -> Response:
    actor = visit.signed_in().actor
    mine = service.list_requests(uows, actor, status=_status(status))
    forwarded = service.list_requests(uows, actor, forwarded=True)
    return render(
        request,
        visit,
        "party/requests.html",
        filter_action="/party/requests",
        mine=mine,
        forwarded=forwarded,
        chosen=_status(status) or "",
        labels=STATUS_LABELS,
    )


@router.get("/mediator/requests")
def incoming_requests(
    request: Request, uows: Uows, visit: CurrentVisit, status: StatusQuery = ""
) -> Response:
    actor = visit.signed_in().actor
    if actor.party_id is not None:
        raise PermissionDenied("incoming requests are the mediator's")
    incoming = service.list_requests(uows, actor, status=_status(status))
    return render(
        request,
        visit,
        "mediator/requests.html",
        filter_action="/mediator/requests",
        incoming=incoming,
        chosen=_status(status) or "",
        labels=STATUS_LABELS,
    )


@router.post("/mediator/requests/refusal")
def refuse(
    uows: Uows,
    visit: PostedVisit,
    request_id: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    mediation.refuse_request(uows, visit.signed_in().actor, request_id, reason)
    return redirect(visit, "/mediator/requests")


@router.post("/mediator/requests/link")
def link(uows: Uows, visit: PostedVisit, request_id: Annotated[str, Form(max_length=64)] = "") -> Response:
    mediation.link_request(uows, visit.signed_in().actor, request_id)
    return redirect(visit, "/mediator/requests")
