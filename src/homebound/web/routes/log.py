"""The action log over HTTP: entries a role may see, chain verification, and the public ledger."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response

from homebound.core.access import Permission, can
from homebound.core.errors import PermissionDenied
from homebound.services import ledger
from homebound.services import log as service
from homebound.services.federation.tree_heads import witnessed_heads
from homebound.services.log_export import export_log, zip_export
from homebound.web.deps import PublicMinCount, SignedIn, Uows
from homebound.web.schemas.exchange import ExchangeLedgerOut
from homebound.web.schemas.log import CheckpointOut, KeyOut, LedgerCheckpointOut, WitnessedCheckpointOut
from homebound.web.schemas.misc import LedgerOut, LogEntryOut, LogPageOut, LogVerifyOut

router = APIRouter(prefix="/api/v1", tags=["log"])


@router.get("/log/entries", response_model=LogPageOut)
def entries(
    uows: Uows,
    actor: SignedIn,
    after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,  # seq is a 32-bit column
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> LogPageOut:
    page = service.list_entries(uows, actor, after=after, limit=limit)
    return LogPageOut(
        items=[LogEntryOut.model_validate(r, from_attributes=True) for r in page.entries], total=page.total
    )


@router.get(
    "/log/export",
    response_class=Response,
    summary="The log as your role may see it, zipped, for `homebound log verify export.zip` on your machine",
    responses={200: {"content": {"application/zip": {}}}},
)
def export(uows: Uows, actor: SignedIn) -> Response:
    data = zip_export(export_log(uows, actor))
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="homebound-log-export.zip"'},
    )


@router.get(
    "/log/verify", response_model=LogVerifyOut, summary="Walk the whole chain and every payload commitment"
)
def verify(uows: Uows, actor: SignedIn) -> LogVerifyOut:
    if not can(actor, Permission.ANY_LOG_READ):
        raise PermissionDenied(
            "only the mediator verifies the whole log here; parties verify exports offline"
        )
    report = service.verify_log(uows)
    first = report.first_failure
    return LogVerifyOut(
        ok=report.ok,
        entries_checked=report.entries_checked,
        payloads_checked=report.payloads_checked,
        head_hash=report.head_hash,
        first_failure={"seq": first.seq, "kind": first.kind, "message": first.message} if first else None,
    )


@router.get(
    "/public/ledger", response_model=LedgerOut, tags=["public"], summary="Aggregates only, for everyone"
)
def public_ledger(uows: Uows, min_count: PublicMinCount) -> LedgerOut:
    summary = ledger.public_summary(uows, min_count=min_count)
    return LedgerOut(
        generated_at=dt.datetime.now(dt.UTC),
        parties=summary.parties,
        log_size=summary.log_size,
        log_head=summary.log_head,
        checkpoint=_ledger_checkpoint(summary),
        exchanges=None if summary.exchanges is None else ExchangeLedgerOut.of(summary.exchanges),
        min_count=summary.min_count,
    )


@router.get(
    "/public/checkpoints/witnessed",
    response_model=list[WitnessedCheckpointOut],
    tags=["public"],
    summary="Each node's newest checkpoint witnessed here: signed notes, cosignatures and public keys",
)
def witnessed_checkpoints(uows: Uows) -> list[WitnessedCheckpointOut]:
    return [WitnessedCheckpointOut.of(head) for head in witnessed_heads(uows)]


def _ledger_checkpoint(summary: ledger.PublicSummary) -> LedgerCheckpointOut | None:
    if summary.checkpoint is None:
        return None
    out = CheckpointOut.of(summary.checkpoint)
    return LedgerCheckpointOut(
        tree_size=out.tree_size,
        root_hash=out.root_hash,
        timestamp_ms=out.timestamp_ms,
        origin=out.origin,
        signed_bytes=out.signed_bytes,
        signatures=out.signatures,
        keys=[KeyOut.of(record) for record in summary.checkpoint_keys],
    )
