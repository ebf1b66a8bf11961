"""Who saw what: successful reads, searches and exports of personal data, for the owning party and the
mediator (the `data_access` table, below); and refused object reads, for the operator: every 404 that a
signed-in caller gets on a route naming an object is written to the application log (logger
`homebound.access`), with whether the object exists.

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

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, exists, func, select, text
from sqlalchemy.orm import InstrumentedAttribute

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import PermissionDenied
from homebound.db.exchange_tables import AgreementRow
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.privacy_tables import DataAccessRow
from homebound.db.tables import (
    ApiTokenRow,
    InquiryRow,
    LogCheckpointRow,
    OrganisationRow,
    PersonRow,
    SigningKeyRow,
    UserRow,
    utcnow,
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


# --- successful reads of personal data ----------------------------------------------------------------------
#
# Refused reads go to the operator's log (above); successful reads, searches and exports of a party's
# personal data go to the `data_access` table, which the owning party and the mediator review (GC III Art.
# 122-123 and the ICRC's rules on personal data expect a record of who consulted what). Not the transparency
# log: its entries reach every party's export and the public checkpoints. One row per owning party and
# request: who, when, what was asked for, which records (ids, up to MAX_IDS; an export names its selection
# and count), which fields. Never a name or a search term.

MAX_IDS = 500  # a page is at most 500 records (registry.MAX_PAGE)


class DataAction(StrEnum):
    READ = "read"  # one record
    LIST = "list"  # a page of a registry
    SEARCH = "search"  # a page found by a name prefix
    EXPORT = "export"  # a whole registry to a file


@dataclass(frozen=True)
class RecordRead:
    """One record handed to the caller: its owning party, its id, the fields it carried."""

    party_id: str
    record_id: str
    fields: frozenset[str]


def record_access(
    uows: UnitOfWorkFactory,
    actor: Actor,
    action: DataAction,
    purpose: str,
    records: Sequence[RecordRead],
    *,
    selection: Mapping[str, int] | None = None,
    selected_fields: Sequence[str] = (),
) -> int:
    """Record a successful read of personal data (a separate short transaction after the read); returns the
    rows written. `selection` (owning party -> count) and `selected_fields` stand in for the records of an
    export, which are too many to name one by one."""
    if actor.is_public or actor.user_id is None:
        return 0
    per_party: dict[str, tuple[list[str], set[str]]] = {}
    for record in records:
        ids, fields = per_party.setdefault(record.party_id, ([], set()))
        ids.append(record.record_id)
        fields.update(record.fields)
    counts = {party: len(ids) for party, (ids, _) in per_party.items()}
    if selection is not None:
        counts = dict(selection)
    if not counts:
        return 0
    now = utcnow()
    rows = [
        DataAccessRow(
            at=now,
            owner_party_id=party,
            user_id=actor.user_id,
            organisation_id=actor.organisation_id,
            role=actor.role.value,
            action=action.value,
            purpose=purpose[:120],
            record_count=count,
            record_ids=per_party.get(party, ([], set()))[0][:MAX_IDS],
            fields=sorted(per_party.get(party, ([], set()))[1] | set(selected_fields)),
        )
        for party, count in sorted(counts.items())
    ]
    with uows.writer() as uow:
        if uows.dialect == "postgresql":
            # Not worth a disk flush of its own: the record becomes durable with the next flush of the WAL
            # (within a fraction of a second); only a server crash in that window can lose it, never corrupt.
            uow.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        uow.session.add_all(rows)
        uow.commit()
    return len(rows)


@dataclass(frozen=True)
class AccessFilter:
    party: str | None = None  # the owning party's code
    user: str | None = None  # the reader's username
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    action: DataAction | None = None


@dataclass(frozen=True)
class DataAccessView:
    id: str
    at: dt.datetime
    owner_party: str  # code
    user: str  # username
    organisation: str | None  # code
    role: str
    action: str
    purpose: str
    record_count: int
    record_ids: list[str]
    fields: list[str]


@dataclass(frozen=True)
class AccessPage:
    items: list[DataAccessView]
    total: int


def _reviewable(actor: Actor) -> list[ColumnElement[bool]]:
    """The mediator reviews every party's records; a party's admin only its own party's."""
    if can(actor, Permission.ANY_ACCESS_REVIEW):
        return []
    if can(actor, Permission.PARTY_ACCESS_REVIEW) and actor.party_id is not None:
        return [DataAccessRow.owner_party_id == actor.party_id]
    raise PermissionDenied("only the owning party's admin and the mediator review reads of personal data")


def _where(actor: Actor, flt: AccessFilter) -> list[ColumnElement[bool]]:
    where = _reviewable(actor)
    if flt.party is not None:
        party = select(OrganisationRow.id).where(OrganisationRow.code == flt.party).scalar_subquery()
        where.append(DataAccessRow.owner_party_id == party)
    if flt.user is not None:
        user = select(UserRow.id).where(UserRow.username == flt.user).scalar_subquery()
        where.append(DataAccessRow.user_id == user)
    if flt.since is not None:
        where.append(DataAccessRow.at >= flt.since)
    if flt.until is not None:
        where.append(DataAccessRow.at < flt.until)
    if flt.action is not None:
        where.append(DataAccessRow.action == flt.action.value)
    return where


def list_access(
    uows: UnitOfWorkFactory, actor: Actor, flt: AccessFilter, *, offset: int = 0, limit: int = 100
) -> AccessPage:
    """Reads of personal data the actor may review, newest first, filtered by party, user, time, action."""
    where = _where(actor, flt)
    with uows.reader() as uow:
        session = uow.session
        total = session.execute(select(func.count()).select_from(DataAccessRow).where(*where)).scalar_one()
        rows = list(
            session.execute(
                select(DataAccessRow)
                .where(*where)
                .order_by(DataAccessRow.at.desc(), DataAccessRow.id)
                .offset(offset)
                .limit(limit)
            ).scalars()
        )
        codes = dict(session.execute(select(OrganisationRow.id, OrganisationRow.code)).all())
        users = {r.user_id for r in rows}
        names = (
            dict(session.execute(select(UserRow.id, UserRow.username).where(UserRow.id.in_(users))).all())
            if users
            else {}
        )
    items = [
        DataAccessView(
            r.id,
            r.at,
            codes.get(r.owner_party_id, r.owner_party_id),
            names.get(r.user_id, r.user_id),
            codes.get(r.organisation_id) if r.organisation_id else None,
            r.role,
            r.action,
            r.purpose,
            r.record_count,
            list(r.record_ids),
            list(r.fields),
        )
        for r in rows
    ]
    return AccessPage(items, int(total))
