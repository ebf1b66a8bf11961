"""Manifests: splitting a concluded version into tranches, and totals over a whole exchange."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from homebound.core.exchange.agreement import AgreementVersion
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.errors import TrancheMismatch
from homebound.core.exchange.formula import (
    Balance,
    Basis,
    DeclaredRatio,
    ListedPerson,
    ParityFormula,
    balance,
)
from homebound.core.exchange.handover import LineState, ManifestLine, Tranche
from homebound.core.exchange.remains import IdentificationStatus, remains_counts
from homebound.core.exchange.terms import TrancheSpec


def plan_tranches(agreement_id: str, version: AgreementVersion) -> tuple[Tranche, ...]:
    """One tranche per agreed TrancheSpec (or a single one), parity lists cut in priority order; persons
    outside parity travel in the terms' `outside_parity_tranche`."""
    terms = version.terms
    parity = {side: version.parity_list(side) for side in Side}
    # Without agreed tranches, one handover of everything; it may move nobody under parity (remains only,
    # or only persons outside parity), which an agreed TrancheSpec may not.
    specs: Sequence[TrancheSpec | _Whole] = terms.tranches or (
        _Whole(len(parity[Side.A]), len(parity[Side.B])),
    )
    wanted = {Side.A: sum(s.a_count for s in specs), Side.B: sum(s.b_count for s in specs)}
    for side in Side:
        if wanted[side] != len(parity[side]):
            raise TrancheMismatch(
                f"tranches move {wanted[side]} from side {side}, the list holds {len(parity[side])}"
            )
    listed_ids = frozenset(p.candidate_id for side in Side for p in version.listed(side))
    cursor = {Side.A: 0, Side.B: 0}
    tranches = []
    for index, spec in enumerate(specs):
        persons: list[tuple[Side, ListedPerson]] = []
        for side, count in ((Side.A, spec.a_count), (Side.B, spec.b_count)):
            persons += [(side, p) for p in parity[side][cursor[side] : cursor[side] + count]]
            cursor[side] += count
        if index == (terms.outside_parity_tranche if terms.tranches else 0):
            persons += [
                (side, p) for side in Side for p in version.listed(side) if p.basis is not Basis.PARITY
            ]
        lines = tuple(
            ManifestLine(n, p.candidate_id, side, p.rank_class, p.basis)
            for n, (side, p) in enumerate(persons, 1)
        )
        formula = _tranche_formula(terms.parity, spec)
        tranches.append(Tranche(agreement_id, index, formula, lines, listed_ids, terms.remains_formula))
    return tuple(tranches)


@dataclass(frozen=True, slots=True)
class _Whole:
    """The single handover of an agreement without agreed tranches: the whole parity lists."""

    a_count: int
    b_count: int


def _tranche_formula(formula: ParityFormula | None, spec: TrancheSpec | _Whole) -> ParityFormula | None:
    if isinstance(formula, DeclaredRatio):
        return DeclaredRatio(spec.a_count, spec.b_count)
    return formula


@dataclass(frozen=True, slots=True)
class ExchangeTotals:
    """What a whole exchange amounted to, for the record and the public ledger's aggregates."""

    received: Mapping[Side, int]  # persons counted, by releasing side, all bases
    outcomes: Mapping[LineState, int]
    substitutions: int  # lines where someone not agreed was brought, accepted or not
    refusals: int
    parity: Balance | None
    remains: Mapping[Side, Mapping[IdentificationStatus, int]]
    reconciled_tranches: int
    closed_tranches: int


def totals(tranches: Sequence[Tranche], formula: ParityFormula | None) -> ExchangeTotals:
    """Totals over all tranches against the agreement's parity formula (not the per-tranche targets)."""
    lines = [line for tranche in tranches for line in tranche.lines]
    received = {side: sum(1 for ln in lines if ln.counted and ln.releasing_side is side) for side in Side}
    outcomes = dict.fromkeys(LineState, 0)
    for line in lines:
        outcomes[line.state] += 1
    substitutions = sum(1 for ln in lines if ln.substitute is not None)
    refusals = sum(1 for ln in lines if ln.refused)
    parity = None
    if formula is not None:
        counted = [ln for ln in lines if ln.counted and ln.basis is Basis.PARITY]
        per_side = [[_Rank(ln.counted_rank_class) for ln in counted if ln.releasing_side is s] for s in Side]
        parity = balance(formula, per_side[0], per_side[1])
    remains = remains_counts(b for tranche in tranches for b in tranche.remains)
    closed = [t for t in tranches if t.closure is not None]
    reconciled = sum(1 for t in closed if t.closure is not None and t.closure.reconciled)
    return ExchangeTotals(
        MappingProxyType(received),
        MappingProxyType(outcomes),
        substitutions,
        refusals,
        parity,
        MappingProxyType({side: MappingProxyType(counts) for side, counts in remains.items()}),
        reconciled,
        len(closed),
    )


@dataclass(frozen=True, slots=True)
class _Rank:
    rank_class: str
