"""Typed settings, read once at start-up (never at import) and refused when unsafe outside development."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from homebound.services.passwords import PRODUCTION_COST, PasswordCost

DEFAULT_DB = "sqlite:///var/homebound.sqlite3"
DEFAULT_KEY_DIR = Path("var/keys")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOMEBOUND_", extra="forbid")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = DEFAULT_DB
    # The owner's URL for `homebound db upgrade` when the server connects as the application role
    # (PostgreSQL: a LOGIN member of homebound_app, docs/operations.md); None: database_url.
    migration_database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_upload_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    allow_demo: bool = True
    # Writing transactions in flight per process (idempotent API writes); None: 1 on SQLite (one writer
    # at a time anyway), 8 on PostgreSQL (under the connection pool, leaving room for readers).
    write_concurrency: int | None = Field(default=None, ge=1, le=64)
    # A one-time code at sign-in for every non-public account; None: required in production only (the
    # demo's and the tests' accounts have none; an enrolled account needs its code everywhere).
    require_second_factor: bool | None = None

    def second_factor_required(self) -> bool:
        if self.require_second_factor is None:
            return self.environment == "production"
        return self.require_second_factor

    # Argon2id cost of new password and inquiry-secret hashes (a check reads the cost stored in its hash).
    # Production refuses less than RFC 9106's second recommended option; the tests set the cheapest.
    password_time_cost: int = Field(default=PRODUCTION_COST.time_cost, ge=1)
    password_memory_kib: int = Field(default=PRODUCTION_COST.memory_kib, ge=8)
    password_parallelism: int = Field(default=PRODUCTION_COST.parallelism, ge=1)

    def password_cost(self) -> PasswordCost:
        return PasswordCost(self.password_time_cost, self.password_memory_kib, self.password_parallelism)

    log_sql: bool = False
    # Private signing keys live here, one file per key (mode 0600), never in the database.
    key_dir: Path = DEFAULT_KEY_DIR

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment == "production":
            if self.allow_demo:
                raise ValueError(
                    "HOMEBOUND_ALLOW_DEMO must be false in production (demo accounts have known passwords)"
                )
            if self.database_url.startswith("sqlite") and ":memory:" in self.database_url:
                raise ValueError("an in-memory database loses everything on restart")
            if self.password_cost().weaker_than(PRODUCTION_COST):
                raise ValueError(
                    "HOMEBOUND_PASSWORD_TIME_COST, _MEMORY_KIB and _PARALLELISM must be at least"
                    f" {PRODUCTION_COST.time_cost}, {PRODUCTION_COST.memory_kib} and"
                    f" {PRODUCTION_COST.parallelism} in production (RFC 9106)"
                )
        return self

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url[len(prefix) :])
        return None
