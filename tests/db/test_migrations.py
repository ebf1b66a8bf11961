"""Migrations build exactly the schema the tables declare, on SQLite and PostgreSQL, and downgrade cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from homebound.db.engine import make_engine
from homebound.db.migrate import alembic_config, current_revision, downgrade, upgrade
from homebound.db.tables import Base
from tests.conftest import Backend, _postgres_database


def _schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def _head(engine: Engine) -> str:
    """The last revision among the migration scripts: what `upgrade` must have reached."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    heads = script.get_heads()
    assert len(heads) == 1, heads  # one line of migrations, no branch left unmerged
    return heads[0]


def test_migrated_schema_matches_tables(backend: Backend) -> None:
    assert _schema_differences(backend.engine) == []


def test_head_is_applied(backend: Backend) -> None:
    assert current_revision(backend.engine) == _head(backend.engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database of the test's own: the shared one stays at head for the other tests."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
        yield engine
        engine.dispose()
        return
    database = _postgres_database()
    engine = make_engine(next(database))
    yield engine
    engine.dispose()
    next(database, None)


def test_downgrade_and_upgrade_round_trip(empty_database: Engine) -> None:
    engine = empty_database
    upgrade(engine)
    head = _head(engine)
    assert current_revision(engine) == head
    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}  # every table dropped again
    upgrade(engine)
    assert current_revision(engine) == head
    assert _schema_differences(engine) == []
