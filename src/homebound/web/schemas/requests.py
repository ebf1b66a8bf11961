"""Schemas of requests for one's own people: a request list in, requests (as the caller may read them) out."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from homebound.core.exchange.requests import MAX_PRIORITY, MAX_REASON, RequestedPerson

Id = Annotated[str, StringConstraints(min_length=1, max_length=36)]
Reason = Annotated[str, StringConstraints(max_length=MAX_REASON)]
MAX_LIST = 5000  # one request list; a bureau's daily list is a few hundred names


class RequestedPersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sought_person_id: Id
    priority: int | None = Field(default=None, ge=1, le=MAX_PRIORITY)
    reason: Reason = ""
    private_note: Reason = Field(default="", description="stays with the requesting party")

    def to_core(self) -> RequestedPerson:
        return RequestedPerson(self.sought_person_id, self.priority, self.reason, self.private_note)


class RequestListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[RequestedPersonIn] = Field(min_length=1, max_length=MAX_LIST)
    agreement_id: Id | None = None
    mediator: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None, description="the mediator's code; needed when there are several and no agreement"
    )


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    held_person_id: Id | None = Field(
        default=None, description="the other side's held record; left out, the one already confirmed"
    )


class RefusalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(min_length=1, max_length=MAX_REASON)]


class ListingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agreement_id: Id
    request_ids: list[Id] = Field(min_length=1, max_length=MAX_LIST)
    note: Reason = ""


class ReturnedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request_ids: list[Id] = Field(min_length=1, max_length=MAX_LIST)


class RequestOut(BaseModel):
    id: str
    status: str
    priority: int | None
    reason: str
    agreement_id: str | None
    listed_version: int | None
    refusal_reason: str | None
    tabled_at: dt.datetime
    updated_at: dt.datetime
    person_id: str = Field(description="the sought record; for the holding party, its own held record")
    person_name: str
    requesting_party: str
    holding_party: str | None
    held_person_id: str | None
    private_note: str | None
    history: list[dict[str, Any]]
