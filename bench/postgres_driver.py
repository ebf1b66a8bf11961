"""Benchmark: the PostgreSQL driver, psycopg 3 (the default) against pg8000 (the former one), side by side
in one run on the same server: a 100,000-row list import, a 1,000-line tranche delivered in one batch, and
the load run's write p99 against `homebound serve`.

Run from the project root: `.venv/bin/python bench/postgres_driver.py [--rows 100000] [--held 1200]
[--load-seconds 60]`. Each driver gets fresh databases (created and dropped here); the order of the drivers
alternates per measurement so a warming cache favours neither. Ratios are pg8000 / psycopg (above 1: psycopg
is faster).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.handover import PASSWORD, _seed, _world
from bench.import_list import _run_import
from bench.listgen import large_csv
from bench.live import fresh_postgres
from bench.load import run as load_run
from homebound.cli.context import keys_of, load_settings
from homebound.core.exchange.formula import NForN
from homebound.core.exchange.handover import LineAction
from homebound.core.exchange.terms import Terms, TrancheSpec
from homebound.db.engine import make_engine
from homebound.db.migrate import upgrade
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import agreements, handover
from homebound.services.composition import compose_version
from homebound.services.sign_in import Reauthentication

DRIVERS = ("pg8000", "psycopg")
TRANCHE = 500  # per side: one tranche of 500 for 500 is 1,000 lines


def _with_driver(url: str, driver: str) -> str:
    return url.replace("postgresql://", f"postgresql+{driver}://", 1)


def _seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _tranche_delivered(url: str, held: int) -> float:
    """Seconds to deliver one 1,000-line tranche in one batch (set-up not timed)."""
    engine = make_engine(url)
    upgrade(engine)
    uows = UnitOfWorkFactory(engine, keys_of(load_settings()))
    actors = _world(uows)
    _seed(uows, actors, held)
    terms = Terms(
        date(2025, 5, 23),
        formulas=(NForN(),),
        max_persons=2 * TRANCHE,
        tranches=(TrancheSpec(TRANCHE, TRANCHE, date(2025, 5, 23)),),
    )
    mediator = actors["m"]
    opened = agreements.create_agreement(uows, mediator, title="bench", party_a="pa", party_b="pb", venue="v")
    compose_version(uows, mediator, opened.id, terms, share=True, decisions="none")
    for actor in (actors["a"], actors["b"]):
        agreements.accept(uows, actor, opened.id, 1, Reauthentication(PASSWORD))
    agreements.conclude(uows, mediator, opened.id)
    lines = handover.get_tranche(uows, mediator, opened.id, 1).lines
    assert len(lines) == 2 * TRANCHE, len(lines)
    commands = [handover.LineCommand(LineAction.DELIVER, line["candidate_id"]) for line in lines]
    elapsed = _seconds(partial(handover.record_lines, uows, mediator, opened.id, 1, commands))
    engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--held", type=int, default=1200, help="held persons per side for the tranche")
    parser.add_argument("--load-seconds", type=float, default=60.0)
    parser.add_argument("--load-clients", type=int, default=30)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {driver: {} for driver in DRIVERS}
    data = large_csv(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("HOMEBOUND_KEY_DIR", str(Path(tmp) / "keys"))
        for driver in DRIVERS:
            with fresh_postgres() as url:
                seconds = _seconds(partial(_run_import, _with_driver(url, driver), data))
            results[driver]["import_rows_per_s"] = args.rows / seconds
            print(f"{driver:<8} import {args.rows} rows        {seconds:8.2f} s", flush=True)
        for driver in reversed(DRIVERS):
            with fresh_postgres() as url:
                seconds = _tranche_delivered(_with_driver(url, driver), args.held)
            results[driver]["tranche_lines_per_s"] = 2 * TRANCHE / seconds
            print(f"{driver:<8} deliver {2 * TRANCHE} lines         {seconds:8.2f} s", flush=True)
        for driver in DRIVERS:
            (Path(tmp) / driver).mkdir()
            with fresh_postgres() as url:
                figures, problems = load_run(
                    _with_driver(url, driver),
                    clients=args.load_clients,
                    seconds=args.load_seconds,
                    persons=300,
                    log_dir=Path(tmp) / driver,
                )
            assert not problems, problems
            results[driver]["write_p99_ms"] = figures["write"]["p99_ms"]
            results[driver]["read_p99_ms"] = figures["read"]["p99_ms"]
            print(f"{driver:<8} load write p99 {figures['write']['p99_ms']} ms", flush=True)
    old, new = results["pg8000"], results["psycopg"]
    print()
    print(f"{'measure':<22} {'pg8000':>10} {'psycopg':>10} {'pg8000/psycopg':>16}")
    for key in ("import_rows_per_s", "tranche_lines_per_s"):
        print(f"{key:<22} {old[key]:>10.0f} {new[key]:>10.0f} {new[key] / old[key]:>15.2f}x")
    for key in ("write_p99_ms", "read_p99_ms"):
        print(f"{key:<22} {old[key]:>10.1f} {new[key]:>10.1f} {old[key] / new[key]:>15.2f}x")


if __name__ == "__main__":
    main()
