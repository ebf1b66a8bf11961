"""Deaths in captivity and remains person by person over HTTP (a party's own records only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, status

from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.services import deaths, remains
from homebound.web.deps import SignedIn, Uows
from homebound.web.numbers import VERSION_DIGITS, is_plain_number
from homebound.web.schemas.deaths import DeathIn, DeathOut, IdentificationIn, RemainsIn, RemainsOut

router = APIRouter(prefix="/api/v1", tags=["deaths and remains"])


def _version(if_match: str | None, object_id: str) -> int | None:
    """Optional If-Match `"{id}.{version}"` of the death or remains record read."""
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    prefix = f"{object_id}."
    if not value.startswith(prefix) or not is_plain_number(value[len(prefix) :], digits=VERSION_DIGITS):
        raise ValidationFailed([FieldProblem("If-Match", "invalid_value", "not an ETag of this record")])
    return int(value[len(prefix) :])


@router.get("/deaths/{person_id}", response_model=DeathOut, summary="A person's death record (or null)")
def get_death(uows: Uows, actor: SignedIn, person_id: str) -> DeathOut:
    return DeathOut.of(person_id, deaths.get_death(uows, actor, person_id))


@router.put(
    "/deaths/{person_id}",
    response_model=DeathOut,
    summary="Record or amend a death (GC III Art. 120); the person moves to deceased in the same transaction",
)
def record_death(
    uows: Uows,
    actor: SignedIn,
    person_id: str,
    body: DeathIn,
    if_match: Annotated[str | None, Header(description="the death record's ETag, when amending")] = None,
) -> DeathOut:
    view = deaths.record_death(
        uows, actor, person_id, body.as_text(), expected_version=_version(if_match, person_id)
    )
    return DeathOut.of(person_id, view)


@router.get("/remains", response_model=list[RemainsOut], summary="The party's remains records")
def list_remains(
    uows: Uows,
    actor: SignedIn,
    batch: Annotated[str | None, Query(max_length=64)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RemainsOut]:
    views = remains.list_remains(uows, actor, batch_id=batch, offset=offset, limit=limit)
    return [RemainsOut.of(v) for v in views]


@router.post("/remains", response_model=RemainsOut, status_code=status.HTTP_201_CREATED)
def record_remains(uows: Uows, actor: SignedIn, body: RemainsIn) -> RemainsOut:
    raw = body.model_dump(exclude={"mixed_with"}, mode="json")
    return RemainsOut.of(remains.record_remains(uows, actor, raw, mixed_with=body.mixed_with))


@router.get("/remains/{remains_id}", response_model=RemainsOut)
def get_remains(uows: Uows, actor: SignedIn, remains_id: str) -> RemainsOut:
    return RemainsOut.of(remains.get_remains(uows, actor, remains_id))


@router.post(
    "/remains/{remains_id}/identification",
    response_model=RemainsOut,
    summary="Record an identification outcome; identified remains may name the party's own sought record",
)
def identify_remains(
    uows: Uows,
    actor: SignedIn,
    remains_id: str,
    body: IdentificationIn,
    if_match: Annotated[str | None, Header(description="the remains record's ETag")] = None,
) -> RemainsOut:
    view = remains.identify_remains(
        uows,
        actor,
        remains_id,
        body.identification,
        on=body.identified_on,
        sought_person_id=body.sought_person_id,
        expected_version=_version(if_match, remains_id),
    )
    return RemainsOut.of(view)
