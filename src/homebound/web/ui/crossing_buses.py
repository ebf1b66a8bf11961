"""The handover console's vehicles: placing people in buses, recording a checked bus as delivered after a
confirmation step, and keeping the session alive while the console of an open tranche is on screen."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response

from homebound.services import handover
from homebound.services import handover_console as console
from homebound.services import handover_vehicles as vehicles
from homebound.web.deps import Uows
from homebound.web.ui.crossing import ConsoleQuery, _console_context
from homebound.web.ui.render import UiRoute, redirect, render
from homebound.web.ui.session import CurrentVisit, PostedVisit

router = APIRouter(route_class=UiRoute, include_in_schema=False)
MAX_CHECKED = 500


def _console_url(agreement_id: str, number: int, vehicle: str | None) -> str:
    query = {"tranche": number} | ({"vehicle": vehicle} if vehicle else {})
    return f"/agreements/{agreement_id}/handover?{urlencode(query)}"


@router.post("/agreements/{agreement_id}/handover/{number}/vehicles/fill")
def fill(
    uows: Uows,
    visit: PostedVisit,
    agreement_id: str,
    number: int,
    seats: Annotated[int, Form(ge=1, le=200)],
    prefix: Annotated[str, Form(max_length=24)] = "",
) -> Response:
    """Everyone not yet in a vehicle, `seats` to a bus, each side its own buses."""
    actor = visit.signed_in().actor
    vehicles.place_unplaced(uows, actor, agreement_id, number, seats, prefix or visit.t.gettext("Bus"))
    return redirect(visit, _console_url(agreement_id, number, None))


@router.post("/agreements/{agreement_id}/handover/{number}/vehicles/assign")
def assign(
    uows: Uows,
    visit: PostedVisit,
    agreement_id: str,
    number: int,
    line_no: Annotated[int, Form(ge=1, le=1_000_000)],
    to_vehicle: Annotated[str, Form(max_length=32)],
    showing: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """One person moved to another vehicle (a bus re-loaded at the crossing); back to the vehicle shown."""
    actor = visit.signed_in().actor
    vehicles.assign_vehicles(uows, actor, agreement_id, number, {line_no: to_vehicle})
    return redirect(visit, _console_url(agreement_id, number, showing or None))


@router.post("/agreements/{agreement_id}/handover/{number}/vehicles/deliver")
def deliver_bus(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    agreement_id: str,
    number: int,
    vehicle: Annotated[str, Form(max_length=32)],
    candidate_id: Annotated[list[str] | None, Form(max_length=MAX_CHECKED)] = None,
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Two steps: the ticked people are listed for confirmation; confirmed, each is recorded as delivered."""
    actor = visit.signed_in().actor
    checked = [c[:64] for c in candidate_id or []]
    if confirmed != "yes":
        context = _console_context(uows, visit, agreement_id, ConsoleQuery(number, vehicle=vehicle))
        bus = console.ConsoleFilter(vehicle=vehicle, limit=console.MAX_PAGE_SIZE)
        aboard = console.console_page(uows, actor, agreement_id, number, bus)
        ticked = set(checked)
        context["vehicle"] = vehicle
        context["chosen"] = [line for line in aboard.lines if line.candidate_id in ticked]
        context["left"] = [
            line
            for line in aboard.lines
            if line.candidate_id not in ticked and line.line["state"] in vehicles.DELIVERABLE
        ]
        return render(request, visit, "exchange/bus_confirm.html", **context)
    vehicles.deliver_vehicle(uows, actor, agreement_id, number, vehicle, checked)
    return redirect(visit, _console_url(agreement_id, number, vehicle))


@router.get("/agreements/{agreement_id}/handover/{number}/alive")
def keep_alive(uows: Uows, visit: CurrentVisit, agreement_id: str, number: int) -> Response:
    """Polled by the console while it is open on an open tranche: reading the session touches it, so a slow
    crossing is not cut by the idle sign-out. A closed tranche answers 410 and the console stops asking."""
    actor = visit.signed_in().actor
    tranche = handover.get_tranche(uows, actor, agreement_id, number)
    status = 410 if tranche.state == "closed" else 204
    return Response(status_code=status, headers={"Cache-Control": "no-store"})
