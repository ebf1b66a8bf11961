"""Handover at the crossing: manifests per tranche, line outcomes, remains, the live balance, closing.

Who may record what is a table (`LINE_ACTORS`): the receiving party checks identity and decides on
substitutes, the releasing party brings people (or substitutes) or reports them not delivered, the mediator
records anything but a substitute decision, and only the mediator records refusals after a private interview
and third-party custody. A batch of line actions is one transaction: all recorded, or none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from homebound.core.access import Actor, Permission
from homebound.core.errors import NotFound, PermissionDenied
from homebound.core.exchange.agreement import Agreement, Role
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.documents import balance_to_document, closure_to_document, line_to_document
from homebound.core.exchange.errors import ExchangeError, ExchangeInputError
from homebound.core.exchange.handover import (
    LineAction,
    LineRecorded,
    Substitute,
    ThirdPartyCustody,
    Tranche,
)
from homebound.core.exchange.manifest import plan_tranches, totals
from homebound.core.exchange.remains import IdentificationStatus, RemainsBatch
from homebound.core.log.entries import ActionTag
from homebound.core.persons import Status
from homebound.db.agreement_store import load_agreement
from homebound.db.exchange_tables import AgreementRow, HandoverTrancheRow
from homebound.db.handover_store import insert_tranches, listed_ids, load_tranche, save_tranche, tranche_rows
from homebound.db.log_store import log_action
from homebound.db.tables import UserRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.candidates import persons_by_id
from homebound.services.exchange_access import load_agreement_row, require
from homebound.services.exchange_ledger import refresh_record
from homebound.services.handover_effects import RegistryEffects, move_status
from homebound.services.sign_in import Reauthentication, SignInThrottle, confirm_binding


class Seat(StrEnum):
    MEDIATOR = "mediator"
    RELEASING = "releasing"
    RECEIVING = "receiving"


_M, _OUT, _IN = Seat.MEDIATOR, Seat.RELEASING, Seat.RECEIVING
LINE_ACTORS: Mapping[LineAction, frozenset[Seat]] = {
    LineAction.DELIVER: frozenset({_M, _IN}),
    LineAction.BRING_SUBSTITUTE: frozenset({_M, _OUT}),
    LineAction.ACCEPT_SUBSTITUTE: frozenset({_IN}),
    LineAction.REJECT_SUBSTITUTE: frozenset({_IN}),
    LineAction.REFUSE: frozenset({_M}),
    LineAction.NOT_DELIVER: frozenset({_M, _OUT}),
    LineAction.HAND_TO_THIRD_PARTY: frozenset({_M}),
}


@dataclass(frozen=True)
class LineCommand:
    """One thing that happened to one manifest line; `by` names who did it (defaults to the user)."""

    action: LineAction
    candidate_id: str
    by: str = ""
    substitute: Substitute | None = None
    stays_with: str = ""
    reason: str = ""
    custody: ThirdPartyCustody | None = None


# --- opening ------------------------------------------------------------------------------------------------


def open_handover(session: Session, actor: Actor, row: AgreementRow, agreement: Agreement) -> None:
    """On conclusion: the tranches and manifests of the concluded version, everyone listed for exchange."""
    version = agreement.concluded_version
    tranches = plan_tranches(row.id, version)
    insert_tranches(session, tranches, version.terms.tranches)
    ids = [line.candidate_id for tranche in tranches for line in tranche.lines]
    persons = persons_by_id(session, ids)
    reason = f"listed in agreement {row.id}, version {version.number}"
    for person_id in ids:  # someone listed under another concluded agreement cannot be listed twice: 409
        move_status(session, actor, persons[person_id], Status.LISTED_FOR_EXCHANGE, reason)


# --- recording lines ----------------------------------------------------------------------------------------


def _tranche_row(session: Session, row: AgreementRow, number: int, *, lock: bool) -> HandoverTrancheRow:
    tranche_row = session.get(HandoverTrancheRow, (row.id, number - 1), with_for_update=lock)
    if tranche_row is None:
        raise NotFound("no such tranche", field="tranche")
    return tranche_row


def _line_seat(seat: Role, releasing: Side) -> Seat:
    if seat is Role.MEDIATOR:
        return Seat.MEDIATOR
    return Seat.RELEASING if seat.side is releasing else Seat.RECEIVING


def _apply(tranche: Tranche, command: LineCommand, seat: Role, recorder: str) -> Tranche:
    # The free-text `by` (who checked, interviewed or decided) never replaces the signed-in recorder.
    return _applied(tranche, command, seat, recorder).attributed(command.candidate_id, recorder)


def _applied(tranche: Tranche, command: LineCommand, seat: Role, recorder: str) -> Tranche:
    line = tranche.line(command.candidate_id)
    if _line_seat(seat, line.releasing_side) not in LINE_ACTORS[command.action]:
        raise PermissionDenied(f"{seat.value} may not record '{command.action.value}' on this line")
    by = command.by.strip() or recorder
    action = command.action
    if action is LineAction.DELIVER:
        return tranche.deliver(command.candidate_id, identity_checked_by=by)
    if action is LineAction.BRING_SUBSTITUTE:
        if command.substitute is None:
            raise PermissionDenied("bringing a substitute names the substitute")
        return tranche.bring_substitute(command.candidate_id, command.substitute, by=by)
    if action in (LineAction.ACCEPT_SUBSTITUTE, LineAction.REJECT_SUBSTITUTE):
        assert seat.side is not None
        accept = action is LineAction.ACCEPT_SUBSTITUTE
        return tranche.decide_substitute(command.candidate_id, accept=accept, by=seat.side, decided_by=by)
    if action is LineAction.REFUSE:
        return tranche.refuse(command.candidate_id, stays_with=command.stays_with, interviewed_by=by)
    if action is LineAction.NOT_DELIVER:
        return tranche.not_delivered(command.candidate_id, reason=command.reason, by=by)
    custody = command.custody or ThirdPartyCustody("", "")
    return tranche.hand_to_third_party(command.candidate_id, custody, by=by)


def _recorder(session: Session, actor: Actor) -> str:
    user = session.get(UserRow, actor.user_id) if actor.user_id else None
    return user.username if user is not None else "system"


def record_lines(
    uows: UnitOfWorkFactory, actor: Actor, agreement_id: str, number: int, commands: Sequence[LineCommand]
) -> TrancheView:
    """Record what happened to manifest lines, in order, each with its registry effects and log entry."""
    with uows.writer() as uow:
        session = uow.session
        row, seat = load_agreement_row(session, actor, agreement_id, lock=True)
        require(
            actor,
            seat,
            row,
            Permission.PARTY_HANDOVER_RECORD,
            Permission.ANY_HANDOVER_RECORD,
            "record handover",
        )
        tranche_row = _tranche_row(session, row, number, lock=True)
        before = tranche = load_tranche(session, tranche_row)
        effects = RegistryEffects(session, actor, row)
        effects.prefetch(
            [c.candidate_id for c in commands] + [c.substitute.candidate_id for c in commands if c.substitute]
        )
        recorder = _recorder(session, actor)
        for n, command in enumerate(commands):
            try:
                updated = _apply(tranche, command, seat, recorder)
            except (ExchangeError, ExchangeInputError) as broken:
                raise broken.at(f"actions[{n}]") from None  # the action at fault, by its place
            for event in updated.events[len(tranche.events) :]:
                assert isinstance(event, LineRecorded)
                new = updated.line(event.candidate_id)
                notified = effects.apply(new, event.action)
                _log_line(session, actor, row, number, event, line_to_document(new), notified)
            tranche = updated
        save_tranche(session, tranche_row, before, tranche)
        view = _tranche_view(tranche_row, tranche)
        uow.commit()
        return view


def _log_line(
    session: Session,
    actor: Actor,
    row: AgreementRow,
    number: int,
    event: LineRecorded,
    detail: Mapping[str, Any],
    notified: int,
) -> None:
    decision = event.action in (LineAction.ACCEPT_SUBSTITUTE, LineAction.REJECT_SUBSTITUTE)
    tag = ActionTag.HANDOVER_SUBSTITUTE if decision else ActionTag.HANDOVER_LINE
    payload = {
        "agreement": row.id,
        "tranche": number,
        "line": event.line_no,
        "person": event.candidate_id,
        "action": event.action.value,
        "state": event.state.value,
        "detail": event.detail,
        "substitute": (detail.get("substitute") or {}).get("candidate_id"),
        "notifications": notified,
    }
    log_action(session, actor, tag, "handover_line", f"{row.id}:{number}:{event.line_no}", payload)


# --- remains and closing ------------------------------------------------------------------------------------


def _mediator_change(
    uows: UnitOfWorkFactory, actor: Actor, agreement_id: str, number: int, what: str, change: Any
) -> TrancheView:
    """Shared path of the mediator's tranche-level actions: lock, load, change, save, refresh the ledger."""
    with uows.writer() as uow:
        session = uow.session
        row, seat = load_agreement_row(session, actor, agreement_id, lock=True)
        require(actor, seat, row, None, Permission.ANY_HANDOVER_RECORD, what)
        tranche_row = _tranche_row(session, row, number, lock=True)
        before = load_tranche(session, tranche_row)
        after = change(session, row, before)
        save_tranche(session, tranche_row, before, after)
        refresh_record(session, actor, row)
        view = _tranche_view(tranche_row, after)
        uow.commit()
        return view


def receive_remains(
    uows: UnitOfWorkFactory, actor: Actor, agreement_id: str, number: int, batch: RemainsBatch
) -> TrancheView:
    def change(session: Session, row: AgreementRow, tranche: Tranche) -> Tranche:
        after = tranche.receive_remains(batch)
        _log_remains(
            session, actor, row, number, batch.batch_id, batch.status, batch.releasing_side, batch.count
        )
        return after

    return _mediator_change(uows, actor, agreement_id, number, "record remains", change)


def identify_remains(
    uows: UnitOfWorkFactory,
    actor: Actor,
    agreement_id: str,
    number: int,
    batch_id: str,
    status: IdentificationStatus,
) -> TrancheView:
    def change(session: Session, row: AgreementRow, tranche: Tranche) -> Tranche:
        after = tranche.identify_remains(batch_id, status)
        batch = next(b for b in after.remains if b.batch_id == batch_id)
        _log_remains(session, actor, row, number, batch_id, status, batch.releasing_side, batch.count)
        return after

    return _mediator_change(uows, actor, agreement_id, number, "record remains", change)


def _log_remains(
    session: Session,
    actor: Actor,
    row: AgreementRow,
    number: int,
    batch_id: str,
    status: IdentificationStatus,
    side: Side,
    count: int,
) -> None:
    payload = {
        "agreement": row.id,
        "tranche": number,
        "batch": batch_id,
        "status": status.value,
        "releasing_side": side.value,
        "count": count,
    }
    log_action(
        session, actor, ActionTag.REMAINS_RECORD, "remains_batch", f"{row.id}:{number}:{batch_id}", payload
    )


def close_tranche(
    uows: UnitOfWorkFactory,
    actor: Actor,
    agreement_id: str,
    number: int,
    proof: Reauthentication,
    *,
    throttle: SignInThrottle | None = None,
) -> TrancheView:
    """Close a settled tranche: reconciled when the formula is kept, else with its imbalance recorded. Binding
    like an acceptance: the mediator re-enters the password (and code) with the request."""

    def change(session: Session, row: AgreementRow, tranche: Tranche) -> Tranche:
        after = tranche.close(by=_recorder(session, actor))
        confirm_binding(session, actor, proof, throttle=throttle, code="handover.reauthentication_failed")
        assert after.closure is not None
        payload = {
            "agreement": row.id,
            "tranche": number,
            **closure_to_document(after.closure),
            "imbalance": after.closure.imbalance,
        }
        log_action(session, actor, ActionTag.TRANCHE_CLOSE, "agreement", row.id, payload)
        return after

    return _mediator_change(uows, actor, agreement_id, number, "close a tranche", change)


# --- reading ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrancheView:
    number: int
    scheduled_on: dt.date | None
    state: str
    outcomes: dict[str, int]
    balance: dict[str, Any] | None
    remains_balance: dict[str, Any] | None
    remains: list[dict[str, Any]]
    closure: dict[str, Any] | None
    lines: list[dict[str, Any]]


def _tranche_view(row: HandoverTrancheRow, tranche: Tranche, *, with_lines: bool = True) -> TrancheView:
    outcomes: dict[str, int] = {}
    for line in tranche.lines:
        outcomes[line.state.value] = outcomes.get(line.state.value, 0) + 1
    lines = (
        [
            {
                "line_no": line.line_no,
                "candidate_id": line.candidate_id,
                "releasing_side": line.releasing_side.value,
                "rank_class": line.rank_class,
                "basis": line.basis.value,
                "state": line.state.value,
                "counted": line.counted,
                **line_to_document(line),
            }
            for line in tranche.lines
        ]
        if with_lines
        else []
    )
    remains = [
        {
            "batch_id": b.batch_id,
            "releasing_side": b.releasing_side.value,
            "count": b.count,
            "status": b.status.value,
            "note": b.note,
        }
        for b in tranche.remains
    ]
    return TrancheView(
        number=tranche.index + 1,
        scheduled_on=row.scheduled_on,
        state=row.state,
        outcomes=outcomes,
        balance=balance_to_document(tranche.balance()),
        remains_balance=balance_to_document(tranche.remains_balance()),
        remains=remains,
        closure=None if tranche.closure is None else closure_to_document(tranche.closure),
        lines=lines,
    )


def list_tranches(uows: UnitOfWorkFactory, actor: Actor, agreement_id: str) -> list[TrancheView]:
    """Every tranche with its live balance, without the lines."""
    with uows.reader() as uow:
        row, _ = load_agreement_row(uow.session, actor, agreement_id)
        listed = listed_ids(uow.session, row.id)
        return [
            _tranche_view(t, load_tranche(uow.session, t, listed), with_lines=False)
            for t in tranche_rows(uow.session, row.id)
        ]


def get_tranche(uows: UnitOfWorkFactory, actor: Actor, agreement_id: str, number: int) -> TrancheView:
    with uows.reader() as uow:
        row, _ = load_agreement_row(uow.session, actor, agreement_id)
        tranche_row = _tranche_row(uow.session, row, number, lock=False)
        return _tranche_view(tranche_row, load_tranche(uow.session, tranche_row))


def exchange_totals(uows: UnitOfWorkFactory, actor: Actor, agreement_id: str) -> dict[str, Any]:
    """The whole exchange against the agreement's formula: received per side, outcomes, remains."""
    with uows.reader() as uow:
        row, _ = load_agreement_row(uow.session, actor, agreement_id)
        agreement = load_agreement(uow.session, row)
        if agreement.conclusion is None:
            raise NotFound("the agreement is not concluded; it has no handover yet", field="agreement_id")
        listed = listed_ids(uow.session, row.id)
        tranches = [load_tranche(uow.session, t, listed) for t in tranche_rows(uow.session, row.id)]
        summary = totals(tranches, agreement.concluded_version.terms.parity)
    return {
        "received": {side.value: n for side, n in summary.received.items()},
        "outcomes": {state.value: n for state, n in summary.outcomes.items()},
        "substitutions": summary.substitutions,
        "refusals": summary.refusals,
        "parity": balance_to_document(summary.parity),
        "remains": {
            side.value: {s.value: n for s, n in counts.items()} for side, counts in summary.remains.items()
        },
        "reconciled_tranches": summary.reconciled_tranches,
        "closed_tranches": summary.closed_tranches,
        "tranches": len(tranches),
    }
