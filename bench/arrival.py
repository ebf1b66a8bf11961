"""Benchmark: what matching on arrival adds to a 100,000-row import and to a single create.

Run: .venv/bin/python bench/arrival.py [--rows 100000] [--creates 300] [--postgres URL] [--skip-postgres]

Per backend, one fresh database: party A's sought list (``--rows`` records, imported with matching off, not
timed), then the same held list of ``--rows`` records imported twice in the same process: by party B with
matching off (the baseline) and by party C with matching on (scored in bulk against A's sought registry; the
index is built from cold inside this import, the cost a first import after a restart pays). Then ``--creates``
single held records created one by one, alternately with matching off and on, each in its own transaction
(the index warm, as in a running server): p50 and p99 of each. Lists come from the synthetic generator
(realistic names and spellings, a known truth), so the pairs found are the ones a real import would queue.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, select, text

from homebound.cli.context import actor_for_username, keys_of, load_settings
from homebound.core.access import Actor, OrganisationKind, Role
from homebound.core.persons import Registry
from homebound.db.engine import make_engine, normalise_url
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.migrate import upgrade
from homebound.db.uow import UnitOfWorkFactory
from homebound.lists.writers import write_csv
from homebound.services import accounts, arrival, lists, registry
from homebound.synthetic.scenario import generate_exchange_lists

Row = dict[str, str]


def _csv(rows: list[Row]) -> bytes:
    return write_csv([{k: v for k, v in row.items() if k != "status"} for row in rows])


def _matching(uows: UnitOfWorkFactory, on: bool) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(uows.bind, uows.keys, match_on_arrival=on)


def _world(uows: UnitOfWorkFactory) -> dict[str, Actor]:
    for code, name, kind in (
        ("pa", "Party A", OrganisationKind.PARTY),
        ("pb", "Party B", OrganisationKind.PARTY),
        ("pc", "Party C", OrganisationKind.PARTY),
        ("med", "Mediator", OrganisationKind.MEDIATOR),
    ):
        accounts.create_organisation(uows, code, name, kind)
    for username, org in (("a", "pa"), ("b", "pb"), ("c", "pc")):
        accounts.create_user(
            uows,
            "bench",
            username=username,
            display_name=username,
            organisation_code=org,
            role=Role.PARTY_OPERATOR,
            password="bench-password-123",  # noqa: S106 - a throwaway benchmark database
        )
    return {u: actor_for_username(uows, u) for u in ("a", "b", "c")}


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _instrument(spent: dict[str, list[float]]) -> None:
    """Time matching inside the services (their own references to it), call by call."""

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name].append(time.perf_counter() - start)

        return wrapper

    for module in (lists, registry):
        setattr(module, "match_on_arrival", timed("match_on_arrival", arrival.match_on_arrival))  # noqa: B010
        setattr(module, "warm", timed("warm", arrival.warm))  # noqa: B010


def run(label: str, url: str, rows: int, creates: int) -> None:
    lists_ = generate_exchange_lists(rows, 17, n_reverse=0).forward
    extra = generate_exchange_lists(creates, 29, n_reverse=0).forward.held
    sought, held = _csv(lists_.sought), _csv(lists_.held)
    engine = make_engine(url)
    try:
        upgrade(engine)
        uows = UnitOfWorkFactory(engine, keys_of(load_settings()), match_on_arrival=False)
        actors = _world(uows)
        seeded = _timed(lambda: lists.import_list(uows, actors["a"], Registry.SOUGHT, sought, "sought.csv"))
        print(f"[{label}] seeded A's sought list ({rows:,}) in {seeded:.1f} s (matching off)", flush=True)

        base = _timed(lambda: lists.import_list(uows, actors["b"], Registry.HELD, held, "held.csv"))
        print(f"[{label}] import {rows:,} held, matching off (baseline): {base:.1f} s", flush=True)

        spent: dict[str, list[float]] = {"match_on_arrival": [], "warm": []}
        _instrument(spent)
        with_matching = _timed(
            lambda: lists.import_list(_matching(uows, True), actors["c"], Registry.HELD, held, "held.csv")
        )
        scoring, building = sum(spent["match_on_arrival"]), sum(spent["warm"])
        with uows.reader() as uow:
            queued = uow.session.execute(select(func.count()).select_from(MatchCandidateRow)).scalar_one()
        print(
            f"[{label}] import {rows:,} held, matching on: {with_matching:.1f} s "
            f"(+{with_matching - base:.1f} s, {with_matching / base:.2f}x): building A's index from cold "
            f"{building:.1f} s (before the import's transaction), scoring and queueing {scoring:.1f} s; "
            f"{queued:,} candidates",
            flush=True,
        )
        spent["match_on_arrival"].clear()
        spent["warm"].clear()

        latencies: dict[bool, list[float]] = {False: [], True: []}
        for i, row in enumerate(extra):
            on = i % 2 == 1
            record = {k: v for k, v in row.items() if v and k != "status"}
            record["record_id"] = f"X-{i:06d}"
            start = time.perf_counter()
            registry.create_person(_matching(uows, on), actors["b"], Registry.HELD, record)
            latencies[on].append(time.perf_counter() - start)
        both = zip(spent["match_on_arrival"], spent["warm"], strict=True)
        inside = [(m + w) * 1000 for i, (m, w) in enumerate(both) if i % 2 == 1]  # the creates with it on
        for on in (False, True):
            values = [v * 1000 for v in latencies[on]]
            print(
                f"[{label}] single create, matching {'on ' if on else 'off'}: p50 "
                f"{statistics.median(values):.1f} ms, p99 {_percentile(values, 0.99):.1f} ms "
                f"({len(values)} creates)",
                flush=True,
            )
        print(
            f"[{label}] single create, in warm + match_on_arrival: p50 {statistics.median(inside):.1f} ms, "
            f"p99 {_percentile(inside, 0.99):.1f} ms",
            flush=True,
        )
        setattr(lists, "match_on_arrival", arrival.match_on_arrival)  # noqa: B010
        setattr(lists, "warm", arrival.warm)  # noqa: B010
        setattr(registry, "match_on_arrival", arrival.match_on_arrival)  # noqa: B010
        setattr(registry, "warm", arrival.warm)  # noqa: B010
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args.rows, args.creates)
    if not args.skip_postgres:
        admin = create_engine(normalise_url(args.postgres), isolation_level="AUTOCOMMIT")
        name = f"hb_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))  # our own name, never input
        try:
            run("PostgreSQL", args.postgres.rsplit("/", 1)[0] + "/" + name, args.rows, args.creates)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
