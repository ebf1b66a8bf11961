"""Matching over HTTP: the mediator runs a match of two lists, reads the review queue, gives verdicts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from homebound.core.matching.review import CandidateStatus
from homebound.services import matching as service
from homebound.web.deps import SignedIn, Uows
from homebound.web.schemas.matching import CandidateOut, CandidatePageOut, MatchRunIn, MatchRunOut, ReviewIn

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


@router.get("/candidates", response_model=CandidatePageOut, summary="The review queue (mediator)")
def list_candidates(
    uows: Uows,
    actor: SignedIn,
    status_: Annotated[CandidateStatus | None, Query(alias="status")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 50,
) -> CandidatePageOut:
    return CandidatePageOut.of(
        service.list_candidates(uows, actor, status=status_, offset=offset, limit=limit)
    )


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
