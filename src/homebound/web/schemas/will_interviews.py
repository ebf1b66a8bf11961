"""The body of a will-to-return interview as the API takes it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from homebound.core.will_interview import InterviewOutcome, WillInterview

Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class WillInterviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    interviewer: Text
    place: Text
    held_on: dt.date
    language: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    present: Text
    outcome: InterviewOutcome
    witness: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    custodian: Text | None = None
    time_limit: dt.date | None = None

    def to_domain(self) -> WillInterview:
        return WillInterview(**self.model_dump())
