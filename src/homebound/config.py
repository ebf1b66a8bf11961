"""Typed settings, read once at start-up (never at import) and refused when unsafe outside development.

Every `HOMEBOUND_*` variable is a field here, described once: the README's configuration table is
generated from these descriptions (`configuration_table`, checked by tests/test_configuration.py).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from homebound.services.passwords import PRODUCTION_COST, PasswordCost

ENV_PREFIX = "HOMEBOUND_"
DEFAULT_DB = "sqlite:///var/homebound.sqlite3"
DEFAULT_KEY_DIR = Path("var/keys")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    environment: Literal["development", "test", "production"] = Field(
        default="development",
        description="`production` refuses unsafe settings (the demo, a database in memory)",
    )
    database_url: str = Field(
        default=DEFAULT_DB, description="SQLite file or `postgresql://user@host/db` (driver: psycopg 3)"
    )
    migration_database_url: str | None = Field(
        default=None,
        description="the owner's URL for `homebound db upgrade` when the server connects as a LOGIN member "
        "of `homebound_app` (docs/operations.md); unset: the database URL",
    )
    host: str = Field(default="127.0.0.1", description="where `homebound serve` listens")
    port: int = Field(default=8000, ge=1, le=65535, description="the port `homebound serve` listens on")
    max_upload_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="larger request bodies are refused with 413"
    )
    allow_demo: bool = Field(
        default=True,
        description="`homebound demo` and its accounts (known passwords); must be false in production",
    )
    write_concurrency: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="writing transactions in flight per process (idempotent API writes); unset: 1 on "
        "SQLite (one writer at a time anyway), 8 on PostgreSQL (under the connection pool, leaving room "
        "for readers)",
    )
    require_second_factor: bool | None = Field(
        default=None,
        description="a one-time code at sign-in for every non-public account; unset: in production only "
        "(an enrolled account needs its code everywhere)",
    )
    log_sql: bool = Field(default=False, description="echo every SQL statement to the log (development)")
    key_dir: Path = Field(
        default=DEFAULT_KEY_DIR,
        description="private signing keys (one file each, mode 0600) and, unless a data secret is set, the "
        "parties' data keys; kept apart from the database (docs/security.md)",
    )
    data_secret: SecretStr | None = Field(
        default=None,
        description="base64 of at least 32 bytes: every party's data keys derived from it instead of key "
        "files (embedded use: no rotation or erasure per party)",
    )
    match_on_arrival: bool = Field(
        default=True,
        description="score new and changed records against the other side's registry as they arrive; off "
        "for bulk migrations (the mediator's runs still find the pairs)",
    )
    match_index_max_records: int = Field(
        default=1_000_000,
        ge=1,
        description="records held by the process's matching indexes in all (about 400 bytes each); beyond "
        "it the least recently used index is dropped and rebuilt when next needed",
    )
    public_min_count: int = Field(
        default=5,
        ge=1,
        description="published figures below this (and above zero) show on the public ledger as 'fewer "
        "than' it, never exactly: a small count can name the persons behind it",
    )

    def second_factor_required(self) -> bool:
        if self.require_second_factor is None:
            return self.environment == "production"
        return self.require_second_factor

    def data_secret_text(self) -> str | None:
        return self.data_secret.get_secret_value() if self.data_secret is not None else None

    # A check reads the cost stored in its hash; production refuses less than RFC 9106's second option.
    password_time_cost: int = Field(
        default=PRODUCTION_COST.time_cost, ge=1, description="Argon2id passes of new password hashes"
    )
    password_memory_kib: int = Field(
        default=PRODUCTION_COST.memory_kib, ge=8, description="Argon2id memory (KiB) of new password hashes"
    )
    password_parallelism: int = Field(
        default=PRODUCTION_COST.parallelism, ge=1, description="Argon2id lanes of new password hashes"
    )

    def password_cost(self) -> PasswordCost:
        return PasswordCost(self.password_time_cost, self.password_memory_kib, self.password_parallelism)

    initial_password: SecretStr | None = Field(
        default=None, description="the first admin's password for `homebound node init` (unset: asked)"
    )
    package_max_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="the largest package a node accepts (refused as `package.oversized` beyond)",
    )
    inbox_url: str | None = Field(
        default=None, description="the inbox address this node's card announces (unset: files only)"
    )
    inbox_rate_per_minute: int = Field(
        default=60,
        ge=1,
        description="packages one client address may post to the federation inbox per minute (the inbox"
        " as a whole takes ten times that); past it 429, nothing read or logged",
    )

    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="comma-separated addresses or networks (CIDR) of the reverse proxies whose "
        "`X-Forwarded-For` names the client; from anyone else the header is ignored (the throttles "
        "count the connecting address); unset: none",
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_networks(cls, value: object) -> tuple[str, ...]:
        items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        networks = []
        for item in (str(i).strip() for i in items):
            if item:
                try:
                    networks.append(str(ipaddress.ip_network(item, strict=False)))
                except ValueError as exc:
                    raise ValueError(f"not an address or network: {item!r}") from exc
        return tuple(networks)

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


def _shown(default: Any) -> str:
    if default is None or default == ():
        return "unset"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    return f"`{default}`"


def configuration_table() -> str:
    """The README's table of variables: one row per field of Settings, in declaration order."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        rows.append(f"| `{ENV_PREFIX}{name.upper()}` | {_shown(field.default)} | {field.description or ''} |")
    return "\n".join(rows) + "\n"
