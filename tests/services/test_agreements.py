"""Negotiation use cases on real databases: versions and their visibility, acceptance with the password,
conclusion (frozen, hash logged, manifests planned, persons listed), and what is refused with a 409."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from homebound.core.errors import Conflict, NotFound, PermissionDenied, PreconditionFailed, ValidationFailed
from homebound.core.exchange.agreement import (
    AddPerson,
    RemovePerson,
    ReplacePerson,
    content_hash,
    version_document,
)
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.categories import SeriouslyWoundedOrSick
from homebound.core.exchange.documents import version_from_document
from homebound.core.exchange.formula import ListedPerson, NForN
from homebound.core.exchange.priority import PriorityOrder
from homebound.core.exchange.terms import Terms
from homebound.core.persons import Status
from homebound.db.agreement_store import participants_of
from homebound.db.exchange_tables import AgreementRow, AgreementVersionRow, HandoverLineRow
from homebound.db.tables import LogEntryRow, PersonRow, PersonShareRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import agreement_views, agreements
from homebound.services.amendment_rules import cites_article_119
from homebound.services.composition import compose_version, stored_decisions
from homebound.services.log import verify_log
from homebound.services.sign_in import Reauthentication
from tests.exchange_support import Registries, seed_registries
from tests.world import PROOF, World

SW = SeriouslyWoundedOrSick()
TERMS = Terms(
    date(2023, 1, 8),
    formulas=(NForN(),),
    max_persons=20,
    categories=(SW,),
    priority=PriorityOrder(categories=(SW.key,)),
)


@pytest.fixture
def seeded(uows: UnitOfWorkFactory, world: World) -> Registries:
    return seed_registries(uows, world, held_a=30, held_b=30, seed=11)


def _open(uows: UnitOfWorkFactory, world: World) -> str:
    view = agreements.create_agreement(
        uows, world.actors["mediator"], title="test exchange", party_a="pa", party_b="pb", venue="a crossing"
    )
    return view.id


def _health(uows: UnitOfWorkFactory, person_id: str) -> str:
    with uows.reader() as uow:
        person = uow.session.get(PersonRow, person_id)
        assert person is not None
        return person.health


def _status(uows: UnitOfWorkFactory, person_id: str) -> str:
    with uows.reader() as uow:
        person = uow.session.get(PersonRow, person_id)
        assert person is not None
        return person.status


def test_compose_share_amend_accept_conclude(
    uows: UnitOfWorkFactory, world: World, seeded: Registries
) -> None:
    mediator, a_admin, b_admin = (world.actors[n] for n in ("mediator", "a_admin", "b_admin"))
    agreement_id = _open(uows, world)
    composed = compose_version(uows, mediator, agreement_id, TERMS, share=True)
    assert composed.version.number == 1 and composed.version.list_sizes == (10, 10)
    assert composed.counts["in.priority"] == 20
    assert len(composed.decisions) == composed.pools["a"] + composed.pools["b"]
    document = composed.version.document
    assert document is not None
    list_b = [p["candidate_id"] for p in document["list_b"]]
    spare_b = next(
        d["candidate_id"] for d in composed.decisions if d["side"] == "b" and d["code"] == "out.below_cutoff"
    )

    # Party B replaces one of its own people on list B (not a seriously wounded one: see
    # test_a_seriously_wounded_person_is_not_swapped_for_a_less_grave_case): a version only B and the
    # mediator see.
    replaced = next(p for p in list_b if _health(uows, p) != "seriously_wounded_sick")
    amended = agreements.amend(
        uows,
        b_admin,
        agreement_id,
        [ReplacePerson(Side.B, replaced, ListedPerson(spare_b), "under investigation: red line")],
        expected_version=1,
    )
    assert amended.number == 2 and not amended.shared
    with pytest.raises(NotFound):
        agreement_views.get_version(uows, a_admin, agreement_id, 2)
    assert [v.number for v in agreement_views.list_versions(uows, a_admin, agreement_id)] == [1]
    with pytest.raises(PreconditionFailed):
        agreements.amend(
            uows, b_admin, agreement_id, [RemovePerson(Side.B, spare_b, "x")], expected_version=1
        )
    with pytest.raises(Conflict, match="superseded") as superseded:
        agreements.accept(uows, a_admin, agreement_id, 1, PROOF)
    assert superseded.value.code == "agreement.superseded_version"
    with pytest.raises(Conflict) as early:
        agreements.conclude(uows, mediator, agreement_id)
    assert early.value.code == "agreement.missing_acceptance"

    agreements.share_version(uows, mediator, agreement_id, 2)
    with uows.reader() as uow:  # the newcomer on list B is now visible to party A, who would receive him
        shared = uow.session.get(PersonShareRow, (spare_b, world.party_ids["pa"]))
        assert shared is not None
    with pytest.raises(PermissionDenied):
        agreements.accept(uows, a_admin, agreement_id, 2, Reauthentication("not the password"))
    with pytest.raises(PermissionDenied):
        agreements.accept(uows, world.actors["a_operator"], agreement_id, 2, PROOF)
    agreements.accept(uows, a_admin, agreement_id, 2, PROOF)
    with pytest.raises(Conflict) as twice:
        agreements.accept(uows, a_admin, agreement_id, 2, PROOF)
    assert twice.value.code == "agreement.already_accepted"
    agreements.accept(uows, b_admin, agreement_id, 2, PROOF)
    done = agreements.conclude(uows, mediator, agreement_id)
    assert done.status == "concluded" and done.concluded_version == 2

    with uows.reader() as uow:
        row = uow.session.get(AgreementRow, agreement_id)
        stored = uow.session.get(AgreementVersionRow, (agreement_id, 2))
        assert row is not None and stored is not None
        version = version_from_document(
            stored.document,
            kind=stored.kind,
            author=stored.author_role,
            note=stored.note,
            changes=stored.changes,
        )
        participants = participants_of(uow.session, row)
        assert stored.document == version_document(agreement_id, participants, version)
        assert done.content_hash == content_hash(agreement_id, participants, version)
        lines = uow.session.execute(
            select(func.count())
            .select_from(HandoverLineRow)
            .where(HandoverLineRow.agreement_id == agreement_id)
        ).scalar_one()
        assert lines == 20
        tags = set(
            uow.session.execute(
                select(LogEntryRow.tag).where(LogEntryRow.object_id == agreement_id)
            ).scalars()
        )
    assert {"exchange:agreement:accept", "exchange:agreement:conclude", "exchange:agreement:share"} <= tags
    assert _status(uows, spare_b) == Status.LISTED_FOR_EXCHANGE.value
    assert _status(uows, replaced) in (Status.HELD.value, Status.HOSPITALISED.value)  # replaced: not listed
    with pytest.raises(Conflict) as frozen:
        agreements.amend(
            uows, mediator, agreement_id, [RemovePerson(Side.B, spare_b, "late")], expected_version=2
        )
    assert frozen.value.code == "agreement.frozen"
    assert verify_log(uows).ok


def test_a_party_sees_only_its_agreements_and_lists_only_what_it_may_see(
    uows: UnitOfWorkFactory, world: World, seeded: Registries
) -> None:
    agreement_id = _open(uows, world)
    with pytest.raises(PermissionDenied):
        agreements.create_agreement(
            uows, world.actors["a_admin"], title="x", party_a="pa", party_b="pb", venue="y"
        )
    b_person = seeded.held["pb"][0]
    with pytest.raises(NotFound):  # B's held record was never shared with A
        agreements.propose(
            uows, world.actors["a_admin"], agreement_id, TERMS, [], [ListedPerson(b_person)], note="ours"
        )
    # The mediator's observers read the exchanges (docs/reliability.md); a party reads only its own.
    assert agreement_views.get_agreement(uows, world.actors["med_observer"], agreement_id).id == agreement_id
    assert [a.id for a in agreement_views.list_agreements(uows, world.actors["b_operator"])] == [agreement_id]


def test_a_person_is_never_listed_under_two_concluded_agreements(
    uows: UnitOfWorkFactory, world: World, seeded: Registries
) -> None:
    mediator = world.actors["mediator"]
    held_a = [p for p in seeded.held["pa"] if _status(uows, p) in ("held", "hospitalised")][:2]
    held_b = [p for p in seeded.held["pb"] if _status(uows, p) in ("held", "hospitalised")][:2]
    terms = Terms(date(2023, 1, 8), formulas=(NForN(),))
    first, second = _open(uows, world), _open(uows, world)
    for agreement_id, persons_b in ((first, held_b[:1]), (second, held_b[1:2])):
        agreements.propose(
            uows,
            mediator,
            agreement_id,
            terms,
            [ListedPerson(held_a[0])],
            [ListedPerson(p) for p in persons_b],
            share=True,
        )
        for admin in ("a_admin", "b_admin"):
            agreements.accept(uows, world.actors[admin], agreement_id, 1, PROOF)
    agreements.conclude(uows, mediator, first)
    with pytest.raises(Conflict) as twice:
        agreements.conclude(uows, mediator, second)
    assert twice.value.code == "status.invalid_transition"
    assert agreement_views.get_agreement(uows, mediator, second).status == "negotiating"
    assert _status(uows, held_b[1]) != Status.LISTED_FOR_EXCHANGE.value  # nothing of the refused conclusion
    third = _open(uows, world)
    with pytest.raises(Conflict) as listed:
        agreements.propose(uows, mediator, third, terms, [ListedPerson(held_a[0])], [ListedPerson(held_b[1])])
    assert listed.value.code == "exchange.not_held"


def _composed(
    uows: UnitOfWorkFactory, world: World
) -> tuple[str, dict[str, list[str]], list[dict[str, Any]]]:
    agreement_id = _open(uows, world)
    composed = compose_version(uows, world.actors["mediator"], agreement_id, TERMS, share=True)
    document = composed.version.document
    assert document is not None
    lists = {side: [p["candidate_id"] for p in document[f"list_{side}"]] for side in ("a", "b")}
    return agreement_id, lists, composed.decisions


def test_a_seriously_wounded_person_is_not_swapped_for_a_less_grave_case(
    uows: UnitOfWorkFactory, world: World, seeded: Registries
) -> None:
    agreement_id, lists, decisions = _composed(uows, world)
    serious = next(p for p in lists["b"] if _health(uows, p) == "seriously_wounded_sick")
    spare = next(
        d["candidate_id"]
        for d in decisions
        if d["side"] == "b" and d["code"] == "out.below_cutoff"
        and _health(uows, d["candidate_id"]) != "seriously_wounded_sick"
    )  # fmt: skip
    b_admin = world.actors["b_admin"]
    swap = [ReplacePerson(Side.B, serious, ListedPerson(spare), "swap")]
    with pytest.raises(ValidationFailed) as refused:
        agreements.amend(uows, b_admin, agreement_id, swap, expected_version=1)
    (problem,) = refused.value.problems
    assert (problem.field, problem.code) == ("amendments[0]", "exchange.less_grave_replacement")
    done = agreements.amend(uows, b_admin, agreement_id, [
        RemovePerson(Side.B, serious, "moved to the next exchange by a medical commission"),
        AddPerson(Side.B, ListedPerson(spare), "asked for by name"),
    ], expected_version=1)  # fmt: skip
    assert done.number == 2


def test_an_amendment_citing_article_119_holds_the_person_back(
    uows: UnitOfWorkFactory, world: World, seeded: Registries
) -> None:
    agreement_id, lists, _ = _composed(uows, world)
    accused, other = lists["a"][0], lists["a"][1]
    agreements.amend(uows, world.actors["a_admin"], agreement_id, [
        RemovePerson(Side.A, accused, "criminal proceedings opened: held back under GC III Art. 119"),
        RemovePerson(Side.A, other, "too ill to travel this week"),
    ], expected_version=1)  # fmt: skip
    with uows.reader() as uow:
        held_back = uow.session.get(PersonRow, accused)
        kept = uow.session.get(PersonRow, other)
        assert held_back is not None and kept is not None
        assert held_back.legal_hold == "proceedings" and "Art. 119" in (held_back.legal_hold_note or "")
        assert kept.legal_hold == "none"
    recomposed = compose_version(uows, world.actors["mediator"], agreement_id, TERMS, expected_version=2)
    decision = next(d for d in recomposed.decisions if d["candidate_id"] == accused)
    assert decision["code"] == "out.not_eligible" and "legal hold (GC III Art. 119)" in decision["text"]
    assert any(d["candidate_id"] == other and d["code"].startswith("in.") for d in recomposed.decisions)


@pytest.mark.parametrize(
    ("reason", "cites"),
    [("GC III Art. 119", True), ("article 119 proceedings", True), ("ст. 119 ЖК III", True),
     ("статья 119", True), ("Art. 1190", False), ("Art. 118", False), ("room 119", False)],
)  # fmt: skip
def test_what_cites_article_119(reason: str, cites: bool) -> None:
    assert cites_article_119(reason) is cites


def test_a_composition_is_its_own_kind_and_keeps_its_reasons(
    uows: UnitOfWorkFactory, world: World, seeded: Registries
) -> None:
    mediator = world.actors["mediator"]
    agreement_id, lists, decisions = _composed(uows, world)
    again = compose_version(uows, mediator, agreement_id, TERMS, expected_version=1,
                            removed={lists["a"][0]: "asked to wait"})  # fmt: skip
    kinds = [v.kind for v in agreement_views.list_versions(uows, mediator, agreement_id)]
    assert kinds == ["composition", "composition"]  # a re-composition is no party's counter-proposal
    stored = stored_decisions(uows, mediator, agreement_id, 1)
    assert sorted(stored, key=lambda d: d["candidate_id"]) == sorted(
        decisions, key=lambda d: d["candidate_id"]
    )
    second = {d["candidate_id"]: d for d in stored_decisions(uows, mediator, agreement_id, 2)}
    assert (
        second[lists["a"][0]]["code"] == "out.amendment" and "asked to wait" in second[lists["a"][0]]["text"]
    )
    assert again.empty_reason is None
    with pytest.raises((NotFound, PermissionDenied)):
        stored_decisions(uows, world.actors["a_admin"], agreement_id, 1)


def _nobody_interviewed(index: int, row: dict[str, str]) -> None:
    row["will_to_return"], row["will_verified_by"], row["will_verified_on"] = "unknown", "", ""


def test_an_empty_composition_says_why_and_is_not_shared(uows: UnitOfWorkFactory, world: World) -> None:
    seed_registries(uows, world, held_a=8, held_b=8, seed=3, edit=_nobody_interviewed)
    agreement_id = _open(uows, world)
    kept = compose_version(uows, world.actors["mediator"], agreement_id, TERMS, share=True)
    assert kept.version.list_sizes == (0, 0) and not kept.version.shared  # asked to share: kept unshared
    assert kept.empty_reason is not None
    assert "16 not eligible" in kept.empty_reason
    assert "no will-to-return interview recorded (16)" in kept.empty_reason
    with pytest.raises(NotFound):  # party A does not see it
        agreement_views.get_version(uows, world.actors["a_admin"], agreement_id, 1)
