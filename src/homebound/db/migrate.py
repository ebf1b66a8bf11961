"""Run the Alembic migrations programmatically (no alembic.ini needed on the user's machine)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from homebound.db.custody import KeyCustody

MIGRATIONS = Path(__file__).with_name("migrations")


KEYS_ATTRIBUTE = "keys"  # the KeyCustody of migrations that seal or open existing rows


def alembic_config(engine: Engine, keys: KeyCustody | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    config.attributes[KEYS_ATTRIBUTE] = keys
    return config


def upgrade(engine: Engine, revision: str = "head", *, keys: KeyCustody | None = None) -> None:
    """Migrate to `revision`; `keys` is needed only where existing rows are sealed (0006 over old data)."""
    command.upgrade(alembic_config(engine, keys), revision)


def downgrade(engine: Engine, revision: str, *, keys: KeyCustody | None = None) -> None:
    command.downgrade(alembic_config(engine, keys), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
