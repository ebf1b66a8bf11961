"""A closed act on a node that holds the agreement itself (the mediator's main node): the act's kept lines are
recorded on the tranche's manifest as the single-server handover records them (registry statuses, families'
notifications, the log), and the tranche is closed, so the exchange's record and the public ledger count
what the crossing counted. A node without the agreement (a crossing laptop, a party) keeps the act only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor
from homebound.core.exchange.handover import LineRecorded, LineState, Substitute, Tranche, TrancheClosure
from homebound.core.log.entries import ActionTag
from homebound.core.packages.acts import CrossingLine, HandoverAct, Outcome
from homebound.core.persons import Registry
from homebound.db.exchange_tables import AgreementRow, HandoverTrancheRow
from homebound.db.handover_store import load_tranche, save_tranche
from homebound.db.log_store import log_action
from homebound.db.tables import OrganisationRow, PersonRow
from homebound.services.exchange_ledger import refresh_record
from homebound.services.handover_effects import RegistryEffects


def _substitute(session: Session, line: CrossingLine) -> Substitute:
    """The person who crossed instead: the releasing party's held record, when this node holds it."""
    assert line.substitute is not None
    found = session.execute(
        select(PersonRow.id)
        .join(OrganisationRow, OrganisationRow.id == PersonRow.party_id)
        .where(
            OrganisationRow.code == line.substitute.party,
            PersonRow.registry_kind == Registry.HELD.value,
            PersonRow.source_id == line.substitute.record_id,
        )
    ).scalar()
    return Substitute(found or line.substitute.record_id, description=f"record {line.substitute.record_id}")


def _record(session: Session, tranche: Tranche, candidate_id: str, line: CrossingLine) -> Tranche:
    by = f"{line.recorder} ({line.device})"
    if line.outcome is Outcome.DELIVERED:
        return tranche.deliver(candidate_id, identity_checked_by=by)
    if line.outcome is Outcome.REFUSED:
        return tranche.refuse(candidate_id, stays_with=line.note, interviewed_by=by)
    if line.outcome is Outcome.NOT_DELIVERED:
        return tranche.not_delivered(candidate_id, reason=line.note, by=by)
    brought = tranche.bring_substitute(candidate_id, _substitute(session, line), by=by)
    receiving = brought.line(candidate_id).receiving_side
    return brought.decide_substitute(candidate_id, accept=True, by=receiving, decided_by=by)


def apply_closed_act(session: Session, actor: Actor, act: HandoverAct) -> TrancheClosure | None:
    """Record the act's kept lines on this node's manifest and close the tranche (the caller logs the
    closing); the closure, or None on a node without the agreement."""
    row = session.execute(select(AgreementRow).where(AgreementRow.content_hash == act.content_hash)).scalar()
    tranche_row = None if row is None else session.get(HandoverTrancheRow, (row.id, act.tranche - 1))
    if row is None or tranche_row is None:
        return None
    before = tranche = load_tranche(session, tranche_row)
    if tranche.closure is not None:
        return None
    by_number = {line.line_no: line for line in tranche.lines}
    effects = RegistryEffects(session, actor, row)
    effects.prefetch([line.candidate_id for line in tranche.lines])
    for line_no, kept in sorted(act.resolution.kept.items()):
        manifest_line = by_number[line_no]
        if manifest_line.state is not LineState.PENDING:
            continue  # recorded on this node already
        updated = _record(session, tranche, manifest_line.candidate_id, kept)
        for event in updated.events[len(tranche.events) :]:
            assert isinstance(event, LineRecorded)
            notified = effects.apply(updated.line(event.candidate_id), event.action)
            payload = {"agreement": row.id, "tranche": act.tranche, "line": event.line_no,
                       "person": event.candidate_id, "action": event.action.value, "state": event.state.value,
                       "act": act.hash, "notifications": notified}  # fmt: skip
            log_action(session, actor, ActionTag.HANDOVER_LINE, "handover_line",
                       f"{row.id}:{act.tranche}:{event.line_no}", payload)  # fmt: skip
        tranche = updated
    tranche = tranche.close(by=f"act {act.hash[:16]}, countersigned by both parties")
    save_tranche(session, tranche_row, before, tranche)
    refresh_record(session, actor, row)
    return tranche.closure
