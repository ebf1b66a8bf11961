"""Refused object reads, for the operator: every 404 that a signed-in caller gets on a route naming an object
is written to the application log (logger `homebound.access`), with whether the object exists.

A 404 on an object that exists is a cross-party access the services refused (another party's record that
was not shared, another party's inquiry, an agreement the caller is no party to): logged at WARNING. A 404
on an id that exists nowhere (a typo, a stale link, or someone probing) is logged at INFO. The caller still
gets the same answer in both cases; only the log tells them apart.

The line carries the actor's user id, role and party (ids, not names), the route template (never the
concrete URL) and a non-reversible object reference: the first 16 hex digits of SHA-256 over the id. Ids
are random UUIDs, so the reference cannot be turned back into the id without the database, yet whoever
holds the database can find the object by hashing its ids. No personal data, no request body.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import InstrumentedAttribute

from homebound.core.access import Actor
from homebound.db.exchange_tables import AgreementRow
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.request_tables import ExchangeRequestRow
from homebound.db.tables import (
    ApiTokenRow,
    InquiryRow,
    LogCheckpointRow,
    PersonRow,
    SigningKeyRow,
)
from homebound.db.uow import UnitOfWorkFactory

log = logging.getLogger("homebound.access")

# Path parameter -> the column its value names. The first of these in a route's path is "the object".
OBJECT_COLUMNS: dict[str, InstrumentedAttribute[str]] = {
    "person_id": PersonRow.id,
    "inquiry_id": InquiryRow.id,
    "agreement_id": AgreementRow.id,
    "candidate_id": MatchCandidateRow.id,
    "token_id": ApiTokenRow.id,
    "checkpoint_id": LogCheckpointRow.id,
    "key_id": SigningKeyRow.key_id,
    "request_id": ExchangeRequestRow.id,
}
MAX_ID = 200  # longer values cannot be ids; they are not looked up


def object_ref(object_id: str) -> str:
    """A non-reversible reference to an object id for logs (see the module's note)."""
    return hashlib.sha256(b"homebound.object\x00" + object_id.encode("utf-8", "replace")).hexdigest()[:16]


@dataclass(frozen=True)
class RefusedAccess:
    actor_id: str
    role: str
    party: str | None
    route: str
    parameter: str
    object_ref: str
    exists: bool

    def line(self) -> str:
        return (
            f"access.not_found route={self.route!r} actor={self.actor_id} role={self.role} "
            f"party={self.party or '-'} object={self.parameter}:{self.object_ref} "
            f"exists={str(self.exists).lower()}"
        )


def _exists(uows: UnitOfWorkFactory, column: InstrumentedAttribute[str], value: str) -> bool:
    if len(value) > MAX_ID:
        return False
    with uows.reader() as uow:  # unscoped: whether it exists anywhere, whoever owns it
        return bool(uow.session.execute(select(exists().where(column == value))).scalar())


def record_not_found(
    uows: UnitOfWorkFactory,
    actor: Actor | None,
    route: str,
    path_params: Mapping[str, str],
    field: str | None,
) -> RefusedAccess | None:
    """Log a 404 for a signed-in caller when it refused the object the path names (`field`, as the service
    named it: a missing tranche of a visible agreement, or an unknown party to share with, is no refused
    read); None when there is nothing to log."""
    if actor is None or actor.is_public or field not in OBJECT_COLUMNS or field not in path_params:
        return None
    name, value = field, path_params[field]
    refused = RefusedAccess(
        actor_id=actor.user_id or "-",
        role=actor.role.value,
        party=actor.party_id,
        route=route,
        parameter=name,
        object_ref=object_ref(value),
        exists=_exists(uows, OBJECT_COLUMNS[name], value),
    )
    log.log(logging.WARNING if refused.exists else logging.INFO, refused.line())
    return refused
