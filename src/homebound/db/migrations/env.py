"""Alembic environment: uses the engine handed over by homebound.db.migrate.

On SQLite a batch migration copies a table and drops the old one; with foreign keys enforced, dropping a
table that other rows refer to (an organisation, a person) fails. So foreign keys are switched off for the
run, as SQLite's own procedure for altering a table prescribes, and `PRAGMA foreign_key_check` must find
nothing dangling before the run commits.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from homebound.db.tables import Base

engine = context.config.attributes["engine"]


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()


with engine.connect() as connection:
    if connection.dialect.name != "sqlite":
        with connection.begin():
            _run(connection)
    else:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")  # outside any transaction, or SQLite ignores it
        try:
            with connection.begin():
                _run(connection)
                dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if dangling:
                    raise RuntimeError(f"the migration left {len(dangling)} row(s) referring to nothing")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
