"""JSON documents for exchange aggregates: the inverses of `to_document`, and forms for what has none.

The service layer stores agreement versions, manifest lines and closures as JSON; these functions turn the
stored documents back into the same core values (constructors re-run their checks), so a stored concluded
version reproduces its content hash exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from homebound.core.exchange.agreement import (
    Acceptance,
    AgreementVersion,
    Conclusion,
    Role,
    VersionKind,
)
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.categories import category_from_document
from homebound.core.exchange.eligibility import (
    CustodyRule,
    EligibilityRules,
    LegalHoldOverride,
    RedLine,
)
from homebound.core.exchange.errors import InvalidTerms
from homebound.core.exchange.formula import (
    Balance,
    Basis,
    DeclaredRatio,
    ListedPerson,
    NForN,
    Unit,
    formula_from_document,
)
from homebound.core.exchange.handover import (
    LineAction,
    LineEvent,
    LineState,
    ManifestLine,
    Substitute,
    ThirdPartyCustody,
    TrancheClosure,
)
from homebound.core.exchange.priority import PriorityCriterion, PriorityOrder
from homebound.core.exchange.remains import IdentificationStatus, RemainsBatch
from homebound.core.exchange.terms import Terms, TrancheSpec
from homebound.core.exchange.versioning import Change, ChangeKind

Document = dict[str, Any]


def _date(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


# --- terms ----------------------------------------------------------------------------------------------


def terms_from_document(document: Mapping[str, Any]) -> Terms:
    """Inverse of `Terms.to_document`."""
    remains = document.get("remains_formula")
    remains_formula = None if remains is None else formula_from_document(remains)
    if remains_formula is not None and not isinstance(remains_formula, NForN | DeclaredRatio):
        raise InvalidTerms("remains are counted N for N or by a declared package", field="remains_formula")
    priority = document.get("priority") or {}
    criteria = priority.get("criteria")
    eligibility = document.get("eligibility") or {}
    reference = _date(document["reference_date"])
    assert reference is not None
    return Terms(
        reference_date=reference,
        formulas=tuple(formula_from_document(f) for f in document.get("formulas", ())),
        max_persons=document.get("max_persons"),
        categories=tuple(category_from_document(c) for c in document.get("categories", ())),
        priority=PriorityOrder(
            criteria=tuple(PriorityCriterion(c) for c in criteria) if criteria else PriorityOrder().criteria,
            categories=tuple(priority.get("categories", ())),
        ),
        tranches=tuple(
            TrancheSpec(int(t["a_count"]), int(t["b_count"]), _date(t.get("scheduled_on")))
            for t in document.get("tranches", ())
        ),
        outside_parity_tranche=int(document.get("outside_parity_tranche", 0)),
        eligibility=EligibilityRules(
            custody=CustodyRule(eligibility.get("custody", CustodyRule.EITHER.value)),
            require_confirmed_identity=bool(eligibility.get("require_confirmed_identity", True)),
            require_will_interview=bool(eligibility.get("require_will_interview", True)),
        ),
        red_lines=tuple(
            RedLine(Side(r["drawn_by"]), str(r["candidate_id"]), str(r["reason"]))
            for r in document.get("red_lines", ())
        ),
        legal_hold_overrides=tuple(
            LegalHoldOverride(str(o["candidate_id"]), str(o["reason"]), str(o["decided_by"]))
            for o in document.get("legal_hold_overrides", ())
        ),
        remains_formula=remains_formula,
        parity_category=document.get("parity_category"),
    )


# --- versions -------------------------------------------------------------------------------------------


def listed_from_document(document: Mapping[str, Any]) -> ListedPerson:
    return ListedPerson(
        str(document["candidate_id"]),
        str(document.get("rank_class", "private")),
        Basis(document.get("basis", Basis.PARITY.value)),
    )


def change_to_document(change: Change) -> Document:
    return {
        "kind": change.kind.value,
        "reason": change.reason,
        "side": None if change.side is None else change.side.value,
        "candidate_id": change.candidate_id,
        "replacement_id": change.replacement_id,
        "field": change.field,
    }


def change_from_document(document: Mapping[str, Any]) -> Change:
    side = document.get("side")
    return Change(
        ChangeKind(document["kind"]),
        str(document["reason"]),
        None if side is None else Side(side),
        document.get("candidate_id"),
        document.get("replacement_id"),
        document.get("field"),
    )


def version_from_document(
    document: Mapping[str, Any],
    *,
    kind: str,
    author: str,
    note: str,
    changes: Sequence[Mapping[str, Any]],
) -> AgreementVersion:
    """An agreement version from its stored `version_document` and the columns kept beside it."""
    return AgreementVersion(
        number=int(document["version"]),
        kind=VersionKind(kind),
        author=Role(author),
        terms=terms_from_document(document["terms"]),
        list_a=tuple(listed_from_document(p) for p in document["list_a"]),
        list_b=tuple(listed_from_document(p) for p in document["list_b"]),
        note=note,
        changes=tuple(change_from_document(c) for c in changes),
    )


def acceptance_of(role: str, version: int, accepted_by: str) -> Acceptance:
    return Acceptance(Role(role), version, accepted_by)


def conclusion_of(version: int, content_hash: str, concluded_by: str) -> Conclusion:
    return Conclusion(version, content_hash, Role(concluded_by))


# --- handover -------------------------------------------------------------------------------------------


def line_to_document(line: ManifestLine) -> Document:
    """What a manifest line carries beyond its identity: its substitute, custody, refusal and history."""
    substitute = line.substitute
    custody = line.third_party
    return {
        "substitute": None
        if substitute is None
        else {
            "candidate_id": substitute.candidate_id,
            "rank_class": substitute.rank_class,
            "description": substitute.description,
        },
        "third_party": None
        if custody is None
        else {
            "custodian": custody.custodian,
            "conditions": custody.conditions,
            "counts_toward_balance": custody.counts_toward_balance,
        },
        "refused": line.refused,
        "history": [
            {
                "action": e.action.value,
                "state": e.state.value,
                "by": e.by,
                "recorded_by": e.recorded_by,
                "detail": e.detail,
            }
            for e in line.history
        ],
    }


def line_from_document(
    line_no: int,
    candidate_id: str,
    releasing_side: str,
    rank_class: str,
    basis: str,
    state: str,
    document: Mapping[str, Any],
) -> ManifestLine:
    substitute = document.get("substitute")
    custody = document.get("third_party")
    return ManifestLine(
        line_no=line_no,
        candidate_id=candidate_id,
        releasing_side=Side(releasing_side),
        rank_class=rank_class,
        basis=Basis(basis),
        state=LineState(state),
        substitute=None
        if substitute is None
        else Substitute(
            str(substitute["candidate_id"]),
            str(substitute.get("rank_class", "private")),
            str(substitute.get("description", "")),
        ),
        third_party=None
        if custody is None
        else ThirdPartyCustody(
            str(custody["custodian"]), str(custody["conditions"]), bool(custody["counts_toward_balance"])
        ),
        refused=bool(document.get("refused", False)),
        history=tuple(
            LineEvent(
                LineAction(e["action"]),
                LineState(e["state"]),
                str(e["by"]),
                str(e["detail"]),
                str(e.get("recorded_by", "")),  # lines recorded before it was kept have none
            )
            for e in document.get("history", ())
        ),
    )


def balance_to_document(balance: Balance | None) -> Document | None:
    if balance is None:
        return None
    return {
        "unit": balance.unit.value,
        "a": balance.a,
        "b": balance.b,
        "target_a": balance.target_a,
        "target_b": balance.target_b,
        "kept": balance.kept,
        "explanation": balance.explanation,
        "kind": balance.kind,
        "left_out": balance.left_out,
    }


def balance_from_document(document: Mapping[str, Any] | None) -> Balance | None:
    if document is None:
        return None
    return Balance(
        Unit(document["unit"]),
        int(document["a"]),
        int(document["b"]),
        document.get("target_a"),
        document.get("target_b"),
        bool(document["kept"]),
        str(document["explanation"]),
        str(document.get("kind", "parity")),  # documents stored before the field was added
        int(document.get("left_out", 0)),
    )


def closure_to_document(closure: TrancheClosure) -> Document:
    return {
        "reconciled": closure.reconciled,
        "parity": balance_to_document(closure.parity),
        "remains": balance_to_document(closure.remains),
        "closed_by": closure.closed_by,
    }


def closure_from_document(document: Mapping[str, Any] | None) -> TrancheClosure | None:
    if document is None:
        return None
    return TrancheClosure(
        bool(document["reconciled"]),
        balance_from_document(document.get("parity")),
        balance_from_document(document.get("remains")),
        str(document["closed_by"]),
    )


def remains_from_columns(
    batch_id: str, releasing_side: str, count: int, status: str, note: str | None
) -> RemainsBatch:
    return RemainsBatch(batch_id, Side(releasing_side), count, IdentificationStatus(status), note or "")
