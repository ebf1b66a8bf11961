"""Matching over HTTP: the mediator runs a match of two lists, reads the review queue, gives verdicts."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.core.matching.review import CandidateStatus, Verdict
from homebound.core.persons import Category
from homebound.services import matching as service
from homebound.services import review_bulk as bulk
from homebound.services import review_queue as queue
from homebound.services.review_queue import DecisionFilter
from homebound.web.deps import SignedIn, Uows
from homebound.web.schemas.matching import (
    BulkReviewIn,
    BulkReviewOut,
    BulkSetOut,
    CandidateOut,
    CandidatePageOut,
    MatchRunIn,
    MatchRunOut,
    QueueFilterIn,
    ReviewIn,
    WorkloadOut,
)

router = APIRouter(prefix="/api/v1/matching", tags=["matching"])


@router.post(
    "/runs",
    response_model=MatchRunOut,
    status_code=status.HTTP_201_CREATED,
    summary="Match a party's open sought records against another party's held records (mediator)",
)
def run_matching(uows: Uows, actor: SignedIn, body: MatchRunIn) -> MatchRunOut:
    return MatchRunOut.of(service.run_matching(uows, actor, body.sought_party, body.held_party))


@router.post(
    "/held/{person_id}",
    response_model=MatchRunOut,
    status_code=status.HTTP_201_CREATED,
    summary="Match one held record against the sought records of the party it depends on (mediator)",
    description=(
        "Scores the held record, through the server's cached incremental index, against the open sought "
        "records of the party it depends on (else every other party's) and queues new pairs. Records are "
        "also matched on arrival, when created, imported or changed, without this call."
    ),
)
def match_held_record(uows: Uows, actor: SignedIn, person_id: str) -> MatchRunOut:
    return MatchRunOut.of(service.match_held_record(uows, actor, person_id))


_DECISIONS = {
    None: DecisionFilter.ALL,
    CandidateStatus.PENDING: DecisionFilter.PENDING,
    CandidateStatus.NOT_SURE: DecisionFilter.NOT_SURE,
    CandidateStatus.CONFIRMED: DecisionFilter.CONFIRMED,
    CandidateStatus.REJECTED: DecisionFilter.REJECTED,
}


def _filter(
    band: Annotated[Literal["match", "review"] | None, Query()] = None,
    party: Annotated[str | None, Query(max_length=32)] = None,
    import_batch: Annotated[str | None, Query(max_length=36)] = None,
    agreement: Annotated[str | None, Query(max_length=36)] = None,
    category: Annotated[Category | None, Query()] = None,
) -> QueueFilterIn:
    # An empty parameter filters nothing, as an absent one.
    return QueueFilterIn(
        band=band,
        party=party or None,
        import_batch=import_batch or None,
        agreement=agreement or None,
        category=category,
    )


Filter = Annotated[QueueFilterIn, Depends(_filter)]


@router.get(
    "/candidates",
    response_model=CandidatePageOut,
    summary="The review queue (mediator) by status, band, party, import (list), agreement, category",
)
def list_candidates(
    uows: Uows,
    actor: SignedIn,
    flt: Filter,
    status_: Annotated[CandidateStatus | None, Query(alias="status")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 50,
) -> CandidatePageOut:
    chosen = replace(flt.to_filter(), decision=_DECISIONS[status_])
    return CandidatePageOut.of(queue.list_views(uows, actor, chosen, offset=offset, limit=limit))


@router.get(
    "/bulk-set",
    response_model=BulkSetOut,
    summary="The open pairs a bulk verdict on a filtered set would decide, and the token naming them",
    description=(
        "A bulk confirmation covers the open strong matches (band match) under the filter; a bulk "
        "rejection the open pairs under it. Send the token back with the verdict: if the set changed, "
        "nothing is decided."
    ),
)
def bulk_set(
    uows: Uows, actor: SignedIn, flt: Filter, verdict: Literal[Verdict.CONFIRM, Verdict.REJECT]
) -> BulkSetOut:
    found = bulk.bulk_set(uows, actor, flt.to_filter(), verdict)
    return BulkSetOut(
        verdict=verdict, count=found.count, token=found.token, candidate_ids=list(found.candidate_ids)
    )


@router.post(
    "/bulk-review",
    response_model=BulkReviewOut,
    summary="Confirm or reject many pairs in one action; each verdict is logged as its own entry",
    description=(
        "Either `candidate_ids` (decided while still open; others come back as already decided) or "
        "`filter` with the `token` of GET /matching/bulk-set. A pair whose record is already confirmed in "
        "another pair is refused."
    ),
)
def bulk_review(uows: Uows, actor: SignedIn, body: BulkReviewIn) -> BulkReviewOut:
    if body.filter is not None or body.token is not None:
        if body.filter is None or body.token is None or body.candidate_ids:
            message = "a filtered set needs its filter and token, and no candidate ids"
            raise ValidationFailed([FieldProblem("token", "invalid_value", message)])
        result = bulk.decide_set(uows, actor, body.filter.to_filter(), body.verdict, body.token, body.note)
    else:
        seen = dict.fromkeys(body.candidate_ids)
        result = bulk.decide_seen(uows, actor, seen, body.verdict, body.note)
    return BulkReviewOut.of(result)


@router.get(
    "/workload",
    response_model=WorkloadOut,
    summary="The review queue's workload (mediator): open pairs by band, decisions today and by reviewer",
)
def workload(uows: Uows, actor: SignedIn, flt: Filter) -> WorkloadOut:
    return WorkloadOut.of(bulk.workload(uows, actor, flt.to_filter()))


@router.get("/candidates/{candidate_id}", response_model=CandidateOut)
def get_candidate(uows: Uows, actor: SignedIn, candidate_id: str) -> CandidateOut:
    return CandidateOut.of(service.get_candidate(uows, actor, candidate_id))


@router.post(
    "/candidates/{candidate_id}/review",
    response_model=CandidateOut,
    summary="Confirm, reject or defer (not sure) a proposed pair; a confirmation discloses 'confirmed held'",
)
def review_candidate(uows: Uows, actor: SignedIn, candidate_id: str, body: ReviewIn) -> CandidateOut:
    return CandidateOut.of(service.review_candidate(uows, actor, candidate_id, body.verdict, body.note))
