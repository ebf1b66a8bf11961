"""The public ledger: aggregates only (counts per party and registry, the log head), never a person."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from homebound.core.log.keys import KeyRecord
from homebound.core.persons import Status
from homebound.db.tables import LogHeadRow, OrganisationRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.checkpoints import CheckpointView, latest_final
from homebound.services.exchange_ledger import ExchangeLedger, public_exchanges
from homebound.services.federation.tree_heads import WitnessedHead, witnessed_heads


@dataclass(frozen=True)
class PublicSummary:
    parties: list[dict[str, int | str]]
    log_size: int
    log_head: str
    # The newest checkpoint cosigned by every party, and the public keys that verify it: anyone can check
    # that the mediator and both parties vouch for the same log of this size and root.
    checkpoint: CheckpointView | None = None
    checkpoint_keys: list[KeyRecord] = field(default_factory=list)
    # Exchanges recorded here and as publicly reported: by date, per side, category, mediator, cumulative.
    exchanges: ExchangeLedger | None = None
    # On a federation node: each node's newest checkpoint witnessed here (this node's own, per witness,
    # and each peer's this node cosigned), with the notes and keys that check it offline.
    witnessed: list[WitnessedHead] = field(default_factory=list)


def public_summary(uows: UnitOfWorkFactory) -> PublicSummary:
    with uows.reader() as uow:
        counts = uow.session.execute(
            select(OrganisationRow.code, PersonRow.registry_kind, PersonRow.status, func.count())
            .join(PersonRow, PersonRow.party_id == OrganisationRow.id)
            # A death is told to the family through its inquiry, never by a public count (issue 17).
            .where(PersonRow.status != Status.DECEASED.value)
            .group_by(OrganisationRow.code, PersonRow.registry_kind, PersonRow.status)
            .order_by(OrganisationRow.code)
        ).all()
        head = uow.session.execute(select(LogHeadRow).where(LogHeadRow.id == 1)).scalar_one()
    parties: dict[str, dict[str, int | str]] = {}
    for code, registry, status, count in counts:
        entry = parties.setdefault(code, {"party": code})
        key = f"{registry}_{status}"
        entry[key] = int(count)
    final = latest_final(uows)
    exchanges = public_exchanges(uows)
    witnessed = witnessed_heads(uows)
    if final is None:
        return PublicSummary(list(parties.values()), head.seq, head.head_hash, exchanges=exchanges,
                             witnessed=witnessed)  # fmt: skip
    return PublicSummary(list(parties.values()), head.seq, head.head_hash, final[0], final[1], exchanges,
                         witnessed)  # fmt: skip
