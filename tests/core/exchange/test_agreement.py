"""Agreement versions: diffs with reasons, acceptance of the latest version only, conclusion and its hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest
import rfc8785

from homebound.core.exchange.agreement import (
    AddPerson,
    Agreement,
    AgreementConcluded,
    AgreementStatus,
    Participants,
    RemovePerson,
    ReplacePerson,
    Role,
    VersionAccepted,
    VersionKind,
    VersionRecorded,
    content_hash,
    version_document,
)
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.errors import (
    AgreementFrozen,
    AlreadyAccepted,
    AlreadyProposed,
    FormulaNotKept,
    InvalidAmendment,
    InvalidTerms,
    MissingAcceptance,
    NotAParty,
    NoVersionYet,
    SupersededVersion,
    TrancheMismatch,
    UnchangedVersion,
    UnknownVersion,
)
from homebound.core.exchange.formula import Basis, DeclaredRatio, ListedPerson, NForN, WeightedEquivalence
from homebound.core.exchange.terms import Terms, TrancheSpec
from homebound.core.exchange.versioning import ChangeKind

from .factories import REFERENCE

PARTIES = Participants("Party A", "Party B", "Mediating State", "a border crossing")
TERMS = Terms(REFERENCE, formulas=(NForN(),), max_persons=6)


def people(prefix: str, count: int) -> tuple[ListedPerson, ...]:
    return tuple(ListedPerson(f"{prefix}{i}") for i in range(count))


def proposed(count: int = 3) -> Agreement:
    return Agreement("ag-1", PARTIES).propose(
        by=Role.MEDIATOR,
        terms=TERMS,
        list_a=people("a", count),
        list_b=people("b", count),
        note="first draft",
    )


def test_a_new_agreement_is_a_draft() -> None:
    agreement = Agreement("ag-1", PARTIES)
    assert agreement.status is AgreementStatus.DRAFT
    with pytest.raises(NoVersionYet):
        agreement.accept(by=Role.PARTY_A, version=1, accepted_by="ombudsman-a")
    with pytest.raises(NoVersionYet):
        agreement.amend(by=Role.PARTY_A, amendments=[RemovePerson(Side.A, "a0", "x")])


def test_proposal_diff_lists_everything_added() -> None:
    agreement = proposed()
    version = agreement.latest
    assert (version.number, version.kind, version.author) == (1, VersionKind.PROPOSAL, Role.MEDIATOR)
    added = [(c.side, c.candidate_id) for c in version.changes if c.kind is ChangeKind.ADDED]
    assert added == [
        (Side.A, "a0"),
        (Side.A, "a1"),
        (Side.A, "a2"),
        (Side.B, "b0"),
        (Side.B, "b1"),
        (Side.B, "b2"),
    ]
    assert agreement.events == (
        VersionRecorded("ag-1", 1, VersionKind.PROPOSAL, Role.MEDIATOR, version.changes),
    )
    with pytest.raises(AlreadyProposed):
        agreement.propose(by=Role.PARTY_A, terms=TERMS, list_a=(), list_b=())


def test_counter_proposal_diff_names_terms_and_persons() -> None:
    agreement = proposed().counter_propose(
        by=Role.PARTY_B,
        terms=replace(TERMS, max_persons=8),
        list_a=people("a", 2),
        list_b=(*people("b", 3), ListedPerson("b9")),
        note="B wants b9 and drops a2",
    )
    changes = {(c.kind, c.side, c.candidate_id, c.field) for c in agreement.latest.changes}
    assert changes == {
        (ChangeKind.TERMS, None, None, "max_persons"),
        (ChangeKind.REMOVED, Side.A, "a2", None),
        (ChangeKind.ADDED, Side.B, "b9", None),
    }
    assert all(c.reason == "B wants b9 and drops a2" for c in agreement.latest.changes)


def test_amendments_add_remove_replace_each_with_its_reason() -> None:
    agreement = proposed().amend(
        by=Role.PARTY_A,
        amendments=[
            ReplacePerson(
                Side.B, "b1", ListedPerson("b7"), "wrong date of birth: b1 is not the person sought"
            ),
            RemovePerson(Side.A, "a2", "already returned on 29 December"),
            AddPerson(Side.A, ListedPerson("a8"), "a civilian, held since 2022"),
        ],
        note="Ankara, day two",
    )
    version = agreement.latest
    assert [p.candidate_id for p in version.list_b] == ["b0", "b7", "b2"]  # the replacement keeps the place
    assert [p.candidate_id for p in version.list_a] == ["a0", "a1", "a8"]
    assert [(c.kind, c.candidate_id, c.replacement_id, c.reason) for c in version.changes] == [
        (ChangeKind.REPLACED, "b1", "b7", "wrong date of birth: b1 is not the person sought"),
        (ChangeKind.REMOVED, "a2", None, "already returned on 29 December"),
        (ChangeKind.ADDED, "a8", None, "a civilian, held since 2022"),
    ]
    assert agreement.version(1).list_b == people("b", 3)  # the earlier version is untouched


@pytest.mark.parametrize(
    "amendment",
    [
        AddPerson(Side.A, ListedPerson("b0"), "already on list B"),
        AddPerson(Side.B, ListedPerson("a1"), "already on list A"),
        RemovePerson(Side.A, "a9", "not listed"),
        RemovePerson(Side.B, "a0", "on the other list"),
        ReplacePerson(Side.A, "a0", ListedPerson("a1"), "replacement already listed"),
        RemovePerson(Side.A, "a0", "   "),
    ],
)
def test_invalid_amendments(amendment) -> None:
    agreement = proposed()
    with pytest.raises(InvalidAmendment):
        agreement.amend(by=Role.MEDIATOR, amendments=[amendment])
    with pytest.raises(InvalidAmendment):
        agreement.amend(by=Role.MEDIATOR, amendments=[])


def test_lists_never_hold_a_person_twice() -> None:
    with pytest.raises(InvalidTerms, match="a1"):
        Agreement("x", PARTIES).propose(
            by=Role.MEDIATOR, terms=TERMS, list_a=people("a", 2), list_b=(ListedPerson("a1"),)
        )


def test_conclusion_needs_both_parties_on_the_same_latest_version() -> None:
    agreement = proposed().accept(by=Role.PARTY_A, version=1, accepted_by="ombudsman-a")
    with pytest.raises(MissingAcceptance, match="party_b"):
        agreement.conclude(by=Role.MEDIATOR)
    amended = agreement.amend(
        by=Role.PARTY_B, amendments=[ReplacePerson(Side.A, "a0", ListedPerson("a5"), "a0 died in captivity")]
    )
    with pytest.raises(SupersededVersion, match="superseded by version 2"):
        amended.accept(by=Role.PARTY_B, version=1, accepted_by="ombudsman-b")
    accepted_b = amended.accept(by=Role.PARTY_B, version=2, accepted_by="ombudsman-b")
    # A's acceptance of version 1 does not carry over to version 2.
    with pytest.raises(MissingAcceptance, match="party_a"):
        accepted_b.conclude(by=Role.MEDIATOR)
    both = accepted_b.accept(by=Role.PARTY_A, version=2, accepted_by="ombudsman-a")
    concluded = both.conclude(by=Role.MEDIATOR)
    assert concluded.status is AgreementStatus.CONCLUDED
    assert concluded.concluded_version.number == 2
    assert isinstance(concluded.events[-1], AgreementConcluded)
    assert isinstance(concluded.events[-2], VersionAccepted)


def test_errors_change_nothing() -> None:
    agreement = proposed().accept(by=Role.PARTY_A, version=1, accepted_by="ombudsman-a")
    before = agreement
    with pytest.raises(AlreadyAccepted):
        agreement.accept(by=Role.PARTY_A, version=1, accepted_by="ombudsman-a")
    with pytest.raises(NotAParty):
        agreement.accept(by=Role.MEDIATOR, version=1, accepted_by="mediator")
    with pytest.raises(UnknownVersion):
        agreement.accept(by=Role.PARTY_B, version=7, accepted_by="ombudsman-b")
    assert agreement == before


def test_a_concluded_agreement_is_frozen() -> None:
    concluded = (
        proposed()
        .accept(by=Role.PARTY_A, version=1, accepted_by="ombudsman-a")
        .accept(by=Role.PARTY_B, version=1, accepted_by="ombudsman-b")
        .conclude(by=Role.MEDIATOR)
    )
    with pytest.raises(AgreementFrozen):
        concluded.amend(by=Role.PARTY_A, amendments=[RemovePerson(Side.A, "a0", "late change")])
    with pytest.raises(AgreementFrozen):
        concluded.counter_propose(by=Role.PARTY_A, terms=TERMS, list_a=(), list_b=())
    with pytest.raises(AgreementFrozen):
        concluded.accept(by=Role.PARTY_A, version=1, accepted_by="ombudsman-a")
    with pytest.raises(AgreementFrozen):
        concluded.conclude(by=Role.MEDIATOR)


def test_content_hash_is_sha256_of_the_canonical_json() -> None:
    concluded = (
        proposed()
        .accept(by=Role.PARTY_A, version=1, accepted_by="ombudsman-a")
        .accept(by=Role.PARTY_B, version=1, accepted_by="ombudsman-b")
        .conclude(by=Role.MEDIATOR)
    )
    assert concluded.conclusion is not None
    document = version_document("ag-1", PARTIES, concluded.latest)
    # JCS sorts keys and drops whitespace: the same bytes however the dict was built.
    shuffled = json.loads(json.dumps(document, sort_keys=False))
    expected = hashlib.sha256(rfc8785.dumps(dict(reversed(list(shuffled.items()))))).hexdigest()
    assert concluded.conclusion.content_hash == expected
    assert len(expected) == 64
    # Any change to a name on a list changes the hash.
    other = replace(concluded.latest, list_b=(*people("b", 2), ListedPerson("b-other")))
    assert content_hash("ag-1", PARTIES, other) != expected
    assert document["list_a"][0] == {"candidate_id": "a0", "rank_class": "private", "basis": "parity"}


@pytest.mark.parametrize(
    ("terms", "list_a", "list_b", "error"),
    [
        (TERMS, people("a", 3), people("b", 2), FormulaNotKept),
        (Terms(REFERENCE, formulas=(DeclaredRatio(2, 1),)), people("a", 2), people("b", 2), FormulaNotKept),
        (
            Terms(REFERENCE, formulas=(WeightedEquivalence(),)),
            (ListedPerson("a0", "colonel_or_navy_captain"),),
            people("b", 14),
            FormulaNotKept,
        ),
        (TERMS, (ListedPerson("a0", basis=Basis.ALL_FOR_ALL),), (), FormulaNotKept),
        (TERMS, (ListedPerson("a0", basis=Basis.HUMANITARIAN),), (), FormulaNotKept),
        (
            Terms(REFERENCE, formulas=(NForN(),), tranches=(TrancheSpec(2, 2), TrancheSpec(2, 2))),
            people("a", 3),
            people("b", 3),
            TrancheMismatch,
        ),
    ],
)
def test_a_version_that_breaks_the_terms_cannot_be_accepted(terms, list_a, list_b, error) -> None:
    agreement = Agreement("ag-2", PARTIES).propose(
        by=Role.MEDIATOR, terms=terms, list_a=list_a, list_b=list_b
    )
    with pytest.raises(error):
        agreement.accept(by=Role.PARTY_A, version=1, accepted_by="ombudsman-a")


def test_weighted_lists_that_balance_can_be_accepted() -> None:
    terms = Terms(REFERENCE, formulas=(WeightedEquivalence(),))
    agreement = Agreement("ag-3", PARTIES).propose(
        by=Role.MEDIATOR,
        terms=terms,
        list_a=(ListedPerson("a0", "colonel_or_navy_captain"),),
        list_b=people("b", 15),
    )
    assert agreement.accept(by=Role.PARTY_B, version=1, accepted_by="ombudsman-b").accepted(1) == {
        Role.PARTY_B
    }


def test_an_unchanged_counter_proposal_is_not_a_new_version() -> None:
    """The replay stored a counter-proposal identical to the version it countered."""
    opened = proposed()
    latest = opened.latest
    with pytest.raises(UnchangedVersion) as unchanged:
        opened.counter_propose(
            by=Role.PARTY_B, terms=latest.terms, list_a=latest.list_a, list_b=latest.list_b, note="again"
        )
    assert unchanged.value.code == "agreement.unchanged_version"
    fewer = opened.counter_propose(by=Role.PARTY_B, terms=latest.terms, list_a=latest.list_a[:-1],
                                   list_b=latest.list_b[:-1])  # fmt: skip
    assert fewer.latest.number == 2
