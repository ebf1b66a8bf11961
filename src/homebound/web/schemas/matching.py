"""Matching schemas: a run's request and outcome, and the proposed pairs of the review queue."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from homebound.core.matching.review import CandidateStatus, Verdict
from homebound.core.persons import Registry, Status
from homebound.services.matching import CandidatePage, CandidateView, MatchRun, PersonSummary

PartyCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class MatchRunIn(BaseModel):
    """Whose sought list against whose held list, by party code."""

    model_config = ConfigDict(extra="forbid")

    sought_party: PartyCode
    held_party: PartyCode


class MatchRunOut(BaseModel):
    run_id: str
    sought_party: str
    held_party: str
    sought_records: int
    held_records: int
    proposed: int
    queued: int

    @classmethod
    def of(cls, run: MatchRun) -> MatchRunOut:
        return cls(**run.__dict__)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: Verdict
    note: Annotated[str, StringConstraints(max_length=1000)] | None = None


class PersonSummaryOut(BaseModel):
    id: str
    party: str
    registry: Registry
    status: Status
    family_name: str
    given_name: str | None
    patronymic: str | None
    date_of_birth: str | None
    unit: str | None
    service_number: str | None

    @classmethod
    def of(cls, person: PersonSummary) -> PersonSummaryOut:
        return cls(**person.__dict__)


class CandidateOut(BaseModel):
    """A proposed pair, the machine's band and score, and the levels and weights (bits) that explain it."""

    id: str
    run_id: str
    status: CandidateStatus
    band: str
    match_probability: float
    match_weight: float
    explanation: dict[str, Any]
    sought: PersonSummaryOut
    held: PersonSummaryOut
    note: str | None
    reviewed_at: dt.datetime | None
    created_at: dt.datetime

    @classmethod
    def of(cls, view: CandidateView) -> CandidateOut:
        values = {
            **view.__dict__,
            "sought": PersonSummaryOut.of(view.sought),
            "held": PersonSummaryOut.of(view.held),
        }
        return cls(**values)


class CandidatePageOut(BaseModel):
    items: list[CandidateOut]
    total: int
    offset: int
    limit: int

    @classmethod
    def of(cls, page: CandidatePage) -> CandidatePageOut:
        return cls(
            items=[CandidateOut.of(v) for v in page.items],
            total=page.total,
            offset=page.offset,
            limit=page.limit,
        )
