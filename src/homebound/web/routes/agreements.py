"""Agreements over HTTP: open, propose, compose, counter-propose, amend, share, accept, conclude.

An agreement's ETag names its latest version ("<id>.<version>", "<id>.0" before the first); a
counter-proposal, an amendment or a composition sends it as If-Match, so nobody builds on a version they
never saw (412 when stale, 428 when missing).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response, status

from homebound.core.errors import FieldProblem, PreconditionRequired, ValidationFailed
from homebound.core.exchange.compose import Method
from homebound.services import agreement_views as views
from homebound.services import agreements as service
from homebound.services.candidates import IdentityConfirmation, confirm_identities
from homebound.services.composition import compose_version
from homebound.web.deps import SignedIn, Throttle, Uows
from homebound.web.numbers import VERSION_DIGITS, is_plain_number
from homebound.web.schemas.exchange import (
    MAX_NUMBER,
    AcceptanceIn,
    AgreementCreate,
    AgreementOut,
    AmendmentsIn,
    CompositionIn,
    CompositionOut,
    ConfirmedOut,
    IdentitiesIn,
    ProposalIn,
    VersionOut,
)

Number = Annotated[int, Path(ge=1, le=MAX_NUMBER, description="counted from 1")]
router = APIRouter(prefix="/api/v1", tags=["agreements"])
IfMatch = Annotated[str | None, Header(description="the agreement's ETag (its latest version)")]


def _agreement(view: views.AgreementView, response: Response) -> AgreementOut:
    response.headers["ETag"] = view.etag
    return AgreementOut.model_validate(view, from_attributes=True)


def _version(view: views.VersionView) -> VersionOut:
    return VersionOut.model_validate(view, from_attributes=True)


def _expected(if_match: str | None, agreement_id: str, *, required: bool) -> int | None:
    if if_match is None:
        if required:
            raise PreconditionRequired(
                "send If-Match with the agreement's ETag", code="precondition_required", field="If-Match"
            )
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    prefix = f"{agreement_id}."
    if not value.startswith(prefix) or not is_plain_number(value[len(prefix) :], digits=VERSION_DIGITS):
        raise ValidationFailed([FieldProblem("If-Match", "invalid_value", "not an ETag of this agreement")])
    return int(value[len(prefix) :])


@router.post("/agreements", response_model=AgreementOut, status_code=status.HTTP_201_CREATED)
def create_agreement(uows: Uows, actor: SignedIn, body: AgreementCreate, response: Response) -> AgreementOut:
    view = service.create_agreement(
        uows,
        actor,
        title=body.title,
        party_a=body.party_a,
        party_b=body.party_b,
        venue=body.venue,
        public_label=(body.public_label or "").strip() or None,
    )
    return _agreement(view, response)


@router.get("/agreements", response_model=list[AgreementOut], summary="Agreements the caller takes part in")
def list_agreements(uows: Uows, actor: SignedIn) -> list[AgreementOut]:
    return [AgreementOut.model_validate(v, from_attributes=True) for v in views.list_agreements(uows, actor)]


@router.get("/agreements/{agreement_id}", response_model=AgreementOut)
def get_agreement(uows: Uows, actor: SignedIn, agreement_id: str, response: Response) -> AgreementOut:
    return _agreement(views.get_agreement(uows, actor, agreement_id), response)


@router.get(
    "/agreements/{agreement_id}/versions",
    response_model=list[VersionOut],
    summary="The versions the caller may see, with their diffs (documents left out)",
)
def list_versions(uows: Uows, actor: SignedIn, agreement_id: str) -> list[VersionOut]:
    return [_version(v) for v in views.list_versions(uows, actor, agreement_id)]


@router.get("/agreements/{agreement_id}/versions/{number}", response_model=VersionOut)
def get_version(uows: Uows, actor: SignedIn, agreement_id: str, number: Number) -> VersionOut:
    return _version(views.get_version(uows, actor, agreement_id, number))


@router.post(
    "/agreements/{agreement_id}/proposals",
    response_model=VersionOut,
    status_code=status.HTTP_201_CREATED,
    summary="The first version: terms and both lists",
)
def propose(uows: Uows, actor: SignedIn, agreement_id: str, body: ProposalIn) -> VersionOut:
    view = service.propose(
        uows,
        actor,
        agreement_id,
        body.terms.to_core(),
        [p.to_core() for p in body.list_a],
        [p.to_core() for p in body.list_b],
        note=body.note,
        share=body.share,
    )
    return _version(view)


@router.post(
    "/agreements/{agreement_id}/counter-proposals",
    response_model=VersionOut,
    status_code=status.HTTP_201_CREATED,
    summary="A full new version replacing terms and lists (If-Match required)",
)
def counter_propose(
    uows: Uows, actor: SignedIn, agreement_id: str, body: ProposalIn, if_match: IfMatch = None
) -> VersionOut:
    view = service.propose(
        uows,
        actor,
        agreement_id,
        body.terms.to_core(),
        [p.to_core() for p in body.list_a],
        [p.to_core() for p in body.list_b],
        note=body.note,
        share=body.share,
        counter=True,
        expected_version=_expected(if_match, agreement_id, required=True),
    )
    return _version(view)


@router.post(
    "/agreements/{agreement_id}/amendments",
    response_model=VersionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add, remove or replace named persons, each with a reason (If-Match required)",
)
def amend(
    uows: Uows, actor: SignedIn, agreement_id: str, body: AmendmentsIn, if_match: IfMatch = None
) -> VersionOut:
    view = service.amend(
        uows,
        actor,
        agreement_id,
        [a.to_core() for a in body.amendments],
        note=body.note,
        share=body.share,
        expected_version=_expected(if_match, agreement_id, required=True),
    )
    return _version(view)


@router.post(
    "/agreements/{agreement_id}/compositions",
    response_model=CompositionOut,
    status_code=status.HTTP_201_CREATED,
    summary="The mediator composes both lists from the eligible pools as a new version (If-Match required)",
)
def compose(
    uows: Uows, actor: SignedIn, agreement_id: str, body: CompositionIn, if_match: IfMatch = None
) -> CompositionOut:
    view = compose_version(
        uows,
        actor,
        agreement_id,
        body.terms.to_core(),
        added=body.added,
        removed=body.removed,
        method=Method(body.method),
        note=body.note,
        share=body.share,
        decisions=body.decisions,
        expected_version=_expected(if_match, agreement_id, required=True),
    )
    return CompositionOut.model_validate(view, from_attributes=True)


@router.post(
    "/agreements/{agreement_id}/versions/{number}/share",
    response_model=VersionOut,
    summary="The mediator passes a version to both parties (and its listed persons to their receivers)",
)
def share(uows: Uows, actor: SignedIn, agreement_id: str, number: Number) -> VersionOut:
    return _version(service.share_version(uows, actor, agreement_id, number))


@router.post(
    "/agreements/{agreement_id}/acceptances",
    response_model=AgreementOut,
    summary="A party's admin accepts the latest version, re-entering their password (and code)",
)
def accept(
    uows: Uows, throttle: Throttle, actor: SignedIn, agreement_id: str, body: AcceptanceIn, response: Response
) -> AgreementOut:
    view = service.accept(uows, actor, agreement_id, body.version, body.proof(), throttle=throttle)
    return _agreement(view, response)


@router.post(
    "/agreements/{agreement_id}/conclusion",
    response_model=AgreementOut,
    summary="Freeze the version both parties accepted; its hash is logged and its manifests planned",
)
def conclude(uows: Uows, actor: SignedIn, agreement_id: str, response: Response) -> AgreementOut:
    return _agreement(service.conclude(uows, actor, agreement_id), response)


@router.post(
    "/exchange/identities",
    response_model=ConfirmedOut,
    summary="The mediator confirms held persons' identities (and the sought records they answer)",
)
def identities(uows: Uows, actor: SignedIn, body: IdentitiesIn) -> ConfirmedOut:
    items = [IdentityConfirmation(i.held_person_id, i.sought_person_id, i.note) for i in body.items]
    return ConfirmedOut(confirmed=confirm_identities(uows, actor, items))
