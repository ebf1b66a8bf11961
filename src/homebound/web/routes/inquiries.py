"""Family inquiries: filing and status look-up (public, by case code and secret in the body) and the
bureau's queue.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from homebound.core.errors import NotAuthenticated
from homebound.services import inquiries as service
from homebound.services.throttle import SignInThrottle
from homebound.web.client_address import client_address
from homebound.web.deps import AnyActor, Hashing, SignedIn, Uows
from homebound.web.schemas.misc import (
    AttachRequest,
    InquiryFile,
    InquiryFiled,
    InquiryLookup,
    InquiryOut,
    InquiryStatusOut,
)

router = APIRouter(prefix="/api/v1/inquiries", tags=["inquiries"])


@router.post(
    "",
    response_model=InquiryFiled,
    status_code=status.HTTP_201_CREATED,
    summary="A family files an inquiry with its own side's bureau",
)
def file_inquiry(uows: Uows, actor: AnyActor, cost: Hashing, body: InquiryFile) -> InquiryFiled:
    filed = service.file_inquiry(
        uows,
        actor,
        party_code=body.party,
        inquirer_name=body.inquirer_name,
        inquirer_contact=body.inquirer_contact,
        relationship=body.relationship,
        consent=body.consent,
        sought_details=body.sought.model_dump(exclude_none=True),
        cost=cost,
    )
    return InquiryFiled(case_code=filed.case_code, secret=filed.secret)


@router.post("/status", response_model=InquiryStatusOut, summary="The status of one case (no search by name)")
def inquiry_status(request: Request, uows: Uows, cost: Hashing, body: InquiryLookup) -> InquiryStatusOut:
    # Throttled per client address and per case code before the secret's Argon2 hash is paid for.
    throttle: SignInThrottle = request.app.state.inquiry_throttle
    address = client_address(request)
    throttle.check(body.case_code, address)
    try:
        found = service.inquiry_status(uows, body.case_code, body.secret, cost)
    except NotAuthenticated:
        throttle.failed(body.case_code, address)
        raise
    throttle.succeeded(body.case_code, address)
    return InquiryStatusOut(case_code=found.case_code, stage=found.stage, updated_at=found.updated_at)


@router.get("", response_model=list[InquiryOut], summary="The caller's party's inquiries")
def list_inquiries(uows: Uows, actor: SignedIn, unattached: bool = False) -> list[InquiryOut]:
    return [
        InquiryOut.model_validate(v, from_attributes=True)
        for v in service.list_inquiries(uows, actor, unattached_only=unattached)
    ]


@router.post("/{inquiry_id}/attach", status_code=status.HTTP_204_NO_CONTENT)
def attach(uows: Uows, actor: SignedIn, inquiry_id: str, body: AttachRequest) -> None:
    service.attach_inquiry(uows, actor, inquiry_id, body.person_id)
