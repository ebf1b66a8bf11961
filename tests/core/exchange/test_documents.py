"""Stored documents come back as the same core values: terms, versions (same content hash), lines, closures;
written ranks map to the points table's rank classes."""

from __future__ import annotations

import json
from datetime import date

import pytest

from homebound.core.exchange.agreement import (
    Agreement,
    Participants,
    RemovePerson,
    Role,
    content_hash,
    version_document,
)
from homebound.core.exchange.candidate import SeriousBasis, Side
from homebound.core.exchange.categories import (
    AgeBand,
    AgeBandCategory,
    Civilians,
    LongCaptivity,
    SeriouslyWoundedOrSick,
)
from homebound.core.exchange.documents import (
    change_from_document,
    change_to_document,
    closure_from_document,
    closure_to_document,
    line_from_document,
    line_to_document,
    terms_from_document,
    version_from_document,
)
from homebound.core.exchange.eligibility import CustodyRule, EligibilityRules, LegalHoldOverride, RedLine
from homebound.core.exchange.formula import (
    AllForAllInCategory,
    DeclaredRatio,
    Humanitarian,
    ListedPerson,
    NForN,
    WeightedEquivalence,
)
from homebound.core.exchange.handover import Substitute, ThirdPartyCustody, Tranche
from homebound.core.exchange.manifest import plan_tranches
from homebound.core.exchange.priority import PriorityCriterion, PriorityOrder
from homebound.core.exchange.ranks import is_officer, rank_class_of
from homebound.core.exchange.terms import Terms, TrancheSpec
from homebound.core.exchange.versioning import Change, ChangeKind

SW = SeriouslyWoundedOrSick(accepted_bases=frozenset({SeriousBasis.MIXED_MEDICAL_COMMISSION}))
YOUNG = AgeBandCategory("young", "young", AgeBand(18, 26, "18–25"), AgeBand(None, 25, "under 25"), Side.B)


def _through_json(document: object) -> object:
    return json.loads(json.dumps(document))


TERMS = [
    Terms(date(2023, 1, 8)),
    Terms(
        date(2025, 5, 23),
        formulas=(NForN(), AllForAllInCategory(SW.key), Humanitarian(Side.A, category=YOUNG.key)),
        max_persons=2000,
        categories=(SW, YOUNG, Civilians(), LongCaptivity(more_than_days=365)),
        priority=PriorityOrder(
            criteria=(
                PriorityCriterion.CAPTIVITY_LENGTH,
                PriorityCriterion.MEDICAL_SEVERITY,
                PriorityCriterion.CATEGORIES,
            ),
            categories=("young", "civilians"),
        ),
        tranches=(TrancheSpec(390, 390, date(2025, 5, 23)), TrancheSpec(610, 610)),
        outside_parity_tranche=1,
        eligibility=EligibilityRules(CustodyRule.BOTH, False, True),
        red_lines=(RedLine(Side.B, "p-1", "convicted"),),
        legal_hold_overrides=(LegalHoldOverride("p-2", "amnesty", "court"),),
        remains_formula=DeclaredRatio(6000, 6000),
    ),
    Terms(date(1862, 7, 22), formulas=(WeightedEquivalence(),), max_persons=100),
]


@pytest.mark.parametrize("terms", TERMS, ids=["defaults", "istanbul-like", "dix-hill"])
def test_terms_round_trip(terms: Terms) -> None:
    document = _through_json(terms.to_document())
    assert isinstance(document, dict)
    again = terms_from_document(document)
    assert again.to_document() == terms.to_document()
    assert again == terms


def test_a_stored_version_reproduces_the_content_hash() -> None:
    terms = Terms(date(2023, 1, 8), formulas=(NForN(),))
    lists = [ListedPerson(f"a-{i}") for i in range(3)], [ListedPerson(f"b-{i}") for i in range(3)]
    agreement = Agreement("ag-1", Participants("pa", "pb", "med", "a crossing"))
    agreement = agreement.propose(by=Role.MEDIATOR, terms=terms, list_a=lists[0], list_b=lists[1])
    agreement = agreement.amend(
        by=Role.PARTY_B,
        amendments=[RemovePerson(Side.A, "a-2", "already returned"), RemovePerson(Side.B, "b-0", "red line")],
    )
    stored = []
    for version in agreement.versions:
        document = _through_json(version_document("ag-1", agreement.participants, version))
        changes = _through_json([change_to_document(c) for c in version.changes])
        assert isinstance(document, dict) and isinstance(changes, list)
        stored.append(
            version_from_document(
                document,
                kind=version.kind.value,
                author=version.author.value,
                note=version.note,
                changes=changes,
            )
        )
    assert tuple(stored) == agreement.versions
    reloaded = Agreement("ag-1", agreement.participants, tuple(stored))
    reloaded = reloaded.accept(by=Role.PARTY_A, version=2, accepted_by="u-a")
    reloaded = reloaded.accept(by=Role.PARTY_B, version=2, accepted_by="u-b").conclude(by=Role.MEDIATOR)
    assert reloaded.conclusion is not None
    assert reloaded.conclusion.content_hash == content_hash("ag-1", agreement.participants, agreement.latest)


def test_changes_round_trip() -> None:
    for change in (
        Change(ChangeKind.REPLACED, "wrong date of birth", Side.B, "b-1", "b-9"),
        Change(ChangeKind.TERMS, "restated", field="formulas"),
    ):
        document = _through_json(change_to_document(change))
        assert isinstance(document, dict)
        assert change_from_document(document) == change


def _tranche() -> Tranche:
    terms = Terms(date(2023, 1, 8), formulas=(NForN(),), tranches=(TrancheSpec(2, 2),))
    agreement = Agreement("ag-2", Participants("pa", "pb", "med", "a crossing")).propose(
        by=Role.MEDIATOR,
        terms=terms,
        list_a=[ListedPerson("a-1"), ListedPerson("a-2", "lieutenant_or_ensign")],
        list_b=[ListedPerson("b-1"), ListedPerson("b-2")],
    )
    agreement = agreement.accept(by=Role.PARTY_A, version=1, accepted_by="x")
    agreement = agreement.accept(by=Role.PARTY_B, version=1, accepted_by="y").conclude(by=Role.MEDIATOR)
    (tranche,) = plan_tranches("ag-2", agreement.concluded_version)
    return tranche


def test_lines_and_closure_round_trip() -> None:
    tranche = _tranche()
    tranche = tranche.bring_substitute("b-1", Substitute("b-x", "private", "a convict"), by="escort B")
    tranche = tranche.decide_substitute("b-1", accept=False, by=Side.A, decided_by="officer A")
    tranche = tranche.deliver("b-1", identity_checked_by="officer A")
    tranche = tranche.refuse("a-1", stays_with="a neutral state", interviewed_by="ICRC delegate")
    tranche = tranche.hand_to_third_party(
        "b-2", ThirdPartyCustody("a mediating state", "until the end"), by="M"
    )
    tranche = tranche.deliver("a-2", identity_checked_by="officer B").close(by="mediator")
    for line in tranche.lines:
        document = _through_json(line_to_document(line))
        assert isinstance(document, dict)
        again = line_from_document(
            line.line_no,
            line.candidate_id,
            line.releasing_side.value,
            line.rank_class,
            line.basis.value,
            line.state.value,
            document,
        )
        assert again == line
    assert tranche.closure is not None
    closure = _through_json(closure_to_document(tranche.closure))
    assert isinstance(closure, dict)
    assert closure_from_document(closure) == tranche.closure
    assert not tranche.closure.reconciled  # 1 received from A, 2 from B (custody counts)


@pytest.mark.parametrize(
    ("written", "rank_class"),
    [
        (None, "private"),
        ("", "private"),
        ("рядовий", "private"),
        ("ефрейтор", "private"),
        ("молодший сержант", "non_commissioned_officer"),
        ("СТАРШИНА", "non_commissioned_officer"),
        ("старший прапорщик", "midshipman_or_warrant_officer"),
        ("старший лейтенант", "lieutenant_or_ensign"),
        ("капітан", "army_captain_or_navy_lieutenant"),
        ("капитан 1 ранга", "colonel_or_navy_captain"),
        ("майор", "major_or_lieutenant_commander"),
        ("підполковник", "lieutenant_colonel_or_navy_commander"),
        ("подполковник", "lieutenant_colonel_or_navy_commander"),
        ("полковник", "colonel_or_navy_captain"),
        ("генерал-майор", "brigadier_general_or_commodore"),
        ("генерал-лейтенант", "major_general_or_flag_officer"),
        ("Lieutenant Colonel", "lieutenant_colonel_or_navy_commander"),
        ("Major General", "brigadier_general_or_commodore"),
    ],
)
def test_rank_classes(written: str | None, rank_class: str) -> None:
    assert rank_class_of(written) == rank_class


def test_officers_are_lieutenants_and_above() -> None:
    assert is_officer(rank_class_of("лейтенант")) and not is_officer(rank_class_of("прапорщик"))
