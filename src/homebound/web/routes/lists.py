"""List import (multipart upload, dry run for a preview) and export."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response

from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.core.persons import Registry
from homebound.services import lists as service
from homebound.web.deps import SignedIn, Uows
from homebound.web.schemas.misc import ImportOut

router = APIRouter(prefix="/api/v1", tags=["lists"])
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.post(
    "/imports",
    response_model=ImportOut,
    summary="Import a CSV or XLSX list: every row validated, nothing written unless all are valid",
)
def import_list(
    uows: Uows,
    actor: SignedIn,
    file: Annotated[UploadFile, File(description="CSV (UTF-8, UTF-8 BOM, Windows-1251) or XLSX")],
    registry: Registry,
    dry_run: Annotated[bool, Query(description="validate and count, write nothing")] = False,
) -> ImportOut:
    # A plain def, not async: FastAPI runs it in its thread pool, so reading and writing a large list never
    # holds the event loop (a bomb upload froze every request, health included, for two minutes).
    data = file.file.read()
    if not data:
        raise ValidationFailed([FieldProblem("file", "empty", "the file is empty")])
    report = service.import_list(uows, actor, registry, data, file.filename or "upload.csv", dry_run=dry_run)
    return ImportOut(
        registry=report.registry.value,
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        dry_run=report.dry_run,
        batch_id=report.batch_id,
        dates_as_written=report.dates_as_written,
    )


@router.get(
    "/exports/{registry}",
    summary="Export the caller's own registry (re-importable)",
    response_class=Response,
    responses={
        200: {
            "description": "the list as a file",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                MEDIA["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def export_list(
    uows: Uows, actor: SignedIn, registry: Registry, format: Literal["csv", "xlsx"] = "csv"
) -> Response:
    body = service.export_list(uows, actor, registry, format)
    filename = f"{registry.value}.{format}"
    return Response(
        body,
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
