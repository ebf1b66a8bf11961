"""The party workspace: held and sought registries, name search (by POST), a record with its history, the
overdue capture cards and the inquiries queue."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response

from homebound.core.access import Permission, can
from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.core.persons import (
    TRANSITIONS,
    Category,
    Registry,
    Status,
    capture_card_deadline,
    capture_card_due,
)
from homebound.db.persons import PersonFilter
from homebound.services import accounts, inquiries
from homebound.services import log as log_service
from homebound.services import registry as registry_service
from homebound.services.payloads import fields_to_text
from homebound.web.deps import Uows
from homebound.web.ui.deaths import death_section
from homebound.web.ui.i18n import N_
from homebound.web.ui.render import UiRoute, is_htmx, redirect, render
from homebound.web.ui.session import CurrentVisit, PostedVisit

router = APIRouter(route_class=UiRoute, include_in_schema=False)
PAGE_SIZE = 25
E = TypeVar("E", bound=StrEnum)

# The record page shows these fields, in this order (GC III Art. 17 and 122 first).
RECORD_FACTS: tuple[tuple[str, str], ...] = (
    ("family_name", N_("Family name")),
    ("given_name", N_("Given name")),
    ("patronymic", N_("Patronymic")),
    ("date_of_birth", N_("Date of birth")),
    ("sex", N_("Sex")),
    ("place_of_birth", N_("Place of birth")),
    ("father_given_name", N_("Father's given name")),
    ("mother_maiden_name", N_("Mother's maiden name")),
    ("party_depended_on", N_("Party depended on")),
    ("rank", N_("Rank")),
    ("service_number", N_("Service number")),
    ("unit", N_("Unit")),
    ("category", N_("Category")),
    ("capture_date", N_("Capture date")),
    ("capture_place", N_("Capture place")),
    ("detention_place", N_("Place of detention")),
    ("capture_card_sent_on", N_("Capture card sent on")),
    ("health", N_("Health")),
    ("legal_hold", N_("Legal hold")),
    ("legal_hold_note", N_("Legal hold note")),
    ("will_to_return", N_("Will to return")),
    ("will_verified_by", N_("Will verified by")),
    ("will_verified_on", N_("Will verified on")),
    ("last_seen_date", N_("Last seen on")),
    ("last_seen_place", N_("Last seen at")),
    ("nationality", N_("Nationality")),
    ("next_of_kin", N_("Next of kin (person to inform)")),
    ("next_of_kin_address", N_("Address of next of kin")),
    ("arrived_at_camp_on", N_("Arrived at a camp on")),
    ("last_transfer_on", N_("Last transfer or hospitalisation on")),
)
_LABELLED = {
    "sex": "sex",
    "category": "category",
    "health": "health",
    "legal_hold": "legal_hold",
    "will_to_return": "will",
}


def _choice(enum_type: type[E], value: str, field: str) -> E | None:
    if not value:
        return None
    try:
        return enum_type(value)
    except ValueError:
        raise ValidationFailed([FieldProblem(field, "invalid_value", f"not a known {field}")]) from None


def _party_codes(uows: Uows) -> dict[str, str]:
    return {org.id: org.code for org in accounts.list_organisations(uows)}


def _pages(total: int) -> int:
    return max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)


@router.post("/party/{registry}/search")
def search(
    request: Request,
    *,
    uows: Uows,
    visit: PostedVisit,
    registry: Registry,
    family_name_prefix: Annotated[str, Form(max_length=100)] = "",
    page: Annotated[int, Form(ge=1, le=1_000_000)] = 1,
) -> Response:
    """Names travel in the body only: a URL ends up in logs, history and referrers."""
    actor = visit.signed_in().actor
    prefix = family_name_prefix.strip()
    if not prefix:
        raise ValidationFailed(
            [FieldProblem("family_name_prefix", "required", "type the start of a family name")]
        )
    flt = PersonFilter(registry=registry, family_name_prefix=prefix)
    result = registry_service.list_persons(uows, actor, flt, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    template = "party/_results.html" if is_htmx(request) else "party/registry.html"
    return render(
        request,
        visit,
        template,
        registry=registry,
        result=result,
        page_no=page,
        pages=_pages(result.total),
        filters={"status": "", "category": "", "overdue": ""},
        links={"prev": None, "next": None},
        search=prefix,
        statuses=list(TRANSITIONS[registry]),
        categories=list(Category),
        party_codes=_party_codes(uows) if actor.party_id is None else {},
        may_export=can(actor, Permission.PARTY_LIST_EXPORT) and actor.party_id is not None,
        may_create=actor.party_id is not None and can(actor, Permission.PARTY_PERSON_WRITE),
        back=f"/party/{registry.value}",
    )


@router.get("/party/records/{person_id}")
def record_page(request: Request, uows: Uows, visit: CurrentVisit, person_id: str) -> Response:
    actor = visit.signed_in().actor
    person = registry_service.get_person(uows, actor, person_id)
    history = log_service.list_entries(uows, actor, object_id=person.id, limit=500)
    text = fields_to_text(person.fields)
    facts = [(label, name, text.get(name)) for name, label in RECORD_FACTS]
    open_inquiries: list[inquiries.InquiryView] = []
    attached: list[inquiries.InquiryView] = []
    if (
        person.registry is Registry.SOUGHT
        and person.party_id == actor.party_id
        and can(actor, Permission.PARTY_INQUIRY_READ)
    ):
        every = inquiries.list_inquiries(uows, actor)
        open_inquiries = [i for i in every if i.person_id is None]
        attached = [i for i in every if i.person_id == person.id]
    return render(
        request,
        visit,
        "party/record.html",
        person=person,
        facts=facts,
        labelled=_LABELLED,
        history=history,
        deadline=capture_card_deadline(person.fields),
        may_correct=person.party_id == actor.party_id and can(actor, Permission.PARTY_PERSON_WRITE),
        open_inquiries=open_inquiries,
        attached=attached,
        may_attach=can(actor, Permission.PARTY_INQUIRY_WRITE),
        party_codes=_party_codes(uows),
        death=death_section(uows, actor, person),
        back=f"/party/records/{person.id}",
    )


@router.get("/party/overdue")
def overdue_page(
    request: Request, uows: Uows, visit: CurrentVisit, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1
) -> Response:
    actor = visit.signed_in().actor
    today = dt.date.today()
    flt = PersonFilter(registry=Registry.HELD, overdue_on=today)
    result = registry_service.list_persons(uows, actor, flt, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    cards = [(p, capture_card_due(p.fields)) for p in result.items]
    return render(
        request,
        visit,
        "party/overdue.html",
        result=result,
        cards=cards,
        today=today,
        page_no=page,
        pages=_pages(result.total),
    )


@router.get("/party/inquiries")
def inquiries_page(request: Request, uows: Uows, visit: CurrentVisit) -> Response:
    actor = visit.signed_in().actor
    queue = inquiries.list_inquiries(uows, actor)
    waiting = [i for i in queue if i.person_id is None]
    handled = [i for i in queue if i.person_id is not None]
    return render(request, visit, "party/inquiries.html", waiting=waiting, handled=handled)


@router.post("/party/inquiries/attach")
def attach(
    uows: Uows,
    visit: PostedVisit,
    inquiry_id: Annotated[str, Form(max_length=64)] = "",
    person_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    inquiries.attach_inquiry(uows, visit.signed_in().actor, inquiry_id, person_id)
    return redirect(visit, f"/party/records/{person_id}")


# Last: "/party/{registry}" would otherwise shadow the fixed paths above (overdue, inquiries, import).
@router.get("/party/{registry}")
def registry_page(
    request: Request,
    *,
    uows: Uows,
    visit: CurrentVisit,
    registry: Registry,
    status: Annotated[str, Query(max_length=32)] = "",
    category: Annotated[str, Query(max_length=32)] = "",
    overdue: bool = False,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    actor = visit.signed_in().actor
    flt = PersonFilter(
        registry=registry,
        status=_choice(Status, status, "status"),
        category=_choice(Category, category, "category"),
        overdue_on=dt.date.today() if overdue and registry is Registry.HELD else None,
    )
    result = registry_service.list_persons(uows, actor, flt, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    filters = {"status": status, "category": category, "overdue": "true" if overdue else ""}
    links = {
        "prev": _page_link(registry, filters, page - 1) if page > 1 else None,
        "next": _page_link(registry, filters, page + 1) if page < _pages(result.total) else None,
    }
    template = "party/_results.html" if is_htmx(request) else "party/registry.html"
    return render(
        request,
        visit,
        template,
        registry=registry,
        result=result,
        page_no=page,
        pages=_pages(result.total),
        filters=filters,
        links=links,
        search=None,
        statuses=list(TRANSITIONS[registry]),
        categories=list(Category),
        party_codes=_party_codes(uows) if actor.party_id is None else {},
        may_export=can(actor, Permission.PARTY_LIST_EXPORT) and actor.party_id is not None,
        may_create=actor.party_id is not None and can(actor, Permission.PARTY_PERSON_WRITE),
    )


def _page_link(registry: Registry, filters: dict[str, str], page: int) -> str:
    query = {k: v for k, v in filters.items() if v}
    query["page"] = str(page)
    return f"/party/{registry.value}?{urlencode(query)}"
