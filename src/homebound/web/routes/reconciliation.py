"""List reconciliation over HTTP: a party uploads the other side's list; the mediator reconciles registries.

The report is the answer (JSON, or CSV with ``format=csv``); nothing of the list is stored.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response

from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.core.persons import Registry
from homebound.services import reconciliation as service
from homebound.web.deps import SignedIn, Uows
from homebound.web.schemas.reconciliation import ReconciliationOut, RegistryReconciliationIn

router = APIRouter(prefix="/api/v1/reconciliations", tags=["matching"])
CSV_MEDIA = "text/csv; charset=utf-8"
Format = Literal["json", "csv"]
_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "the report: counts per bucket and every row placed (CSV with format=csv)",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


def _answer(report: service.ReconciliationReport, fmt: Format) -> ReconciliationOut | Response:
    if fmt == "csv":
        return Response(
            service.report_csv(report),
            media_type=CSV_MEDIA,
            headers={
                "Content-Disposition": 'attachment; filename="reconciliation.csv"',
                "Cache-Control": "no-store",
            },
        )
    return ReconciliationOut.of(report)


@router.post(
    "",
    response_model=ReconciliationOut,
    responses=_RESPONSES,
    summary="Reconcile a list the party was given (CSV or XLSX) against its own registry, into buckets",
)
def reconcile_file(
    uows: Uows,
    actor: SignedIn,
    file: Annotated[UploadFile, File(description="CSV (UTF-8, UTF-8 BOM, Windows-1251) or XLSX")],
    list_registry: Annotated[
        Registry, Query(description="what the list is: held (persons the other side holds) or sought")
    ] = Registry.HELD,
    against: Annotated[Registry, Query(description="which of the party's registries")] = Registry.SOUGHT,
    format: Annotated[Format, Query(description="json, or csv for a spreadsheet")] = "json",
) -> ReconciliationOut | Response:
    # A plain def, not async: FastAPI runs it in its thread pool, so reading and writing a large list never
    # holds the event loop (a bomb upload froze every request, health included, for two minutes).
    data = file.file.read()
    if not data:
        raise ValidationFailed([FieldProblem("file", "empty", "the file is empty")])
    report = service.reconcile_file(
        uows, actor, data, file.filename or "upload.csv", list_registry=list_registry, against=against
    )
    return _answer(report, format)


@router.post(
    "/registries",
    response_model=ReconciliationOut,
    responses=_RESPONSES,
    summary="Reconcile one party's registry, as a list, against another party's registry (mediator)",
)
def reconcile_registries(
    uows: Uows,
    actor: SignedIn,
    body: RegistryReconciliationIn,
    format: Annotated[Format, Query(description="json, or csv for a spreadsheet")] = "json",
) -> ReconciliationOut | Response:
    report = service.reconcile_registries(
        uows,
        actor,
        body.list_party,
        body.against_party,
        list_registry=body.list_registry,
        against=body.against,
    )
    return _answer(report, format)
