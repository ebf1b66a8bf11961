"""Backup and restore on PostgreSQL: a database filled through the services (parties, records, shares, an
inquiry, log entries, a final checkpoint and entries after it) goes through `pg_dump` into a file and
`pg_restore` into a fresh database; there the whole log verifies (the check `homebound log verify` runs),
the newest final checkpoint is the same, signed head, and the application role still reads no other
party's rows. The procedure is the one docs/operations.md gives. Traffic to 127.0.0.1 only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.live import ADMIN_URL, fresh_postgres
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.exc import InterfaceError, OperationalError

from homebound.core.access import PUBLIC_ACTOR
from homebound.core.persons import Registry
from homebound.db.engine import make_engine, normalise_url
from homebound.db.migrate import current_revision, upgrade
from homebound.db.tables import LogEntryRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import checkpoints, inquiries, registry
from homebound.services.log import verify_log
from tests.keys import key_custody_of_tests
from tests.settings import TEST_PASSWORD_COST
from tests.world import World, build_world

PG_DUMP = shutil.which("pg_dump") or "/usr/bin/pg_dump"
PG_RESTORE = shutil.which("pg_restore") or "/usr/bin/pg_restore"
TIMEOUT = 300  # seconds per dump or restore: a bound, not an expectation (the test's take well under 5 s)


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    """Two throw-away databases: the original and the one restored into."""
    try:
        probe = create_engine(normalise_url(ADMIN_URL))
        with probe.connect():
            pass
        probe.dispose()
    except (OperationalError, InterfaceError):
        if os.environ.get("HOMEBOUND_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip("PostgreSQL not reachable")
    if not (Path(PG_DUMP).exists() and Path(PG_RESTORE).exists()):
        if os.environ.get("HOMEBOUND_REQUIRE_POSTGRES") == "1":  # CI: a failure, never a skip
            pytest.fail("pg_dump / pg_restore not installed (apt-get install postgresql-client)")
        pytest.skip("pg_dump / pg_restore not installed")
    with fresh_postgres() as original, fresh_postgres() as restored:
        yield original, restored


def _fill(uows: UnitOfWorkFactory, world: World) -> dict[str, str]:
    a, b = world.actors["a_operator"], world.actors["b_operator"]
    ids: dict[str, str] = {}
    for n in range(20):
        ids[f"a{n}"] = registry.create_person(
            uows, a, Registry.HELD, {"record_id": f"A-{n}", "family_name": f"Коваленко{n}"}
        ).id
        ids[f"b{n}"] = registry.create_person(
            uows, b, Registry.SOUGHT, {"record_id": f"B-{n}", "family_name": f"Petrov{n}"}
        ).id
    registry.share_person(uows, world.actors["a_admin"], ids["a0"], "pb")
    inquiries.file_inquiry(
        uows,
        PUBLIC_ACTOR,
        party_code="pa",
        inquirer_name="Family",
        inquirer_contact="+10000000000",
        relationship=None,
        consent=True,
        sought_details={"family_name": "Коваленко0"},
        cost=TEST_PASSWORD_COST,
    )
    published = checkpoints.publish_checkpoint(uows, world.actors["mediator"])
    checkpoints.cosign_checkpoint(uows, world.actors["a_admin"], published.id)
    final = checkpoints.cosign_checkpoint(uows, world.actors["b_admin"], published.id)
    assert final.final
    # Entries after the final checkpoint: the backup holds a log that is longer than its last head.
    registry.create_person(uows, a, Registry.HELD, {"record_id": "A-late", "family_name": "Бондаренко"})
    return ids


def _run(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, timeout=TIMEOUT)  # noqa: S603 - our own arguments
    return time.perf_counter() - started


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        persons = conn.execute(select(func.count()).select_from(PersonRow)).scalar_one()
        entries = conn.execute(select(func.count()).select_from(LogEntryRow)).scalar_one()
    return persons, entries


@pytest.mark.slow
def test_pg_dump_and_restore_keep_a_verifiable_log(databases: tuple[str, str], tmp_path: Path) -> None:
    original_url, restored_url = databases
    original = make_engine(original_url)
    restored = make_engine(restored_url)
    try:
        upgrade(original)
        uows = UnitOfWorkFactory(original, key_custody_of_tests())
        world = build_world(uows)
        ids = _fill(uows, world)
        before = verify_log(uows)
        assert before.ok, before.failure
        last = checkpoints.latest_final(uows)
        assert last is not None
        revision = current_revision(original)

        dump = tmp_path / "homebound.dump"
        dump_s = _run(PG_DUMP, "--format=custom", "--file", str(dump), "--dbname", original_url)
        original.dispose()  # nothing may depend on the original from here on
        restore_s = _run(
            PG_RESTORE, "--exit-on-error", "--single-transaction", "--dbname", restored_url, str(dump)
        )
        print(f"dump {dump_s:.2f} s, {dump.stat().st_size} bytes; restore {restore_s:.2f} s")

        assert current_revision(restored) == revision
        copy = UnitOfWorkFactory(restored, key_custody_of_tests())
        after = verify_log(copy)
        assert after.ok, after.failure
        assert (after.entries_checked, after.head_hash) == (before.entries_checked, before.head_hash)
        assert after.entries_checked > last[0].checkpoint.tree_size  # the entries after the head came too
        again = checkpoints.latest_final(copy)
        assert again is not None
        assert again[0].id == last[0].id
        assert again[0].checkpoint == last[0].checkpoint  # size, root hash, time and every signature
        assert [k.key_id for k in again[1]] == [k.key_id for k in last[1]]
        assert _counts(restored) == (41, after.entries_checked)

        # The restored database keeps its second wall: policies, grants and the application role.
        with restored.connect() as conn, conn.begin():
            conn.execute(text("SET LOCAL ROLE homebound_app"))
            conn.execute(
                text("SELECT set_config('homebound.party_id', :p, true)"), {"p": world.party_ids["pb"]}
            )
            seen = set(conn.execute(select(PersonRow.id)).scalars())
        assert ids["a0"] in seen and ids["a1"] not in seen and ids["b1"] in seen
    finally:
        original.dispose()
        restored.dispose()


@pytest.mark.slow
def test_a_tampered_restore_is_caught(databases: tuple[str, str], tmp_path: Path) -> None:
    """The check after a restore can fail: a backup whose log was edited does not verify."""
    original_url, restored_url = databases
    original = make_engine(original_url)
    restored = make_engine(restored_url)
    try:
        upgrade(original)
        uows = UnitOfWorkFactory(original, key_custody_of_tests())
        _fill(uows, build_world(uows))
        dump = tmp_path / "homebound.dump"
        _run(PG_DUMP, "--format=custom", "--file", str(dump), "--dbname", original_url)
        _run(PG_RESTORE, "--exit-on-error", "--single-transaction", "--dbname", restored_url, str(dump))
        with restored.begin() as conn:
            conn.execute(text("UPDATE log_entry SET time = '2020-01-01T00:00:00Z' WHERE seq = 3"))
        report = verify_log(UnitOfWorkFactory(restored, key_custody_of_tests()))
        assert not report.ok and report.failure is not None and report.failure.seq == 3
    finally:
        original.dispose()
        restored.dispose()
