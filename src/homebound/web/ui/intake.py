"""Intake by hand: a form to create a held or sought record, and one to correct it, with the import's
validation (core.person_input through the registry services), problems shown next to their field in the
reader's language, the record's version against lost updates, and the record id against duplicates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from fastapi import APIRouter, Request, Response

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from homebound.core.person_input import parse_person_row
from homebound.core.persons import (
    INITIAL_STATUS,
    TRANSITIONS,
    Category,
    Health,
    LegalHold,
    Registry,
    Sex,
    WillToReturn,
    capture_card_deadline,
)
from homebound.services import registry as registry_service
from homebound.services.payloads import fields_to_text
from homebound.web.deps import Uows
from homebound.web.ui.i18n import N_, Translator
from homebound.web.ui.render import UiRoute, redirect, render
from homebound.web.ui.session import CurrentVisit, PostedVisit, Visit

router = APIRouter(route_class=UiRoute, include_in_schema=False)
MAX_FORM_VALUE = 200  # as core.person_input.MAX_TEXT; longer values get its problem, not a 400


@dataclass(frozen=True)
class FormField:
    name: str
    label: str  # English source text, translated in the template
    kind: str = "text"  # text | date | partial_date | choice
    choices: str | None = None  # the label kind of a choice (i18n._LABELS)
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldGroup:
    legend: str
    fields: tuple[FormField, ...]


def _choice(name: str, label: str, kind: str, enum: type[StrEnum]) -> FormField:
    return FormField(name, label, "choice", kind, tuple(member.value for member in enum))


# Every field of core.persons.PersonFields (GC III Art. 17, 70, 122), grouped as a capture card reads.
GROUPS: tuple[FieldGroup, ...] = (
    FieldGroup(
        N_("Identity"),
        (
            FormField("family_name", N_("Family name")),
            FormField("given_name", N_("Given name")),
            FormField("patronymic", N_("Patronymic")),
            FormField("date_of_birth", N_("Date of birth"), "partial_date"),
            _choice("sex", N_("Sex"), "sex", Sex),
            FormField("place_of_birth", N_("Place of birth")),
            FormField("father_given_name", N_("Father's given name")),
            FormField("mother_maiden_name", N_("Mother's maiden name")),
            FormField("nationality", N_("Nationality")),
        ),
    ),
    FieldGroup(
        N_("Service"),
        (
            FormField("party_depended_on", N_("Party depended on")),
            FormField("rank", N_("Rank")),
            FormField("service_number", N_("Service number")),
            FormField("unit", N_("Unit")),
            _choice("category", N_("Category"), "category", Category),
        ),
    ),
    FieldGroup(
        N_("Capture and custody"),
        (
            FormField("capture_date", N_("Capture date"), "date"),
            FormField("capture_place", N_("Capture place")),
            FormField("arrived_at_camp_on", N_("Arrived at a camp on"), "date"),
            FormField("last_transfer_on", N_("Last transfer or hospitalisation on"), "date"),
            FormField("detention_place", N_("Place of detention")),
            FormField("capture_card_sent_on", N_("Capture card sent on"), "date"),
            _choice("health", N_("Health"), "health", Health),
            _choice("legal_hold", N_("Legal hold"), "legal_hold", LegalHold),
            FormField("legal_hold_note", N_("Legal hold note")),
        ),
    ),
    FieldGroup(
        N_("Last seen"),
        (
            FormField("last_seen_date", N_("Last seen on"), "date"),
            FormField("last_seen_place", N_("Last seen at")),
        ),
    ),
    FieldGroup(
        N_("Will to return"),
        (
            _choice("will_to_return", N_("Will to return"), "will", WillToReturn),
            FormField("will_verified_by", N_("Will verified by")),
            FormField("will_verified_on", N_("Will verified on"), "date"),
        ),
    ),
    FieldGroup(
        N_("Person to inform"),
        (
            FormField("next_of_kin", N_("Next of kin (person to inform)")),
            FormField("next_of_kin_address", N_("Address of next of kin")),
        ),
    ),
)
FIELD_NAMES: tuple[str, ...] = tuple(f.name for g in GROUPS for f in g.fields)
LABELS: Mapping[str, str] = {
    "record_id": N_("Record id in the list"),
    "status": N_("Status"),
    **{f.name: f.label for g in GROUPS for f in g.fields},
}

# The validation's details, in the reader's language (the English text is what core writes).
DETAILS: Mapping[str, str] = {
    "a date in the future": N_("a date in the future"),
    "before the capture date": N_("before the capture date"),
    "after the capture date": N_("after the capture date"),
    "a confirmed or refused will to return names who verified it": N_(
        "a confirmed or refused will to return names who verified it"
    ),
    "not a status a held record can start in": N_("not a status a held record can start in"),
    "not a status a sought record can start in": N_("not a status a sought record can start in"),
    "longer than 200 characters": N_("longer than 200 characters"),
    "contains control characters": N_("contains control characters"),
    "contains invisible or text-direction characters": N_("contains invisible or text-direction characters"),
    "exists": N_("a record with this record id is already in this registry"),
}


def field_problems(problems: list[FieldProblem], t: Translator) -> dict[str, list[str]]:
    """Each field's problems as sentences in the reader's language."""
    shown: dict[str, list[str]] = {}
    for problem in problems:
        detail = DETAILS.get(problem.message)
        text = t.gettext(detail) if detail else t.label("problem", problem.code)
        shown.setdefault(problem.field or "", []).append(text)
    return shown


def _posted(form: Mapping[str, object], names: tuple[str, ...]) -> dict[str, str]:
    """The submitted text of each named field ("" when absent); values are cut to keep the page bounded."""
    values: dict[str, str] = {}
    for name in names:
        value = form.get(name)
        values[name] = value[: MAX_FORM_VALUE * 4] if isinstance(value, str) else ""
    return values


def _writer(actor: Actor) -> str:
    if actor.party_id is None or not can(actor, Permission.PARTY_PERSON_WRITE):
        raise PermissionDenied("this role may not change a party's registry")
    return actor.party_id


def _form_page(
    request: Request,
    visit: Visit,
    *,
    registry: Registry,
    values: Mapping[str, str],
    problems: Mapping[str, list[str]],
    person: registry_service.PersonView | None,
    version: int | None,
    stale: bool = False,
    status: int = 200,
) -> Response:
    deadline = capture_card_deadline(person.fields) if person is not None else None
    return render(
        request,
        visit,
        "party/person_form.html",
        status=status,
        registry=registry,
        groups=GROUPS,
        labels=LABELS,
        values=values,
        problems=problems,
        person=person,
        version=version,
        stale=stale,
        deadline=deadline,
        statuses=[s.value for s in TRANSITIONS[registry] if s in INITIAL_STATUS[registry]],
        back=f"/party/records/{person.id}/edit" if person else f"/party/{registry.value}/new",
    )


@router.get("/party/{registry}/new")
def new_person_form(request: Request, visit: CurrentVisit, registry: Registry) -> Response:
    _writer(visit.signed_in().actor)
    values = dict.fromkeys(("record_id", "status", *FIELD_NAMES), "")
    return _form_page(
        request, visit, registry=registry, values=values, problems={}, person=None, version=None
    )


@router.post("/party/{registry}/new")
async def create_person(request: Request, uows: Uows, visit: PostedVisit, registry: Registry) -> Response:
    actor = visit.signed_in().actor
    _writer(actor)
    values = _posted(await request.form(), ("record_id", "status", *FIELD_NAMES))
    raw = {name: value for name, value in values.items() if value.strip()}
    try:
        view = registry_service.create_person(uows, actor, registry, raw)
    except ValidationFailed as exc:
        problems = field_problems(exc.problems, visit.t)
        return _form_page(
            request,
            visit,
            registry=registry,
            values=values,
            problems=problems,
            person=None,
            version=None,
            status=422,
        )
    except Conflict as exc:
        if exc.code != "person.exists":
            raise
        existing = _same_record(uows, actor, registry, raw)
        if existing is not None:  # the same form sent twice (a retry, a double click): one record
            return redirect(visit, f"/party/records/{existing.id}")
        problems = field_problems([FieldProblem("record_id", "invalid_value", "exists")], visit.t)
        return _form_page(
            request,
            visit,
            registry=registry,
            values=values,
            problems=problems,
            person=None,
            version=None,
            status=409,
        )
    return redirect(visit, f"/party/records/{view.id}")


def _same_record(
    uows: Uows, actor: Actor, registry: Registry, raw: Mapping[str, str]
) -> registry_service.PersonView | None:
    """The existing record when it holds exactly what was submitted under the same record id."""
    existing = registry_service.find_by_record_id(uows, actor, registry, raw.get("record_id", "").strip())
    parsed, _problems = parse_person_row(raw, registry)
    if existing is None or parsed is None or parsed.fields != existing.fields:
        return None
    if parsed.status is not None and parsed.status is not existing.status:
        return None
    return existing


def _editable(uows: Uows, actor: Actor, person_id: str) -> registry_service.PersonView:
    party_id = _writer(actor)
    person = registry_service.get_person(uows, actor, person_id)
    if person.party_id != party_id:  # shared with us: readable, never ours to correct
        raise NotFound("no such person record", field="person_id")
    return person


@router.get("/party/records/{person_id}/edit")
def edit_person_form(request: Request, uows: Uows, visit: CurrentVisit, person_id: str) -> Response:
    person = _editable(uows, visit.signed_in().actor, person_id)
    values = {name: value or "" for name, value in fields_to_text(person.fields).items()}
    return _form_page(
        request,
        visit,
        registry=person.registry,
        values=values,
        problems={},
        person=person,
        version=person.version,
    )


@router.post("/party/records/{person_id}/edit")
async def correct_person(request: Request, uows: Uows, visit: PostedVisit, person_id: str) -> Response:
    actor = visit.signed_in().actor
    person = _editable(uows, actor, person_id)
    form = await request.form()
    values = _posted(form, FIELD_NAMES)
    changes: dict[str, str | None] = {n: (v if v.strip() else None) for n, v in values.items()}
    version_text = form.get("version")
    version = int(version_text) if isinstance(version_text, str) and version_text.isdigit() else -1
    try:
        registry_service.update_person(uows, actor, person_id, changes, expected_version=version)
    except ValidationFailed as exc:
        problems = field_problems(exc.problems, visit.t)
        return _form_page(
            request,
            visit,
            registry=person.registry,
            values=values,
            problems=problems,
            person=person,
            version=version,
            status=422,
        )
    except PreconditionFailed:
        if _already_applied(person, changes):  # the same correction sent twice: it is in
            return redirect(visit, f"/party/records/{person_id}")
        # Their values stay on the page with the version they read: sending again cannot overwrite.
        return _form_page(
            request,
            visit,
            registry=person.registry,
            values=values,
            problems={},
            person=person,
            version=version,
            stale=True,
            status=409,
        )
    return redirect(visit, f"/party/records/{person_id}")


def _already_applied(current: registry_service.PersonView, changes: Mapping[str, str | None]) -> bool:
    merged = {**fields_to_text(current.fields), **changes, "record_id": current.source_id}
    parsed, _problems = parse_person_row(merged, current.registry)
    return parsed is not None and parsed.fields == current.fields
