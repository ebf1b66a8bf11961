"""Benchmark: import a 100,000-row list into SQLite and PostgreSQL (wall time and peak memory).

Run: .venv/bin/python bench/import_list.py [--rows 100000] [--postgres URL] [--profile]
Baseline in the same process: parsing and validating the same file without writing (the floor for any import).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text

from bench.listgen import large_csv
from homebound.cli.context import actor_for_username, keys_of, load_settings
from homebound.core.access import OrganisationKind, Role
from homebound.core.persons import Registry
from homebound.db.engine import make_engine, normalise_url
from homebound.db.migrate import upgrade
from homebound.db.uow import UnitOfWorkFactory
from homebound.lists.readers import read_list
from homebound.lists.validate import validate_rows
from homebound.services import accounts, lists


def _measure(label: str, fn: object) -> tuple[float, float]:
    tracemalloc.start()
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<38} {elapsed:8.2f} s   peak {peak / 2**20:8.1f} MiB", flush=True)
    return elapsed, peak


def _run_import(url: str, data: bytes) -> None:
    engine = make_engine(url)
    upgrade(engine)
    uows = UnitOfWorkFactory(engine, keys_of(load_settings()))
    accounts.create_organisation(uows, "pa", "Party A", OrganisationKind.PARTY)
    accounts.create_user(
        uows,
        "bench",
        username="bench",
        display_name="bench",
        organisation_code="pa",
        role=Role.PARTY_OPERATOR,
        password="bench-password-123",  # noqa: S106 - a throwaway benchmark database
    )
    actor = actor_for_username(uows, "bench")
    report = lists.import_list(uows, actor, Registry.HELD, data, "bench.csv")
    assert report.created == data.count(b"\n") - 1
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    data = large_csv(args.rows)
    print(f"{args.rows} rows, {len(data) / 2**20:.1f} MiB of CSV")
    base, _ = _measure(
        "baseline: read + validate only", lambda: validate_rows(read_list(data, "b.csv"), Registry.HELD)
    )
    with tempfile.TemporaryDirectory() as tmp:
        sqlite, _ = _measure(
            "import into SQLite (WAL)", lambda: _run_import(f"sqlite:///{tmp}/bench.sqlite3", data)
        )
    print(f"  SQLite import / baseline = {sqlite / base:.1f}x")
    if not args.skip_postgres:
        admin = create_engine(normalise_url(args.postgres), isolation_level="AUTOCOMMIT")
        name = f"hb_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = args.postgres.rsplit("/", 1)[0] + "/" + name
            pg, _ = _measure("import into PostgreSQL", lambda: _run_import(url, data))
            print(f"  PostgreSQL import / baseline = {pg / base:.1f}x")
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
