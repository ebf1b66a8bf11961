"""Disclosures a party has received: its own sought persons the mediator confirmed held by the other side.

Status only: the holder's record stays the holder's; the party reads its own sought record, nothing more.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from homebound.core.errors import PermissionDenied
from homebound.core.persons import Registry, Status
from homebound.db.persons import PersonFilter
from homebound.services import registry as registry_service
from homebound.web.deps import Uows
from homebound.web.ui.render import UiRoute, render
from homebound.web.ui.session import CurrentVisit

router = APIRouter(route_class=UiRoute, include_in_schema=False)
PAGE_SIZE = 25


@router.get("/party/disclosures")
def disclosures_page(
    request: Request, uows: Uows, visit: CurrentVisit, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1
) -> Response:
    actor = visit.signed_in().actor
    if actor.party_id is None:
        raise PermissionDenied("disclosures are received by a party")
    flt = PersonFilter(registry=Registry.SOUGHT, party_id=actor.party_id, status=Status.CONFIRMED_HELD)
    result = registry_service.list_persons(uows, actor, flt, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pages = max(1, (result.total + PAGE_SIZE - 1) // PAGE_SIZE)
    return render(
        request,
        visit,
        "party/disclosures.html",
        result=result,
        page_no=page,
        pages=pages,
        prev_link=f"/party/disclosures?page={page - 1}" if page > 1 else None,
        next_link=f"/party/disclosures?page={page + 1}" if page < pages else None,
    )
