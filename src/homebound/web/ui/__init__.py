"""The server-rendered browser UI: Jinja2 pages over the services; htmx and Chart.js served by ourselves."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from starlette.staticfiles import StaticFiles

from homebound.web.ui import (
    auth,
    crossing,
    disclosures,
    exchange,
    icrc,
    imports,
    mediator,
    party,
    printing,
    privacy,
    public,
    reconciliation,
    review,
    will_interviews,
)

# imports and disclosures before party: "/party/{registry}" would otherwise take their paths.
AREAS = (
    auth,
    imports,
    disclosures,
    will_interviews,
    party,
    public,
    mediator,
    review,
    exchange,
    crossing,
    reconciliation,
    printing,
    icrc,
    privacy,
)
router = APIRouter(include_in_schema=False)
for _area in AREAS:
    router.include_router(_area.router)


def static_files() -> StaticFiles:
    """Our CSS, scripts and vendored libraries; nothing is fetched from another host."""
    return StaticFiles(directory=str(resources.files("homebound.web.ui") / "static"))
