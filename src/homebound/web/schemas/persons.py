"""Person record schemas: input as the text a list carries (same rules as import), output typed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from homebound.core.persons import Registry, Status
from homebound.services.payloads import fields_to_text
from homebound.services.registry import PersonPage, PersonView

Text = Annotated[str, StringConstraints(max_length=200)]


class PersonFieldsIn(BaseModel):
    """Every field optional; dates as 1994, 1994-03, 1994-03-12 or 12.03.1994; names in their own script."""

    model_config = ConfigDict(extra="forbid")

    family_name: Text | None = None
    given_name: Text | None = None
    patronymic: Text | None = None
    father_given_name: Text | None = None
    mother_maiden_name: Text | None = None
    sex: Text | None = None
    date_of_birth: Text | None = None
    place_of_birth: Text | None = None
    party_depended_on: Text | None = None
    rank: Text | None = None
    service_number: Text | None = None
    unit: Text | None = None
    category: Text | None = None
    capture_date: Text | None = None
    capture_place: Text | None = None
    detention_place: Text | None = None
    capture_card_sent_on: Text | None = None
    health: Text | None = None
    legal_hold: Text | None = None
    legal_hold_note: Text | None = None
    will_to_return: Text | None = None
    will_verified_by: Text | None = None
    will_verified_on: Text | None = None
    last_seen_date: Text | None = None
    last_seen_place: Text | None = None
    nationality: Text | None = None
    next_of_kin: Text | None = None
    next_of_kin_address: Text | None = None
    arrived_at_camp_on: Text | None = None
    last_transfer_on: Text | None = None


class PersonCreate(PersonFieldsIn):
    registry: Registry
    record_id: Text
    family_name: Text
    status: Text | None = None


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class ShareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    party: Annotated[str, StringConstraints(min_length=1, max_length=32)]


class PersonOut(BaseModel):
    id: str
    party_id: str
    registry: Registry
    record_id: str
    status: Status
    version: int
    capture_card_overdue: bool
    shared_with: list[str]
    fields: dict[str, str | None]
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, view: PersonView) -> PersonOut:
        return cls(
            id=view.id,
            party_id=view.party_id,
            registry=view.registry,
            record_id=view.source_id,
            status=view.status,
            version=view.version,
            capture_card_overdue=view.capture_card_overdue,
            shared_with=sorted(view.shared_with),
            fields=fields_to_text(view.fields),
            created_at=view.created_at,
            updated_at=view.updated_at,
        )


class PersonPageOut(BaseModel):
    items: list[PersonOut]
    total: int
    offset: int
    limit: int = Field(description="page size actually used (at most 500)")

    @classmethod
    def of(cls, page: PersonPage) -> PersonPageOut:
        return cls(
            items=[PersonOut.of(v) for v in page.items],
            total=page.total,
            offset=page.offset,
            limit=page.limit,
        )
