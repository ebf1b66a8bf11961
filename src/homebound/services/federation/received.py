"""What a neutral intermediary's node has received (GC III Art. 122-123: the Central Tracing Agency receives
the parties' information to relay it): the packages by name, sender, kind and time, never their content."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from homebound.core.access import Actor, OrganisationKind, Permission, can
from homebound.core.errors import PermissionDenied
from homebound.db.federation_tables import PackageReceivedRow
from homebound.db.uow import UnitOfWorkFactory

MAX_LISTED = 500


@dataclass(frozen=True)
class ReceivedListing:
    name: str
    sender: str
    seq: int
    kind: str
    size: int
    received_at: dt.datetime


def received_packages(uows: UnitOfWorkFactory, actor: Actor) -> list[ReceivedListing]:
    """The newest packages this node accepted, for a member of an observer organisation."""
    if actor.organisation_kind is not OrganisationKind.OBSERVER or not can(
        actor, Permission.OWN_PACKAGE_RECEIVE
    ):
        raise PermissionDenied("the received packages are listed for a neutral intermediary's members")
    with uows.reader() as uow:
        rows = uow.session.execute(
            select(PackageReceivedRow).order_by(PackageReceivedRow.received_at.desc()).limit(MAX_LISTED)
        ).scalars()
        return [ReceivedListing(r.name, r.sender, r.seq, r.kind, r.size, r.received_at) for r in rows]
