"""The mediator's side of requests: link one to the other side's held record (confirmed held), list the
confirmed ones on the agreement's next version, record the other side's refusal with its reason, and
record the return once the person has crossed. Each change is logged under the requesting party."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import Conflict, FieldProblem, NotFound, PermissionDenied, ValidationFailed
from homebound.core.exchange.agreement import AddPerson, Agreement, Role
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.formula import ListedPerson
from homebound.core.exchange.requests import RequestStatus, check_refusal_reason, check_transition
from homebound.core.log.entries import ActionTag
from homebound.core.persons import Registry, Status
from homebound.db.exchange_tables import AgreementRow, IdentityConfirmationRow
from homebound.db.log_store import log_action
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.request_tables import ExchangeRequestRow
from homebound.db.tables import PersonRow, new_id, utcnow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.agreement_views import VersionView
from homebound.services.agreements import _checked_amendments, new_version
from homebound.services.requests import MEDIATOR, RequestView, history_entry, views_of

_CROSSED = frozenset({Status.EXCHANGED.value, Status.RELEASED.value})


def _require_mediator(actor: Actor) -> None:
    if not can(actor, Permission.ANY_AGREEMENT_MANAGE):
        raise PermissionDenied("only the mediator acts on requests")


def _own(session: Session, actor: Actor, request_id: str, *, field: str = "request_id") -> ExchangeRequestRow:
    row = session.get(ExchangeRequestRow, request_id, with_for_update=True)
    if row is None or row.mediator_id != actor.organisation_id:
        raise NotFound("no such request", field=field)
    return row


def _move(
    session: Session,
    actor: Actor,
    row: ExchangeRequestRow,
    status: RequestStatus,
    *,
    reason: str | None = None,
    version: int | None = None,
) -> None:
    """Change the status (as the table allows), keep it in the history and log it for the requester."""
    check_transition(RequestStatus(row.status), status)
    row.status = status.value
    row.updated_at = utcnow()
    row.history = [*row.history_entries(), history_entry(status, actor, reason)]
    payload = {"request": row.id, "status": status.value, "agreement": row.agreement_id, "version": version}
    if reason:
        payload["reason"] = reason
    log_action(
        session, actor, ActionTag.REQUEST_STATUS, "exchange_request", row.id, payload, party=row.party_id
    )


def _confirmed_held(session: Session, sought_person_id: str) -> str | None:
    """The held record already confirmed as this sought person: an identity confirmation, or a match the
    mediator's reviewers confirmed."""
    found = (
        session.execute(
            select(IdentityConfirmationRow.held_person_id).where(
                IdentityConfirmationRow.sought_person_id == sought_person_id
            )
        )
        .scalars()
        .first()
    )
    if found is None:
        found = (
            session.execute(
                select(MatchCandidateRow.held_person_id).where(
                    MatchCandidateRow.sought_person_id == sought_person_id,
                    MatchCandidateRow.status == "confirmed",
                )
            )
            .scalars()
            .first()
        )
    return found


def _confirm_identity(session: Session, actor: Actor, held_id: str, sought_id: str) -> None:
    """Record the link as the exchange's identity confirmation (what composition and its gates read)."""
    confirmation = session.get(IdentityConfirmationRow, held_id)
    if confirmation is None:
        confirmation = IdentityConfirmationRow(held_person_id=held_id)
        session.add(confirmation)
    confirmation.sought_person_id = sought_id
    confirmation.note = "linked to a request"
    confirmation.confirmed_by = actor.user_id or ""
    confirmation.confirmed_at = utcnow()
    payload = {"held": held_id, "sought": sought_id, "note": "linked to a request"}
    # As in candidates.confirm_identities: the holder's view of the log never says whom the other side seeks.
    log_action(session, actor, ActionTag.IDENTITY_CONFIRM, "exchange_identity", new_id(), payload, party=None)


def link_request(
    uows: UnitOfWorkFactory, actor: Actor, request_id: str, held_person_id: str | None = None
) -> RequestView:
    """The mediator links a request to the other side's held record (named, or the one already confirmed
    for the sought record): the request is confirmed held and forwarded to the holding party."""
    _require_mediator(actor)
    with uows.writer() as uow:
        session = uow.session
        row = _own(session, actor, request_id)
        held_id = held_person_id or _confirmed_held(session, row.sought_person_id)
        if held_id is None:
            raise Conflict(
                "no held record is confirmed for this sought person yet: name one",
                code="request.no_match",
                field="held_person_id",
            )
        held = session.get(PersonRow, held_id)
        if held is None or held.registry_kind != Registry.HELD.value:
            raise NotFound("no such held record", field="held_person_id")
        if held.party_id == row.party_id:
            text = "a request is answered by a record the other side holds"
            raise ValidationFailed([FieldProblem("held_person_id", "exchange.same_party", text)])
        _confirm_identity(session, actor, held.id, row.sought_person_id)
        row.held_person_id, row.holding_party_id = held.id, held.party_id
        _move(session, actor, row, RequestStatus.CONFIRMED_HELD)
        (view,) = views_of(session, [row], MEDIATOR)
        uow.commit()
        return view


def refuse_request(uows: UnitOfWorkFactory, actor: Actor, request_id: str, reason: str) -> RequestView:
    """The mediator records the other side's refusal with its reason; the request stays visible with it."""
    _require_mediator(actor)
    cleaned = check_refusal_reason(reason)
    with uows.writer() as uow:
        session = uow.session
        row = _own(session, actor, request_id)
        row.refusal_reason = cleaned
        _move(session, actor, row, RequestStatus.REFUSED, reason=cleaned)
        (view,) = views_of(session, [row], MEDIATOR)
        uow.commit()
        return view


def mark_returned(uows: UnitOfWorkFactory, actor: Actor, request_ids: Sequence[str]) -> list[RequestView]:
    """Listed requests whose held person has crossed (exchanged or released) become returned."""
    _require_mediator(actor)
    with uows.writer() as uow:
        session = uow.session
        rows = [_own(session, actor, i, field=f"request_ids[{n}]") for n, i in enumerate(request_ids)]
        for n, row in enumerate(rows):
            held = session.get(PersonRow, row.held_person_id) if row.held_person_id else None
            if held is None or held.status not in _CROSSED:
                raise Conflict(
                    "the person has not crossed yet", code="request.not_crossed", field=f"request_ids[{n}]"
                )
            _move(session, actor, row, RequestStatus.RETURNED)
        views = views_of(session, rows, MEDIATOR)
        uow.commit()
        return views


def list_requested(
    uows: UnitOfWorkFactory,
    actor: Actor,
    agreement_id: str,
    request_ids: Sequence[str],
    *,
    note: str = "",
    expected_version: int | None = None,
) -> VersionView:
    """The mediator adds the held records of confirmed requests to the agreement's next version (an
    amendment, each added person's reason naming the request); the requests become listed."""
    _require_mediator(actor)
    if not request_ids:
        raise ValidationFailed([FieldProblem("request_ids", "required", "name at least one request")])

    def build(session: Session, row: AgreementRow, seat: Role, agreement: Agreement) -> Agreement:
        if not agreement.versions:
            raise Conflict(
                "the agreement has no version yet: propose or compose its terms first",
                code="request.no_version",
            )
        amendments = []
        requests = [_own(session, actor, i, field=f"request_ids[{n}]") for n, i in enumerate(request_ids)]
        for n, request in enumerate(requests):
            check_transition(RequestStatus(request.status), RequestStatus.LISTED)
            side = Side.A if request.holding_party_id == row.party_a_id else Side.B
            if (
                request.holding_party_id not in (row.party_a_id, row.party_b_id)
                or request.held_person_id is None
            ):
                text = "the request's holder is not a party to this agreement"
                raise ValidationFailed([FieldProblem(f"request_ids[{n}]", "request.other_agreement", text)])
            if request.agreement_id not in (None, row.id):
                text = "the request was tabled for another agreement"
                raise ValidationFailed([FieldProblem(f"request_ids[{n}]", "request.other_agreement", text)])
            person = ListedPerson(request.held_person_id)
            amendments.append(AddPerson(side, person, f"requested by the other party (request {request.id})"))
        updated = agreement.amend(
            by=seat,
            amendments=_checked_amendments(session, actor, row, amendments),
            note=note or "requested persons",
        )
        for request in requests:
            request.agreement_id = row.id
            request.listed_version = updated.latest.number
            _move(session, actor, request, RequestStatus.LISTED, version=updated.latest.number)
        return updated

    return new_version(
        uows,
        actor,
        agreement_id,
        "list requested persons",
        build,
        share=False,
        expected_version=expected_version,
    )
