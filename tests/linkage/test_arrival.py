"""Matching on arrival: a new held or sought record is scored against the other side in its own
transaction, through the cached incremental index; its pairs wait in the mediator's queue and nobody else
learns of them."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, select, text

from homebound.config import Settings
from homebound.core.errors import ValidationFailed
from homebound.core.person_input import parse_person_row
from homebound.core.persons import Registry, Status
from homebound.db.engine import make_engine
from homebound.db.log_store import log_action
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.migrate import upgrade
from homebound.db.persons import row_to_fields
from homebound.db.tables import PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.linkage.batch import LinkSession
from homebound.linkage.comparisons import COMPARISONS
from homebound.linkage.features import prepare_features
from homebound.linkage.frequencies import TermFrequencies
from homebound.linkage.model import default_model
from homebound.lists.writers import write_csv
from homebound.services import lists, registry
from homebound.services.arrival import ONE_BY_ONE, Arrival, queue_proposals, score, warm
from homebound.services.match_index import IndexCache, database_key, default_cache
from homebound.services.matching import _frame
from homebound.services.registry import insert_person
from homebound.synthetic.scenario import generate_exchange_lists
from homebound.web.app import create_app
from tests.conftest import Backend, _postgres_database
from tests.keys import key_custody_of_tests
from tests.world import World, build_world

CANDIDATES = "/api/v1/matching/candidates"
SOUGHT = {
    "record_id": "UA-S-1",
    "family_name": "Коваленко",
    "given_name": "Олександр",
    "patronymic": "Миколайович",
    "sex": "ч",
    "date_of_birth": "12.03.1994",
    "unit": "в/ч А1234",
}
HELD = {
    "record_id": "RU-H-1",
    "family_name": "КОВАЛЕНКО",
    "given_name": "АЛЕКСАНДР",
    "patronymic": "НИКОЛАЕВИЧ",
    "sex": "м",
    "date_of_birth": "1994-03-12",
    "unit": "A-1234",
}
STRANGER = {
    "record_id": "RU-H-2",
    "family_name": "Шевчук",
    "given_name": "Тарас",
    "patronymic": "Григорьевич",
    "sex": "м",
    "date_of_birth": "1971-07-01",
}


@pytest.fixture
def client(backend: Backend, connection: Connection) -> Iterator[TestClient]:
    settings = Settings(environment="test", database_url=backend.url)
    with TestClient(create_app(settings, bind=connection), raise_server_exceptions=False) as test_client:
        yield test_client


def _candidates(uows: UnitOfWorkFactory) -> list[MatchCandidateRow]:
    with uows.reader() as uow:
        return list(uow.session.execute(select(MatchCandidateRow)).scalars())


def _create(
    client: TestClient, world: World, who: str, registry_: str, body: dict[str, str], **kw: Any
) -> Any:
    answer = client.post(
        "/api/v1/persons", json={**body, "registry": registry_}, headers=world.writes(who, **kw)
    )
    assert answer.status_code == 201, answer.json()
    return answer


def _log_seqs(client: TestClient, world: World, who: str) -> set[int]:
    items = client.get("/api/v1/log/entries", params={"limit": "1000"}, headers=world.headers(who)).json()
    return {e["seq"] for e in items["items"]}


def test_new_held_record_yields_one_candidate_for_the_mediator_only(client: TestClient, world: World) -> None:
    sought = _create(client, world, "a_operator", "sought", SOUGHT).json()
    before = {who: _log_seqs(client, world, who) for who in ("a_admin", "b_admin")}
    sought_before = client.get(f"/api/v1/persons/{sought['id']}", headers=world.headers("a_operator")).json()

    key = "create-held-record-0001"
    held = _create(client, world, "b_operator", "held", HELD, key=key).json()
    # Unrelated records arrive without proposals.
    _create(client, world, "b_operator", "held", STRANGER)

    queue = client.get(CANDIDATES, headers=world.headers("mediator")).json()["items"]
    assert [(c["sought"]["id"], c["held"]["id"]) for c in queue] == [(sought["id"], held["id"])]
    (pair,) = queue
    assert pair["status"] == "pending"
    assert pair["band"] == "match"
    assert pair["match_probability"] > 0.99
    assert {e["comparison"] for e in pair["explanation"]["evidence"]} >= {"family_name", "date_of_birth"}

    # A retried create (same Idempotency-Key) replays the first answer: no second record, no second pair.
    again = _create(client, world, "b_operator", "held", HELD, key=key)
    assert again.json()["id"] == held["id"]
    assert len(client.get(CANDIDATES, headers=world.headers("mediator")).json()["items"]) == 1

    # Neither party learns anything: no queue, no pair, no new log entry but B's own creations, A's
    # record unchanged, and B's answer names nothing of A's.
    for who in ("a_admin", "a_operator", "b_admin", "b_operator"):
        assert client.get(CANDIDATES, headers=world.headers(who)).status_code == 403
        assert client.get(f"{CANDIDATES}/{pair['id']}", headers=world.headers(who)).status_code == 404
    assert _log_seqs(client, world, "a_admin") == before["a_admin"]
    new_for_b = _log_seqs(client, world, "b_admin") - before["b_admin"]
    entries = client.get("/api/v1/log/entries", params={"limit": "1000"}, headers=world.headers("b_admin"))
    tags = [e["tag"] for e in entries.json()["items"] if e["seq"] in new_for_b]
    assert tags == ["registry:person:create", "registry:person:create"]
    assert sought["id"] not in str(held)
    after = client.get(f"/api/v1/persons/{sought['id']}", headers=world.headers("a_operator")).json()
    assert after == sought_before


def test_new_sought_record_is_scored_against_the_held_registries(
    client: TestClient, world: World, uows: UnitOfWorkFactory
) -> None:
    held = _create(client, world, "b_operator", "held", HELD).json()
    assert _candidates(uows) == []
    sought = _create(client, world, "a_operator", "sought", SOUGHT).json()
    (pair,) = _candidates(uows)
    assert (pair.sought_person_id, pair.held_person_id) == (sought["id"], held["id"])
    assert (pair.sought_party_id, pair.held_party_id) == (world.party_ids["pa"], world.party_ids["pb"])
    assert pair.mediator_id == world.party_ids["med"]
    # A second sought record of A pairs with B's held record too, never with A's own first one.
    second = _create(client, world, "a_operator", "sought", {**SOUGHT, "record_id": "UA-S-2"}).json()
    pairs = {(c.sought_person_id, c.held_person_id) for c in _candidates(uows)}
    assert pairs == {(sought["id"], held["id"]), (second["id"], held["id"])}


def test_an_update_of_a_matching_field_re_scores(uows: UnitOfWorkFactory, world: World) -> None:
    sought = registry.create_person(uows, world.actors["a_operator"], Registry.SOUGHT, SOUGHT)
    held = registry.create_person(uows, world.actors["b_operator"], Registry.HELD, STRANGER)
    assert _candidates(uows) == []
    # A change elsewhere re-scores nothing.
    registry.update_person(uows, world.actors["b_operator"], held.id, {"rank": "сержант"})
    assert _candidates(uows) == []
    changes = {k: v for k, v in HELD.items() if k != "record_id"}
    registry.update_person(uows, world.actors["b_operator"], held.id, changes)
    (pair,) = _candidates(uows)
    assert (pair.sought_person_id, pair.held_person_id) == (sought.id, held.id)
    # Re-scoring an already proposed pair does not propose it twice.
    registry.update_person(uows, world.actors["b_operator"], held.id, {"unit": "в/ч 1234"})
    assert len(_candidates(uows)) == 1


def test_a_record_no_longer_open_leaves_the_index(uows: UnitOfWorkFactory, world: World) -> None:
    sought = registry.create_person(uows, world.actors["a_operator"], Registry.SOUGHT, SOUGHT)
    registry.create_person(uows, world.actors["b_operator"], Registry.HELD, STRANGER)
    registry.change_status(uows, world.actors["a_operator"], sought.id, Status.DECEASED, "confirmed dead")
    registry.create_person(uows, world.actors["b_operator"], Registry.HELD, HELD)
    assert _candidates(uows) == []


def test_turned_off_for_bulk_migrations(uows: UnitOfWorkFactory, world: World) -> None:
    uows = UnitOfWorkFactory(uows.bind, uows.keys, match_on_arrival=False)
    registry.create_person(uows, world.actors["a_operator"], Registry.SOUGHT, SOUGHT)
    registry.create_person(uows, world.actors["b_operator"], Registry.HELD, HELD)
    assert _candidates(uows) == []


def _csv(rows: list[dict[str, str]]) -> bytes:
    return write_csv([{k: v for k, v in row.items() if k != "status"} for row in rows])


def test_import_candidates_commit_with_the_import_and_only_once(
    uows: UnitOfWorkFactory, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair_lists = generate_exchange_lists(60, 11, n_reverse=0).forward
    lists.import_list(uows, world.actors["a_operator"], Registry.SOUGHT, _csv(pair_lists.sought), "s.csv")
    assert _candidates(uows) == []
    held = _csv(pair_lists.held)

    # A refused list (a bad row) writes nothing, and so proposes nothing.
    bad = _csv([*pair_lists.held, {"record_id": "BAD-1", "family_name": "", "sex": "м"}])
    with pytest.raises(ValidationFailed):
        lists.import_list(uows, world.actors["b_operator"], Registry.HELD, bad, "h.csv")
    assert _candidates(uows) == []

    # An import that fails after its pairs were scored rolls them back with its records.
    original = log_action

    def failing(*args: Any, **kwargs: Any) -> Any:
        if args[3] == "import_batch":
            raise RuntimeError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(lists, "log_action", failing)
    with pytest.raises(RuntimeError):
        lists.import_list(uows, world.actors["b_operator"], Registry.HELD, held, "h.csv")
    monkeypatch.setattr(lists, "log_action", original)
    assert _candidates(uows) == []

    report = lists.import_list(uows, world.actors["b_operator"], Registry.HELD, held, "h.csv")
    assert report.created == len(pair_lists.held)
    found = _candidates(uows)
    with uows.reader() as uow:
        source = dict(uow.session.execute(select(PersonRow.id, PersonRow.source_id)).all())
    proposed = {(source[c.sought_person_id], source[c.held_person_id]) for c in found}
    truth = set(pair_lists.truth)
    assert len(proposed & truth) >= 0.9 * len(truth)
    assert all(c.status == "pending" and c.band in {"match", "review"} for c in found)

    # The same file again changes nothing and proposes nothing again.
    again = lists.import_list(uows, world.actors["b_operator"], Registry.HELD, held, "h.csv")
    assert again.unchanged == len(pair_lists.held)
    assert len(_candidates(uows)) == len(found)


def test_scores_agree_with_the_batch_path(uows: UnitOfWorkFactory, world: World) -> None:
    pair_lists = generate_exchange_lists(80, 23, n_reverse=0).forward
    lists.import_list(uows, world.actors["a_operator"], Registry.SOUGHT, _csv(pair_lists.sought), "s.csv")
    lists.import_list(uows, world.actors["b_operator"], Registry.HELD, _csv(pair_lists.held), "h.csv")
    found = _candidates(uows)
    assert len(found) >= 40
    with uows.reader() as uow:
        rows = list(uow.session.execute(select(PersonRow)).scalars())
        sought = _frame(
            [r for r in rows if r.registry_kind == "sought" and r.status in ("missing", "believed_captive")]
        )
        held = _frame([r for r in rows if r.registry_kind == "held"])
    model = default_model()  # the model arrivals use, its prior as it is
    # Arriving held records are scored against the sought registry's index, whose name shares are the
    # registry's own: the batch path given the same shares must score every pair alike.
    sought_keys = prepare_features(sought)
    shares = TermFrequencies.of(sought_keys, model=model)
    batch = LinkSession(sought_keys, prepare_features(held), model, frequencies=shares).predict(
        min_probability=0.0
    )
    scored = {(str(r["left_id"]), str(r["right_id"])): r for r in batch.to_dict("records")}
    for candidate in found:
        expected = scored[(candidate.sought_person_id, candidate.held_person_id)]
        assert math.isclose(candidate.match_weight, float(expected["match_weight"]), abs_tol=1e-9)
        assert math.isclose(candidate.match_probability, float(expected["match_probability"]), rel_tol=1e-9)
        gammas = {e["comparison"]: e["gamma"] for e in candidate.explanation["evidence"]}
        for spec in COMPARISONS:
            assert gammas[spec.name] == int(expected[f"gamma_{spec.name}"])
    # Every pair the batch path puts in the review band or above, for a held record, arrived.
    strong = {p for p, r in scored.items() if r["match_probability"] >= 0.5}
    assert strong == {(c.sought_person_id, c.held_person_id) for c in found}


@pytest.fixture
def fresh_engines(backend: Backend, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on a database of their own (as two server processes), with real commits."""
    generator: Iterator[str] | None = None
    if backend.name == "sqlite":
        url = f"sqlite:///{tmp_path / 'two.sqlite3'}"
    else:
        generator = _postgres_database()
        url = next(generator)
    first, second = make_engine(url), make_engine(url)
    try:
        upgrade(first)
        yield first, second
    finally:
        first.dispose()
        second.dispose()
        if generator is not None:
            next(generator, None)


def test_the_index_sees_a_record_committed_by_another_process(fresh_engines: tuple[Engine, Engine]) -> None:
    first, second = (UnitOfWorkFactory(e, key_custody_of_tests()) for e in fresh_engines)
    world = build_world(first)
    cache = default_cache()
    registry.create_person(first, world.actors["b_operator"], Registry.HELD, STRANGER)  # builds A's index
    builds = cache.builds
    # The other process writes a sought record (as a bulk migration would, no matching of its own).
    actor = world.actors["a_operator"]
    parsed, _ = parse_person_row(SOUGHT, Registry.SOUGHT)
    assert parsed is not None and actor.party_id is not None
    with second.writer() as uow:
        sought = insert_person(uow.session, actor, actor.party_id, Registry.SOUGHT, parsed)
        uow.commit()
    held = registry.create_person(first, world.actors["b_operator"], Registry.HELD, HELD)
    (pair,) = _candidates(first)
    assert (pair.sought_person_id, pair.held_person_id) == (sought.id, held.id)
    assert cache.builds == builds  # refreshed in place, not rebuilt


@pytest.mark.only_on("postgresql")
def test_matching_on_arrival_runs_as_the_application_role(
    backend: Backend, connection: Connection, uows: UnitOfWorkFactory, world: World
) -> None:
    """Under PostgreSQL's row-level security as the server's role: the write (unscoped) reads the other
    party's registry and writes the mediator's candidates, one record or a list."""
    savepoint = connection.begin_nested()
    try:
        connection.execute(text("SET LOCAL ROLE homebound_app"))
        registry.create_person(uows, world.actors["a_operator"], Registry.SOUGHT, SOUGHT)
        registry.create_person(uows, world.actors["b_operator"], Registry.HELD, HELD)
        assert len(_candidates(uows)) == 1
        # Lists as single creates: an import's COPY of persons is refused under RLS (until db/bulk.py
        # falls back to INSERT); enough records to score in bulk are scored through the same writes.
        pair_lists = generate_exchange_lists(30, 5, n_reverse=0).forward
        for who, kind, rows in (
            ("a_operator", Registry.SOUGHT, pair_lists.sought),
            ("b_operator", Registry.HELD, pair_lists.held),
        ):
            for row in rows:
                record = {k: v for k, v in row.items() if v and k != "status"}
                registry.create_person(uows, world.actors[who], kind, record)
        assert len(_candidates(uows)) > 20
        with uows.writer() as uow:
            held = list(uow.session.execute(select(PersonRow).where(PersonRow.registry_kind == "held")))
            arrivals = [Arrival(p.id, p.party_id, Registry.HELD, p.status, row_to_fields(p)) for (p,) in held]
            assert len(arrivals) > ONE_BY_ONE
            proposed, _ = score(uow.session, arrivals)
            assert len(queue_proposals(uow.session, proposed, world.party_ids["med"], "bulk")) == 0
            uow.commit()
    finally:
        savepoint.rollback()


def test_a_first_write_finds_the_index_built_before_its_transaction(
    uows: UnitOfWorkFactory, world: World
) -> None:
    cache = IndexCache()
    registry.create_person(uows, world.actors["a_operator"], Registry.SOUGHT, SOUGHT)
    database = database_key(uows.bind)
    assert cache.needs_build(database, Registry.SOUGHT)
    warm(uows, world.party_ids["pb"], Registry.HELD, cache=cache)
    assert not cache.needs_build(database, Registry.SOUGHT)
    assert cache.builds == 1
    # The write then only refreshes it, in its own transaction, and finds the pair.
    with uows.writer() as uow:
        held = insert_person(
            uow.session, world.actors["b_operator"], world.party_ids["pb"], Registry.HELD, _parsed(HELD)
        )
        arrival = Arrival(held.id, held.party_id, Registry.HELD, held.status, row_to_fields(held))
        proposed, compared = score(uow.session, [arrival], cache=cache)
        uow.commit()
    assert cache.builds == 1
    assert compared == 1
    assert [p.held_person_id for p in proposed] == [held.id]


def _parsed(row: dict[str, str]) -> Any:
    parsed, problems = parse_person_row(row, Registry.HELD)
    assert parsed is not None, problems
    return parsed


def test_the_cache_is_bounded(uows: UnitOfWorkFactory, world: World) -> None:
    cache = IndexCache(max_records=1)
    registry.create_person(uows, world.actors["a_operator"], Registry.SOUGHT, SOUGHT)
    registry.create_person(uows, world.actors["a_operator"], Registry.HELD, HELD)
    database = database_key(uows.bind)
    warm(uows, world.party_ids["pb"], Registry.HELD, cache=cache)  # A's sought registry: 1 record
    assert len(cache) == 1
    warm(uows, world.party_ids["pb"], Registry.SOUGHT, cache=cache)  # A's held registry: 1 more
    # Over the bound: the least recently used index (A's sought registry) is dropped, rebuilt when needed.
    assert len(cache) == 1
    assert cache.needs_build(database, Registry.SOUGHT)
    assert not cache.needs_build(database, Registry.HELD)
