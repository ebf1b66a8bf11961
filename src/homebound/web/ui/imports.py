"""List import in two steps: a dry run shows the counts or every row and column at fault, then a confirmation
imports the same file. Nothing is written before the confirmation."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from homebound.core.access import Permission, can
from homebound.core.errors import FieldProblem, PermissionDenied, ValidationFailed
from homebound.core.persons import Registry
from homebound.services import lists
from homebound.web.deps import Uows
from homebound.web.ui.render import UiRoute, render
from homebound.web.ui.session import CurrentVisit, PostedVisit, Visit
from homebound.web.ui.stash import QuotaStash

router = APIRouter(route_class=UiRoute, include_in_schema=False)


@dataclass(frozen=True)
class PendingUpload:
    owner: str  # hash of the session token: only the same session may confirm
    registry: Registry
    filename: str
    data: bytes
    sha256: str
    stored_at: float


# Per party: a few files at once (one per operator at work), 128 MiB in all (two of the largest uploads).
UPLOADS_PER_PARTY = 8
UPLOAD_BYTES_PER_PARTY = 128 * 1024 * 1024


def _stash(request: Request) -> QuotaStash[PendingUpload]:
    stash: QuotaStash[PendingUpload] | None = getattr(request.app.state, "ui_uploads", None)
    if stash is None:
        stash = request.app.state.ui_uploads = QuotaStash(
            per_party_items=UPLOADS_PER_PARTY, per_party_bytes=UPLOAD_BYTES_PER_PARTY
        )
    return stash


def _party(visit: Visit) -> str:
    actor = visit.signed_in().actor
    return actor.party_id or actor.organisation_id or "none"


def _owner(visit: Visit) -> str:
    return hashlib.sha256((visit.session_token or "").encode()).hexdigest()


def _importer(visit: Visit) -> None:
    # The service decides again on every call; this only spares a form that could never succeed.
    if not can(visit.signed_in().actor, Permission.PARTY_LIST_IMPORT):
        raise PermissionDenied("this role may not import lists")


@router.get("/party/import")
def import_page(request: Request, visit: CurrentVisit) -> Response:
    _importer(visit)
    return render(request, visit, "party/import.html", step="choose", registry="held")


@router.post("/party/import/preview")
def preview(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    registry: Annotated[Registry, Form()] = Registry.HELD,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    _importer(visit)
    actor = visit.signed_in().actor
    if file is None or not file.filename:
        raise ValidationFailed([FieldProblem("file", "required", "choose a CSV or XLSX file")])
    data = file.file.read()
    name = file.filename
    columns = _columns(visit, registry, data, name)
    try:
        report = lists.import_list(uows, actor, registry, data, name, dry_run=True)
    except ValidationFailed as exc:
        return render(
            request,
            visit,
            "party/import.html",
            status=422,
            step="problems",
            registry=registry,
            filename=name,
            problems=exc.problems,
            columns=columns,
            back="/party/import",
        )
    upload = PendingUpload(
        _owner(visit), registry, name, data, hashlib.sha256(data).hexdigest(), time.monotonic()
    )
    key = _stash(request).put(_party(visit), upload.owner, upload, len(data))
    return render(
        request,
        visit,
        "party/import.html",
        step="preview",
        registry=registry,
        filename=name,
        report=report,
        columns=columns,
        upload_id=key,
        sha256=upload.sha256,
        back="/party/import",
    )


def _columns(visit: Visit, registry: Registry, data: bytes, name: str) -> lists.ListColumns | None:
    """The header as read, shown beside the counts or problems; None when the file cannot be read at all."""
    try:
        return lists.list_columns(visit.signed_in().actor, registry, data, name)
    except ValidationFailed:
        return None


@router.post("/party/import/confirm")
def confirm(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    upload_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    _importer(visit)
    actor = visit.signed_in().actor
    upload = _stash(request).take(upload_id, _owner(visit))
    if upload is None:
        raise ValidationFailed(
            [FieldProblem("file", "expired", "the preview has expired; choose the file again")]
        )
    try:
        report = lists.import_list(uows, actor, upload.registry, upload.data, upload.filename)
    except ValidationFailed as exc:
        # The registry changed since the preview (another import): still all or nothing.
        return render(
            request,
            visit,
            "party/import.html",
            status=422,
            step="problems",
            registry=upload.registry,
            filename=upload.filename,
            problems=exc.problems,
            back="/party/import",
        )
    return render(
        request,
        visit,
        "party/import.html",
        step="done",
        registry=upload.registry,
        filename=upload.filename,
        report=report,
        sha256=upload.sha256,
        back="/party/import",
    )
