"""A neutral intermediary's pages: what its node received from the parties."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from homebound.services.federation.received import received_packages
from homebound.web.deps import Uows
from homebound.web.ui.render import UiRoute, render
from homebound.web.ui.session import CurrentVisit

router = APIRouter(route_class=UiRoute, include_in_schema=False)


@router.get("/icrc/received")
def received_page(request: Request, uows: Uows, visit: CurrentVisit) -> Response:
    packages = received_packages(uows, visit.signed_in().actor)
    return render(request, visit, "icrc/received.html", packages=packages)
