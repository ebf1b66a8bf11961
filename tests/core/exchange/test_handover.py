"""Handover: the line state table, substitutions, refusals, third-party custody, live balance, remains."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from homebound.core.exchange.candidate import Side
from homebound.core.exchange.errors import (
    DuplicateRemainsBatch,
    IllegalTransition,
    MissingDetail,
    NotOnManifest,
    NotReceivingParty,
    SubstituteAlreadyListed,
    TrancheClosed,
    TrancheNotSettled,
    UnknownRemainsBatch,
)
from homebound.core.exchange.formula import Basis, NForN, ParityFormula, WeightedEquivalence
from homebound.core.exchange.handover import (
    TRANSITIONS,
    LineAction,
    LineRecorded,
    LineState,
    ManifestLine,
    Substitute,
    ThirdPartyCustody,
    Tranche,
    TrancheClosedEvent,
)
from homebound.core.exchange.remains import IdentificationStatus, RemainsBatch

S, A = LineState, LineAction
TURKEY_TERMS = ThirdPartyCustody("a mediating state", "held there until the end of the war")


def tranche(
    a_ranks: list[str] | None = None,
    b_ranks: list[str] | None = None,
    formula: ParityFormula | None = None,
    remains_formula: NForN | None = None,
) -> Tranche:
    a_ranks = ["private"] * 3 if a_ranks is None else a_ranks
    b_ranks = ["private"] * 3 if b_ranks is None else b_ranks
    persons = [(Side.A, f"a{i}", r) for i, r in enumerate(a_ranks)] + [
        (Side.B, f"b{i}", r) for i, r in enumerate(b_ranks)
    ]
    lines = tuple(
        ManifestLine(n, cid, side, rank, Basis.PARITY) for n, (side, cid, rank) in enumerate(persons, 1)
    )
    return Tranche(
        "ag-1",
        0,
        formula or NForN(),
        lines,
        frozenset(cid for _, cid, _ in persons),
        remains_formula=remains_formula,
    )


Step = Callable[[Tranche, str], Tranche]
STEPS: dict[LineAction, Step] = {
    A.DELIVER: lambda t, c: t.deliver(c, identity_checked_by="border officer B"),
    A.BRING_SUBSTITUTE: lambda t, c: t.bring_substitute(
        c, Substitute(f"sub-{len(t.events)}", description="not agreed"), by="escort A"
    ),
    A.ACCEPT_SUBSTITUTE: lambda t, c: t.decide_substitute(c, accept=True, by=Side.B, decided_by="B"),
    A.REJECT_SUBSTITUTE: lambda t, c: t.decide_substitute(c, accept=False, by=Side.B, decided_by="B"),
    A.REFUSE: lambda t, c: t.refuse(
        c, stays_with="a neutral state under UNHCR", interviewed_by="ICRC delegate"
    ),
    A.NOT_DELIVER: lambda t, c: t.not_delivered(c, reason="in hospital, cannot travel", by="escort A"),
    A.HAND_TO_THIRD_PARTY: lambda t, c: t.hand_to_third_party(c, TURKEY_TERMS, by="escort A"),
}
PATHS: dict[LineState, list[LineAction]] = {
    S.PENDING: [],
    S.DELIVERED: [A.DELIVER],
    S.SUBSTITUTE_PROPOSED: [A.BRING_SUBSTITUTE],
    S.SUBSTITUTE_ACCEPTED: [A.BRING_SUBSTITUTE, A.ACCEPT_SUBSTITUTE],
    S.SUBSTITUTE_REJECTED: [A.BRING_SUBSTITUTE, A.REJECT_SUBSTITUTE],
    S.REFUSED: [A.REFUSE],
    S.NOT_DELIVERED: [A.NOT_DELIVER],
    S.THIRD_PARTY_CUSTODY: [A.HAND_TO_THIRD_PARTY],
}
ALLOWED = {
    (S.PENDING, A.DELIVER): S.DELIVERED,
    (S.PENDING, A.BRING_SUBSTITUTE): S.SUBSTITUTE_PROPOSED,
    (S.PENDING, A.REFUSE): S.REFUSED,
    (S.PENDING, A.NOT_DELIVER): S.NOT_DELIVERED,
    (S.PENDING, A.HAND_TO_THIRD_PARTY): S.THIRD_PARTY_CUSTODY,
    (S.SUBSTITUTE_PROPOSED, A.ACCEPT_SUBSTITUTE): S.SUBSTITUTE_ACCEPTED,
    (S.SUBSTITUTE_PROPOSED, A.REJECT_SUBSTITUTE): S.SUBSTITUTE_REJECTED,
    (S.SUBSTITUTE_REJECTED, A.DELIVER): S.DELIVERED,
    (S.SUBSTITUTE_REJECTED, A.BRING_SUBSTITUTE): S.SUBSTITUTE_PROPOSED,
    (S.SUBSTITUTE_REJECTED, A.REFUSE): S.REFUSED,
    (S.SUBSTITUTE_REJECTED, A.NOT_DELIVER): S.NOT_DELIVERED,
    (S.SUBSTITUTE_REJECTED, A.HAND_TO_THIRD_PARTY): S.THIRD_PARTY_CUSTODY,
    (S.REFUSED, A.BRING_SUBSTITUTE): S.SUBSTITUTE_PROPOSED,
    (S.NOT_DELIVERED, A.BRING_SUBSTITUTE): S.SUBSTITUTE_PROPOSED,
}


def reach(state: LineState) -> Tranche:
    current = tranche()
    for action in PATHS[state]:
        current = STEPS[action](current, "a0")
    assert current.line("a0").state is state
    return current


def test_the_table_is_the_one_we_mean() -> None:
    assert dict(TRANSITIONS) == ALLOWED


@pytest.mark.parametrize(("state", "action"), [(s, a) for s in LineState for a in LineAction])
def test_every_state_and_action(state: LineState, action: LineAction) -> None:
    before = reach(state)
    if (state, action) in ALLOWED:
        after = STEPS[action](before, "a0")
        assert after.line("a0").state is ALLOWED[state, action]
        assert after.events[-1] == LineRecorded(
            "ag-1", 0, 1, "a0", action, ALLOWED[state, action], after.line("a0").history[-1].detail
        )
    else:
        with pytest.raises(IllegalTransition):
            STEPS[action](before, "a0")


def test_delivering_a_person_not_on_the_manifest() -> None:
    with pytest.raises(NotOnManifest):
        tranche().deliver("stranger", identity_checked_by="border officer")


def test_a_refusal_is_never_overridden_by_a_delivery() -> None:
    refused = STEPS[A.REFUSE](tranche(), "a0")
    rejected = STEPS[A.REJECT_SUBSTITUTE](STEPS[A.BRING_SUBSTITUTE](refused, "a0"), "a0")
    assert rejected.line("a0").state is S.SUBSTITUTE_REJECTED
    with pytest.raises(IllegalTransition, match="against their will"):
        rejected.deliver("a0", identity_checked_by="border officer")


def test_only_the_receiving_party_decides_on_a_substitute() -> None:
    brought = STEPS[A.BRING_SUBSTITUTE](tranche(), "a0")
    with pytest.raises(NotReceivingParty):
        brought.decide_substitute("a0", accept=True, by=Side.A, decided_by="A")


def test_a_listed_person_is_not_a_substitute() -> None:
    with pytest.raises(SubstituteAlreadyListed):
        tranche().bring_substitute("a0", Substitute("a1"), by="escort A")


@pytest.mark.parametrize(
    "action",
    [
        lambda t: t.deliver("a0", identity_checked_by=" "),
        lambda t: t.refuse("a0", stays_with="", interviewed_by="ICRC"),
        lambda t: t.refuse("a0", stays_with="a neutral state", interviewed_by=""),
        lambda t: t.not_delivered("a0", reason="", by="escort"),
        lambda t: t.hand_to_third_party("a0", ThirdPartyCustody("a mediating state", ""), by="escort"),
    ],
)
def test_outcomes_carry_their_details(action) -> None:
    with pytest.raises(MissingDetail):
        action(tranche())


def test_a_person_counts_only_once_received() -> None:
    current = tranche()
    balance = current.balance()
    assert balance is not None and (balance.a, balance.b, balance.kept) == (0, 0, True)
    current = STEPS[A.DELIVER](current, "a0")
    current = STEPS[A.BRING_SUBSTITUTE](current, "a1")  # brought, not yet accepted: does not count
    balance = current.balance()
    assert balance is not None and (balance.a, balance.b, balance.kept) == (1, 0, False)
    current = STEPS[A.ACCEPT_SUBSTITUTE](current, "a1")
    current = current.hand_to_third_party(
        "a2", ThirdPartyCustody("a mediating state", "until the war ends", False), by="A"
    )
    current = current.deliver("b0", identity_checked_by="A").deliver("b1", identity_checked_by="A")
    balance = current.balance()
    assert balance is not None and (balance.a, balance.b, balance.kept) == (2, 2, True)


def test_substitutes_count_by_their_own_rank_class() -> None:
    current = tranche(["colonel_or_navy_captain"], ["private"] * 15, formula=WeightedEquivalence())
    for i in range(15):
        current = current.deliver(f"b{i}", identity_checked_by="A")
    current = current.bring_substitute("a0", Substitute("s1", "lieutenant_or_ensign", "a lieutenant"), by="B")
    current = current.decide_substitute("a0", accept=True, by=Side.B, decided_by="B")
    closed = current.close(by="mediator")
    assert closed.closure is not None
    assert not closed.closure.reconciled
    assert closed.closure.imbalance == 4 - 15  # points: a lieutenant is worth four privates, not fifteen


def test_close_requires_settled_lines_then_freezes() -> None:
    current = STEPS[A.BRING_SUBSTITUTE](tranche(), "a0")
    with pytest.raises(TrancheNotSettled, match="a0"):
        current.close(by="mediator")
    for cid in ["a1", "a2", "b0", "b1", "b2"]:
        current = current.deliver(cid, identity_checked_by="checker")
    current = STEPS[A.REJECT_SUBSTITUTE](current, "a0")
    current = current.deliver("a0", identity_checked_by="checker")  # the agreed person comes after all
    closed = current.close(by="mediator")
    assert closed.closure is not None and closed.closure.reconciled
    assert closed.events[-1] == TrancheClosedEvent("ag-1", 0, True, 0)
    substitution = closed.line("a0")
    assert [e.action for e in substitution.history] == [A.BRING_SUBSTITUTE, A.REJECT_SUBSTITUTE, A.DELIVER]
    assert substitution.substitute is not None  # the rejected substitute stays visible
    with pytest.raises(TrancheClosed):
        closed.not_delivered("a1", reason="late", by="x")
    with pytest.raises(TrancheClosed):
        closed.receive_remains(RemainsBatch("r1", Side.A, 3))


def test_a_tranche_closes_with_its_imbalance_recorded() -> None:
    current = tranche()
    for cid in ["a0", "a1", "b0", "b1", "b2"]:
        current = current.deliver(cid, identity_checked_by="checker")
    current = current.not_delivered("a2", reason="died in captivity on 2 January", by="escort A")
    closed = current.close(by="mediator")
    assert closed.closure is not None
    assert (closed.closure.reconciled, closed.closure.imbalance) == (False, -1)


def test_remains_counts_by_side_and_status_outside_parity() -> None:
    current = tranche([], [])
    current = current.receive_remains(RemainsBatch("r-b1", Side.B, 757, IdentificationStatus.PENDING_DNA))
    current = current.receive_remains(RemainsBatch("r-b2", Side.B, 12, IdentificationStatus.MIXED_REMAINS))
    current = current.receive_remains(RemainsBatch("r-a1", Side.A, 34, IdentificationStatus.IDENTIFIED))
    with pytest.raises(DuplicateRemainsBatch):
        current.receive_remains(RemainsBatch("r-a1", Side.A, 1))
    closed = current.close(by="mediator")
    assert closed.closure is not None and closed.closure.reconciled  # remains not bound to parity
    identified = closed.identify_remains("r-b1", IdentificationStatus.IDENTIFIED)  # DNA results, weeks later
    counts = identified.remains_counts()
    assert counts[Side.B] == {
        IdentificationStatus.PENDING_DNA: 0,
        IdentificationStatus.IDENTIFIED: 757,
        IdentificationStatus.MIXED_REMAINS: 12,
    }
    assert counts[Side.A][IdentificationStatus.IDENTIFIED] == 34
    with pytest.raises(UnknownRemainsBatch):
        closed.identify_remains("r-zz", IdentificationStatus.IDENTIFIED)


def test_remains_bound_to_parity_when_agreed() -> None:
    current = tranche([], [], remains_formula=NForN())
    current = current.receive_remains(RemainsBatch("r-b1", Side.B, 757)).receive_remains(
        RemainsBatch("r-a1", Side.A, 34)
    )
    closed = current.close(by="mediator")
    assert closed.closure is not None and not closed.closure.reconciled
    assert closed.closure.remains is not None and closed.closure.remains.difference == 34 - 757


def test_a_remains_batch_holds_somebody() -> None:
    with pytest.raises(MissingDetail):
        RemainsBatch("r", Side.A, 0)
