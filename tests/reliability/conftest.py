"""Databases of their own for the reliability battery: apps bound to a real engine, so requests run
concurrently and commit for real (the shared test database rolls every test back inside one connection).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from homebound.config import Settings
from homebound.db.engine import make_engine
from homebound.db.migrate import upgrade
from homebound.db.uow import UnitOfWorkFactory
from tests.conftest import _postgres_database
from tests.keys import key_custody_of_tests
from tests.world import World, build_world


@dataclass
class LiveDatabase:
    name: str
    url: str
    engine: Engine
    world: World

    def settings(self, **overrides: object) -> Settings:
        return Settings(environment="test", database_url=self.url, **overrides)  # type: ignore[arg-type]


def _fresh(kind: str, tmp: Path) -> Iterator[LiveDatabase]:
    gen: Iterator[str] | None = None
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'homebound.sqlite3'}"
    else:
        gen = _postgres_database()
        url = next(gen)
    engine = make_engine(url)
    upgrade(engine)
    world = build_world(UnitOfWorkFactory(engine, key_custody_of_tests()))
    try:
        yield LiveDatabase(kind, url, engine, world)
    finally:
        engine.dispose()
        if gen is not None:
            next(gen, None)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDatabase]:
    yield from _fresh(request.param, tmp_path_factory.mktemp("live"))
