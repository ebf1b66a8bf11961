"""Idempotency keys and ETags: a retry gets the first answer and makes no second change; stale or missing
preconditions are refused; the stored answer commits with the change or not at all.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import uuid
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from homebound.db import idempotency as store
from homebound.db.tables import IdempotencyRow, ImportBatchRow, LogEntryRow, PersonRow
from homebound.web.app import create_app
from homebound.web.write_policy import write_routes
from tests.reliability.conftest import LiveDatabase
from tests.world import PASSWORD, idempotent

T = TypeVar("T")


@pytest.fixture(scope="module")
def app(live: LiveDatabase) -> Iterator[FastAPI]:
    built = create_app(live.settings())
    yield built
    built.state.uows.bind.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a thread of its own: earlier tests (Playwright) may leave a loop running here."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _person(record_id: str, **extra: str) -> dict[str, str]:
    return {"registry": "held", "record_id": record_id, "family_name": "Шевченко", **extra}


def _count(live: LiveDatabase, record_id: str) -> tuple[int, int]:
    """Records with this source id, and log entries about them."""
    with live.engine.connect() as conn:
        ids = list(conn.execute(select(PersonRow.id).where(PersonRow.source_id == record_id)).scalars())
        entries = conn.execute(
            select(func.count()).select_from(LogEntryRow).where(LogEntryRow.object_id.in_(ids))
        ).scalar_one()
    return len(ids), entries


def _sample_request(path: str, body: str) -> dict[str, Any]:
    if body == "multipart":
        return {"files": {"file": ("list.csv", b"record_id,family_name\n1,X\n", "text/csv")}}
    return {"json": {}}


def test_every_write_needs_a_key(app: FastAPI, client: TestClient, live: LiveDatabase) -> None:
    policies = [p for p in write_routes(app) if p.idempotent]
    assert len(policies) >= 9
    for policy in policies:
        url = policy.path.replace("{person_id}", "x").replace("{token_id}", "x").replace("{inquiry_id}", "x")
        headers = live.world.headers("a_admin") if policy.signed_in else {}
        answer = client.request(policy.method, url, headers=headers, **_sample_request(url, policy.body))
        assert answer.status_code == 400, (policy, answer.text)
        assert answer.json()["code"] == "idempotency.key_required"
        assert answer.json()["field"] == "Idempotency-Key"


@pytest.mark.parametrize(
    "key", [b"short", b"x" * 201, b"has spaces in it!!", "ключ-ключ-ключ-ключ".encode()], ids=str
)
def test_malformed_keys_are_refused(client: TestClient, live: LiveDatabase, key: bytes) -> None:
    answer = client.post(
        "/api/v1/persons",
        json=_person("K-1"),
        headers={**live.world.headers("a_operator"), "Idempotency-Key": key},  # type: ignore[dict-item],
    )
    assert answer.status_code == 400 and answer.json()["code"] == "idempotency.key_invalid"


def test_retry_gets_the_first_answer_and_changes_nothing(client: TestClient, live: LiveDatabase) -> None:
    headers = live.world.writes("a_operator")
    first = client.post("/api/v1/persons", json=_person("R-1"), headers=headers)
    assert first.status_code == 201
    # The same request, its JSON keys in another order: the same request.
    again = client.post("/api/v1/persons", json=dict(reversed(list(_person("R-1").items()))), headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(live, "R-1") == (1, 1)


def test_same_key_other_request_is_refused(client: TestClient, live: LiveDatabase) -> None:
    headers = live.world.writes("a_operator")
    assert client.post("/api/v1/persons", json=_person("R-2"), headers=headers).status_code == 201
    other = client.post("/api/v1/persons", json=_person("R-3"), headers=headers)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency.key_reused" and other.json()["field"] == "Idempotency-Key"
    assert _count(live, "R-3") == (0, 0)


def test_a_refused_request_is_not_stored(client: TestClient, live: LiveDatabase) -> None:
    headers = live.world.writes("a_operator")
    refused = client.post("/api/v1/persons", json=_person("R-4", date_of_birth="1994-13-40"), headers=headers)
    assert refused.status_code == 422 and refused.json()["field"] == "date_of_birth"
    fixed = client.post("/api/v1/persons", json=_person("R-4", date_of_birth="1994-12-30"), headers=headers)
    assert fixed.status_code == 201
    assert _count(live, "R-4") == (1, 1)


def test_keys_belong_to_their_actor(client: TestClient, live: LiveDatabase) -> None:
    key = str(uuid.uuid4())
    a = client.post("/api/v1/persons", json=_person("R-5"), headers=live.world.writes("a_operator", key=key))
    b = client.post("/api/v1/persons", json=_person("R-5"), headers=live.world.writes("b_operator", key=key))
    assert a.status_code == b.status_code == 201
    assert a.json()["party_id"] != b.json()["party_id"]


def test_multipart_retry_with_a_new_boundary_is_the_same_request(
    client: TestClient, live: LiveDatabase
) -> None:
    headers = live.world.writes("b_operator")
    data = "record_id,family_name\nM-1,Бондаренко\nM-2,Ткаченко\n".encode()
    answers = [
        client.post(
            "/api/v1/imports?registry=held",
            files={"file": ("list.csv", data, "text/csv")},
            headers=headers,
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    with live.engine.connect() as conn:
        batches = conn.execute(
            select(func.count())
            .select_from(ImportBatchRow)
            .where(ImportBatchRow.id == answers[0].json()["batch_id"])
        ).scalar_one()
    assert batches == 1 and _count(live, "M-1") == (1, 1)


def test_stored_answers_keep_no_secret_in_clear(client: TestClient, live: LiveDatabase) -> None:
    key = str(uuid.uuid4())
    created = client.post(
        "/api/v1/tokens",
        json={"name": "nightly", "password": PASSWORD},
        headers=live.world.writes("a_admin", key=key),
    )
    assert created.status_code == 201
    secret = created.json()["token"]
    filed = client.post(
        "/api/v1/inquiries",
        json={
            "party": "pa",
            "inquirer_name": "Ганна",
            "inquirer_contact": "+380 00",
            "consent": True,
            "sought": {"family_name": "Мельник"},
        },
        headers=idempotent(),
    )
    assert filed.status_code == 201
    with live.engine.connect() as conn:
        rows = conn.execute(select(IdempotencyRow)).all()
    dumped = repr([tuple(r) for r in rows])
    assert secret not in dumped and key not in dumped
    assert filed.json()["secret"] not in dumped and "Мельник" not in dumped
    replayed = client.post(
        "/api/v1/tokens",
        json={"name": "nightly", "password": PASSWORD},
        headers=live.world.writes("a_admin", key=key),
    )
    assert replayed.json()["token"] == secret


def test_answer_and_change_commit_together(
    client: TestClient, live: LiveDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_args: object) -> None:
        raise RuntimeError("crash while recording the answer")

    monkeypatch.setattr(store, "complete", fail)
    answer = client.post("/api/v1/persons", json=_person("A-1"), headers=live.world.writes("a_operator"))
    assert answer.status_code == 500
    assert _count(live, "A-1") == (0, 0)


def test_updates_need_a_current_etag(client: TestClient, live: LiveDatabase) -> None:
    created = client.post("/api/v1/persons", json=_person("E-1"), headers=live.world.writes("a_operator"))
    url, etag = f"/api/v1/persons/{created.json()['id']}", created.headers["ETag"]
    missing = client.patch(url, json={"rank": "солдат"}, headers=live.world.writes("a_operator"))
    assert missing.status_code == 428 and missing.json()["field"] == "If-Match"
    status_missing = client.post(
        f"{url}/status", json={"status": "listed_for_exchange"}, headers=live.world.writes("a_operator")
    )
    assert status_missing.status_code == 428
    ok = client.patch(url, json={"rank": "солдат"}, headers=live.world.writes("a_operator", if_match=etag))
    assert ok.status_code == 200 and ok.headers["ETag"] != etag
    stale = client.patch(
        url, json={"rank": "сержант"}, headers=live.world.writes("a_operator", if_match=etag)
    )
    assert stale.status_code == 412 and stale.json()["code"] == "person.stale_version"
    assert client.get(url, headers=live.world.headers("a_operator")).json()["fields"]["rank"] == "солдат"


async def _burst(app: FastAPI, requests: int, **request: Any) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        return await asyncio.gather(*(http.post(**request) for _ in range(requests)))


def test_fifty_identical_concurrent_requests_make_one_change(app: FastAPI, live: LiveDatabase) -> None:
    headers = live.world.writes("a_operator")
    answers = _run(_burst(app, 50, url="/api/v1/persons", json=_person("C-1"), headers=headers))
    assert [a.status_code for a in answers] == [201] * 50
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(1 for a in answers if "Idempotent-Replayed" not in a.headers) == 1
    assert _count(live, "C-1") == (1, 1)


def test_fifty_concurrent_updates_with_one_etag_make_one_change(app: FastAPI, live: LiveDatabase) -> None:
    with TestClient(app) as client:
        created = client.post("/api/v1/persons", json=_person("C-2"), headers=live.world.writes("a_operator"))
    url, etag = f"/api/v1/persons/{created.json()['id']}", created.headers["ETag"]

    async def distinct_keys() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            return await asyncio.gather(
                *(
                    http.patch(
                        url,
                        json={"rank": f"rank {i}"},
                        headers=live.world.writes("a_operator", if_match=etag),
                    )
                    for i in range(50)
                )
            )

    statuses = sorted(a.status_code for a in _run(distinct_keys()))
    assert statuses == [200] + [412] * 49
    assert _count(live, "C-2") == (1, 2)
