"""Size and time of the handover console's page for a 780-line tranche (390 for 390, as Istanbul's first day).

Run from the project root: `.venv/bin/python bench/console_page.py` (SQLite in a temporary file). Seeds both
parties' registries, composes 390 for 390 in one tranche, concludes, then signs the mediator in through the UI
and reads the console as a browser would: the default page, every line, and (where the code has vehicles)
after placing everyone in buses of 40. Run it against an older tree (PYTHONPATH=that/src) for the "before".
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient

from bench.handover import PASSWORD, _seed, _world
from homebound.cli.context import keys_of, load_settings
from homebound.config import Settings
from homebound.core.exchange.formula import NForN
from homebound.core.exchange.terms import Terms, TrancheSpec
from homebound.db.engine import make_engine
from homebound.db.migrate import upgrade
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import agreements
from homebound.services.composition import compose_version
from homebound.services.sign_in import Reauthentication
from homebound.web.app import create_app

TERMS = Terms(date(2025, 5, 23), formulas=(NForN(),), max_persons=780, tranches=(TrancheSpec(390, 390),))
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


SAVED: list[str] = []


def _measure(client: TestClient, label: str, url: str) -> None:
    client.get(url)  # warm
    start = time.perf_counter()
    page = client.get(url)
    elapsed = time.perf_counter() - start
    assert page.status_code == 200, page.status_code
    SAVED.append(page.text)
    lines = page.text.count('data-state="')
    print(f"  {label:<40} {len(page.content) / 1024:9.1f} KiB  {lines:4d} lines  {elapsed * 1000:7.0f} ms")


def run(url: str, held: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    uows = UnitOfWorkFactory(engine, keys_of(load_settings()))
    actors = _world(uows)
    _seed(uows, actors, held)
    mediator = actors["m"]
    opened = agreements.create_agreement(uows, mediator, title="bench", party_a="pa", party_b="pb", venue="v")
    compose_version(uows, mediator, opened.id, TERMS, share=True, decisions="none")
    for actor in (actors["a"], actors["b"]):
        agreements.accept(uows, actor, opened.id, 1, Reauthentication(PASSWORD))
    agreements.conclude(uows, mediator, opened.id)
    app = create_app(Settings(environment="test", database_url=url))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        token = _CSRF.search(client.get("/sign-in").text)
        assert token
        data = {"csrf_token": token.group(1), "username": "m", "password": PASSWORD}
        assert client.post("/sign-in", data=data).status_code == 303
        console = f"/agreements/{opened.id}/handover"
        _measure(client, "default page (no vehicles placed)", console)
        _measure(client, "every line (vehicle=, offset 0)", console + "?vehicle=")
        try:
            from homebound.services import handover_vehicles  # noqa: PLC0415 - absent from older trees
        except ImportError:
            print("  (this tree has no vehicles)")
        else:
            handover_vehicles.place_unplaced(uows, mediator, opened.id, 1, seats=40, prefix="Bus")
            _measure(client, "default page (buses of 40)", console)
            _measure(client, "search by a record number", console + "?q=0000123")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--held", type=int, default=600, help="held persons per side")
    parser.add_argument("--save-page", type=Path, help="write the first page measured here (to look inside)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        os.environ.setdefault("HOMEBOUND_KEY_DIR", str(Path(directory) / "keys"))
        run(f"sqlite:///{directory}/bench.sqlite3", args.held)
    if args.save_page and SAVED:
        args.save_page.write_text(SAVED[0], encoding="utf-8")


if __name__ == "__main__":
    main()
