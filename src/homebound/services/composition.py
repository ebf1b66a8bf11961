"""Composing the lists from both parties' eligible pools: the core MILP over held records, recorded as a
version of kind `composition`, with every candidate's reason for being in or out, stored with it. A
composition that lists no one says why, and is kept unshared whatever was asked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, Permission
from homebound.core.errors import PermissionDenied
from homebound.core.exchange.agreement import Agreement, Role
from homebound.core.exchange.compose import Composition, Method, compose
from homebound.core.exchange.documents import balance_to_document
from homebound.core.exchange.terms import Terms
from homebound.db.bulk import bulk_insert
from homebound.db.composition_tables import CompositionDecisionRow
from homebound.db.exchange_tables import AgreementRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.agreement_views import VersionView
from homebound.services.agreements import new_version
from homebound.services.candidates import load_pools
from homebound.services.exchange_access import load_agreement_row, require

DecisionFilter = Literal["all", "included", "excluded", "none"]


@dataclass(frozen=True)
class CompositionView:
    version: VersionView
    method: str
    objective: int
    balance: dict[str, Any] | None
    counts: dict[str, int]  # candidates per decision code
    pools: dict[str, int]
    eligible: dict[str, int]
    decisions: list[dict[str, Any]]
    empty_reason: str | None  # why no one is listed, when no one is


def _decision_documents(composition: Composition) -> list[dict[str, Any]]:
    return [
        {
            "candidate_id": decision.candidate_id,
            "side": decision.side.value,
            "code": decision.code.value,
            "text": decision.text,
            "priority_rank": decision.priority_rank,
            "basis": None if decision.basis is None else decision.basis.value,
        }
        for decision in composition.decisions.values()
    ]


def _wanted(document: Mapping[str, Any], which: DecisionFilter) -> bool:
    included = str(document["code"]).startswith("in.")
    return which == "all" or (which == "included") == included


def compose_version(
    uows: UnitOfWorkFactory,
    actor: Actor,
    agreement_id: str,
    terms: Terms,
    *,
    added: Mapping[str, str] | None = None,
    removed: Mapping[str, str] | None = None,
    method: Method = Method.AUTO,
    note: str = "",
    share: bool = False,
    expected_version: int | None = None,
    decisions: DecisionFilter = "all",
) -> CompositionView:
    """The mediator composes both lists under `terms` (amendments force persons in or out, with reasons)
    and records them as the next version."""
    found: list[tuple[Composition, int, int]] = []

    def build(session: Session, row: AgreementRow, seat: Role, agreement: Agreement) -> Agreement:
        if seat is not Role.MEDIATOR:
            raise PermissionDenied("only the mediator composes from both parties' pools")
        pool_a, pool_b = load_pools(session, row)
        composition = compose(terms, pool_a, pool_b, added=added, removed=removed, method=method)
        found.append((composition, len(pool_a), len(pool_b)))
        text = note or f"composed from the eligible pools ({composition.method.value})"
        updated = agreement.compose(
            by=seat, terms=terms, list_a=composition.list_a, list_b=composition.list_b, note=text
        )
        keep_decisions(session, row.id, updated.latest.number, _decision_documents(composition))
        return updated

    def lists_no_one(updated: Agreement) -> bool:  # an empty composition is kept, never shared
        return not (updated.latest.list_a or updated.latest.list_b)

    version = new_version(uows, actor, agreement_id, "compose", build, share=share,
                          expected_version=expected_version, withhold=lists_no_one)  # fmt: skip
    composition, size_a, size_b = found[0]
    documents = _decision_documents(composition)
    empty = not (composition.list_a or composition.list_b)
    return CompositionView(
        version=version,
        method=composition.method.value,
        objective=composition.objective,
        balance=balance_to_document(composition.balance),
        counts={code.value: n for code, n in composition.decisions.counts().items()},
        pools={"a": size_a, "b": size_b},
        eligible={
            side: sum(1 for d in documents if d["side"] == side and d["priority_rank"]) for side in ("a", "b")
        },
        decisions=[] if decisions == "none" else [d for d in documents if _wanted(d, decisions)],
        empty_reason=composition.decisions.why_nobody() if empty else None,
    )


def keep_decisions(
    session: Session, agreement_id: str, version: int, documents: list[dict[str, Any]]
) -> None:
    """Every candidate's reason, stored with the version it explains (mediator-only rows)."""
    rows = [{"agreement_id": agreement_id, "version": version, **document} for document in documents]
    bulk_insert(session, CompositionDecisionRow.__table__, rows)  # type: ignore[arg-type]


def stored_decisions(
    uows: UnitOfWorkFactory, actor: Actor, agreement_id: str, version: int
) -> list[dict[str, Any]]:
    """The reasons kept with a composed version, for the mediator."""
    with uows.reader() as uow:
        session = uow.session
        row, seat = load_agreement_row(session, actor, agreement_id)
        require(actor, seat, row, None, Permission.ANY_AGREEMENT_READ, "read a composition's reasons")
        found = session.execute(
            select(CompositionDecisionRow)
            .where(CompositionDecisionRow.agreement_id == row.id, CompositionDecisionRow.version == version)
            .order_by(
                CompositionDecisionRow.side, CompositionDecisionRow.code, CompositionDecisionRow.priority_rank
            )
        ).scalars()
        return [
            {"candidate_id": d.candidate_id, "side": d.side, "code": d.code, "text": d.text,
             "priority_rank": d.priority_rank, "basis": d.basis}
            for d in found
        ]  # fmt: skip
