"""The form on a held record's page for a will-to-return interview witnessed by a neutral organisation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Response

from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.core.will_interview import InterviewOutcome, WillInterview
from homebound.services.will_interviews import record_interview
from homebound.web.deps import Uows
from homebound.web.ui.render import UiRoute, redirect
from homebound.web.ui.session import PostedVisit

router = APIRouter(route_class=UiRoute, include_in_schema=False)
Text = Annotated[str, Form(max_length=200)]


def _date(name: str, text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed([FieldProblem(name, "invalid_date", "not a date (YYYY-MM-DD)")]) from None


@router.post("/party/records/{person_id}/will-interview")
def will_interview(
    uows: Uows,
    visit: PostedVisit,
    person_id: str,
    interviewer: Text = "",
    place: Text = "",
    held_on: Annotated[str, Form(max_length=10)] = "",
    language: Annotated[str, Form(max_length=40)] = "",
    present: Text = "",
    outcome: Annotated[InterviewOutcome, Form()] = InterviewOutcome.UNDECIDED,
    witness: Annotated[str, Form(max_length=32)] = "",
    custodian: Text = "",
    time_limit: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    interview_date = _date("held_on", held_on)
    if interview_date is None:
        raise ValidationFailed([FieldProblem("held_on", "required", "the date of the interview is required")])
    limit = _date("time_limit", time_limit)
    interview = WillInterview(
        interviewer=interviewer, place=place, held_on=interview_date, language=language, present=present,
        outcome=outcome, witness=witness, custodian=custodian or None, time_limit=limit,
    )  # fmt: skip
    record_interview(uows, visit.signed_in().actor, person_id, interview, dt.date.today())
    return redirect(visit, f"/party/records/{person_id}")
