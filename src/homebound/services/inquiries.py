"""Family inquiries: filed with a party's bureau, attached to a sought record, looked up by case code
and secret.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import FieldProblem, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from homebound.core.log.entries import ActionTag
from homebound.core.persons import Registry, Status
from homebound.db.log_store import log_action
from homebound.db.tables import InquiryRow, OrganisationRow, PersonRow, utcnow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.accounts import LANGUAGES
from homebound.services.passwords import (
    PRODUCTION_COST,
    PasswordCost,
    dummy_hash,
    hash_password,
    verify_password,
)

# No 0/O or 1/I: codes are read out over the phone.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
DETAIL_FIELDS = (
    "family_name",
    "given_name",
    "patronymic",
    "date_of_birth",
    "unit",
    "last_seen_place",
    "last_seen_date",
    "notes",
)


@dataclass(frozen=True)
class FiledInquiry:
    id: str
    case_code: str
    secret: str  # shown once to the family; stored hashed


def _case_code() -> str:
    return "-".join("".join(secrets.choice(_CODE_ALPHABET) for _ in range(4)) for _ in range(3))


def file_inquiry(
    uows: UnitOfWorkFactory,
    actor: Actor,
    *,
    party_code: str,
    inquirer_name: str,
    inquirer_contact: str,
    relationship: str | None,
    consent: bool,
    sought_details: Mapping[str, str],
    cost: PasswordCost = PRODUCTION_COST,
    language: str = "en",
) -> FiledInquiry:
    """A family files with its own side's bureau; consent to process the data is required. `language` is the
    one the family filed in: their e-mails are written in it."""
    problems = []
    if not consent:
        problems.append(FieldProblem("consent", "required", "consent to process the inquiry is required"))
    for name in sought_details:
        if name not in DETAIL_FIELDS:
            problems.append(
                FieldProblem(f"sought_details.{name}", "unknown_field", "not a field of an inquiry")
            )
    if not sought_details.get("family_name"):
        problems.append(FieldProblem("sought_details.family_name", "required", "a value is required"))
    if problems:
        raise ValidationFailed(problems)
    secret = secrets.token_urlsafe(12)
    with uows.writer() as uow:
        party = uow.session.execute(
            select(OrganisationRow).where(OrganisationRow.code == party_code, OrganisationRow.kind == "party")
        ).scalar_one_or_none()
        if party is None:
            raise NotFound("no such party", field="party")
        row = InquiryRow(
            party_id=party.id,
            case_code=_case_code(),
            secret_hash=hash_password(secret, cost),
            inquirer_name=inquirer_name,
            inquirer_contact=inquirer_contact,
            relationship=relationship,
            sought_details=dict(sought_details),
            consent_given_at=utcnow(),
            language=language if language in LANGUAGES else "en",
        )
        uow.session.add(row)
        uow.session.flush()
        log_action(
            uow.session, actor, ActionTag.INQUIRY_FILE, "inquiry", row.id, {"inquiry": row.id}, party=party.id
        )
        uow.commit()
        return FiledInquiry(row.id, row.case_code, secret)


def attach_inquiry(uows: UnitOfWorkFactory, actor: Actor, inquiry_id: str, person_id: str) -> None:
    """The bureau links the inquiry to the sought record it concerns (its own party's only)."""
    if not can(actor, Permission.PARTY_INQUIRY_WRITE) or actor.party_id is None:
        raise PermissionDenied("this role may not handle inquiries")
    with uows.writer_for(actor) as uow:  # under row-level security as the actor's party
        inquiry = uow.session.get(InquiryRow, inquiry_id)
        if inquiry is None or inquiry.party_id != actor.party_id:
            raise NotFound("no such inquiry", field="inquiry_id")
        person = uow.session.get(PersonRow, person_id)
        if (
            person is None
            or person.party_id != actor.party_id
            or person.registry_kind != Registry.SOUGHT.value
        ):
            raise NotFound("no such sought record", field="person_id")
        inquiry.person_id = person.id
        inquiry.updated_at = utcnow()
        log_action(
            uow.session,
            actor,
            ActionTag.INQUIRY_ATTACH,
            "inquiry",
            inquiry.id,
            {"inquiry": inquiry.id, "person": person.id},
            party=actor.party_id,
        )
        uow.commit()


@dataclass(frozen=True)
class InquiryView:
    id: str
    case_code: str
    person_id: str | None
    inquirer_name: str
    inquirer_contact: str
    relationship: str | None
    sought_details: Mapping[str, str]
    created_at: dt.datetime


def list_inquiries(
    uows: UnitOfWorkFactory, actor: Actor, *, unattached_only: bool = False
) -> list[InquiryView]:
    if not can(actor, Permission.PARTY_INQUIRY_READ) or actor.party_id is None:
        raise PermissionDenied("this role may not read inquiries")
    query = select(InquiryRow).where(InquiryRow.party_id == actor.party_id).order_by(InquiryRow.created_at)
    if unattached_only:
        query = query.where(InquiryRow.person_id.is_(None))
    with uows.reader() as uow:
        return [
            InquiryView(
                r.id,
                r.case_code,
                r.person_id,
                r.inquirer_name,
                r.inquirer_contact,
                r.relationship,
                r.sought_details,
                r.created_at,
            )
            for r in uow.session.execute(query).scalars()
        ]


# What a family is told: a coarse stage, never another person's data or the holder's details.
_FAMILY_STAGE = {
    Status.MISSING: "searching",
    Status.BELIEVED_CAPTIVE: "searching",
    Status.CONFIRMED_HELD: "confirmed_held",
    Status.RETURNED: "returned",
    Status.DECEASED: "reported_deceased",
}


@dataclass(frozen=True)
class InquiryStatus:
    case_code: str
    stage: str  # received, searching, confirmed_held, returned, reported_deceased
    updated_at: dt.datetime


def inquiry_status(
    uows: UnitOfWorkFactory, case_code: str, secret: str, cost: PasswordCost = PRODUCTION_COST
) -> InquiryStatus:
    """Case code and secret give that one case's stage; a wrong pair answers exactly like an unknown code."""
    with uows.reader() as uow:
        inquiry = uow.session.execute(
            select(InquiryRow).where(InquiryRow.case_code == case_code.strip().upper())
        ).scalar_one_or_none()
        valid = verify_password(inquiry.secret_hash if inquiry else dummy_hash(cost, "inquiry"), secret)
        if inquiry is None or not valid:
            raise NotAuthenticated("unknown case code or wrong secret", code="inquiry.invalid_credentials")
        stage, updated = "received", inquiry.updated_at
        if inquiry.person_id is not None:
            person = uow.session.get(PersonRow, inquiry.person_id)
            if person is not None:
                stage = _FAMILY_STAGE.get(Status(person.status), "searching")
                updated = max(_aware(updated), _aware(person.updated_at))
        return InquiryStatus(inquiry.case_code, stage, updated)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
