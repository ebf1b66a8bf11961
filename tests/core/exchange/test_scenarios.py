"""The issue's three acceptance scenarios at the pure level: compose, agree, hand over, reconcile."""

from __future__ import annotations

import random
from datetime import date

import pytest

from homebound.core.exchange.agreement import (
    AddPerson,
    Agreement,
    Participants,
    RemovePerson,
    ReplacePerson,
    Role,
)
from homebound.core.exchange.candidate import Candidate, PartialDate, Side, WillToReturn
from homebound.core.exchange.categories import AgeBand, AgeBandCategory, SeriouslyWoundedOrSick
from homebound.core.exchange.compose import DecisionCode, compose
from homebound.core.exchange.errors import FormulaNotKept, SupersededVersion
from homebound.core.exchange.formula import AllForAllInCategory, Basis, DeclaredRatio, ListedPerson, NForN
from homebound.core.exchange.handover import LineState, Substitute, Tranche
from homebound.core.exchange.manifest import plan_tranches, totals
from homebound.core.exchange.priority import PriorityOrder
from homebound.core.exchange.remains import IdentificationStatus, RemainsBatch
from homebound.core.exchange.terms import Terms, TrancheSpec
from homebound.core.exchange.versioning import ChangeKind

from .factories import person

SW = SeriouslyWoundedOrSick()


def pool(side: Side, size: int, wounded: int, seed: int, on: date) -> list[Candidate]:
    """Synthetic holdings: the first `wounded` seriously wounded, a few failing a gate."""
    rng = random.Random(seed)
    candidates = []
    for i in range(size):
        is_wounded = i < wounded
        candidates.append(
            person(
                f"{side.value}-{i:04d}",
                side,
                severity=rng.choice([2, 3]) if is_wounded else rng.choice([0, 0, 0, 1]),
                seriously_wounded=is_wounded,
                days=rng.randint(10, 1000),
                born=PartialDate(rng.randint(1965, 2004), rng.choice([None, rng.randint(1, 12)])),
                verified=rng.random() > 0.05,
                on=on,
            )
        )
    return candidates


def deliver_all(tranche: Tranche, by: str = "border officer") -> Tranche:
    for line in tranche.lines:
        if line.state is LineState.PENDING:
            tranche = tranche.deliver(line.candidate_id, identity_checked_by=by)
    return tranche


def conclude(agreement: Agreement) -> Agreement:
    number = agreement.latest.number
    return (
        agreement.accept(by=Role.PARTY_A, version=number, accepted_by="ombudsman A")
        .accept(by=Role.PARTY_B, version=number, accepted_by="ombudsman B")
        .conclude(by=Role.MEDIATOR)
    )


def test_8_january_2023_fifty_for_fifty_seriously_wounded_first() -> None:
    day = date(2023, 1, 8)
    pool_a, pool_b = pool(Side.A, 80, 12, 1, day), pool(Side.B, 70, 10, 2, day)
    terms = Terms(
        day,
        formulas=(NForN(),),
        max_persons=100,
        categories=(SW,),
        priority=PriorityOrder(categories=(SW.key,)),
    )
    composition = compose(terms, pool_a, pool_b)
    assert (len(composition.list_a), len(composition.list_b)) == (50, 50)
    for side, candidates in ((Side.A, pool_a), (Side.B, pool_b)):
        listed = {p.candidate_id for p in composition.listed(side)}
        wounded = {c.candidate_id for c in candidates if c.health.seriously_wounded_or_sick}
        eligible_wounded = {
            w for w in wounded if composition.decisions[w].code is not DecisionCode.OUT_NOT_ELIGIBLE
        }
        assert eligible_wounded <= listed  # every eligible seriously wounded person goes first
        head = [composition.decisions[p.candidate_id].priority_rank for p in composition.listed(side)[:3]]
        assert head == [1, 2, 3]

    agreement = Agreement("2023-01-08", Participants("Party A", "Party B", "Mediating State", "a crossing"))
    agreement = agreement.propose(
        by=Role.MEDIATOR, terms=terms, list_a=composition.list_a, list_b=composition.list_b
    )
    agreement = conclude(agreement)
    (tranche,) = plan_tranches(agreement.agreement_id, agreement.concluded_version)
    assert len(tranche.lines) == 100

    first_b = composition.list_b[0].candidate_id
    tranche = tranche.bring_substitute(
        first_b, Substitute("b-convict", description="an ordinary convict"), by="escort B"
    )
    tranche = tranche.decide_substitute(first_b, accept=False, by=Side.A, decided_by="officer A")
    tranche = tranche.deliver(first_b, identity_checked_by="officer A")  # the agreed person replaces him
    refusing = composition.list_a[7].candidate_id
    tranche = tranche.refuse(
        refusing, stays_with="a third state, under UNHCR", interviewed_by="ICRC delegate"
    )
    tranche = tranche.bring_substitute(
        refusing, Substitute("a-reserve", description="from the reserve list"), by="A"
    )
    tranche = tranche.decide_substitute(refusing, accept=True, by=Side.B, decided_by="officer B")
    tranche = deliver_all(tranche).close(by="mediator")

    assert tranche.closure is not None and tranche.closure.reconciled
    summary = totals([tranche], terms.parity)
    assert summary.received == {Side.A: 50, Side.B: 50}
    assert (summary.substitutions, summary.refusals) == (2, 1)
    assert summary.outcomes[LineState.SUBSTITUTE_ACCEPTED] == 1
    assert "UNHCR" in tranche.line(refusing).history[0].detail


def test_ankara_lists_of_800_and_200_with_forty_amendments() -> None:
    listed_a = tuple(ListedPerson(f"a-{i:03d}") for i in range(200))  # party B's request: held by A
    listed_b = tuple(ListedPerson(f"b-{i:03d}") for i in range(800))  # party A's request: held by B
    terms = Terms(date(2023, 1, 12), formulas=(DeclaredRatio(200, 800),))
    agreement = Agreement("ankara-2023", Participants("Party A", "Party B", "Ombudsmen's meeting", "Ankara"))
    agreement = agreement.propose(
        by=Role.MEDIATOR, terms=terms, list_a=listed_a, list_b=listed_b, note="lists exchanged"
    )
    reasons = ["already returned", "never reported missing", "a civilian not in custody"]
    amendments = (
        [RemovePerson(Side.B, f"b-{i:03d}", reasons[i % 3]) for i in range(15)]
        + [
            ReplacePerson(Side.B, f"b-{i:03d}", ListedPerson(f"b-{i:03d}-fixed"), "wrong date of birth")
            for i in range(100, 110)
        ]
        + [
            AddPerson(Side.A, ListedPerson(f"a-new-{i}"), "sought by family, confirmed held")
            for i in range(8)
        ]
        + [RemovePerson(Side.A, f"a-{i:03d}", "red line: under investigation") for i in range(7)]
    )
    for n, amendment in enumerate(amendments):
        author = (Role.PARTY_A, Role.PARTY_B, Role.MEDIATOR)[n % 3]
        agreement = agreement.amend(by=author, amendments=[amendment], note=f"amendment {n + 1}")
    assert len(agreement.versions) == 41
    assert all(len(v.changes) == 1 and v.changes[0].reason for v in agreement.versions[1:])
    assert (len(agreement.latest.list_a), len(agreement.latest.list_b)) == (201, 785)
    with pytest.raises(FormulaNotKept):  # the amended lists no longer match the declared 200 for 800
        agreement.accept(by=Role.PARTY_A, version=41, accepted_by="ombudsman A")

    agreement = agreement.counter_propose(
        by=Role.MEDIATOR,
        terms=Terms(date(2023, 1, 12), formulas=(DeclaredRatio(201, 785),)),
        list_a=agreement.latest.list_a,
        list_b=agreement.latest.list_b,
        note="package restated on the amended lists",
    )
    assert [(c.kind, c.field) for c in agreement.latest.changes] == [(ChangeKind.TERMS, "formulas")]
    with pytest.raises(SupersededVersion):
        agreement.accept(by=Role.PARTY_B, version=41, accepted_by="ombudsman B")
    agreement = conclude(agreement)
    assert agreement.conclusion is not None and agreement.conclusion.version == 42
    replaced = [c for v in agreement.versions for c in v.changes if c.kind is ChangeKind.REPLACED]
    assert len(replaced) == 10


def test_istanbul_2025_thousand_for_thousand_in_three_tranches() -> None:
    day = date(2025, 5, 23)
    young = AgeBandCategory("young", "young", AgeBand(18, 26, "18–25"), AgeBand(None, 25, "under 25"), Side.A)
    terms = Terms(
        day,
        formulas=(NForN(), AllForAllInCategory(SW.key)),
        max_persons=2000,
        categories=(SW, young),
        priority=PriorityOrder(categories=("young",)),
        tranches=(
            TrancheSpec(390, 390, date(2025, 5, 23)),
            TrancheSpec(307, 307, date(2025, 5, 24)),
            TrancheSpec(303, 303, date(2025, 5, 25)),
        ),
    )
    pool_a, pool_b = pool(Side.A, 1300, 40, 3, day), pool(Side.B, 1250, 25, 4, day)
    composition = compose(terms, pool_a, pool_b)
    assert composition.balance is not None and (composition.balance.a, composition.balance.b) == (1000, 1000)
    outside = {s: [p for p in composition.listed(s) if p.basis is Basis.ALL_FOR_ALL] for s in Side}
    wounded_a, wounded_b = len(outside[Side.A]), len(outside[Side.B])
    assert 0 < wounded_b < wounded_a <= 40  # all-for-all counts need not match

    agreement = Agreement("istanbul-2025", Participants("Party A", "Party B", "Mediating State", "Istanbul"))
    agreement = conclude(
        agreement.propose(by=Role.MEDIATOR, terms=terms, list_a=composition.list_a, list_b=composition.list_b)
    )
    tranches = plan_tranches(agreement.agreement_id, agreement.concluded_version)
    assert [len(t.lines) for t in tranches] == [780 + wounded_a + wounded_b, 614, 606]
    ranks = [
        composition.decisions[line.candidate_id].priority_rank
        for line in tranches[1].lines
        if line.releasing_side is Side.A
    ]
    first_day = [
        composition.decisions[line.candidate_id].priority_rank
        for line in tranches[0].lines
        if line.releasing_side is Side.A and line.basis is Basis.PARITY
    ]
    assert max(first_day) < min(r for r in ranks if r is not None)  # the highest priority travel first

    done = [deliver_all(t) for t in tranches]
    done[2] = (
        done[2]
        .receive_remains(RemainsBatch("rb-1", Side.B, 909, IdentificationStatus.IDENTIFIED))
        .receive_remains(RemainsBatch("rb-2", Side.B, 5100, IdentificationStatus.PENDING_DNA))
        .receive_remains(RemainsBatch("rb-3", Side.B, 48, IdentificationStatus.MIXED_REMAINS))
        .receive_remains(RemainsBatch("ra-1", Side.A, 78, IdentificationStatus.PENDING_DNA))
    )
    closed = [t.close(by="mediator") for t in done]
    assert all(t.closure is not None and t.closure.reconciled for t in closed)  # remains outside parity
    summary = totals(closed, terms.parity)
    assert summary.received == {Side.A: 1000 + wounded_a, Side.B: 1000 + wounded_b}
    assert summary.parity is not None and summary.parity.kept
    assert summary.remains[Side.B][IdentificationStatus.PENDING_DNA] == 5100
    assert sum(summary.remains[Side.A].values()) == 78
    assert summary.reconciled_tranches == summary.closed_tranches == 3

    later = closed[2].identify_remains("rb-2", IdentificationStatus.IDENTIFIED)
    assert later.remains_counts()[Side.B][IdentificationStatus.IDENTIFIED] == 909 + 5100


def test_a_refusal_before_composition_keeps_the_person_off_the_list() -> None:
    refusing = person("a-stays", Side.A, will=WillToReturn.REFUSED, stays_with="the holding state, by choice")
    terms = Terms(date(2023, 1, 8), formulas=(NForN(),))
    result = compose(terms, [refusing, person("a-1", Side.A)], [person("b-1", Side.B)])
    assert [p.candidate_id for p in result.list_a] == ["a-1"]
    assert result.decisions["a-stays"].text.endswith("stays with the holding state, by choice")
