"""Negotiation use cases on real databases: versions and their visibility, acceptance with the password,
conclusion (frozen, hash logged, manifests planned, persons listed), and what is refused with a 409."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from homebound.core.errors import Conflict, NotFound, PermissionDenied, PreconditionFailed
from homebound.core.exchange.agreement import RemovePerson, ReplacePerson, content_hash, version_document
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
from homebound.services.composition import compose_version
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

    # Party B replaces one of its own people on list B: a version only B and the mediator see.
    amended = agreements.amend(
        uows,
        b_admin,
        agreement_id,
        [ReplacePerson(Side.B, list_b[0], ListedPerson(spare_b), "under investigation: red line")],
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
    assert _status(uows, list_b[0]) in (Status.HELD.value, Status.HOSPITALISED.value)  # replaced: not listed
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
