"""Vehicles at the crossing over HTTP: manifest lines placed in buses (the console's grouping), so a crossing
run from a script or another node places people as the console does (services.handover_vehicles)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from homebound.services import handover_vehicles as service
from homebound.web.deps import SignedIn, Uows
from homebound.web.schemas.exchange import MAX_NUMBER
from homebound.web.schemas.vehicles import PlacementIn, PlacementOut

Number = Annotated[int, Path(ge=1, le=MAX_NUMBER, description="counted from 1")]
router = APIRouter(prefix="/api/v1", tags=["handover"])


@router.put(
    "/agreements/{agreement_id}/tranches/{number}/vehicles",
    response_model=PlacementOut,
    summary="Place manifest lines in vehicles (a party only the people it releases; logged per vehicle)",
)
def place(uows: Uows, actor: SignedIn, agreement_id: str, number: Number, body: PlacementIn) -> PlacementOut:
    return PlacementOut(placed=service.assign_vehicles(uows, actor, agreement_id, number, body.lines))
