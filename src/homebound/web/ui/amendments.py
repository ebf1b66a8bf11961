"""Amendments in the browser: add, remove or replace a named person, each change with its reason. A refused
form comes back with its values and each problem beside its field; nothing is written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from homebound.core.access import Actor
from homebound.core.errors import ValidationFailed
from homebound.core.exchange.agreement import AddPerson, Amendment, RemovePerson, ReplacePerson
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.documents import listed_from_document
from homebound.core.exchange.formula import ListedPerson
from homebound.services import agreement_views as views
from homebound.services import agreements
from homebound.web.deps import Uows
from homebound.web.numbers import MAX_VERSION
from homebound.web.ui.agreement_page import AMEND_ROWS, agreement_response, service_errors
from homebound.web.ui.i18n import Translator
from homebound.web.ui.render import UiRoute, redirect
from homebound.web.ui.session import PostedVisit

router = APIRouter(route_class=UiRoute, include_in_schema=False)

Listed = Mapping[str, tuple[str, ListedPerson]]


def _amendment(
    uows: Uows,
    actor: Actor,
    agreement_id: str,
    listed: Listed,
    n: int,
    row: tuple[str, str, str],
    t: Translator,
) -> tuple[Amendment | None, dict[str, str]]:
    """One filled row: a listed person alone is taken off, a record alone is put on, both together is a
    replacement; every change states its reason."""
    person, record, reason = row
    if not (person or record):
        return None, {f"person_{n}": t.gettext("Choose a person on the lists, or enter a record to add.")}
    if person and person not in listed:
        return None, {f"person_{n}": t.gettext("This person is not on the lists of this version.")}
    errors: dict[str, str] = {}
    if not reason:
        errors[f"reason_{n}"] = t.gettext("Every change states its reason.")
    incoming: tuple[str, str] | None = None
    if record:
        try:
            incoming = views.find_held_record(uows, actor, agreement_id, record, field=f"record_{n}")
        except ValidationFailed:
            errors[f"record_{n}"] = t.gettext("No held record of either party has this number or ID.")
    if person and incoming and incoming[1] != listed[person][0]:
        errors[f"record_{n}"] = t.gettext("A replacement is released by the same side.")
    if errors:
        return None, errors
    if person and incoming:
        return ReplacePerson(Side(listed[person][0]), person, ListedPerson(incoming[0]), reason), {}
    if person:
        return RemovePerson(Side(listed[person][0]), person, reason), {}
    assert incoming is not None
    return AddPerson(Side(incoming[1]), ListedPerson(incoming[0]), reason), {}


def _amendments(
    uows: Uows,
    actor: Actor,
    agreement_id: str,
    document: Mapping[str, Any],
    rows: list[tuple[str, str, str]],
    t: Translator,
) -> tuple[list[Amendment], dict[str, str]]:
    listed = {
        p["candidate_id"]: (side, listed_from_document(p))
        for side in ("a", "b")
        for p in document.get(f"list_{side}", [])
    }
    amendments: list[Amendment] = []
    errors: dict[str, str] = {}
    for n, row in enumerate(rows, start=1):
        if not any(row):
            continue
        amendment, problems = _amendment(uows, actor, agreement_id, listed, n, row, t)
        errors |= problems
        if amendment is not None:
            amendments.append(amendment)
    if not amendments and not errors:
        errors["person_1"] = t.gettext("Fill in at least one change.")
    return amendments, errors


@router.post("/agreements/{agreement_id}/amend")
def amend(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    agreement_id: str,
    expected_version: Annotated[int, Form(ge=0, le=MAX_VERSION)],
    person: Annotated[list[str], Form(max_length=AMEND_ROWS)] = [],  # noqa: B006 - FastAPI reads the default
    record: Annotated[list[str], Form(max_length=AMEND_ROWS)] = [],  # noqa: B006
    reason: Annotated[list[str], Form(max_length=AMEND_ROWS)] = [],  # noqa: B006
    note: Annotated[str, Form(max_length=500)] = "",
    share: Annotated[bool, Form()] = False,
) -> Response:
    actor = visit.signed_in().actor
    rows = [(_at(person, i)[:64], _at(record, i)[:64], _at(reason, i)[:200]) for i in range(AMEND_ROWS)]
    posted: dict[str, Any] = {
        f"{k}_{n}": v
        for n, row in enumerate(rows, 1)
        for k, v in zip(("person", "record", "reason"), row, strict=True)
    }
    posted |= {"amend_note": note, "share": share}
    current = views.get_version(uows, actor, agreement_id, expected_version) if expected_version else None
    document = current.document if current and current.document else {"list_a": [], "list_b": []}
    changes, errors = _amendments(uows, actor, agreement_id, document, rows, visit.t)
    if not errors:
        try:
            written = agreements.amend(
                uows,
                actor,
                agreement_id,
                changes,
                note=note.strip(),
                share=share,
                expected_version=expected_version,
            )
        except ValidationFailed as exc:
            rows_by_field = {f"amendments[{i}]": f"person_{i + 1}" for i in range(AMEND_ROWS)}
            errors = service_errors(exc, rows_by_field, "amend_note")
        else:
            return redirect(
                visit, f"/agreements/{agreement_id}?v={written.number}&against={expected_version}"
            )
    return agreement_response(
        request, uows, visit, agreement_id, expected_version or None, status=422, errors=errors, posted=posted
    )


def _at(values: list[str], index: int) -> str:
    return values[index].strip() if index < len(values) else ""
