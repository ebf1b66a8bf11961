"""The review queue's reads (filters, order, neighbours, where a reviewer goes next), the spellings shown
beside a name, and a verdict recorded once when copies of the same form race each other."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from homebound.core.errors import NotFound, PermissionDenied
from homebound.core.log.entries import ActionTag
from homebound.core.matching.review import CandidateStatus, Verdict
from homebound.db.engine import make_engine
from homebound.db.migrate import upgrade
from homebound.db.tables import LogEntryRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import matching, review_queue
from homebound.services.review_queue import DecisionFilter, Outcome, QueueFilter
from tests.browser.seed import seed_registries
from tests.conftest import _postgres_database
from tests.keys import key_custody_of_tests
from tests.review_support import seed_pairs
from tests.world import World, build_world


@pytest.fixture
def seeded(uows: UnitOfWorkFactory, world: World) -> UnitOfWorkFactory:
    seed_registries(uows, world, dt.date.today())
    seed_pairs(uows, world)
    return uows


def _everything(uows: UnitOfWorkFactory, world: World) -> list[review_queue.QueueItem]:
    every = QueueFilter(decision=DecisionFilter.ALL)
    return review_queue.read_queue(uows, world.actors["mediator"], every, limit=200).items


def test_the_queue_reads_in_the_services_order_and_filters(seeded: UnitOfWorkFactory, world: World) -> None:
    mediator = world.actors["mediator"]
    items = _everything(seeded, world)
    assert len(items) >= 4
    page = matching.list_candidates(seeded, mediator, limit=200)
    assert [i.id for i in items] == [c.id for c in page.items]  # the API's queue, in the same order
    bands = {
        b: review_queue.read_queue(seeded, mediator, QueueFilter(band=b)).total for b in review_queue.BANDS
    }
    assert sum(bands.values()) == len(items)
    assert (
        review_queue.read_queue(seeded, mediator, QueueFilter(decision=DecisionFilter.CONFIRMED)).total == 0
    )
    second = review_queue.read_queue(seeded, mediator, QueueFilter(), offset=1, limit=2)
    assert [i.id for i in second.items] == [i.id for i in items[1:3]]


def test_neighbours_and_the_next_open_pair(seeded: UnitOfWorkFactory, world: World) -> None:
    mediator = world.actors["mediator"]
    ids = [i.id for i in _everything(seeded, world)]
    every = QueueFilter(decision=DecisionFilter.ALL)
    assert review_queue.neighbours(seeded, mediator, ids[0], every) == review_queue.Neighbours(None, ids[1])
    assert review_queue.neighbours(seeded, mediator, ids[1], every) == review_queue.Neighbours(ids[0], ids[2])
    assert review_queue.neighbours(seeded, mediator, ids[-1], every).next is None
    # Decide the first: it leaves the open queue, yet its neighbours there are still found.
    view = matching.get_candidate(seeded, mediator, ids[0])
    state = review_queue.review_state(view)
    assert review_queue.decide(seeded, mediator, ids[0], Verdict.REJECT, state) is Outcome.RECORDED
    assert review_queue.neighbours(seeded, mediator, ids[0], QueueFilter()).next == ids[1]
    # From the last pair the reviewer goes back to the first open one; from the only open pair, nowhere.
    assert review_queue.next_open(seeded, mediator, ids[-1]) == ids[1]
    for pair in ids[1:-1]:
        seen = review_queue.review_state(matching.get_candidate(seeded, mediator, pair))
        review_queue.decide(seeded, mediator, pair, Verdict.REJECT, seen)
    assert review_queue.next_open(seeded, mediator, ids[-1]) is None


def test_only_the_mediator_reads_or_decides(seeded: UnitOfWorkFactory, world: World) -> None:
    pair = _everything(seeded, world)[0].id
    for who in ("a_operator", "b_admin", "med_observer"):
        actor = world.actors[who]
        with pytest.raises(PermissionDenied):
            review_queue.read_queue(seeded, actor, QueueFilter())
        with pytest.raises((NotFound, PermissionDenied)):
            review_queue.neighbours(seeded, actor, pair, QueueFilter())
        with pytest.raises(NotFound):
            review_queue.decide(seeded, actor, pair, Verdict.CONFIRM, "pending@-")
    view = matching.get_candidate(seeded, world.actors["mediator"], pair)
    assert view.status is CandidateStatus.PENDING


@pytest.mark.parametrize(
    ("name", "given", "latin", "other"),
    [
        ("Олександр", True, "Oleksandr", "Александр"),
        ("Александр", True, "Aleksandr", "Олександр"),
        ("Nadiia", True, None, "Надія"),
        ("Коваленко", False, "Kovalenko", None),
        ("Kovalenko", False, None, None),
    ],
)
def test_spellings_beside_a_name(name: str, given: bool, latin: str | None, other: str | None) -> None:
    found = review_queue.spellings(name, given=given)
    assert found is not None
    assert (found.written, found.latin, found.other_cyrillic) == (name, latin, other)
    assert review_queue.spellings(None) is None
    languages = {"Юрійович": "uk", "Эдуардович": "ru", "Олександр": None, "Nadiia": None}
    assert {n: getattr(review_queue.spellings(n), "language", "?") for n in languages} == languages


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_uows(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[UnitOfWorkFactory, World]]:
    """A database of its own with real connections (not one shared test transaction), so writers race."""
    gen = _postgres_database() if request.param == "postgresql" else None
    url = next(gen) if gen is not None else f"sqlite:///{tmp_path / 'race.sqlite3'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        uows = UnitOfWorkFactory(engine, key_custody_of_tests())
        world = build_world(uows)
        seed_registries(uows, world, dt.date.today())
        seed_pairs(uows, world)
        yield uows, world
    finally:
        engine.dispose()
        if gen is not None:
            next(gen, None)


@pytest.mark.parametrize("verdict", [Verdict.NOT_SURE, Verdict.CONFIRM])
def test_copies_of_one_form_sent_at_once_record_one_decision(
    engine_uows: tuple[UnitOfWorkFactory, World], verdict: Verdict
) -> None:
    uows, world = engine_uows
    mediator = world.actors["mediator"]
    pair = _everything(uows, world)[0].id
    seen = review_queue.review_state(matching.get_candidate(uows, mediator, pair))
    copies = 6
    start = threading.Barrier(copies)
    outcomes: list[Outcome] = []
    errors: list[BaseException] = []

    def send() -> None:
        start.wait()
        try:
            outcomes.append(review_queue.decide(uows, mediator, pair, verdict, seen))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(outcomes) == sorted([Outcome.RECORDED] + [Outcome.ALREADY_DECIDED] * (copies - 1))
    tag = {Verdict.NOT_SURE: ActionTag.MATCH_DEFER, Verdict.CONFIRM: ActionTag.MATCH_CONFIRM}[verdict]
    with uows.reader() as uow:
        count = uow.session.execute(
            select(func.count()).where(LogEntryRow.tag == tag.value, LogEntryRow.object_id == pair)
        ).scalar_one()
    assert count == 1


def test_a_russian_given_name_is_romanised_in_a_russian_system() -> None:
    # Issue 14: Иванович is "Ivanovich", not the Ukrainian system's "Yvanovych"; Николай is only Russian.
    assert getattr(review_queue.spellings("Иванович"), "latin", None) == "Ivanovich"
    found = review_queue.spellings("Николай", given=True)
    assert found is not None and (found.latin, found.language) == ("Nikolai", "ru")
    assert getattr(review_queue.spellings("Микола", given=True), "latin", None) == "Mykola"
