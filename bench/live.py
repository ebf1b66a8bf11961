"""A live Homebound for the load and crash runs: a fresh database with two parties and seeded registries,
`homebound serve` as a subprocess on 127.0.0.1, and the checks made afterwards on the database itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select, text

from bench.listgen import large_csv
from homebound.cli.context import keys_of, load_settings
from homebound.core.access import OrganisationKind, Role
from homebound.core.persons import Registry
from homebound.db.engine import make_engine, normalise_url
from homebound.db.migrate import upgrade
from homebound.db.tables import IdempotencyRow, LogEntryRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts, lists
from homebound.services import log as log_service

PASSWORD = "load-run password 1"  # noqa: S105 - synthetic accounts on a throw-away database
PARTIES = ("pa", "pb")
ADMIN_URL = os.environ.get("HOMEBOUND_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass
class Fixture:
    database_url: str
    tokens: dict[str, str] = field(default_factory=dict)  # party code -> an operator's API token
    actor_ids: dict[str, str] = field(default_factory=dict)  # party code -> that operator's user id
    seeds: dict[str, list[str]] = field(default_factory=dict)  # party code -> held record ids


def prepare(database_url: str, *, persons_per_party: int = 300) -> Fixture:
    """Migrate, create the parties and their operators, and import a held list for each party."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        uows = UnitOfWorkFactory(engine, keys_of(load_settings()))
        fixture = Fixture(database_url)
        accounts.create_organisation(uows, "med", "Mediator office", OrganisationKind.MEDIATOR)
        for code in PARTIES:
            accounts.create_organisation(uows, code, f"Party {code}", OrganisationKind.PARTY)
            username = f"{code}-operator"
            fixture.actor_ids[code] = accounts.create_user(
                uows,
                "bench",
                username=username,
                display_name=username,
                organisation_code=code,
                role=Role.PARTY_OPERATOR,
                password=PASSWORD,
            )
            fixture.tokens[code] = accounts.create_api_token(uows, "bench", username, "load").token
            actor = accounts.actor_for_token(uows, fixture.tokens[code])
            lists.import_list(
                uows, actor, Registry.HELD, large_csv(persons_per_party, seed=len(code)), "held.csv"
            )
            with uows.reader() as uow:
                fixture.seeds[code] = list(
                    uow.session.execute(
                        select(PersonRow.id)
                        .where(PersonRow.party_id == actor.party_id)
                        .order_by(PersonRow.id)
                    ).scalars()
                )
        return fixture
    finally:
        engine.dispose()


@contextlib.contextmanager
def fresh_postgres() -> Iterator[str]:
    """A throw-away database on the local server, dropped afterwards."""
    admin = create_engine(normalise_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    name = f"hb_live_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))  # our own name, not input
        yield ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """`homebound serve` in a subprocess on 127.0.0.1, which can be killed hard and started again."""

    def __init__(self, database_url: str, *, port: int | None = None, log_path: Path | None = None) -> None:
        self.database_url = database_url
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 30.0) -> float:
        """Start and wait until /api/v1/health answers; returns the seconds it took."""
        env = {**os.environ, "HOMEBOUND_DATABASE_URL": self.database_url, "HOMEBOUND_ENVIRONMENT": "test"}
        output = self.log_path.open("ab") if self.log_path else subprocess.DEVNULL
        started = time.monotonic()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "homebound.cli.main",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=env,
            stdout=output,
            stderr=output,
        )
        if self.log_path is not None:
            output.close()  # type: ignore[union-attr]
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"homebound serve exited with {self.process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/api/v1/health", timeout=1.0).status_code == 200:
                    return time.monotonic() - started
            time.sleep(0.05)
        raise TimeoutError(f"homebound serve not healthy within {timeout} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flush; whatever was in flight is cut."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


@dataclass
class Acknowledged:
    """Writes the server answered 2xx: what must now be in the database, each exactly once."""

    created: dict[str, str] = field(default_factory=dict)  # person id -> record id
    updates: dict[str, int] = field(default_factory=dict)  # person id -> acknowledged PATCHes
    keys: dict[str, set[str]] = field(default_factory=dict)  # actor id -> Idempotency-Keys used


def check_database(database_url: str, done: Acknowledged) -> list[str]:
    """Every acknowledged write present exactly once, nothing half-written, and the log verifies."""
    problems: list[str] = []
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            creates = dict(
                conn.execute(
                    select(LogEntryRow.object_id, func.count())
                    .where(LogEntryRow.tag == "registry:person:create")
                    .group_by(LogEntryRow.object_id)
                ).all()
            )
            updates = dict(
                conn.execute(
                    select(LogEntryRow.object_id, func.count())
                    .where(LogEntryRow.tag == "registry:person:update")
                    .group_by(LogEntryRow.object_id)
                ).all()
            )
            persons = dict(conn.execute(select(PersonRow.id, PersonRow.source_id)).all())
            in_progress = conn.execute(
                select(func.count()).select_from(IdempotencyRow).where(IdempotencyRow.status_code == 0)
            ).scalar_one()
            stored_keys = {
                (a, k) for a, k in conn.execute(select(IdempotencyRow.actor_id, IdempotencyRow.key))
            }
        for person_id, record_id in done.created.items():
            if persons.get(person_id) != record_id:
                problems.append(f"acknowledged record {record_id} missing")
            if creates.get(person_id) != 1:
                problems.append(f"record {record_id}: {creates.get(person_id, 0)} create entries")
        for person_id, count in done.updates.items():
            if updates.get(person_id, 0) != count:
                problems.append(
                    f"{person_id}: {count} acknowledged updates, {updates.get(person_id, 0)} logged"
                )
        orphans = [p for p in persons if creates.get(p, 0) != 1]
        problems.extend(f"record {persons[p]} without exactly one create entry" for p in orphans[:20])
        problems.extend(f"log entry for a missing record {p}" for p in creates if p not in persons)
        for actor_id, used in done.keys.items():
            for key in used:
                if (actor_id, hashlib.sha256(key.encode()).hexdigest()) not in stored_keys:
                    problems.append(f"acknowledged key {key} has no stored answer")
        if in_progress:
            problems.append(f"{in_progress} idempotency claims committed without an answer")
        report = log_service.verify_log(UnitOfWorkFactory(engine, keys_of(load_settings())))
        if not report.ok:
            problems.append(f"log does not verify: {report.failure}")
    finally:
        engine.dispose()
    return problems
