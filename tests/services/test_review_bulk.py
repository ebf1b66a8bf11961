"""The review queue worked in bulk: filters by party, list, agreement and category; pairs decided in one
action, each logged as its own entry and only as the mediator saw it; a filtered set decided only while it
is the set shown; the workload figures."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from homebound.core.errors import Conflict, PermissionDenied, ValidationFailed
from homebound.core.log.entries import ActionTag
from homebound.core.matching.review import CandidateStatus, Verdict
from homebound.core.persons import Registry
from homebound.db.exchange_tables import AgreementRow, AgreementVersionRow
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.tables import ImportBatchRow, LogEntryRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import matching, review_bulk, review_queue
from homebound.services.review_queue import DecisionFilter, QueueFilter
from tests.browser.seed import seed_registries
from tests.review_support import seed_pairs
from tests.world import World


@pytest.fixture
def seeded(uows: UnitOfWorkFactory, world: World) -> UnitOfWorkFactory:
    seed_registries(uows, world, dt.date.today())
    seed_pairs(uows, world)
    # The seeded names all score as strong matches here: put the long-name pair in the review band, as a
    # rival or a weaker score would.
    with uows.writer() as uow:
        for row in uow.session.execute(select(MatchCandidateRow)).scalars():
            if row.held_person_id in _long_name_ids(uow.session):
                row.band = "review"
        uow.commit()
    return uows


def _long_name_ids(session: Session) -> set[str]:
    query = select(PersonRow.id).where(PersonRow.source_id == "A-H-002")
    return set(session.execute(query).scalars())


def _queue(uows: UnitOfWorkFactory, world: World, flt: QueueFilter) -> list[review_queue.QueueItem]:
    return review_queue.read_queue(uows, world.actors["mediator"], flt, limit=200).items


def _held_names(items: list[review_queue.QueueItem]) -> set[str]:
    return {i.held_name.split()[0] for i in items}


def _logged(uows: UnitOfWorkFactory, tag: ActionTag) -> dict[str, int]:
    """Entries of ``tag`` per candidate pair."""
    with uows.reader() as uow:
        query = select(LogEntryRow.object_id, func.count()).where(LogEntryRow.tag == tag.value)
        return dict(uow.session.execute(query.group_by(LogEntryRow.object_id)).all())


def test_filters_by_party_list_category_and_agreement(seeded: UnitOfWorkFactory, world: World) -> None:
    every = _queue(seeded, world, QueueFilter())
    assert _held_names(every) >= {"Коваленко", "Melnyk", "Бондаренко"}
    # Party: pa seeks or holds every pair here; a party with no pair sees none.
    assert len(_queue(seeded, world, QueueFilter(party="pa"))) == len(every)
    assert _queue(seeded, world, QueueFilter(party="no-such-party")) == []
    # Category of the held record.
    civilians = _queue(seeded, world, QueueFilter(category="civilian_internee"))
    assert _held_names(civilians) == {"Melnyk"}
    # List: B's held import wrote the three held records B-H-101..103, and nothing else in the queue.
    with seeded.reader() as uow:
        batch = uow.session.execute(
            select(ImportBatchRow.id).where(
                ImportBatchRow.party_id == world.party_ids["pb"],
                ImportBatchRow.registry_kind == Registry.HELD.value,
                ImportBatchRow.rows == 3,  # b-held-matching.csv (seed.py's b-held.csv has one row)
            )
        ).scalar_one()
    from_list = _queue(seeded, world, QueueFilter(import_batch=batch))
    assert _held_names(from_list) == {"Коваленко", "Melnyk", "Бондаренко"}
    assert len(from_list) < len(every)
    # Agreement: only the held records on its latest lists (an earlier version's list does not count).
    target = next(i for i in every if i.held_name.startswith("Melnyk"))
    view = matching.get_candidate(seeded, world.actors["mediator"], target.id)
    agreement_id = _agreement(seeded, world, first=["nobody"], latest=[view.held.id])
    listed = _queue(seeded, world, QueueFilter(agreement=agreement_id))
    assert [i.id for i in listed] == [target.id]
    # Filters combine: Melnyk is no prisoner of war.
    assert _queue(seeded, world, QueueFilter(agreement=agreement_id, category="pow")) == []


def _agreement(uows: UnitOfWorkFactory, world: World, *, first: list[str], latest: list[str]) -> str:
    with uows.writer() as uow:
        row = AgreementRow(
            title="test",
            party_a_id=world.party_ids["pa"],
            party_b_id=world.party_ids["pb"],
            mediator_id=world.actors["mediator"].organisation_id,
            venue="venue",
            status="negotiating",
            latest_version=2,
            created_by="test",
        )
        uow.session.add(row)
        uow.session.flush()
        for number, listed in ((1, first), (2, latest)):
            document = {"list_a": [], "list_b": [{"candidate_id": person} for person in listed]}
            uow.session.add(
                AgreementVersionRow(
                    agreement_id=row.id,
                    number=number,
                    kind="proposal",
                    author_role="mediator",
                    author_user="test",
                    note="",
                    document=document,
                    changes=[],
                )
            )
        uow.commit()
        return row.id


def test_a_page_confirmed_in_one_action_each_pair_its_own_entry(
    seeded: UnitOfWorkFactory, world: World
) -> None:
    mediator = world.actors["mediator"]
    strong = _queue(seeded, world, QueueFilter(band="match"))
    assert len(strong) >= 2
    seen = {i.id: review_queue.review_state(matching.get_candidate(seeded, mediator, i.id)) for i in strong}
    # One pair is decided by someone else after the page was shown: the bulk action leaves it alone.
    late = strong[0].id
    review_queue.decide(seeded, mediator, late, Verdict.REJECT, seen[late])
    before = _logged(seeded, ActionTag.MATCH_CONFIRM)
    result = review_bulk.decide_seen(seeded, mediator, seen, Verdict.CONFIRM, "bulk")
    assert set(result.recorded) == set(seen) - {late}
    assert result.already_decided == (late,)
    assert _logged(seeded, ActionTag.MATCH_CONFIRM) == {**before, **dict.fromkeys(result.recorded, 1)}
    for candidate_id in result.recorded:
        assert matching.get_candidate(seeded, mediator, candidate_id).status is CandidateStatus.CONFIRMED
    assert matching.get_candidate(seeded, mediator, late).status is CandidateStatus.REJECTED
    # Sent again, the same form records nothing more.
    again = review_bulk.decide_seen(seeded, mediator, seen, Verdict.CONFIRM)
    assert again.recorded == ()
    assert _logged(seeded, ActionTag.MATCH_CONFIRM) == {**before, **dict.fromkeys(result.recorded, 1)}


def test_a_filtered_set_is_decided_only_as_it_was_shown(seeded: UnitOfWorkFactory, world: World) -> None:
    mediator = world.actors["mediator"]
    flt = QueueFilter(party="pb")
    shown = review_bulk.bulk_set(seeded, mediator, flt, Verdict.CONFIRM)
    strong = {i.id for i in _queue(seeded, world, QueueFilter(band="match", party="pb"))}
    assert set(shown.candidate_ids) == strong  # a bulk confirmation covers the strong matches only
    review_pairs = {i.id for i in _queue(seeded, world, QueueFilter(band="review"))}
    assert review_pairs and not review_pairs & set(shown.candidate_ids)
    # The set changes (a pair decided one by one): the token shown no longer names it.
    first = shown.candidate_ids[0]
    state = review_queue.review_state(matching.get_candidate(seeded, mediator, first))
    review_queue.decide(seeded, mediator, first, Verdict.NOT_SURE, state)
    with pytest.raises(Conflict) as changed:
        review_bulk.decide_set(seeded, mediator, flt, Verdict.CONFIRM, shown.token)
    assert changed.value.code == "queue.changed"
    assert all(
        matching.get_candidate(seeded, mediator, c).status is not CandidateStatus.CONFIRMED
        for c in shown.candidate_ids
    )
    fresh = review_bulk.bulk_set(seeded, mediator, flt, Verdict.CONFIRM)
    assert fresh.token != shown.token
    result = review_bulk.decide_set(seeded, mediator, flt, Verdict.CONFIRM, fresh.token)
    assert set(result.recorded) == set(fresh.candidate_ids)
    assert review_bulk.bulk_set(seeded, mediator, flt, Verdict.CONFIRM).count == 0
    # The review band is confirmed one pair at a time, never in bulk.
    assert review_bulk.bulk_set(seeded, mediator, QueueFilter(band="review"), Verdict.CONFIRM).count == 0
    assert review_bulk.bulk_set(seeded, mediator, QueueFilter(band="review"), Verdict.REJECT).count >= 1


def test_bulk_takes_confirm_or_reject_from_the_mediator_only(seeded: UnitOfWorkFactory, world: World) -> None:
    pair = _queue(seeded, world, QueueFilter())[0].id
    with pytest.raises(ValidationFailed):
        review_bulk.decide_seen(seeded, world.actors["mediator"], {pair: None}, Verdict.NOT_SURE)
    for who in ("a_operator", "b_admin"):
        with pytest.raises(PermissionDenied):
            review_bulk.decide_seen(seeded, world.actors[who], {pair: None}, Verdict.CONFIRM)
        with pytest.raises(PermissionDenied):
            review_bulk.workload(seeded, world.actors[who], QueueFilter())
    too_many = {str(n): None for n in range(review_bulk.MAX_BULK + 1)}
    with pytest.raises(ValidationFailed):
        review_bulk.decide_seen(seeded, world.actors["mediator"], too_many, Verdict.CONFIRM)


def test_workload_figures(seeded: UnitOfWorkFactory, world: World) -> None:
    mediator = world.actors["mediator"]
    items = _queue(seeded, world, QueueFilter())
    strong = [i for i in items if i.band == "match"]
    before = review_bulk.workload(seeded, mediator, QueueFilter())
    assert (before.open_match, before.open_review) == (len(strong), len(items) - len(strong))
    assert before.decided_today == before.decided_total == 0
    assert before.actions_left == 1 + before.open_review  # one page of strong matches, one look per review
    review_bulk.decide_seen(seeded, mediator, {i.id: None for i in strong}, Verdict.CONFIRM)
    after = review_bulk.workload(seeded, mediator, QueueFilter())
    assert (after.open_match, after.decided_today, after.decided_total) == (0, len(strong), len(strong))
    assert [(r.today, r.total) for r in after.reviewers] == [(len(strong), len(strong))]
    assert after.reviewers[0].reviewer != "?"
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert review_bulk.workload(seeded, mediator, QueueFilter(), now=tomorrow).decided_today == 0
    # Under a filter: the civilians' list holds one decided strong match.
    civilians = review_bulk.workload(seeded, mediator, QueueFilter(category="civilian_internee"))
    assert civilians.decided_total == 1
    with seeded.reader() as uow:
        assert uow.session.execute(select(func.count()).select_from(PersonRow)).scalar_one() > 0
    assert DecisionFilter.OPEN  # the default decision filter of the figures' selection is ignored
