"""Benchmark of an exchange end to end through the services: 1000 for 1000 (plus all for all for the
seriously wounded) composed from 1,400 held persons per side, accepted, concluded, handed over in 390/307/303.

Run from the project root: `.venv/bin/python bench/handover.py` (SQLite in a temporary file, and
PostgreSQL at HOMEBOUND_TEST_POSTGRES_URL or 127.0.0.1:5432 unless --skip-postgres). Each step is one
transaction, as the API runs it. Conclusion marks everyone listed (one logged status change each) and writes
the manifests; each line delivered changes the held record and the sought record it answers, with a log entry
per change. The baseline, in the same process, is the pure core doing the same handover in memory (no
database, no log): the floor.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, select, text

from homebound.cli.context import actor_for_username, keys_of, load_settings
from homebound.core.access import Actor, OrganisationKind, Role
from homebound.core.exchange.agreement import AgreementVersion
from homebound.core.exchange.categories import SeriouslyWoundedOrSick
from homebound.core.exchange.formula import AllForAllInCategory, NForN
from homebound.core.exchange.handover import LineAction, LineState
from homebound.core.exchange.manifest import plan_tranches
from homebound.core.exchange.terms import Terms, TrancheSpec
from homebound.core.persons import Registry
from homebound.db.agreement_store import load_agreement
from homebound.db.engine import make_engine, normalise_url
from homebound.db.exchange_tables import AgreementRow
from homebound.db.migrate import upgrade
from homebound.db.tables import PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.lists.writers import write_csv
from homebound.services import accounts, agreements, handover, lists
from homebound.services.candidates import IdentityConfirmation, confirm_identities
from homebound.services.composition import compose_version
from homebound.services.log import verify_log
from homebound.services.sign_in import Reauthentication
from homebound.synthetic.scenario import generate_exchange_lists

PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway benchmark database
SW = SeriouslyWoundedOrSick()
DAYS = ((date(2025, 5, 23), 390), (date(2025, 5, 24), 307), (date(2025, 5, 25), 303))
TERMS = Terms(
    date(2025, 5, 23),
    formulas=(NForN(), AllForAllInCategory(SW.key)),
    max_persons=2000,
    categories=(SW,),
    tranches=tuple(TrancheSpec(n, n, day) for day, n in DAYS),
)
T = TypeVar("T")


def _timed(label: str, fn: Callable[[], T], persons: int | None = None) -> T:
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    rate = f"   {persons / elapsed:8.0f} persons/s" if persons else ""
    print(f"  {label:<44} {elapsed:8.2f} s{rate}", flush=True)
    return result


def _world(uows: UnitOfWorkFactory) -> dict[str, Actor]:
    for code, kind in (
        ("pa", OrganisationKind.PARTY),
        ("pb", OrganisationKind.PARTY),
        ("med", OrganisationKind.MEDIATOR),
    ):
        accounts.create_organisation(uows, code, code, kind)
    users = (("a", "pa", Role.PARTY_ADMIN), ("b", "pb", Role.PARTY_ADMIN), ("m", "med", Role.MEDIATOR))
    for name, org, role in users:
        accounts.create_user(
            uows,
            "bench",
            username=name,
            display_name=name,
            organisation_code=org,
            role=role,
            password=PASSWORD,
        )
    return {name: actor_for_username(uows, name) for name, _, _ in users}


def _seed(uows: UnitOfWorkFactory, actors: dict[str, Actor], held: int) -> None:
    scenario = generate_exchange_lists(held, 2025, n_reverse=held)
    assert scenario.reverse is not None
    for rows in (scenario.a_held, scenario.b_held):
        for row in rows:
            if row.get("will_to_return") in ("", "unknown"):
                row.update(will_to_return="confirmed", will_verified_by="ICRC", will_verified_on="2025-05-01")
    for actor, registry, rows in (
        (actors["a"], Registry.HELD, scenario.a_held),
        (actors["a"], Registry.SOUGHT, scenario.a_sought),
        (actors["b"], Registry.HELD, scenario.b_held),
        (actors["b"], Registry.SOUGHT, scenario.b_sought),
    ):
        lists.import_list(uows, actor, registry, write_csv(rows), "list.csv")
    with uows.reader() as uow:
        ids = {
            (p.party_id, p.registry_kind, p.source_id): p.id
            for p in uow.session.execute(select(PersonRow)).scalars()
        }
    party = {actors["a"].party_id: "a", actors["b"].party_id: "b"}
    by_source = {(party[k[0]], k[1], k[2]): v for k, v in ids.items()}
    items = []
    for seeking, holding, pair in (("a", "b", scenario.forward), ("b", "a", scenario.reverse)):
        answered = {h: s for s, h in pair.truth}
        for row in pair.held:
            sought = answered.get(row["record_id"])
            items.append(
                IdentityConfirmation(
                    by_source[(holding, "held", row["record_id"])],
                    by_source[(seeking, "sought", sought)] if sought else None,
                )
            )
    confirm_identities(uows, actors["m"], items)


def run(url: str, held: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    uows = UnitOfWorkFactory(engine, keys_of(load_settings()))
    actors = _world(uows)
    mediator, party_a, party_b = actors["m"], actors["a"], actors["b"]
    _timed(f"seed: import 4 × {held} rows, confirm identities", lambda: _seed(uows, actors, held))
    opened = agreements.create_agreement(uows, mediator, title="bench", party_a="pa", party_b="pb", venue="v")
    compose = partial(compose_version, uows, mediator, opened.id, TERMS, share=True, decisions="none")
    composed = _timed("compose and record version 1", compose, 2 * held)
    listed = sum(composed.version.list_sizes)
    for actor in (party_a, party_b):
        proof = Reauthentication(PASSWORD)
        _timed("accept (password re-entered)", partial(agreements.accept, uows, actor, opened.id, 1, proof))
    conclude = partial(agreements.conclude, uows, mediator, opened.id)
    _timed("conclude: freeze, manifests, list everyone", conclude, listed)
    for number in (1, 2, 3):
        lines = handover.get_tranche(uows, mediator, opened.id, number).lines
        commands = [handover.LineCommand(LineAction.DELIVER, line["candidate_id"]) for line in lines]
        record = partial(handover.record_lines, uows, mediator, opened.id, number, commands)
        _timed(f"tranche {number}: deliver {len(commands)} (one batch)", record, len(commands))
        _timed(f"tranche {number}: close", partial(handover.close_tranche, uows, mediator, opened.id, number))
    report = _timed("verify the whole log", lambda: verify_log(uows))
    print(f"  log: {report.entries_checked} entries, ok={report.ok}")
    with uows.reader() as uow:
        row = uow.session.get(AgreementRow, opened.id)
        assert row is not None
        agreement = load_agreement(uow.session, row)
    _baseline(agreement.concluded_version, opened.id)
    engine.dispose()


def _baseline(version: AgreementVersion, agreement_id: str) -> None:
    def handover_in_memory() -> int:
        delivered = 0
        for planned in plan_tranches(agreement_id, version):
            tranche = planned
            for line in planned.lines:
                tranche = tranche.deliver(line.candidate_id, identity_checked_by="officer")
            delivered += sum(1 for line in tranche.close(by="m").lines if line.state is LineState.DELIVERED)
        return delivered

    delivered = handover_in_memory()
    _timed("baseline: the same handover in the core only", handover_in_memory, delivered)
    assert delivered > 2000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--held", type=int, default=1400, help="held persons per side")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        os.environ.setdefault("HOMEBOUND_KEY_DIR", str(Path(directory) / "keys"))
        print("SQLite (WAL)")
        run(f"sqlite:///{directory}/bench.sqlite3", args.held)
    if args.skip_postgres:
        return
    base = os.environ.get("HOMEBOUND_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    admin = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    name = f"hb_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # our own generated name
    try:
        with tempfile.TemporaryDirectory() as directory:
            os.environ["HOMEBOUND_KEY_DIR"] = str(Path(directory) / "keys")
            print("PostgreSQL")
            run(base.rsplit("/", 1)[0] + "/" + name, args.held)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
