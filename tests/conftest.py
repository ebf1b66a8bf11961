"""Real databases for tests: SQLite and PostgreSQL, each test inside an outer transaction rolled back at
the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, text

from homebound.db.engine import make_engine, normalise_url
from homebound.db.migrate import upgrade
from homebound.db.uow import UnitOfWorkFactory
from tests.keys import key_custody_of_tests
from tests.settings import TEST_PASSWORD_ENV
from tests.world import World, build_world

PG_URL = os.environ.get("HOMEBOUND_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("HOMEBOUND_REQUIRE_POSTGRES") == "1"
# PostgreSQL tests run as the application role (a NOLOGIN role the test superuser switches to), so every
# service, route and page is exercised under row-level security; HOMEBOUND_TEST_AS_APP_ROLE=0 runs them as
# the connecting superuser.
AS_APP_ROLE = os.environ.get("HOMEBOUND_TEST_AS_APP_ROLE", "1") != "0"


# Fixtures parametrised over the two databases: `backend` (shared, rolled back per test) and the reliability
# battery's `live` (databases of its own).
BACKEND_FIXTURES = ("backend", "live")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`@pytest.mark.only_on("postgresql")`: the test is not collected for the other database at all (a
    feature only one of them has), rather than collected and then skipped, so CI's summary lists no skip."""
    kept, dropped = [], []
    for item in items:
        marker = item.get_closest_marker("only_on")
        params = getattr(getattr(item, "callspec", None), "params", {})
        chosen = [params[name] for name in BACKEND_FIXTURES if name in params]
        if marker is not None and not chosen:
            raise pytest.UsageError(f"{item.nodeid}: only_on needs a test parametrised by backend or live")
        if marker is not None and chosen[0] not in marker.args:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@dataclass
class Backend:
    name: str
    url: str
    engine: Engine
    world: World


def _postgres_database() -> Iterator[str]:
    """A fresh database per test session, so parallel runs and leftovers never collide."""
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            name = f"hb_test_{uuid.uuid4().hex[:10]}"
            conn.execute(text(f'CREATE DATABASE "{name}"'))  # name is ours, not input
    except Exception as exc:
        admin.dispose()
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL required but unreachable: {type(exc).__name__}")
        pytest.skip("PostgreSQL not reachable (set HOMEBOUND_REQUIRE_POSTGRES=1 to make this fatal)")
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def _test_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Private signing keys made by the tests go to a temporary directory, never to var/keys; passwords
    are hashed at the cheapest cost (tests/settings.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOMEBOUND_KEY_DIR", str(tmp_path_factory.mktemp("keys")))
        for name, value in TEST_PASSWORD_ENV.items():
            patch.setenv(name, value)
        yield


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "homebound.sqlite3"
        gen: Iterator[str] | None = None
        url = f"sqlite:///{path}"
    else:
        gen = _postgres_database()
        url = next(gen)
    engine = make_engine(url)
    upgrade(engine)
    world = build_world(UnitOfWorkFactory(engine, key_custody_of_tests()))
    yield Backend(request.param, url, engine, world)
    engine.dispose()
    if gen is not None:
        next(gen, None)


@pytest.fixture
def connection(backend: Backend) -> Iterator[Connection]:
    conn = backend.engine.connect()
    outer = conn.begin()
    if backend.name == "postgresql" and AS_APP_ROLE:
        # The server's own privileges: row-level security applies (migration 0005), as in production.
        conn.execute(text("SET LOCAL ROLE homebound_app"))
    try:
        yield conn
    finally:
        outer.rollback()
        conn.close()


@pytest.fixture
def uows(connection: Connection) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(connection, key_custody_of_tests())


@pytest.fixture
def world(backend: Backend) -> World:
    return backend.world
