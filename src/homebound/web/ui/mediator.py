"""The mediator's desk: counts per party, the log's verification, and places for work still to be built."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from homebound.core.access import Permission, can
from homebound.core.errors import PermissionDenied
from homebound.services import ledger, review_queue
from homebound.services import log as log_service
from homebound.web.deps import Uows
from homebound.web.ui.public import ledger_tables
from homebound.web.ui.render import UiRoute, is_htmx, render
from homebound.web.ui.session import CurrentVisit, Visit

router = APIRouter(route_class=UiRoute, include_in_schema=False)


def _mediator_office(visit: Visit) -> None:
    actor = visit.signed_in().actor
    if actor.party_id is not None:
        raise PermissionDenied("the mediator's desk is for members of a mediator organisation")


@router.get("/mediator")
def desk(request: Request, uows: Uows, visit: CurrentVisit) -> Response:
    _mediator_office(visit)
    summary = ledger.public_summary(uows)
    actor = visit.signed_in().actor
    open_pairs = None
    if can(actor, Permission.ANY_MATCH_REVIEW):
        open_pairs = review_queue.read_queue(uows, actor, review_queue.QueueFilter(), limit=1).total
    return render(
        request,
        visit,
        "mediator/desk.html",
        summary=summary,
        tables=ledger_tables(ledger.live_counts(uows)),
        open_pairs=open_pairs,
    )


@router.get("/mediator/verification")
def verification(request: Request, uows: Uows, visit: CurrentVisit) -> Response:
    """Checked on request (htmx loads it after the page): a long log takes a moment to verify."""
    _mediator_office(visit)
    report = log_service.verify_log(uows)
    template = "mediator/_verification.html" if is_htmx(request) else "mediator/verification.html"
    return render(request, visit, template, report=report, back="/mediator")
