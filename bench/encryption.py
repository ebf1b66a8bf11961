"""Benchmark: what sealing personal data at rest costs (issue 5 item 6): a 100,000-row import, a page of 50
records and a family-name prefix search, with AES-256-GCM sealing and, in the same process, with a null
cipher in its place (the same code path, no encryption: the "before").

Run: .venv/bin/python bench/encryption.py [--rows 100000] [--postgres URL | --skip-postgres]
Keys go to a temporary key directory; synthetic names only (bench/listgen.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text

from bench.listgen import large_csv
from homebound.cli.context import actor_for_username
from homebound.core.access import Actor, OrganisationKind, Role
from homebound.core.persons import Registry
from homebound.db.custody import KeyCustody
from homebound.db.engine import make_engine, normalise_url
from homebound.db.keystore import key_store_for
from homebound.db.migrate import upgrade
from homebound.db.persons import PersonFilter
from homebound.db.sealing import VERSION, FileKeyProvider, KeyProvider, PartyKeys
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts, lists, registry


class NullKeys(PartyKeys):
    """The same header and calls as a sealed value, without the cipher: the cost of everything else."""

    def seal(self, plain: bytes, ad: bytes) -> bytes:  # noqa: ARG002
        return bytes([VERSION]) + bytes.fromhex(self.current) + bytes(12) + plain

    def open(self, blob: bytes, ad: bytes, where: str = "value") -> bytes:  # noqa: ARG002
        return blob[21:]


class NullProvider:
    def __init__(self, inner: FileKeyProvider) -> None:
        self.inner = inner
        self.cache: dict[str, PartyKeys] = {}

    def keys(self, party: str, *, create: bool = False) -> PartyKeys:
        if party not in self.cache:
            real = self.inner.keys(party, create=create)
            self.cache[party] = NullKeys(party, real.current, real.data_keys, real.search_key)
        return self.cache[party]

    def rotate(self, party: str) -> str:
        return self.inner.rotate(party)

    def erase(self, party: str) -> None:
        self.inner.erase(party)


def custody(kind: str, key_dir: Path) -> KeyCustody:
    real = FileKeyProvider(key_dir)
    chosen: KeyProvider = real if kind == "sealed" else NullProvider(real)
    return KeyCustody(key_store_for(key_dir), chosen)


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _setup(url: str, keys: KeyCustody) -> tuple[UnitOfWorkFactory, Actor]:
    engine = make_engine(url)
    upgrade(engine)
    uows = UnitOfWorkFactory(engine, keys)
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
    return uows, actor_for_username(uows, "bench")


def _run(label: str, url: str, data: bytes, kind: str, key_dir: Path) -> dict[str, float]:
    uows, actor = _setup(url, custody(kind, key_dir))
    figures = {"import": _timed(lambda: lists.import_list(uows, actor, Registry.HELD, data, "bench.csv"))}
    flt = PersonFilter(registry=Registry.HELD)
    registry.list_persons(uows, actor, flt, offset=500, limit=50)  # warm
    pages = [_timed(lambda: registry.list_persons(uows, actor, flt, offset=500, limit=50)) for _ in range(20)]
    figures["page"] = sorted(pages)[len(pages) // 2]
    search = PersonFilter(family_name_prefix="Ко")
    searches = [_timed(lambda: registry.list_persons(uows, actor, search, limit=50)) for _ in range(5)]
    figures["search"] = sorted(searches)[len(searches) // 2]
    uows.bind.dispose()  # type: ignore[union-attr]
    print(
        f"{label:<12} {kind:<7} import {figures['import']:7.2f} s"
        f"   page of 50 {figures['page'] * 1000:7.1f} ms   prefix search {figures['search'] * 1000:7.1f} ms",
        flush=True,
    )
    return figures


@contextmanager
def _postgres(admin_url: str) -> Iterator[Callable[[], str]]:
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def fresh() -> str:
        name = f"hb_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))  # our own name, not input
        made.append(name)
        return admin_url.rsplit("/", 1)[0] + "/" + name

    try:
        yield fresh
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HOMEBOUND_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    data = large_csv(args.rows)
    print(f"{args.rows} rows, {len(data) / 2**20:.1f} MiB of CSV; load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for kind in ("null", "sealed"):
            results[kind] = _run("SQLite", f"sqlite:///{tmp}/{kind}.sqlite3", data, kind, Path(tmp) / kind)
        _ratios("SQLite", results)
        if not args.skip_postgres:
            with _postgres(args.postgres) as fresh:
                results = {
                    kind: _run("PostgreSQL", fresh(), data, kind, Path(tmp) / f"pg-{kind}")
                    for kind in ("null", "sealed")
                }
            _ratios("PostgreSQL", results)


def _ratios(label: str, results: dict[str, dict[str, float]]) -> None:
    ratio = {k: results["sealed"][k] / results["null"][k] for k in results["null"]}
    print(
        f"{label:<12} sealed / null: import {ratio['import']:.2f}x, page {ratio['page']:.2f}x,"
        f" search {ratio['search']:.2f}x"
    )


if __name__ == "__main__":
    main()
