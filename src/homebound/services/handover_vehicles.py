"""Buses and vehicles at the crossing: which vehicle each manifest line travels in, and a whole vehicle's
checked people recorded as delivered in one action (each person still recorded and logged on their own line).

Assigning vehicles is logistics, not an outcome: it changes no line's state. A party places only the lines it
releases (it loads the buses); the mediator places any line. A closed tranche keeps its vehicles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select, update

from homebound.core.access import Actor, Permission
from homebound.core.errors import Conflict, FieldProblem, NotFound, PermissionDenied, ValidationFailed
from homebound.core.exchange.agreement import Role
from homebound.core.exchange.handover import LineAction, LineState
from homebound.core.log.entries import ActionTag
from homebound.db.exchange_tables import HandoverLineRow, HandoverTrancheRow
from homebound.db.handover_store import CLOSED
from homebound.db.log_store import log_action
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import handover
from homebound.services.exchange_access import load_agreement_row, require
from homebound.services.handover import LineCommand, TrancheView

MAX_VEHICLE = 32
# States a line may be delivered from (core.exchange.handover.TRANSITIONS).
DELIVERABLE = frozenset({LineState.PENDING.value, LineState.SUBSTITUTE_REJECTED.value})


def clean_vehicle(vehicle: str) -> str:
    """A vehicle's label as entered ("Bus 3", "AH 1234 KT"), trimmed; empty or too long is refused."""
    label = " ".join(vehicle.split())
    if not label or len(label) > MAX_VEHICLE:
        raise ValidationFailed(
            [FieldProblem("vehicle", "invalid_value", f"a vehicle is named in 1 to {MAX_VEHICLE} characters")]
        )
    return label


def assign_vehicles(
    uows: UnitOfWorkFactory, actor: Actor, agreement_id: str, number: int, placement: Mapping[int, str]
) -> int:
    """Place manifest lines (by line number) in vehicles; one log entry per vehicle, naming its lines."""
    labels = {line_no: clean_vehicle(vehicle) for line_no, vehicle in placement.items()}
    with uows.writer() as uow:
        session = uow.session
        row, seat = load_agreement_row(session, actor, agreement_id, lock=True)
        require(
            actor,
            seat,
            row,
            Permission.PARTY_HANDOVER_RECORD,
            Permission.ANY_HANDOVER_RECORD,
            "place vehicles",
        )
        tranche_row = session.get(HandoverTrancheRow, (row.id, number - 1), with_for_update=True)
        if tranche_row is None:
            raise NotFound("no such tranche", field="tranche")
        if tranche_row.state == CLOSED:
            raise Conflict(
                "the tranche is closed; its vehicles stay as they were", code="handover.tranche_closed"
            )
        sides = dict(
            session.execute(
                select(HandoverLineRow.line_no, HandoverLineRow.releasing_side).where(
                    HandoverLineRow.agreement_id == row.id, HandoverLineRow.tranche_index == number - 1
                )
            ).all()
        )
        unknown = sorted(set(labels) - set(sides))
        if unknown:
            raise NotFound("no such line in this tranche", field="line_no")
        if seat is not Role.MEDIATOR:
            assert seat.side is not None
            if any(sides[line_no] != seat.side.value for line_no in labels):
                raise PermissionDenied("a party places only the people it releases")
        by_vehicle: dict[str, list[int]] = {}
        for line_no, label in sorted(labels.items()):
            by_vehicle.setdefault(label, []).append(line_no)
        for label, line_nos in by_vehicle.items():
            session.execute(
                update(HandoverLineRow)
                .where(
                    HandoverLineRow.agreement_id == row.id,
                    HandoverLineRow.tranche_index == number - 1,
                    HandoverLineRow.line_no.in_(line_nos),
                )
                .values(vehicle=label)
            )
            payload = {"agreement": row.id, "tranche": number, "vehicle": label, "lines": line_nos}
            log_action(
                session, actor, ActionTag.HANDOVER_VEHICLE, "handover_tranche", f"{row.id}:{number}", payload
            )
        uow.commit()
    return len(labels)


def fill_vehicles(line_nos: Sequence[int], seats: int, prefix: str, first: int = 1) -> dict[int, str]:
    """Line numbers in order, `seats` to a vehicle: {line_no: "Bus A1", ...}, numbered from `first`."""
    if seats < 1:
        raise ValidationFailed([FieldProblem("seats", "invalid_value", "a vehicle has at least one seat")])
    return {line_no: f"{prefix}{index // seats + first}" for index, line_no in enumerate(line_nos)}


def place_unplaced(
    uows: UnitOfWorkFactory, actor: Actor, agreement_id: str, number: int, seats: int, prefix: str
) -> int:
    """The lines not yet in a vehicle, in manifest order, `seats` to a vehicle; each releasing side fills its
    own vehicles ("Bus A1", "Bus B1"), numbered after those it has. A party places only its own people."""
    with uows.reader() as uow:
        row, seat = load_agreement_row(uow.session, actor, agreement_id)
        lines = uow.session.execute(
            select(HandoverLineRow.line_no, HandoverLineRow.releasing_side, HandoverLineRow.vehicle)
            .where(HandoverLineRow.agreement_id == row.id, HandoverLineRow.tranche_index == number - 1)
            .order_by(HandoverLineRow.line_no)
        ).all()
    own = None if seat is Role.MEDIATOR or seat.side is None else seat.side.value
    placement: dict[int, str] = {}
    for side in ("a", "b"):
        if own not in (None, side):
            continue
        named = f"{clean_vehicle(prefix)} {side.upper()}"
        used = {vehicle for _n, s, vehicle in lines if s == side and vehicle is not None}
        waiting = [line_no for line_no, s, vehicle in lines if s == side and vehicle is None]
        placement |= fill_vehicles(waiting, seats, named, first=len(used) + 1)
    if not placement:
        return 0
    return assign_vehicles(uows, actor, agreement_id, number, placement)


def deliver_vehicle(
    uows: UnitOfWorkFactory,
    actor: Actor,
    agreement_id: str,
    number: int,
    vehicle: str,
    checked: Sequence[str],
) -> TrancheView:
    """The people of one vehicle whose identity was checked, recorded as delivered in one transaction: each
    line gets its own outcome, registry effect and log entry (services.handover.record_lines)."""
    label = clean_vehicle(vehicle)
    if not checked:
        raise ValidationFailed(
            [FieldProblem("candidate_id", "required", "tick the people whose identity was checked")]
        )
    with uows.reader() as uow:
        row, _seat = load_agreement_row(uow.session, actor, agreement_id)
        aboard = dict(
            uow.session.execute(
                select(HandoverLineRow.candidate_id, HandoverLineRow.state).where(
                    HandoverLineRow.agreement_id == row.id,
                    HandoverLineRow.tranche_index == number - 1,
                    HandoverLineRow.vehicle == label,
                )
            ).all()
        )
    problems = [
        FieldProblem(
            f"candidate_id[{n}]", "invalid_value", "not a person of this vehicle waiting to be delivered"
        )
        for n, candidate_id in enumerate(checked)
        if aboard.get(candidate_id) not in DELIVERABLE
    ]
    if problems:
        raise ValidationFailed(problems)
    commands = [LineCommand(LineAction.DELIVER, candidate_id) for candidate_id in dict.fromkeys(checked)]
    return handover.record_lines(uows, actor, agreement_id, number, commands)
