"""A full disk (SQLite's max_page_count) and a database that goes away (PostgreSQL behind a proxy we can
cut): 503 problem+json with Retry-After, never a stack trace, nothing half-written, and recovery without
a restart; the retried request (same Idempotency-Key) then makes its change exactly once.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bench.tcp_proxy import TcpProxy
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from sqlalchemy.engine import make_url

from homebound.config import Settings
from homebound.db.engine import make_engine
from homebound.db.migrate import upgrade
from homebound.db.tables import LogEntryRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.web.app import create_app
from tests.keys import key_custody_of_tests
from tests.reliability.conftest import LiveDatabase
from tests.world import World, build_world

ROWS = 400


def _list(prefix: str) -> bytes:
    lines = ["record_id,family_name,given_name"] + [f"{prefix}-{i},Сидоренко,Петро" for i in range(ROWS)]
    return ("\n".join(lines) + "\n").encode()


def _unavailable(answer: Any) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert int(answer.headers["Retry-After"]) > 0
    body = answer.json()
    assert body["code"] == "service_unavailable"
    assert "Traceback" not in answer.text and "SELECT" not in answer.text and "INSERT" not in answer.text


def _counts(engine: Engine, prefix: str) -> tuple[int, int]:
    with engine.connect() as conn:
        persons = conn.execute(
            select(func.count()).select_from(PersonRow).where(PersonRow.source_id.like(f"{prefix}-%"))
        ).scalar_one()
        entries = conn.execute(select(func.count()).select_from(LogEntryRow)).scalar_one()
    return persons, entries


class PageLimit:
    """SQLite's max_page_count applied at every checkout: the disk "fills" and "frees" while running."""

    def __init__(self, engine: Engine) -> None:
        self.pages: int | None = None
        event.listen(engine, "checkout", self._apply)

    def _apply(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count = {int(self.pages or 1_073_741_823)}")  # an int we hold
        cursor.close()


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[tuple[Engine, PageLimit, World]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'small-disk.sqlite3'}")
    upgrade(engine)
    limit = PageLimit(engine)
    world = build_world(UnitOfWorkFactory(engine, key_custody_of_tests()))
    yield engine, limit, world
    engine.dispose()


def test_full_disk_is_503_and_recovers(full_disk: tuple[Engine, PageLimit, World], tmp_path: Path) -> None:
    engine, limit, world = full_disk
    settings = Settings(environment="test", database_url=str(engine.url))
    with TestClient(create_app(settings, bind=engine), raise_server_exceptions=False) as client:
        with engine.connect() as conn:
            limit.pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
        before = _counts(engine, "F")
        headers = world.writes("a_operator")
        upload = {"file": ("list.csv", _list("F"), "text/csv")}
        _unavailable(client.post("/api/v1/imports?registry=held", files=upload, headers=headers))
        assert _counts(engine, "F") == before  # nothing half-written
        assert client.get("/api/v1/persons", headers=world.headers("a_operator")).status_code == 200
        limit.pages = None  # space freed; the same process carries on
        retried = client.post("/api/v1/imports?registry=held", files=upload, headers=headers)
        assert retried.status_code == 200 and retried.json()["created"] == ROWS
        again = client.post("/api/v1/imports?registry=held", files=upload, headers=headers)
        assert again.json() == retried.json() and again.headers["Idempotent-Replayed"] == "true"
        persons, _entries = _counts(engine, "F")
        assert persons == ROWS


@pytest.fixture
def proxied(live: LiveDatabase) -> Iterator[tuple[TcpProxy, TestClient]]:
    assert live.name == "postgresql"  # a database server to lose; SQLite is a file (tests are only_on)
    url = make_url(live.url)
    with TcpProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        via_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
        app = create_app(Settings(environment="test", database_url=via_proxy))
        with TestClient(app, raise_server_exceptions=False) as client:
            yield proxy, client
        app.state.uows.bind.dispose()


@pytest.mark.only_on("postgresql")
def test_database_down_is_503_and_recovers(proxied: tuple[TcpProxy, TestClient], live: LiveDatabase) -> None:
    proxy, client = proxied
    world = live.world
    assert client.get("/api/v1/me", headers=world.headers("a_operator")).status_code == 200
    proxy.cut()
    _unavailable(client.get("/api/v1/persons", headers=world.headers("a_operator")))
    headers = world.writes("a_operator")
    person = {"registry": "held", "record_id": "DOWN-1", "family_name": "Гончаренко"}
    _unavailable(client.post("/api/v1/persons", json=person, headers=headers))
    _unavailable(client.post("/api/v1/auth/sign-in", json={"username": "a_operator", "password": "x" * 12}))
    proxy.restore()
    created = client.post("/api/v1/persons", json=person, headers=headers)
    assert created.status_code == 201
    assert client.post("/api/v1/persons", json=person, headers=headers).json() == created.json()
    assert _counts(live.engine, "DOWN")[0] == 1


@pytest.mark.only_on("postgresql")
def test_dropped_connections_are_replaced_unseen(
    proxied: tuple[TcpProxy, TestClient], live: LiveDatabase
) -> None:
    proxy, client = proxied
    for round_ in range(3):
        assert client.get("/api/v1/me", headers=live.world.headers("a_operator")).status_code == 200
        proxy.drop_connections()  # every pooled connection dies under the app's feet
        answer = client.post(
            "/api/v1/persons",
            json={"registry": "held", "record_id": f"DROP-{round_}", "family_name": "Гончаренко"},
            headers=live.world.writes("a_operator"),
        )
        assert answer.status_code == 201, answer.text
    assert _counts(live.engine, "DROP")[0] == 3


@pytest.mark.only_on("postgresql")
def test_postgresql_sockets_do_not_wait_for_acks(live: LiveDatabase) -> None:
    """Nagle's algorithm on the driver's socket cost each logged write ~90 ms (a COPY's closing messages
    waited for the server's delayed ACK). libpq, under psycopg 3, turns it off on TCP connections.
    """
    raw = live.engine.raw_connection()
    try:
        fd = raw.driver_connection.pgconn.socket  # type: ignore[union-attr]
        sock = socket.socket(fileno=os.dup(fd))
        try:
            assert sock.family in (socket.AF_INET, socket.AF_INET6)
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        finally:
            sock.close()
    finally:
        raw.close()
