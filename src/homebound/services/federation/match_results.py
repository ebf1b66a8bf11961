"""Match results: the mediator tells a seeking party which of its sought persons are confirmed held, and by
whom; nothing else of the holder's record crosses. The seeking party's node marks those records
`confirmed_held` (a logged status change), once: a repeated result changes nothing.

Payload: `{"confirmed": [{"record_id": <the seeking party's own record id>, "holder": <org code>}]}`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import PermissionDenied
from homebound.core.log.entries import ActionTag
from homebound.core.packages.envelope import OpenedPackage
from homebound.core.packages.errors import PackageRefused, Refusal
from homebound.core.persons import Registry, Status
from homebound.db.federation_tables import DisclosedRecordRow
from homebound.db.log_store import log_action
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.tables import OrganisationRow, PersonRow, utcnow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.federation.node import own_node, peer_organisation

CONFIRMED = "confirmed"
_BECOMES_CONFIRMED = frozenset({Status.MISSING.value, Status.BELIEVED_CAPTIVE.value})


def match_result_payload(uows: UnitOfWorkFactory, actor: Actor, seeking: str) -> dict[str, Any]:
    """Every pair this mediator confirmed between the seeking party's disclosed sought list and a held list
    still disclosed."""
    if not can(actor, Permission.ANY_MATCH_REVIEW):
        raise PermissionDenied("only the mediator sends match results")
    sought, held = aliased(PersonRow), aliased(DisclosedRecordRow)
    with uows.reader() as uow:
        session = uow.session
        node = own_node(session)
        seeking_id = peer_organisation(session, seeking)
        rows = session.execute(
            select(sought.source_id, OrganisationRow.code)
            .select_from(MatchCandidateRow)
            .join(sought, sought.id == MatchCandidateRow.sought_person_id)
            .join(OrganisationRow, OrganisationRow.id == MatchCandidateRow.held_party_id)
            .join(held, held.person_id == MatchCandidateRow.held_person_id)
            .where(
                MatchCandidateRow.mediator_id == node.organisation_id,
                MatchCandidateRow.sought_party_id == seeking_id,
                MatchCandidateRow.status == CONFIRMED,
                held.withdrawn_by.is_(None),
            )
            .order_by(sought.source_id)
        ).all()
    return {"confirmed": [{"record_id": source, "holder": code} for source, code in rows]}


def _content(message: str) -> PackageRefused:
    return PackageRefused(Refusal.INVALID_CONTENT, message, field="payload")


def apply_match_result(session: Session, actor: Actor, opened: OpenedPackage, _peer_id: str) -> str:
    """Mark the named sought records confirmed held; a one-line summary (counts only)."""
    payload = opened.body.payload
    confirmed = payload.get("confirmed")
    if set(payload) != {"confirmed"} or not isinstance(confirmed, list):
        raise _content("a match result has exactly a list `confirmed`")
    own = own_node(session).organisation_id
    changed = unchanged = 0
    for number, item in enumerate(confirmed, start=1):
        if not isinstance(item, dict) or set(item) != {"record_id", "holder"}:
            raise _content(f"item {number} has exactly record_id and holder")
        row = session.execute(
            select(PersonRow).where(
                PersonRow.party_id == own,
                PersonRow.registry_kind == Registry.SOUGHT.value,
                PersonRow.source_id == str(item["record_id"]),
            )
        ).scalar_one_or_none()
        if row is None:
            raise _content(f"item {number} names no sought record of this node")
        if row.status not in _BECOMES_CONFIRMED:
            unchanged += 1
            continue
        previous, row.status = row.status, Status.CONFIRMED_HELD.value
        row.version += 1
        row.updated_at = utcnow()
        log_action(session, actor, ActionTag.PERSON_STATUS, "person", row.id,
                   {"person": row.id, "from": previous, "to": row.status,
                    "reason": f"confirmed held by {item['holder']} (package {opened.envelope.name[:16]})"},
                   party=own)  # fmt: skip
        changed += 1
    session.flush()
    return f"{changed} sought record(s) now confirmed held, {unchanged} unchanged"
