"""Requests for one's own people: a party tables a request list and follows it; the mediator links,
lists, refuses (with the other side's reason) and records returns."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from homebound.services import request_mediation as mediation
from homebound.services import requests as service
from homebound.web.deps import SignedIn, Uows
from homebound.web.routes.agreements import IfMatch, _expected
from homebound.web.schemas.exchange import VersionOut
from homebound.web.schemas.requests import (
    LinkIn,
    ListingIn,
    RefusalIn,
    RequestListIn,
    RequestOut,
    ReturnedIn,
)

router = APIRouter(prefix="/api/v1/requests", tags=["requests"])
StatusFilter = Literal["received", "confirmed_held", "listed", "refused", "returned"]


def _out(view: service.RequestView) -> RequestOut:
    return RequestOut.model_validate(view, from_attributes=True)


@router.post(
    "",
    response_model=list[RequestOut],
    status_code=status.HTTP_201_CREATED,
    summary="A party tables a request list (its own sought records) with the mediator",
)
def table_requests(uows: Uows, actor: SignedIn, body: RequestListIn) -> list[RequestOut]:
    views = service.table_requests(
        uows, actor, [i.to_core() for i in body.items], agreement_id=body.agreement_id, mediator=body.mediator
    )
    return [_out(v) for v in views]


@router.get(
    "",
    response_model=list[RequestOut],
    summary="A party's requests (or those forwarded to it as the holder); the mediator's incoming requests",
)
def list_requests(
    uows: Uows,
    actor: SignedIn,
    status_filter: Annotated[StatusFilter | None, Query(alias="status")] = None,
    agreement_id: Annotated[str | None, Query(max_length=36)] = None,
    forwarded: bool = False,
) -> list[RequestOut]:
    views = service.list_requests(
        uows, actor, status=status_filter, agreement_id=agreement_id, forwarded=forwarded
    )
    return [_out(v) for v in views]


@router.post(
    "/listing",
    response_model=VersionOut,
    status_code=status.HTTP_201_CREATED,
    summary="The mediator adds confirmed requests' held records to the agreement's next version (If-Match)",
)
def list_requested(uows: Uows, actor: SignedIn, body: ListingIn, if_match: IfMatch = None) -> VersionOut:
    view = mediation.list_requested(
        uows,
        actor,
        body.agreement_id,
        body.request_ids,
        note=body.note,
        expected_version=_expected(if_match, body.agreement_id, required=True),
    )
    return VersionOut.model_validate(view, from_attributes=True)


@router.post("/returned", response_model=list[RequestOut], summary="Listed requests whose person crossed")
def mark_returned(uows: Uows, actor: SignedIn, body: ReturnedIn) -> list[RequestOut]:
    return [_out(v) for v in mediation.mark_returned(uows, actor, body.request_ids)]


@router.get("/{request_id}", response_model=RequestOut, summary="One request, as the caller may read it")
def get_request(uows: Uows, actor: SignedIn, request_id: str) -> RequestOut:
    return _out(service.get_request(uows, actor, request_id))


@router.post(
    "/{request_id}/link",
    response_model=RequestOut,
    summary="The mediator links a request to the other side's held record: confirmed held",
)
def link_request(uows: Uows, actor: SignedIn, request_id: str, body: LinkIn) -> RequestOut:
    return _out(mediation.link_request(uows, actor, request_id, body.held_person_id))


@router.post(
    "/{request_id}/refusal",
    response_model=RequestOut,
    summary="The mediator records the other side's refusal, with its reason",
)
def refuse_request(uows: Uows, actor: SignedIn, request_id: str, body: RefusalIn) -> RequestOut:
    return _out(mediation.refuse_request(uows, actor, request_id, body.reason))
