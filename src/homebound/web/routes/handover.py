"""Handover over HTTP: manifests per tranche (numbered from 1), line outcomes in batches (all or nothing),
remains, closing, totals; and the family notification outbox."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from homebound.core.exchange.candidate import Side
from homebound.core.exchange.remains import IdentificationStatus, RemainsBatch
from homebound.services import handover as service
from homebound.services.notifications import list_notifications
from homebound.web.deps import SignedIn, Throttle, Uows
from homebound.web.schemas.exchange import (
    MAX_NUMBER,
    IdentificationIn,
    LinesIn,
    NotificationOut,
    ReauthenticationIn,
    RemainsIn,
    TrancheOut,
)

Number = Annotated[int, Path(ge=1, le=MAX_NUMBER, description="counted from 1")]
router = APIRouter(prefix="/api/v1", tags=["handover"])
TRANCHE = "/agreements/{agreement_id}/tranches/{number}"


def _out(view: service.TrancheView) -> TrancheOut:
    return TrancheOut.model_validate(view, from_attributes=True)


@router.get(
    "/agreements/{agreement_id}/tranches",
    response_model=list[TrancheOut],
    summary="Every tranche with its live balance (lines left out)",
)
def list_tranches(uows: Uows, actor: SignedIn, agreement_id: str) -> list[TrancheOut]:
    return [_out(v) for v in service.list_tranches(uows, actor, agreement_id)]


@router.get(TRANCHE, response_model=TrancheOut, summary="One tranche's manifest, line by line")
def get_tranche(uows: Uows, actor: SignedIn, agreement_id: str, number: Number) -> TrancheOut:
    return _out(service.get_tranche(uows, actor, agreement_id, number))


@router.post(
    TRANCHE + "/lines",
    response_model=TrancheOut,
    summary="Record what happened to manifest lines at the crossing (a batch: all recorded or none)",
)
def record_lines(uows: Uows, actor: SignedIn, agreement_id: str, number: Number, body: LinesIn) -> TrancheOut:
    commands = [
        service.LineCommand(
            a.core_action(),
            a.candidate_id,
            a.by,
            a.core_substitute(),
            a.stays_with,
            a.reason,
            a.core_custody(),
        )
        for a in body.actions
    ]
    return _out(service.record_lines(uows, actor, agreement_id, number, commands))


@router.post(TRANCHE + "/remains", response_model=TrancheOut, summary="A batch of remains handed over")
def receive_remains(
    uows: Uows, actor: SignedIn, agreement_id: str, number: Number, body: RemainsIn
) -> TrancheOut:
    batch = RemainsBatch(
        body.batch_id, Side(body.releasing_side), body.count, IdentificationStatus(body.status), body.note
    )
    return _out(service.receive_remains(uows, actor, agreement_id, number, batch))


@router.post(
    TRANCHE + "/remains/{batch_id}/identification",
    response_model=TrancheOut,
    summary="A batch's identification status (DNA results come later; counts never change)",
)
def identify_remains(
    uows: Uows, actor: SignedIn, agreement_id: str, number: Number, batch_id: str, body: IdentificationIn
) -> TrancheOut:
    status = IdentificationStatus(body.status)
    return _out(service.identify_remains(uows, actor, agreement_id, number, batch_id, status))


@router.post(
    TRANCHE + "/close",
    response_model=TrancheOut,
    summary="Close a settled tranche, re-entering the password (and code): reconciled or imbalance recorded",
)
def close_tranche(
    uows: Uows,
    throttle: Throttle,
    actor: SignedIn,
    agreement_id: str,
    number: Number,
    body: ReauthenticationIn,
) -> TrancheOut:
    return _out(service.close_tranche(uows, actor, agreement_id, number, body.proof(), throttle=throttle))


@router.get(
    "/agreements/{agreement_id}/totals",
    response_model=dict[str, Any],
    summary="The whole exchange against the formula: received per side, outcomes, remains",
)
def totals(uows: Uows, actor: SignedIn, agreement_id: str) -> dict[str, Any]:
    return service.exchange_totals(uows, actor, agreement_id)


@router.get(
    "/notifications",
    response_model=list[NotificationOut],
    tags=["inquiries"],
    summary="The caller's party's family notifications and whether they were delivered",
)
def notifications(uows: Uows, actor: SignedIn) -> list[NotificationOut]:
    return [NotificationOut.model_validate(n, from_attributes=True) for n in list_notifications(uows, actor)]
