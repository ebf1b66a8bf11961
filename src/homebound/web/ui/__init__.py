"""The server-rendered browser UI: Jinja2 pages over the services; htmx and Chart.js served by ourselves."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from starlette.staticfiles import StaticFiles

from homebound.web.ui import (
    auth,
    crossing,
    crossing_buses,
    deaths,
    disclosures,
    exchange,
    exports,
    icrc,
    imports,
    intake,
    mediator,
    party,
    printing,
    privacy,
    public,
    reconciliation,
    requests,
    review,
    will_interviews,
)

# imports, disclosures, deaths (remains), intake and requests before party: "/party/{registry}" would
# otherwise take their paths.
AREAS = (
    auth,
    imports,
    exports,
    disclosures,
    deaths,
    intake,
    requests,
    will_interviews,
    party,
    public,
    mediator,
    review,
    exchange,
    crossing,
    crossing_buses,
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
