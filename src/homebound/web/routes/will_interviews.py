"""The will-to-return interview witnessed by a neutral organisation, recorded on a held record."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter

from homebound.services.will_interviews import record_interview
from homebound.web.deps import SignedIn, Uows
from homebound.web.schemas.persons import PersonOut
from homebound.web.schemas.will_interviews import WillInterviewIn

router = APIRouter(prefix="/api/v1/persons", tags=["registries"])


@router.post(
    "/{person_id}/will-interview",
    response_model=PersonOut,
    summary="Record a witnessed will-to-return interview; its outcome sets the will to return",
)
def will_interview(uows: Uows, actor: SignedIn, person_id: str, body: WillInterviewIn) -> PersonOut:
    view = record_interview(uows, actor, person_id, body.to_domain(), dt.date.today())
    return PersonOut.of(view)
