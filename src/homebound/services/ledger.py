"""The public ledger: aggregates only (published counts per party and registry, published and reported
exchanges, the log head), never a person; and the live counts the mediator's desk shows (never public)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from homebound.core.log.keys import KeyRecord
from homebound.db.tables import LogHeadRow, OrganisationRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.checkpoints import CheckpointView, latest_final
from homebound.services.federation.tree_heads import WitnessedHead, witnessed_heads
from homebound.services.public_exchanges import ExchangeLedger, public_exchanges
from homebound.services.publication import published_registry_counts


@dataclass(frozen=True)
class PublicSummary:
    # Per party, its latest published counts: "<registry>_<status>" -> n, None when suppressed as small.
    parties: list[dict[str, Any]]
    log_size: int
    log_head: str
    # The newest checkpoint cosigned by every party, and the public keys that verify it: anyone can check
    # that the mediator and both parties vouch for the same log of this size and root.
    checkpoint: CheckpointView | None = None
    checkpoint_keys: list[KeyRecord] = field(default_factory=list)
    # Exchanges published from here and as publicly reported: by date, per side, category, mediator.
    exchanges: ExchangeLedger | None = None
    # On a federation node: each node's newest checkpoint witnessed here (this node's own, per witness,
    # and each peer's this node cosigned), with the notes and keys that check it offline.
    witnessed: list[WitnessedHead] = field(default_factory=list)
    min_count: int = 1  # published figures above zero and below it show as None


def live_counts(uows: UnitOfWorkFactory) -> list[dict[str, Any]]:
    """Counts per party, registry and status as they stand: for the mediator's desk, never the public."""
    with uows.reader() as uow:
        counts = uow.session.execute(
            select(OrganisationRow.code, PersonRow.registry_kind, PersonRow.status, func.count())
            .join(PersonRow, PersonRow.party_id == OrganisationRow.id)
            .group_by(OrganisationRow.code, PersonRow.registry_kind, PersonRow.status)
            .order_by(OrganisationRow.code)
        ).all()
    parties: dict[str, dict[str, Any]] = {}
    for code, registry, status, count in counts:
        parties.setdefault(code, {"party": code})[f"{registry}_{status}"] = int(count)
    return list(parties.values())


def public_summary(uows: UnitOfWorkFactory, *, min_count: int = 1) -> PublicSummary:
    with uows.reader() as uow:
        head = uow.session.execute(select(LogHeadRow).where(LogHeadRow.id == 1)).scalar_one()
    parties = published_registry_counts(uows, min_count=min_count)
    exchanges = public_exchanges(uows, min_count=min_count)
    final = latest_final(uows)
    witnessed = witnessed_heads(uows)
    if final is None:
        return PublicSummary(
            parties, head.seq, head.head_hash, exchanges=exchanges, witnessed=witnessed, min_count=min_count
        )
    return PublicSummary(
        parties, head.seq, head.head_hash, final[0], final[1], exchanges, witnessed, min_count=min_count
    )
