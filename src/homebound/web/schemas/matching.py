"""Matching schemas: a run's request and outcome, and the proposed pairs of the review queue."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from annotated_types import Len
from pydantic import BaseModel, ConfigDict, StringConstraints

from homebound.core.matching.review import CandidateStatus, Verdict
from homebound.core.persons import Category, Registry, Status
from homebound.services.matching import CandidatePage, CandidateView, MatchRun, PersonSummary
from homebound.services.review_bulk import MAX_BULK, BulkResult, Workload
from homebound.services.review_queue import QueueFilter

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
    problems: list[str] = []  # "date_of_birth_as_written": no date; shown and compared as written

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


class QueueFilterIn(BaseModel):
    """Which pairs: by band, party (code), import (list), agreement and the held record's category."""

    model_config = ConfigDict(extra="forbid")

    band: Literal["match", "review"] | None = None
    party: PartyCode | None = None
    import_batch: Annotated[str, StringConstraints(max_length=36)] | None = None
    agreement: Annotated[str, StringConstraints(max_length=36)] | None = None
    category: Category | None = None

    def to_filter(self) -> QueueFilter:
        return QueueFilter(
            band=self.band,
            party=self.party,
            import_batch=self.import_batch,
            agreement=self.agreement,
            category=self.category.value if self.category else None,
        )


class BulkReviewIn(BaseModel):
    """One verdict on many pairs: the ids the client has looked at, or a filtered set named by the token
    `GET /matching/bulk-set` gave for it (refused with 409 if the set changed since)."""

    model_config = ConfigDict(extra="forbid")

    verdict: Literal[Verdict.CONFIRM, Verdict.REJECT]
    candidate_ids: Annotated[
        list[Annotated[str, StringConstraints(max_length=36)]], Len(max_length=MAX_BULK)
    ] = []
    filter: QueueFilterIn | None = None
    token: Annotated[str, StringConstraints(max_length=64)] | None = None
    note: Annotated[str, StringConstraints(max_length=1000)] | None = None


class BulkReviewOut(BaseModel):
    recorded: list[str]
    already_decided: list[str]
    refused: list[str]

    @classmethod
    def of(cls, result: BulkResult) -> BulkReviewOut:
        return cls(
            recorded=list(result.recorded),
            already_decided=list(result.already_decided),
            refused=list(result.refused),
        )


class BulkSetOut(BaseModel):
    verdict: Verdict
    count: int
    token: str
    candidate_ids: list[str]


class ReviewerOut(BaseModel):
    reviewer: str
    today: int
    total: int


class WorkloadOut(BaseModel):
    """Open pairs by band, decisions today (UTC) and in all, per reviewer, and the actions left (one bulk
    action per page of strong matches, one look per pair to review)."""

    open_match: int
    open_review: int
    decided_today: int
    decided_total: int
    actions_left: int
    reviewers: list[ReviewerOut]

    @classmethod
    def of(cls, work: Workload) -> WorkloadOut:
        return cls(
            open_match=work.open_match,
            open_review=work.open_review,
            decided_today=work.decided_today,
            decided_total=work.decided_total,
            actions_left=work.actions_left,
            reviewers=[ReviewerOut(**r.__dict__) for r in work.reviewers],
        )
