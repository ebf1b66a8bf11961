"""Benchmark: what recording successful reads of personal data costs (issue 15 item 9): one record read
(`registry.get_person`) and a page of 50 (`registry.list_persons`), each with the record of the read written
(one short write transaction into `data_access`) and, in the same process and database, with the recorder
replaced by a no-op (the same code path otherwise: the "before").

Run: .venv/bin/python bench/access_audit.py [--rows 20000] [--reads 400] [--postgres URL | --skip-postgres]
Synthetic names only (bench/listgen.py). Interleaved rounds, medians, so load on the machine hits both alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from bench.encryption import _postgres, _setup, custody
from bench.listgen import large_csv
from homebound.core.access import Actor
from homebound.core.persons import Registry
from homebound.db.persons import PersonFilter
from homebound.db.tables import PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import lists, registry

Recorder = Callable[..., int]


def _no_record(*_args: object, **_kwargs: object) -> int:
    return 0


def _median_ms(fn: Callable[[], object], n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _measure(
    uows: UnitOfWorkFactory, actor: Actor, ids: list[str], reads: int
) -> dict[str, dict[str, float]]:
    recorder: Recorder = registry.record_access
    flt = PersonFilter(registry=Registry.HELD)
    found: dict[str, dict[str, list[float]]] = {
        "with": {"read": [], "page": []},
        "without": {"read": [], "page": []},
    }
    rounds = 8
    for n in range(rounds):
        for kind in ("without", "with") if n % 2 else ("with", "without"):
            registry.record_access = recorder if kind == "with" else _no_record  # type: ignore[assignment]
            chunk = ids[(n * reads // rounds) % len(ids) :][: reads // rounds] or ids[: reads // rounds]
            it = iter(chunk * 2)
            found[kind]["read"].append(
                _median_ms(lambda it=it: registry.get_person(uows, actor, next(it)), len(chunk))  # type: ignore[misc]
            )
            found[kind]["page"].append(
                _median_ms(lambda: registry.list_persons(uows, actor, flt, offset=500, limit=50), 10)
            )
    registry.record_access = recorder  # type: ignore[assignment]
    return {k: {m: statistics.median(v) for m, v in found[k].items()} for k in found}


def _run(label: str, url: str, data: bytes, key_dir: Path, reads: int) -> None:
    uows, actor = _setup(url, custody("sealed", key_dir))
    lists.import_list(uows, actor, Registry.HELD, data, "bench.csv")
    with uows.reader() as uow:
        ids = list(uow.session.execute(select(PersonRow.id).limit(reads)).scalars())
    registry.get_person(uows, actor, ids[0])  # warm
    figures = _measure(uows, actor, ids, reads)
    uows.bind.dispose()  # type: ignore[union-attr]
    w, wo = figures["with"], figures["without"]
    print(
        f"{label:<11} one record: {wo['read']:.2f} ms without, {w['read']:.2f} ms with"
        f" ({w['read'] / wo['read']:.2f}x);"
        f" page of 50: {wo['page']:.2f} ms without, {w['page']:.2f} ms with ({w['page'] / wo['page']:.2f}x)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--reads", type=int, default=400)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HOMEBOUND_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    data = large_csv(args.rows)
    print(f"{args.rows} records; load {os.getloadavg()[0]:.1f} (2 cores shared)")
    with tempfile.TemporaryDirectory() as tmp:
        _run("SQLite", f"sqlite:///{tmp}/audit.sqlite3", data, Path(tmp) / "keys", args.reads)
        if not args.skip_postgres:
            with _postgres(args.postgres) as fresh:
                _run("PostgreSQL", fresh(), data, Path(tmp) / "pg-keys", args.reads)


if __name__ == "__main__":
    main()
