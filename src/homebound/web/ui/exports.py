"""Exporting a chosen part of a party's registry from the UI: which records (status, category), which fields
in what order, CSV or XLSX, with the header row in the reader's language (the import reads those back)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request, Response

from homebound.core.access import Permission, can
from homebound.core.errors import PermissionDenied
from homebound.core.person_input import IMPORT_COLUMNS
from homebound.core.persons import TRANSITIONS, Category, Registry, Status
from homebound.lists.headers import HeaderLanguage, label
from homebound.services import lists
from homebound.web.deps import Uows
from homebound.web.ui.render import PAGE_HEADERS, UiRoute, render
from homebound.web.ui.session import CurrentVisit, PostedVisit, apply_cookies

router = APIRouter(route_class=UiRoute, include_in_schema=False)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _headers(language: str) -> HeaderLanguage:
    return HeaderLanguage(language) if language in {h.value for h in HeaderLanguage} else HeaderLanguage.EN


@router.get("/party/export/{registry}")
def export_page(request: Request, visit: CurrentVisit, registry: Registry) -> Response:
    actor = visit.signed_in().actor
    if not can(actor, Permission.PARTY_LIST_EXPORT) or actor.party_id is None:
        raise PermissionDenied("this role may not export lists")
    headers = _headers(visit.language)
    return render(
        request,
        visit,
        "party/export.html",
        registry=registry,
        columns=[(column, label(column, headers)) for column in IMPORT_COLUMNS],
        statuses=list(TRANSITIONS[registry]),
        categories=list(Category),
        back=f"/party/{registry.value}",
    )


@router.post("/party/export/{registry}/file")
def export_file(
    uows: Uows,
    visit: PostedVisit,
    registry: Registry,
    column: Annotated[list[str] | None, Form(max_length=len(IMPORT_COLUMNS))] = None,
    status: Annotated[Status | Literal[""], Form()] = "",
    category: Annotated[Category | Literal[""], Form()] = "",
    format: Annotated[Literal["csv", "xlsx"], Form()] = "csv",
) -> Response:
    """The chosen records and fields, headed in the reader's language; no field ticked means every field."""
    actor = visit.signed_in().actor
    chosen = tuple(c for c in IMPORT_COLUMNS if c in set(column or ())) or IMPORT_COLUMNS
    choice = lists.ExportChoice(status or None, category or None, chosen, _headers(visit.language))
    body = lists.export_list(uows, actor, registry, format, choice)
    filename = f"{registry.value}.{format}"
    response = Response(
        body,
        media_type=MEDIA[format],
        headers={**PAGE_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'},
    )
    return apply_cookies(response, visit)
