"""What the exchange use cases share: the actor's seat in an agreement, through the one policy function."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import NotFound, PermissionDenied
from homebound.core.exchange.agreement import Role
from homebound.core.exchange.candidate import Side
from homebound.db.exchange_tables import AgreementRow


@dataclass(frozen=True)
class _Seat:
    """An agreement as seen from one party's seat, for `can` (party scope: the actor's own party)."""

    party_id: str
    shared_with: frozenset[str] = frozenset()


def seat_of(actor: Actor, row: AgreementRow) -> Role | None:
    if can(actor, Permission.ANY_AGREEMENT_READ):
        return Role.MEDIATOR
    if actor.party_id is not None and actor.party_id == row.party_a_id:
        return Role.PARTY_A
    if actor.party_id is not None and actor.party_id == row.party_b_id:
        return Role.PARTY_B
    return None


def party_of(row: AgreementRow, side: Side) -> str:
    return row.party_a_id if side is Side.A else row.party_b_id


def load_agreement_row(
    session: Session, actor: Actor, agreement_id: str, *, lock: bool = False
) -> tuple[AgreementRow, Role]:
    """The agreement and the actor's seat in it; an agreement the actor is no party to does not exist."""
    row = session.get(AgreementRow, agreement_id, with_for_update=lock)
    seat = seat_of(actor, row) if row is not None else None
    if row is None or seat is None or not may(actor, seat, row, Permission.PARTY_AGREEMENT_READ, None):
        raise NotFound("no such agreement", field="agreement_id")
    return row, seat


def may(
    actor: Actor,
    seat: Role,
    row: AgreementRow,
    party_permission: Permission,
    any_permission: Permission | None,
) -> bool:
    if seat is Role.MEDIATOR:
        return any_permission is None or can(actor, any_permission)
    side = seat.side
    assert side is not None
    return can(actor, party_permission, _Seat(party_of(row, side)))


def require(
    actor: Actor,
    seat: Role,
    row: AgreementRow,
    party_permission: Permission | None,
    any_permission: Permission | None,
    what: str,
) -> None:
    """Raise PermissionDenied unless the actor's seat and role allow the action."""
    if seat is Role.MEDIATOR:
        allowed = any_permission is not None and can(actor, any_permission)
    else:
        allowed = party_permission is not None and may(actor, seat, row, party_permission, None)
    if not allowed:
        raise PermissionDenied(f"this role may not {what}")
