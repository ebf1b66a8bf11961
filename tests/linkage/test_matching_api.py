"""Matching in the product, through the API: the mediator runs a match, reviews the queue, and a confirmed
pair tells the seeking party "confirmed held" — while the holding party learns nothing of what is sought."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from homebound.config import Settings
from homebound.core.person_input import parse_person_row
from homebound.core.persons import Registry
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.registry import insert_person
from homebound.synthetic.scenario import generate_exchange_lists
from homebound.web.app import create_app
from tests.conftest import Backend
from tests.world import World

LIST_SIZE = 40
CANDIDATES = "/api/v1/matching/candidates"


@pytest.fixture
def client(backend: Backend, connection: Connection) -> Iterator[TestClient]:
    settings = Settings(environment="test", database_url=backend.url)
    with TestClient(create_app(settings, bind=connection), raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass(frozen=True)
class Registries:
    person_id: dict[str, str]  # list record_id -> database person id
    truth: set[tuple[str, str]]  # (sought person id, held person id)


def _add(
    uows: UnitOfWorkFactory, world: World, who: str, registry: Registry, rows: list[dict[str, str]]
) -> list[str]:
    """Write rows into a party's registry in one transaction (as an import does)."""
    actor = world.actors[who]
    assert actor.party_id is not None
    with uows.writer() as uow:
        ids = []
        for row in rows:
            parsed, problems = parse_person_row(
                {k: v for k, v in row.items() if v and k != "status"}, registry
            )
            assert parsed is not None, problems
            ids.append(insert_person(uow.session, actor, actor.party_id, registry, parsed).id)
        uow.commit()
    return ids


@pytest.fixture
def registries(uows: UnitOfWorkFactory, world: World) -> Registries:
    """Party A's sought list and party B's held list, written the way each side writes."""
    lists = generate_exchange_lists(LIST_SIZE, 5, n_reverse=0).forward
    ids = dict(
        zip(
            (r["record_id"] for r in lists.sought),
            _add(uows, world, "a_operator", Registry.SOUGHT, lists.sought),
            strict=True,
        )
    )
    ids |= dict(
        zip(
            (r["record_id"] for r in lists.held),
            _add(uows, world, "b_operator", Registry.HELD, lists.held),
            strict=True,
        )
    )
    return Registries(ids, {(ids[s], ids[h]) for s, h in lists.truth})


def _run(client: TestClient, world: World) -> dict[str, Any]:
    body = {"sought_party": "pa", "held_party": "pb"}
    answer = client.post("/api/v1/matching/runs", json=body, headers=world.writes("mediator"))
    assert answer.status_code == 201, answer.json()
    run: dict[str, Any] = answer.json()
    return run


def _queue(client: TestClient, world: World, **params: str) -> list[dict[str, Any]]:
    answer = client.get(CANDIDATES, params={"limit": "200", **params}, headers=world.headers("mediator"))
    assert answer.status_code == 200, answer.json()
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _review(client: TestClient, world: World, candidate: str, verdict: str, who: str = "mediator") -> Any:
    body = {"verdict": verdict, "note": "unit roster checked"}
    return client.post(f"{CANDIDATES}/{candidate}/review", json=body, headers=world.writes(who))


def test_run_proposes_true_pairs_with_explanations(
    client: TestClient, world: World, registries: Registries
) -> None:
    run = _run(client, world)
    assert run["sought_records"] == LIST_SIZE and run["held_records"] == LIST_SIZE
    queue = _queue(client, world)
    assert len(queue) == run["queued"] > 0
    proposed = {(c["sought"]["id"], c["held"]["id"]) for c in queue}
    assert len(proposed & registries.truth) >= 0.9 * len(proposed)
    assert len(proposed & registries.truth) >= 0.9 * len(registries.truth)
    first = queue[0]
    assert first["status"] == "pending" and first["band"] in {"match", "review"}
    assert {e["comparison"] for e in first["explanation"]["evidence"]} >= {"family_name", "date_of_birth"}
    total = first["explanation"]["prior_weight"] + sum(
        e["match_weight"] + e["tf_adjustment"] for e in first["explanation"]["evidence"]
    )
    assert total == pytest.approx(first["match_weight"])
    # A second run queues nothing it already queued.
    assert _run(client, world)["queued"] == 0


def test_confirmation_discloses_status_to_the_seeking_party_only(
    client: TestClient, world: World, registries: Registries
) -> None:
    _run(client, world)
    pair = next(c for c in _queue(client, world) if (c["sought"]["id"], c["held"]["id"]) in registries.truth)
    sought_id, held_id = pair["sought"]["id"], pair["held"]["id"]
    before_b = {
        e["seq"] for e in client.get("/api/v1/log/entries", headers=world.headers("b_admin")).json()["items"]
    }
    held_before = client.get(f"/api/v1/persons/{held_id}", headers=world.headers("b_operator")).json()

    answer = _review(client, world, pair["id"], "confirm")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "confirmed"

    # Party A sees its own record confirmed held, and nothing of the holder's record.
    mine = client.get(f"/api/v1/persons/{sought_id}", headers=world.headers("a_operator")).json()
    assert mine["status"] == "confirmed_held"
    assert client.get(f"/api/v1/persons/{held_id}", headers=world.headers("a_operator")).status_code == 404
    assert held_id not in str(mine)

    # Party B: its held record unchanged, A's sought record invisible, the queue closed, its log silent.
    held_after = client.get(f"/api/v1/persons/{held_id}", headers=world.headers("b_operator")).json()
    assert held_after == held_before
    assert client.get(f"/api/v1/persons/{sought_id}", headers=world.headers("b_operator")).status_code == 404
    for who in ("b_admin", "b_operator"):
        assert client.get(CANDIDATES, headers=world.headers(who)).status_code == 403
        assert client.get(f"{CANDIDATES}/{pair['id']}", headers=world.headers(who)).status_code == 404
    new_entries = [
        e
        for e in client.get(
            "/api/v1/log/entries", params={"limit": "1000"}, headers=world.headers("b_admin")
        ).json()["items"]
        if e["seq"] not in before_b
    ]
    assert not [e for e in new_entries if e["tag"].startswith("matching:")]
    assert not [e for e in new_entries if e["object_id"] in {sought_id, pair["id"]}]

    # The mediator's log holds the run and the verdict.
    tags = {
        e["tag"]
        for e in client.get(
            "/api/v1/log/entries", params={"limit": "1000"}, headers=world.headers("mediator")
        ).json()["items"]
    }
    assert {"matching:run:create", "matching:candidate:confirm"} <= tags


def test_reject_and_not_sure_change_no_status(
    client: TestClient, world: World, registries: Registries
) -> None:
    _run(client, world)
    first, second = _queue(client, world)[:2]
    assert _review(client, world, first["id"], "reject").json()["status"] == "rejected"
    assert _review(client, world, second["id"], "not_sure").json()["status"] == "not_sure"
    for pair in (first, second):
        sought = client.get(
            f"/api/v1/persons/{pair['sought']['id']}", headers=world.headers("a_operator")
        ).json()
        assert sought["status"] == pair["sought"]["status"]
    assert [c["id"] for c in _queue(client, world, status="not_sure")] == [second["id"]]
    # A decided pair is final; a deferred one can still be decided.
    refused = _review(client, world, first["id"], "confirm")
    assert refused.status_code == 409
    assert refused.json()["code"] == "match.decided"
    assert _review(client, world, second["id"], "reject").json()["status"] == "rejected"


TWIN_SOUGHT = [
    {"record_id": "TW-1", "family_name": "Гудименко", "given_name": "Ярослав", "patronymic": "Петрович",
     "sex": "ч", "date_of_birth": "03.12.1997"},
    {"record_id": "TW-2", "family_name": "Гудименко", "given_name": "Ярослав", "patronymic": "Петрович",
     "sex": "ч", "date_of_birth": "1997"},
]  # fmt: skip
TWIN_HELD = {"record_id": "RU-TW", "family_name": "ГУДИМЕНКО", "given_name": "ЯРОСЛАВ",
             "patronymic": "ПЕТРОВИЧ", "sex": "м", "date_of_birth": "1997-12-03"}  # fmt: skip


def test_new_held_record_is_matched_on_arrival_and_pairs_stay_one_to_one(
    client: TestClient, world: World, uows: UnitOfWorkFactory
) -> None:
    sought = _add(uows, world, "a_operator", Registry.SOUGHT, TWIN_SOUGHT)
    (held,) = _add(uows, world, "b_operator", Registry.HELD, [TWIN_HELD])
    answer = client.post(f"/api/v1/matching/held/{held}", headers=world.writes("mediator"))
    assert answer.status_code == 201, answer.json()
    assert answer.json()["queued"] == 2
    queue = {c["sought"]["id"]: c for c in _queue(client, world)}
    assert set(queue) == set(sought)
    # Two sought records compete for one held record: neither is put forward as a sure match.
    assert {c["band"] for c in queue.values()} == {"review"}
    assert _review(client, world, queue[sought[0]]["id"], "confirm").status_code == 200
    taken = _review(client, world, queue[sought[1]]["id"], "confirm")
    assert taken.status_code == 409
    assert taken.json()["code"] == "match.taken"


@pytest.mark.parametrize("who", ["a_admin", "a_operator", "b_admin", "med_observer"])
def test_only_the_mediator_runs_and_reviews(client: TestClient, world: World, who: str) -> None:
    body = {"sought_party": "pa", "held_party": "pb"}
    assert client.post("/api/v1/matching/runs", json=body, headers=world.writes(who)).status_code == 403
    assert client.get(CANDIDATES, headers=world.headers(who)).status_code == 403
    missing = _review(client, world, "00000000-0000-0000-0000-000000000000", "confirm", who=who)
    assert missing.status_code == 404
    nobody = "00000000-0000-0000-0000-000000000000"
    held = client.post(f"/api/v1/matching/held/{nobody}", headers=world.writes(who))
    assert held.status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"sought_party": "pa", "held_party": "pa"}, 422),
        ({"sought_party": "pa", "held_party": "med"}, 404),
        ({"sought_party": "nobody", "held_party": "pb"}, 404),
    ],
)
def test_run_refuses_wrong_parties(
    client: TestClient, world: World, body: dict[str, str], status: int
) -> None:
    answer = client.post("/api/v1/matching/runs", json=body, headers=world.writes("mediator"))
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_the_queue_worked_in_bulk_through_the_api(
    client: TestClient, world: World, registries: Registries
) -> None:
    _run(client, world)
    strong = _queue(client, world, band="match")
    weak = _queue(client, world, band="review")
    assert strong and {c["band"] for c in strong} == {"match"} and {c["band"] for c in weak} <= {"review"}
    assert _queue(client, world, party="nobody") == []
    assert len(_queue(client, world, party="pb", category="pow")) <= len(_queue(client, world, party="pb"))
    mediator = world.headers("mediator")
    work = client.get("/api/v1/matching/workload", headers=mediator).json()
    assert (work["open_match"], work["open_review"]) == (len(strong), len(weak))
    assert work["actions_left"] == -(-len(strong) // 25) + len(weak)
    # The filtered set: every open strong match, named by a token.
    shown = client.get("/api/v1/matching/bulk-set", params={"verdict": "confirm"}, headers=mediator).json()
    assert set(shown["candidate_ids"]) == {c["id"] for c in strong} and shown["count"] == len(strong)
    # One pair decided by ids first: the token no longer names the set, and nothing more is decided.
    first = strong[0]["id"]
    by_ids = {"verdict": "reject", "candidate_ids": [first]}
    answer = client.post("/api/v1/matching/bulk-review", json=by_ids, headers=world.writes("mediator"))
    assert answer.status_code == 200 and answer.json()["recorded"] == [first]
    stale = {"verdict": "confirm", "filter": {}, "token": shown["token"]}
    refused = client.post("/api/v1/matching/bulk-review", json=stale, headers=world.writes("mediator"))
    assert refused.status_code == 409 and refused.json()["code"] == "queue.changed"
    fresh = client.get("/api/v1/matching/bulk-set", params={"verdict": "confirm"}, headers=mediator).json()
    body = {"verdict": "confirm", "filter": {}, "token": fresh["token"]}
    done = client.post("/api/v1/matching/bulk-review", json=body, headers=world.writes("mediator")).json()
    assert set(done["recorded"]) | set(done["refused"]) == {c["id"] for c in strong[1:]}
    assert len(_queue(client, world, status="confirmed")) == len(done["recorded"])
    after = client.get("/api/v1/matching/workload", headers=mediator).json()
    assert after["decided_today"] == 1 + len(done["recorded"]) and after["open_match"] == 0
    # Not sure is one pair at a time; a token needs its filter.
    assert (
        client.post(
            "/api/v1/matching/bulk-review", json={"verdict": "not_sure"}, headers=world.writes("mediator")
        ).status_code
        == 422
    )
    half = {"verdict": "confirm", "token": fresh["token"]}
    assert (
        client.post("/api/v1/matching/bulk-review", json=half, headers=world.writes("mediator")).status_code
        == 422
    )


@pytest.mark.parametrize("who", ["a_admin", "b_operator", "med_observer"])
def test_only_the_mediator_works_in_bulk(client: TestClient, world: World, who: str) -> None:
    assert client.get("/api/v1/matching/workload", headers=world.headers(who)).status_code == 403
    assert (
        client.get(
            "/api/v1/matching/bulk-set", params={"verdict": "reject"}, headers=world.headers(who)
        ).status_code
        == 403
    )
    body = {"verdict": "reject", "candidate_ids": ["00000000-0000-0000-0000-000000000000"]}
    answer = client.post("/api/v1/matching/bulk-review", json=body, headers=world.writes(who))
    assert answer.status_code == 403
