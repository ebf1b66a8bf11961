"""Schemas for publication acts and the record of reads of personal data."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from homebound.services.access_audit import AccessPage
from homebound.services.publication import FIGURE_KEYS, MAX_LABEL, PublicationView

Figure = Literal[FIGURE_KEYS]  # type: ignore[valid-type]
RecordId = Annotated[str, StringConstraints(min_length=1, max_length=36)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegistryCountsIn(_In):
    """A party's counts to publish now; `figures` names them ("held_held", "sought_missing", ...). Left out:
    every status but deaths, which are published only when named."""

    party: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    figures: list[Figure] | None = Field(default=None, min_length=1, max_length=len(FIGURE_KEYS))


class ExchangePublicationIn(_In):
    """The mediator publishes an agreement's closed tranches, one line per day of crossing, under a public
    label (never the internal title or venue). `supersedes` names reported exchanges this one replaces
    (those reported on a day it crossed, between the same parties, are found without being named)."""

    public_label: Annotated[str, StringConstraints(max_length=MAX_LABEL)] = ""
    supersedes: list[RecordId] = Field(default_factory=list, max_length=50)


class PublicationOut(BaseModel):
    id: str
    kind: str
    subject: str
    organisation: str
    published_by: str
    published_at: dt.datetime
    figures: dict[str, Any]

    @classmethod
    def of(cls, view: PublicationView) -> PublicationOut:
        return cls.model_validate(view, from_attributes=True)


class DataAccessOut(BaseModel):
    id: str
    at: dt.datetime
    owner_party: str
    user: str
    organisation: str | None
    role: str
    action: str
    purpose: str
    record_count: int
    record_ids: list[str]
    fields: list[str]


class DataAccessPageOut(BaseModel):
    items: list[DataAccessOut]
    total: int

    @classmethod
    def of(cls, page: AccessPage) -> DataAccessPageOut:
        return cls.model_validate(page, from_attributes=True)
