"""Why each candidate is in or out of a composition: a machine code and a sentence for people.

Codes, ranks and bases are decided for every candidate at composition time (vectorised); the sentence is
rendered when a decision is read, so composing 40,000 candidates does not format 40,000 strings nobody reads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from homebound.core.exchange.candidate import MedicalSeverity, Side
from homebound.core.exchange.eligibility import ReasonCode
from homebound.core.exchange.formula import Basis, WeightedEquivalence
from homebound.core.exchange.pool import SIDES, BoolArray, IntArray, Pool
from homebound.core.exchange.selection import Places
from homebound.core.exchange.terms import Terms


class DecisionCode(StrEnum):
    IN_ALL_FOR_ALL = "in.all_for_all"
    IN_HUMANITARIAN = "in.humanitarian"
    IN_AMENDMENT = "in.amendment"
    IN_PRIORITY = "in.priority"
    OUT_NOT_ELIGIBLE = "out.not_eligible"
    OUT_AMENDMENT = "out.amendment"
    OUT_BELOW_CUTOFF = "out.below_cutoff"
    OUT_FORMULA = "out.formula"
    OUT_NO_PARITY = "out.no_parity"
    OUT_CATEGORY = "out.outside_category"  # the parity lists are drawn from one category only


CODES = tuple(DecisionCode)
_OUT_LABELS = {
    DecisionCode.OUT_NOT_ELIGIBLE: "not eligible",
    DecisionCode.OUT_AMENDMENT: "removed by amendment",
    DecisionCode.OUT_BELOW_CUTOFF: "below the cut-off (the other side has no one to match them)",
    DecisionCode.OUT_FORMULA: "left out by the formula's points",
    DecisionCode.OUT_NO_PARITY: "under no formula",
    DecisionCode.OUT_CATEGORY: "outside the parity category",
}
_GATE_LABELS = {
    ReasonCode.IDENTITY_UNVERIFIED: "identity not verified",
    ReasonCode.CUSTODY_UNCONFIRMED: "custody not confirmed",
    ReasonCode.WILL_NOT_CONFIRMED: "no will-to-return interview recorded",
    ReasonCode.REFUSED_REPATRIATION: "refused repatriation",
    ReasonCode.LEGAL_HOLD: "legal hold (Art. 119)",
    ReasonCode.RED_LINE: "a party's red line",
    ReasonCode.CAPTURED_AFTER_REFERENCE: "captured after the reference date",
}


@dataclass(frozen=True, slots=True)
class Decision:
    """Why one candidate is in or out of the proposed lists."""

    candidate_id: str
    side: Side
    code: DecisionCode
    text: str
    priority_rank: int | None  # 1-based among the side's eligible candidates
    basis: Basis | None  # set for those in

    @property
    def included(self) -> bool:
        return self.code.value.startswith("in.")


class Decisions(Mapping[str, Decision]):
    """Every candidate's decision, keyed by candidate id; read-only."""

    def __init__(
        self, terms: Terms, pool: Pool, codes: IntArray, places: Places, amendments: Mapping[str, str]
    ) -> None:
        self._terms, self._pool, self._codes, self._places = terms, pool, codes, places
        self._amendments = dict(amendments)
        self._index = {c.candidate_id: i for i, c in enumerate(pool.candidates)}
        self._labels = {c.key: c.label for c in terms.categories}
        parity_in = np.isin(
            codes, [CODES.index(DecisionCode.IN_AMENDMENT), CODES.index(DecisionCode.IN_PRIORITY)]
        )
        self._places_taken = tuple(int((parity_in & (pool.side == s)).sum()) for s in (0, 1))

    def __getitem__(self, candidate_id: str) -> Decision:
        i = self._index[candidate_id]
        code = CODES[int(self._codes[i])]
        rank = int(self._pool.rank[i]) or None
        included = code.value.startswith("in.")
        text = ("in: " if included else "out: ") + self._text(i, code)
        basis = self._pool.basis[i] if included else None
        return Decision(candidate_id, self._pool.candidates[i].side, code, text, rank, basis)

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def counts(self) -> dict[DecisionCode, int]:
        """How many candidates got each code."""
        values, counts = np.unique(self._codes, return_counts=True)
        return {CODES[int(v)]: int(n) for v, n in zip(values, counts, strict=True)}

    def why_nobody(self) -> str:
        """Why a composition lists no one: what kept each candidate out, gate by gate, counted."""
        if not self._index:
            return "no one is listed: both pools are empty (no held record is a candidate yet)"
        counts = self.counts()
        parts = [f"{n} {_OUT_LABELS.get(code, code.value)}" for code, n in sorted(counts.items())]
        gates: dict[str, int] = {}
        for decision in self._pool.reported.values():
            for reason in decision.blocking_reasons:
                label = _GATE_LABELS.get(reason.code, reason.code.value)
                gates[label] = gates.get(label, 0) + 1
        text = f"no one is listed among {len(self._index)} candidates: " + ", ".join(parts)
        if gates:
            text += "; gates not passed: " + ", ".join(f"{label} ({n})" for label, n in sorted(gates.items()))
        return text

    def _text(self, i: int, code: DecisionCode) -> str:
        pool, candidate = self._pool, self._pool.candidates[i]
        s, rank = int(pool.side[i]), int(pool.rank[i])
        of = f"priority rank {rank} of {pool.eligible_count[s]}"
        if code is DecisionCode.OUT_NOT_ELIGIBLE:
            return pool.eligibility(i).summary()
        if code in (DecisionCode.OUT_AMENDMENT, DecisionCode.IN_AMENDMENT):
            verb = "removed" if code is DecisionCode.OUT_AMENDMENT else "added"
            tail = "" if code is DecisionCode.OUT_AMENDMENT else f", {of}"
            return f"{verb} by amendment ({self._amendments[candidate.candidate_id]}){tail}"
        if code is DecisionCode.IN_ALL_FOR_ALL:
            category = next(f.category for f in self._terms.all_for_all if f.category in pool.categories[i])
            return f"all for all: {self._labels[category]}, {of}"
        if code is DecisionCode.IN_HUMANITARIAN:
            return f"humanitarian release by {candidate.side.value.upper()} outside parity, {of}"
        if code is DecisionCode.IN_PRIORITY:
            return f"{self._profile(i)}, {of}"
        return self._left_out(i, code)

    def _left_out(self, i: int, code: DecisionCode) -> str:
        pool, candidate = self._pool, self._pool.candidates[i]
        s, rank = int(pool.side[i]), int(pool.rank[i])
        if code is DecisionCode.OUT_NO_PARITY:
            return "no parity formula, and in no all-for-all or humanitarian release"
        if code is DecisionCode.OUT_CATEGORY:
            label = self._labels[str(self._terms.parity_category)]
            return f"not in the category the parity lists are drawn from ({label})"
        if code is DecisionCode.OUT_FORMULA:
            formula = self._terms.parity
            assert isinstance(formula, WeightedEquivalence)
            value = formula.points(candidate.rank_class)
            return f"formula: points exhausted ({candidate.rank_class}: {value} points; priority rank {rank})"
        note = self._places.notes[s] if self._places.targets is not None else ""
        return (
            f"below the cut-off for the {self._places_taken[s]} places of side {SIDES[s].value.upper()} "
            f"(priority rank {rank}){note}"
        )

    def _profile(self, i: int) -> str:
        candidate = self._pool.candidates[i]
        parts = [label for key, label in self._labels.items() if key in self._pool.categories[i]]
        if candidate.health.severity is not MedicalSeverity.NONE:
            parts.append(f"medical severity {candidate.health.severity.name.lower().replace('_', ' ')}")
        days = int(self._pool.days[i])
        if days:
            parts.append(f"{days} days in captivity")
        return ", ".join(parts) or "no priority criterion"


def decide(
    terms: Terms,
    pool: Pool,
    *,
    chosen: BoolArray,
    outside: BoolArray,
    forced_in: BoolArray,
    forced_out: BoolArray,
    off_category: BoolArray | None = None,
) -> IntArray:
    """The decision code of every candidate (as an index into CODES), in order of precedence."""
    code = np.full(len(pool.candidates), CODES.index(DecisionCode.OUT_BELOW_CUTOFF), dtype=np.int64)
    is_all_for_all = np.array([b is Basis.ALL_FOR_ALL for b in pool.basis], dtype=np.bool_)
    formula = terms.parity
    if formula is None:
        code[:] = CODES.index(DecisionCode.OUT_NO_PARITY)
    elif isinstance(formula, WeightedEquivalence):
        on_merit = chosen & ~forced_in
        for s in (0, 1):
            side = pool.side == s
            last = int(pool.rank[on_merit & side].max(initial=0))
            above_cutoff = side & ~chosen & ((pool.rank < last) | (last == 0))
            code[above_cutoff] = CODES.index(DecisionCode.OUT_FORMULA)
    # Later assignments take precedence over earlier ones.
    code[chosen] = CODES.index(DecisionCode.IN_PRIORITY)
    code[chosen & forced_in] = CODES.index(DecisionCode.IN_AMENDMENT)
    code[outside & ~is_all_for_all] = CODES.index(DecisionCode.IN_HUMANITARIAN)
    code[outside & is_all_for_all] = CODES.index(DecisionCode.IN_ALL_FOR_ALL)
    if off_category is not None:
        code[off_category & ~outside] = CODES.index(DecisionCode.OUT_CATEGORY)
    code[forced_out] = CODES.index(DecisionCode.OUT_AMENDMENT)
    code[~pool.eligible] = CODES.index(DecisionCode.OUT_NOT_ELIGIBLE)
    return code
