"""Countersigning a handover act: each party signs the act's hash on its own node and sends the
countersignature back to the mediator; a tranche is closed on a node once it holds both parties'
countersignatures over the same complete act.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import Conflict, NotFound, PermissionDenied
from homebound.core.log.entries import ActionTag, canonical
from homebound.core.packages.countersignatures import Countersignature, read_countersignature
from homebound.core.packages.envelope import OpenedPackage
from homebound.core.packages.errors import PackageRefused, Refusal
from homebound.db.crossing_tables import ActCountersignatureRow, HandoverActRow
from homebound.db.log_store import log_action
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.federation.crossing import held_act, manifest_row, now_precise
from homebound.services.federation.crossing_effects import apply_closed_act
from homebound.services.federation.node import own_node, own_signing_key, pinned_cards
from homebound.services.sign_in import Reauthentication, SignInThrottle, confirm_binding


def countersign(
    uows: UnitOfWorkFactory,
    actor: Actor,
    act_hash: str,
    proof: Reauthentication,
    *,
    throttle: SignInThrottle | None = None,
) -> dict[str, Any]:
    """The party's signature over a complete act it holds; the payload of a `countersignature` package.
    Binding like an acceptance: the node's key signs only with the admin's password (and code) re-entered.
    Countersigning the same act again gives the same countersignature."""
    with uows.writer() as uow:
        session = uow.session
        node = own_node(session)
        if not can(actor, Permission.PARTY_AGREEMENT_ACCEPT) or actor.organisation_id != node.organisation_id:
            raise PermissionDenied("only a party's admin on its own node countersigns an act")
        confirm_binding(session, actor, proof, throttle=throttle, code="act.reauthentication_failed")
        act = session.get(HandoverActRow, act_hash)  # checked in full when it was received
        if act is None:
            raise NotFound("no such handover act on this node", field="act")
        manifest = manifest_row(session, act.content_hash)
        if node.code not in (manifest.party_a, manifest.party_b):
            raise PermissionDenied("this node's organisation is no party to the act's agreement")
        if not act.complete:
            raise Conflict("the act leaves manifest lines without an outcome; it is not countersigned",
                           code="act.incomplete")  # fmt: skip
        existing = session.get(ActCountersignatureRow, (act_hash, node.code))
        if existing is not None:
            return {"countersignature": json.loads(existing.document)}
        body = Countersignature(
            act_hash, manifest.agreement_id, act.content_hash, act.tranche, node.code, now_precise()
        )
        signed = body.signed_by(own_signing_key(session, node.organisation_id))
        session.add(ActCountersignatureRow(act=act_hash, party=node.code, document=canonical(signed)))
        session.flush()
        summary = {"party": node.code, "content_hash": act.content_hash, "tranche": act.tranche}
        log_action(session, actor, ActionTag.ACT_COUNTERSIGN, "handover_act", act_hash, summary)
        uow.commit()
    return {"countersignature": signed}


def _refused(message: str, field: str = "countersignature") -> PackageRefused:
    return PackageRefused(Refusal.INVALID_CONTENT, message, field=field)


def apply_countersignature(session: Session, actor: Actor, opened: OpenedPackage, _peer_id: str) -> str:
    """Keep a party's countersignature over an act this node holds; close the tranche on the second one."""
    payload = opened.body.payload
    if set(payload) != {"countersignature"}:
        raise _refused("a countersignature package holds exactly a countersignature", "payload")
    sender = pinned_cards(session)[opened.body.sender]
    signature = read_countersignature(payload["countersignature"], sender.signing_key)
    if signature.party != sender.org:
        raise _refused("a party countersigns only for itself", "party")
    row = session.get(HandoverActRow, signature.act)
    if row is None:
        raise _refused("the countersignature is over an act this node did not issue or receive", "act")
    if (row.content_hash, row.tranche) != (signature.content_hash, signature.tranche) or not row.complete:
        raise _refused("the countersigned act is not the complete act of that agreement and tranche", "act")
    manifest = manifest_row(session, row.content_hash)
    if signature.agreement != manifest.agreement_id or signature.party not in (
        manifest.party_a,
        manifest.party_b,
    ):
        raise _refused("the countersigning party is no party to the act's agreement", "party")
    was_closed = closing_act(session, row.content_hash, row.tranche) is not None
    if session.get(ActCountersignatureRow, (signature.act, signature.party)) is None:
        session.add(ActCountersignatureRow(act=signature.act, party=signature.party,
                                           document=canonical(payload["countersignature"]),
                                           package=opened.envelope.name))  # fmt: skip
        session.flush()
        log_action(session, actor, ActionTag.ACT_COUNTERSIGN, "handover_act", signature.act,
                   {"party": signature.party, "content_hash": row.content_hash, "tranche": row.tranche,
                    "package": opened.envelope.name}, party=None)  # fmt: skip
    closed = closing_act(session, row.content_hash, row.tranche)
    if closed is not None and not was_closed:
        act = held_act(session, closed)
        closure = apply_closed_act(session, actor, act)  # only where the agreement itself is held
        recorded = (
            {} if closure is None else {"reconciled": closure.reconciled, "imbalance": closure.imbalance}
        )
        log_action(session, actor, ActionTag.TRANCHE_CLOSE, "agreement", manifest.agreement_id,
                   {"content_hash": row.content_hash, "tranche": row.tranche, "act": closed,
                    "counted": act.resolution.to_json()["counted"],
                    "conflicts": len(act.resolution.conflicts), **recorded}, party=None)  # fmt: skip
        return f"{signature.party} countersigned act {signature.act[:16]}: tranche {row.tranche} is closed"
    return f"{signature.party} countersigned act {signature.act[:16]} of tranche {row.tranche}"


def closing_act(session: Session, content_hash: str, tranche: int) -> str | None:
    """The act of the tranche both parties countersigned, if there is one (the first such, by time)."""
    manifest = manifest_row(session, content_hash)
    rows = session.execute(
        select(ActCountersignatureRow.act, ActCountersignatureRow.party, ActCountersignatureRow.created_at)
        .join(HandoverActRow, HandoverActRow.hash == ActCountersignatureRow.act)
        .where(HandoverActRow.content_hash == content_hash, HandoverActRow.tranche == tranche)
        .order_by(ActCountersignatureRow.created_at)
    ).all()
    parties: dict[str, set[str]] = {}
    for act, party, _ in rows:
        parties.setdefault(act, set()).add(party)
        if {manifest.party_a, manifest.party_b} <= parties[act]:
            return str(act)
    return None


@dataclass(frozen=True)
class TrancheAtCrossing:
    """What a node knows of a tranche at the crossing: its acts, who countersigned which, and whether it
    is closed (and by which act)."""

    content_hash: str
    tranche: int
    acts: dict[str, dict[str, Any]]  # act hash -> issuer, complete, lines, conflicts, countersigned by
    closed_by: str | None


def tranche_at_crossing(uows: UnitOfWorkFactory, content_hash: str, tranche: int) -> TrancheAtCrossing:
    with uows.reader() as uow:
        session = uow.session
        acts: dict[str, dict[str, Any]] = {}
        rows = session.execute(
            select(HandoverActRow.hash)
            .where(HandoverActRow.content_hash == content_hash, HandoverActRow.tranche == tranche)
            .order_by(HandoverActRow.created_at)
        ).scalars()
        for act_hash in rows:
            act = held_act(session, act_hash)
            signed_by = session.execute(
                select(ActCountersignatureRow.party).where(ActCountersignatureRow.act == act_hash)
            ).scalars()
            acts[act_hash] = {"issuer": act.issuer, "complete": act.resolution.complete,
                              "lines": len(act.lines), "counted": dict(act.resolution.counted),
                              "conflicts": [c.to_json() for c in act.resolution.conflicts],
                              "countersigned_by": sorted(signed_by)}  # fmt: skip
        return TrancheAtCrossing(content_hash, tranche, acts, closing_act(session, content_hash, tranche))
