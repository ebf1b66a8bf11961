"""Publication acts and the record of who read what, over HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, status

from homebound.services import publication
from homebound.services.access_audit import AccessFilter, DataAction, list_access
from homebound.web.deps import SignedIn, Uows
from homebound.web.schemas.privacy import (
    DataAccessPageOut,
    ExchangePublicationIn,
    PublicationOut,
    RegistryCountsIn,
)

router = APIRouter(prefix="/api/v1", tags=["privacy"])


@router.post(
    "/publications/registry-counts",
    response_model=PublicationOut,
    status_code=status.HTTP_201_CREATED,
    summary="Publish a party's counts as they stand now (the party's admin, or the mediator)",
)
def publish_registry_counts(uows: Uows, actor: SignedIn, body: RegistryCountsIn) -> PublicationOut:
    figures = None if body.figures is None else [str(f) for f in body.figures]
    return PublicationOut.of(publication.publish_registry_counts(uows, actor, body.party, figures))


@router.post(
    "/agreements/{agreement_id}/publications",
    response_model=PublicationOut,
    status_code=status.HTTP_201_CREATED,
    summary="Publish an agreement's closed tranches on the public ledger under a public label (mediator)",
)
def publish_exchange(
    uows: Uows, actor: SignedIn, agreement_id: str, body: ExchangePublicationIn
) -> PublicationOut:
    view = publication.publish_exchange(
        uows, actor, agreement_id, public_label=body.public_label, supersedes=body.supersedes
    )
    return PublicationOut.of(view)


@router.get(
    "/access-records",
    response_model=DataAccessPageOut,
    summary="Who read, searched or exported personal data: the owning party's admin and the mediator",
)
def access_records(
    uows: Uows,
    actor: SignedIn,
    party: Annotated[str | None, Query(max_length=32, description="owning party's code")] = None,
    user: Annotated[str | None, Query(max_length=64, description="the reader's username")] = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    action: DataAction | None = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DataAccessPageOut:
    flt = AccessFilter(party=party, user=user, since=since, until=until, action=action)
    return DataAccessPageOut.of(list_access(uows, actor, flt, offset=offset, limit=limit))
