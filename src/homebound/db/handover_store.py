"""Handover repository: tranche, manifest-line and remains rows to the core `Tranche` and back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from homebound.core.exchange.documents import (
    closure_from_document,
    closure_to_document,
    line_from_document,
    line_to_document,
    remains_from_columns,
)
from homebound.core.exchange.formula import (
    DeclaredRatio,
    NForN,
    ParityFormula,
    WeightedEquivalence,
    formula_from_document,
)
from homebound.core.exchange.handover import SETTLED, LineState, ManifestLine, Tranche
from homebound.core.exchange.terms import TrancheSpec
from homebound.db.bulk import bulk_insert
from homebound.db.exchange_tables import HandoverLineRow, HandoverTrancheRow, RemainsBatchRow
from homebound.db.tables import utcnow

OPEN, CLOSED = "open", "closed"
# A line in one of these states has a person who crossed; neither state changes again once reached.
CROSSED = frozenset({LineState.DELIVERED, LineState.SUBSTITUTE_ACCEPTED})


def _formulas_document(tranche: Tranche) -> dict[str, Any]:
    parity, remains = tranche.formula, tranche.remains_formula
    return {
        "parity": None if parity is None else parity.to_document(),
        "remains": None if remains is None else remains.to_document(),
    }


def _parity(document: Mapping[str, Any] | None) -> ParityFormula | None:
    if document is None:
        return None
    formula = formula_from_document(document)
    assert isinstance(formula, NForN | DeclaredRatio | WeightedEquivalence)
    return formula


def _remains(document: Mapping[str, Any] | None) -> NForN | DeclaredRatio | None:
    if document is None:
        return None
    formula = formula_from_document(document)
    assert isinstance(formula, NForN | DeclaredRatio)
    return formula


def line_columns(agreement_id: str, index: int, line: ManifestLine) -> dict[str, Any]:
    return {
        "agreement_id": agreement_id,
        "tranche_index": index,
        "line_no": line.line_no,
        "candidate_id": line.candidate_id,
        "releasing_side": line.releasing_side.value,
        "rank_class": line.rank_class,
        "basis": line.basis.value,
        "state": line.state.value,
        "detail": line_to_document(line),
        "updated_at": utcnow(),
    }


def insert_tranches(session: Session, tranches: Sequence[Tranche], specs: Sequence[TrancheSpec]) -> None:
    """The planned tranches of a concluded agreement with their manifests, every line pending."""
    for tranche in tranches:
        spec = specs[tranche.index] if tranche.index < len(specs) else None
        session.add(
            HandoverTrancheRow(
                agreement_id=tranche.agreement_id,
                tranche_index=tranche.index,
                scheduled_on=None if spec is None else spec.scheduled_on,
                formulas=_formulas_document(tranche),
                state=OPEN,
                closure=None,
            )
        )
    session.flush()
    rows = [line_columns(t.agreement_id, t.index, line) for t in tranches for line in t.lines]
    bulk_insert(session, HandoverLineRow.__table__, rows)  # type: ignore[arg-type]


def tranche_rows(session: Session, agreement_id: str) -> list[HandoverTrancheRow]:
    return list(
        session.execute(
            select(HandoverTrancheRow)
            .where(HandoverTrancheRow.agreement_id == agreement_id)
            .order_by(HandoverTrancheRow.tranche_index)
        ).scalars()
    )


def listed_ids(session: Session, agreement_id: str) -> frozenset[str]:
    """Everyone on the agreed lists: the manifests of all tranches together."""
    return frozenset(
        session.execute(
            select(HandoverLineRow.candidate_id).where(HandoverLineRow.agreement_id == agreement_id)
        ).scalars()
    )


def on_open_manifest(session: Session, person_ids: Sequence[str]) -> frozenset[str]:
    """Those of `person_ids` listed on a manifest line not yet settled: only the handover moves them."""
    if not person_ids:
        return frozenset()
    return frozenset(
        session.execute(
            select(HandoverLineRow.candidate_id).where(
                HandoverLineRow.candidate_id.in_(list(person_ids)),
                HandoverLineRow.state.not_in([state.value for state in SETTLED]),
            )
        ).scalars()
    )


def load_tranche(session: Session, row: HandoverTrancheRow, listed: frozenset[str] | None = None) -> Tranche:
    lines = session.execute(
        select(HandoverLineRow)
        .where(
            HandoverLineRow.agreement_id == row.agreement_id,
            HandoverLineRow.tranche_index == row.tranche_index,
        )
        .order_by(HandoverLineRow.line_no)
    ).scalars()
    remains = session.execute(
        select(RemainsBatchRow)
        .where(
            RemainsBatchRow.agreement_id == row.agreement_id,
            RemainsBatchRow.tranche_index == row.tranche_index,
        )
        .order_by(RemainsBatchRow.created_at, RemainsBatchRow.batch_id)
    ).scalars()
    return Tranche(
        agreement_id=row.agreement_id,
        index=row.tranche_index,
        formula=_parity(row.formulas.get("parity")),
        lines=tuple(
            line_from_document(
                r.line_no, r.candidate_id, r.releasing_side, r.rank_class, r.basis, r.state, r.detail
            )
            for r in lines
        ),
        listed_ids=listed if listed is not None else listed_ids(session, row.agreement_id),
        remains_formula=_remains(row.formulas.get("remains")),
        remains=tuple(
            remains_from_columns(r.batch_id, r.releasing_side, r.count, r.status, r.note) for r in remains
        ),
        closure=closure_from_document(row.closure),
    )


def save_tranche(session: Session, row: HandoverTrancheRow, before: Tranche, after: Tranche) -> None:
    """Write the lines, remains batches and closure that changed between two states of one tranche."""
    now = utcnow()
    changed = [
        {
            "agreement_id": row.agreement_id,
            "tranche_index": row.tranche_index,
            "line_no": new.line_no,
            "state": new.state.value,
            "detail": line_to_document(new),
            "updated_at": now,
            # Stamped when the line reaches a crossed state: the time the person crossed, not the plan's.
            "crossed_at": now if new.state in CROSSED else None,
        }
        for old, new in zip(before.lines, after.lines, strict=True)
        if new is not old
    ]
    if changed:  # an ORM bulk UPDATE by primary key: one executemany for a whole bus of deliveries
        session.execute(update(HandoverLineRow), changed)
    _save_remains(session, row, before, after, now)
    if after.closure is not None and before.closure is None:
        row.state = CLOSED
        row.closure = closure_to_document(after.closure)
        row.reconciled = after.closure.reconciled
        row.imbalance = after.closure.imbalance
        row.closed_at = now
    session.flush()


def _save_remains(
    session: Session, row: HandoverTrancheRow, before: Tranche, after: Tranche, now: dt.datetime
) -> None:
    known = {b.batch_id: b for b in before.remains}
    for batch in after.remains:
        previous = known.get(batch.batch_id)
        if previous is None:
            session.add(
                RemainsBatchRow(
                    agreement_id=row.agreement_id,
                    tranche_index=row.tranche_index,
                    batch_id=batch.batch_id,
                    releasing_side=batch.releasing_side.value,
                    count=batch.count,
                    status=batch.status.value,
                    note=batch.note or None,
                    created_at=now,
                    updated_at=now,
                )
            )
        elif previous != batch:
            session.execute(
                update(RemainsBatchRow)
                .where(
                    RemainsBatchRow.agreement_id == row.agreement_id,
                    RemainsBatchRow.tranche_index == row.tranche_index,
                    RemainsBatchRow.batch_id == batch.batch_id,
                )
                .values(status=batch.status.value, updated_at=now)
            )
