"""Held and sought registries over HTTP. Names never travel in URLs: name search is a POST body."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import BaseModel, ConfigDict, StringConstraints

from homebound.core.errors import FieldProblem, PreconditionRequired, ValidationFailed
from homebound.core.persons import Category, Registry, Status
from homebound.db.persons import PersonFilter
from homebound.services import log as log_service
from homebound.services import registry as service
from homebound.services.accounts import organisation_by_code
from homebound.web.deps import SignedIn, Uows
from homebound.web.numbers import VERSION_DIGITS, is_plain_number
from homebound.web.schemas.misc import LogEntryOut, LogPageOut
from homebound.web.schemas.persons import (
    PersonCreate,
    PersonFieldsIn,
    PersonOut,
    PersonPageOut,
    ShareRequest,
    StatusChange,
)

router = APIRouter(prefix="/api/v1/persons", tags=["registries"])


def _etag(view: service.PersonView) -> str:
    return f'"{view.id}.{view.version}"'


def _version_from(if_match: str | None, person_id: str) -> int:
    if if_match is None:
        raise PreconditionRequired(
            "send If-Match with the ETag of the version you read",
            code="precondition_required",
            field="If-Match",
        )
    value = if_match.strip().removeprefix("W/").strip('"')
    prefix = f"{person_id}."
    if not value.startswith(prefix) or not is_plain_number(value[len(prefix) :], digits=VERSION_DIGITS):
        raise ValidationFailed([FieldProblem("If-Match", "invalid_value", "not an ETag of this record")])
    return int(value[len(prefix) :])


def _filter(
    uows: Uows,
    registry: Registry | None,
    party: str | None,
    status_: Status | None,
    category: Category | None,
    overdue: bool,
) -> PersonFilter:
    party_id = organisation_by_code(uows, party).id if party else None
    return PersonFilter(
        registry=registry,
        party_id=party_id,
        status=status_,
        category=category,
        overdue_on=dt.date.today() if overdue else None,
    )


@router.get("", response_model=PersonPageOut, summary="List records visible to the caller")
def list_persons(
    uows: Uows,
    actor: SignedIn,
    registry: Registry | None = None,
    party: Annotated[str | None, Query(max_length=32, description="party code")] = None,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    category: Category | None = None,
    overdue: Annotated[bool, Query(description="only held records whose capture card is overdue")] = False,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> PersonPageOut:
    flt = _filter(uows, registry, party, status_, category, overdue)
    return PersonPageOut.of(service.list_persons(uows, actor, flt, offset=offset, limit=limit))


class PersonSearch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family_name_prefix: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    registry: Registry | None = None
    offset: int = 0
    limit: int = 50


@router.post(
    "/search", response_model=PersonPageOut, summary="Search by family name (in the body, not the URL)"
)
def search_persons(uows: Uows, actor: SignedIn, body: PersonSearch) -> PersonPageOut:
    flt = PersonFilter(registry=body.registry, family_name_prefix=body.family_name_prefix)
    return PersonPageOut.of(
        service.list_persons(uows, actor, flt, offset=max(0, body.offset), limit=body.limit)
    )


@router.post("", response_model=PersonOut, status_code=status.HTTP_201_CREATED)
def create_person(uows: Uows, actor: SignedIn, body: PersonCreate, response: Response) -> PersonOut:
    raw = body.model_dump(exclude={"registry"}, exclude_none=True)
    view = service.create_person(uows, actor, body.registry, raw)
    response.headers["ETag"] = _etag(view)
    return PersonOut.of(view)


@router.get("/{person_id}", response_model=PersonOut)
def get_person(uows: Uows, actor: SignedIn, person_id: str, response: Response) -> PersonOut:
    view = service.get_person(uows, actor, person_id)
    response.headers["ETag"] = _etag(view)
    return PersonOut.of(view)


@router.patch("/{person_id}", response_model=PersonOut)
def update_person(
    uows: Uows,
    actor: SignedIn,
    person_id: str,
    body: PersonFieldsIn,
    response: Response,
    if_match: Annotated[str | None, Header(description="the ETag of the version read; required")] = None,
) -> PersonOut:
    changes = body.model_dump(exclude_unset=True)
    view = service.update_person(
        uows, actor, person_id, changes, expected_version=_version_from(if_match, person_id)
    )
    response.headers["ETag"] = _etag(view)
    return PersonOut.of(view)


@router.post("/{person_id}/status", response_model=PersonOut)
def change_status(
    uows: Uows,
    actor: SignedIn,
    person_id: str,
    body: StatusChange,
    response: Response,
    if_match: Annotated[str | None, Header(description="the ETag of the version read; required")] = None,
) -> PersonOut:
    view = service.change_status(
        uows, actor, person_id, body.status, body.reason, expected_version=_version_from(if_match, person_id)
    )
    response.headers["ETag"] = _etag(view)
    return PersonOut.of(view)


@router.post("/{person_id}/shares", response_model=PersonOut)
def share_person(uows: Uows, actor: SignedIn, person_id: str, body: ShareRequest) -> PersonOut:
    return PersonOut.of(service.share_person(uows, actor, person_id, body.party))


@router.get(
    "/{person_id}/history", response_model=LogPageOut, summary="The record's entries in the action log"
)
def person_history(uows: Uows, actor: SignedIn, person_id: str) -> LogPageOut:
    service.get_person(uows, actor, person_id)  # 404 unless the caller may see the record
    page = log_service.list_entries(uows, actor, object_id=person_id, limit=500)
    return LogPageOut(
        items=[LogEntryOut.model_validate(r, from_attributes=True) for r in page.entries], total=page.total
    )
