"""One entry for every printable document: what the CLI and the UI ask for, dispatched by kind."""

from __future__ import annotations

from dataclasses import dataclass, field

from homebound.core.access import Actor
from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.core.paper import DocumentKind, Paper
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.documents.exchange import agreement_lists, handover_act
from homebound.services.documents.people import RecordRef
from homebound.services.documents.records import capture_card, death_certificate, repatriation_certificate


@dataclass(frozen=True)
class DocumentRequest:
    """What identifies a document: an agreement (and tranche, version, side) or a person record."""

    agreement_id: str = ""
    tranche: int | None = None
    version: int | None = None
    side: str = ""
    record: RecordRef = field(default_factory=RecordRef)


def _required(value: object, name: str, kind: DocumentKind) -> None:
    if value in (None, ""):
        message = f"a {kind.value} needs --{name.replace('_', '-')}"
        raise ValidationFailed([FieldProblem(name, "required", message)], message=message)


def build_document(
    uows: UnitOfWorkFactory, actor: Actor, kind: DocumentKind, request: DocumentRequest
) -> Paper:
    if kind is DocumentKind.HANDOVER_ACT:
        _required(request.agreement_id, "agreement", kind)
        _required(request.tranche, "tranche", kind)
        assert request.tranche is not None
        return handover_act(uows, actor, request.agreement_id, request.tranche)
    if kind is DocumentKind.LIST:
        _required(request.agreement_id, "agreement", kind)
        return agreement_lists(uows, actor, request.agreement_id, version=request.version, side=request.side)
    _required(request.record.person_id or request.record.record_number, "record", kind)
    if kind is DocumentKind.CAPTURE_CARD:
        return capture_card(uows, actor, request.record)
    if kind is DocumentKind.DEATH_CERTIFICATE:
        return death_certificate(uows, actor, request.record)
    return repatriation_certificate(uows, actor, request.record)
