"""The public ledger: aggregates only (counts per party and registry, the log head), never a person."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from homebound.db.tables import LogHeadRow, OrganisationRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory


@dataclass(frozen=True)
class PublicSummary:
    parties: list[dict[str, int | str]]
    log_size: int
    log_head: str


def public_summary(uows: UnitOfWorkFactory) -> PublicSummary:
    with uows.reader() as uow:
        counts = uow.session.execute(
            select(OrganisationRow.code, PersonRow.registry_kind, PersonRow.status, func.count())
            .join(PersonRow, PersonRow.party_id == OrganisationRow.id)
            .group_by(OrganisationRow.code, PersonRow.registry_kind, PersonRow.status)
            .order_by(OrganisationRow.code)
        ).all()
        head = uow.session.execute(select(LogHeadRow).where(LogHeadRow.id == 1)).scalar_one()
    parties: dict[str, dict[str, int | str]] = {}
    for code, registry, status, count in counts:
        entry = parties.setdefault(code, {"party": code})
        key = f"{registry}_{status}"
        entry[key] = int(count)
    return PublicSummary(list(parties.values()), head.seq, head.head_hash)
