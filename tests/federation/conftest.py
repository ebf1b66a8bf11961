"""Nodes on SQLite (a file each) and PostgreSQL (a fresh database each), each with its own key directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import _postgres_database
from tests.federation_support import NodeFactory, node_factory


@pytest.fixture(params=["sqlite", "postgresql"])
def nodes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NodeFactory]:
    if request.param == "sqlite":
        yield from node_factory(lambda code: f"sqlite:///{tmp_path / code}.sqlite3", tmp_path)
        return
    databases: list[Iterator[str]] = []

    def url_for(_code: str) -> str:
        database = _postgres_database()
        databases.append(database)
        return next(database)

    try:
        yield from node_factory(url_for, tmp_path)
    finally:
        for database in databases:
            next(database, None)


@pytest.fixture
def sqlite_nodes(tmp_path: Path) -> Iterator[NodeFactory]:
    yield from node_factory(lambda code: f"sqlite:///{tmp_path / code}.sqlite3", tmp_path)
