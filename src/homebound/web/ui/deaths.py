"""The party's death records (a record page section and its form) and remains, person by person (a list
with the form for a new body and each body's identification)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from homebound.core.access import Actor, Permission, can
from homebound.core.deaths import DEATH_FIELD_NAMES, NoticeChannel, death_to_text
from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.core.persons import TRANSITIONS, Registry, Status
from homebound.core.remains import REMAINS_FIELD_NAMES, Identification
from homebound.db.persons import PersonFilter
from homebound.services import deaths, remains
from homebound.services import registry as registry_service
from homebound.web.deps import Uows
from homebound.web.ui.i18n import N_
from homebound.web.ui.render import UiRoute, redirect, render
from homebound.web.ui.session import CurrentVisit, PostedVisit

router = APIRouter(route_class=UiRoute, include_in_schema=False)

# The form's fields, in the order of GC III Art. 120-121 and the Annex IV D model.
DEATH_FORM: tuple[tuple[str, str, str], ...] = (
    ("date_of_death", N_("Date of death"), "date"),
    ("place_of_death", N_("Place of death"), "text"),
    ("cause", N_("Cause of death"), "text"),
    ("circumstances", N_("Circumstances"), "textarea"),
    ("cause_unclear", N_("The cause is unclear or another person may have caused the death"), "checkbox"),
    ("inquiry_by", N_("Official inquiry held by"), "text"),
    ("inquiry_opened_on", N_("Inquiry opened on"), "date"),
    ("inquiry_outcome", N_("Outcome of the inquiry"), "textarea"),
    ("burial_place", N_("Place of burial"), "text"),
    ("grave_location", N_("Grave location"), "text"),
    ("grave_marking", N_("Grave marking"), "text"),
    ("effects", N_("Personal effects"), "textarea"),
    ("notice_sent_on", N_("Notice to the other side sent on"), "date"),
    ("notice_through", N_("Notice sent through"), "select"),
    ("notice_reference", N_("Notice reference"), "text"),
)

REMAINS_FORM: tuple[tuple[str, str, str], ...] = (
    ("reference", N_("Reference (bag or body number)"), "text"),
    ("found_place", N_("Found at"), "text"),
    ("found_on", N_("Found on"), "date"),
    ("batch_id", N_("Batch"), "text"),
    ("agreement_id", N_("Agreement"), "text"),
    ("dna_case_reference", N_("DNA case"), "text"),
    ("mixed_with", N_("Mixed with (references, separated by commas)"), "text"),
    ("note", N_("Note"), "text"),
)


def death_section(uows: Uows, actor: Actor, person: registry_service.PersonView) -> dict[str, object]:
    """What the record page's death section shows: the death record, and whether the reader may record one."""
    may_record = (
        person.party_id == actor.party_id
        and can(actor, Permission.PARTY_PERSON_WRITE)
        and person.fields.category.value != "remains"
        and (person.status is Status.DECEASED or _may_die(person))
    )
    view = deaths.get_death(uows, actor, person.id)
    text = death_to_text(view.record) if view else {}
    labels = [(name, label) for name, label, _kind in DEATH_FORM]
    return {"view": view, "text": text, "may_record": may_record, "labels": labels}


def _may_die(person: registry_service.PersonView) -> bool:
    return Status.DECEASED in TRANSITIONS[person.registry].get(person.status, frozenset())


def _death_form(
    request: Request,
    visit: CurrentVisit | PostedVisit,
    person: registry_service.PersonView,
    values: dict[str, str],
    problems: list[FieldProblem],
    status: int = 200,
) -> Response:
    return render(
        request,
        visit,
        "party/death_form.html",
        status=status,
        person=person,
        fields=DEATH_FORM,
        values=values,
        problems=problems,
        channels=[c.value for c in NoticeChannel],
        back=f"/party/records/{person.id}",
    )


@router.get("/party/records/{person_id}/death")
def death_form(request: Request, uows: Uows, visit: CurrentVisit, person_id: str) -> Response:
    actor = visit.signed_in().actor
    person = registry_service.get_person(uows, actor, person_id)
    view = deaths.get_death(uows, actor, person_id)
    return _death_form(request, visit, person, death_to_text(view.record) if view else {}, [])


@router.post("/party/records/{person_id}/death")
async def record_death(request: Request, uows: Uows, visit: PostedVisit, person_id: str) -> Response:
    actor = visit.signed_in().actor
    form = await request.form()
    values = {name: str(form.get(name) or "") for name in DEATH_FIELD_NAMES}
    values["cause_unclear"] = "yes" if form.get("cause_unclear") else "no"
    try:
        deaths.record_death(uows, actor, person_id, values)
    except ValidationFailed as exc:
        person = registry_service.get_person(uows, actor, person_id)
        return _death_form(request, visit, person, values, list(exc.problems), status=422)
    return redirect(visit, f"/party/records/{person_id}#death")


def _remains_page(
    request: Request,
    uows: Uows,
    visit: CurrentVisit | PostedVisit,
    *,
    values: dict[str, str] | None = None,
    problems: list[FieldProblem] | None = None,
    status: int = 200,
) -> Response:
    actor = visit.signed_in().actor
    records = remains.list_remains(uows, actor, limit=500)
    sought = registry_service.list_persons(
        uows, actor, PersonFilter(registry=Registry.SOUGHT), limit=500
    ).items
    return render(
        request,
        visit,
        "party/remains.html",
        status=status,
        records=records,
        by_id={r.id: r.reference for r in records},
        counts=remains.batch_counts(uows, actor),
        sought=[s for s in sought if s.party_id == actor.party_id],
        outcomes=[i.value for i in Identification],
        form_fields=REMAINS_FORM,
        may_write=can(actor, Permission.PARTY_PERSON_WRITE),
        values=values or {},
        problems=problems or [],
        today=dt.date.today().isoformat(),
    )


@router.get("/party/remains")
def remains_page(request: Request, uows: Uows, visit: CurrentVisit) -> Response:
    return _remains_page(request, uows, visit)


@router.post("/party/remains")
async def add_remains(request: Request, uows: Uows, visit: PostedVisit) -> Response:
    form = await request.form()
    values = {name: str(form.get(name) or "") for name in (*REMAINS_FIELD_NAMES, "mixed_with")}
    mixed = [m.strip() for m in values.pop("mixed_with").split(",") if m.strip()]
    try:
        remains.record_remains(uows, visit.signed_in().actor, values, mixed_with=mixed)
    except ValidationFailed as exc:
        values["mixed_with"] = ", ".join(mixed)
        return _remains_page(request, uows, visit, values=values, problems=list(exc.problems), status=422)
    return redirect(visit, "/party/remains")


@router.post("/party/remains/{remains_id}/identification")
def identify(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    remains_id: str,
    identification: Annotated[Identification, Form()],
    identified_on: Annotated[str, Form(max_length=10)] = "",
    sought_person_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    try:
        on = dt.date.fromisoformat(identified_on) if identified_on else None
    except ValueError:
        problem = FieldProblem("identified_on", "invalid_date", "not a date (YYYY-MM-DD)")
        return _remains_page(request, uows, visit, problems=[problem], status=422)
    try:
        remains.identify_remains(
            uows,
            visit.signed_in().actor,
            remains_id,
            identification,
            on=on,
            sought_person_id=sought_person_id or None,
        )
    except ValidationFailed as exc:
        return _remains_page(request, uows, visit, problems=list(exc.problems), status=422)
    return redirect(visit, "/party/remains")
