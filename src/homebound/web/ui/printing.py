"""Print / PDF from the browser: each document downloaded as an attachment, addressed by IDs only (no name
or record number in a URL), through the same services and access rules as the CLI."""

from __future__ import annotations

from fastapi import APIRouter, Response

from homebound.core.errors import NotFound
from homebound.core.paper import DocumentKind, Paper
from homebound.services.documents.build import DocumentRequest, build_document
from homebound.services.documents.people import RecordRef
from homebound.web.deps import Uows
from homebound.web.ui.paper import PDF_MEDIA_TYPE, filename, parse_languages, render_html, render_pdf
from homebound.web.ui.render import PAGE_HEADERS, UiRoute
from homebound.web.ui.session import CurrentVisit, Visit, apply_cookies

router = APIRouter(route_class=UiRoute, include_in_schema=False)
PERSON_DOCUMENTS = (
    DocumentKind.CAPTURE_CARD,
    DocumentKind.DEATH_CERTIFICATE,
    DocumentKind.REPATRIATION_CERTIFICATE,
)


def _download(visit: Visit, paper: Paper, languages: str | None) -> Response:
    user = visit.user.display_name if visit.user else "?"
    pdf = render_pdf(render_html(paper, parse_languages(languages), printed_by=user))
    headers = {
        **PAGE_HEADERS,
        "Content-Disposition": f'attachment; filename="{filename(paper)}"',
        "X-Content-Type-Options": "nosniff",
        "X-Content-Hash": paper.content_hash,
    }
    response = Response(pdf, media_type=PDF_MEDIA_TYPE, headers=headers)
    return apply_cookies(response, visit)


@router.get("/agreements/{agreement_id}/handover/{number}/act.pdf")
def handover_act_pdf(
    uows: Uows, visit: CurrentVisit, agreement_id: str, number: int, languages: str = ""
) -> Response:
    actor = visit.signed_in().actor
    wanted = DocumentRequest(agreement_id=agreement_id, tranche=number)
    return _download(visit, build_document(uows, actor, DocumentKind.HANDOVER_ACT, wanted), languages)


@router.get("/agreements/{agreement_id}/lists.pdf")
def lists_pdf(
    uows: Uows,
    visit: CurrentVisit,
    agreement_id: str,
    version: int | None = None,
    side: str = "",
    languages: str = "",
) -> Response:
    actor = visit.signed_in().actor
    wanted = DocumentRequest(agreement_id=agreement_id, version=version, side=side)
    return _download(visit, build_document(uows, actor, DocumentKind.LIST, wanted), languages)


@router.get("/party/records/{person_id}/{kind}.pdf")
def person_document_pdf(
    uows: Uows, visit: CurrentVisit, person_id: str, kind: str, languages: str = ""
) -> Response:
    actor = visit.signed_in().actor
    chosen = next((k for k in PERSON_DOCUMENTS if k.value == kind), None)
    if chosen is None:
        raise NotFound("no such document", field="kind")
    wanted = DocumentRequest(record=RecordRef(person_id=person_id))
    return _download(visit, build_document(uows, actor, chosen, wanted), languages)
