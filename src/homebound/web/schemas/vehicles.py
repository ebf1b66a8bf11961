"""Vehicles at the crossing: which vehicle each manifest line travels in."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from homebound.services.handover_vehicles import MAX_VEHICLE

Vehicle = Annotated[str, StringConstraints(min_length=1, max_length=MAX_VEHICLE)]


class PlacementIn(BaseModel):
    """Which vehicle each line travels in, by line number (a bus, a van, an aircraft: any label)."""

    model_config = ConfigDict(extra="forbid")
    lines: dict[Annotated[int, Field(ge=1, le=1_000_000)], Vehicle] = Field(max_length=5000)


class PlacementOut(BaseModel):
    placed: int
