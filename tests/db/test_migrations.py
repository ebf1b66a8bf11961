"""Migrations build exactly the schema the tables declare, on SQLite and PostgreSQL, and downgrade cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from homebound.db.migrate import current_revision, downgrade, upgrade
from homebound.db.tables import Base
from tests.conftest import Backend


def test_migrated_schema_matches_tables(backend: Backend) -> None:
    with backend.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_head_is_applied(backend: Backend) -> None:
    assert current_revision(backend.engine) is not None


def test_downgrade_and_upgrade_round_trip(tmp_path: object) -> None:
    from pathlib import Path

    from homebound.db.engine import make_engine

    engine = make_engine(f"sqlite:///{Path(str(tmp_path)) / 'm.sqlite3'}")
    upgrade(engine)
    downgrade(engine, "base")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) is not None
