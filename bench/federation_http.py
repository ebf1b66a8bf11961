"""Benchmark: a disclosure of a whole held list pushed over HTTP (the outbox pusher POSTs it to the
mediator's inbox, served by uvicorn on a local port; the signed receipt comes back and acknowledges it),
against the same package received from a file on a second mediator node, in the same process.

Run: PYTHONPATH=src .venv/bin/python bench/federation_http.py [--rows 10000]
Each node is its own SQLite file with its own key directory. Matching on arrival is off
(HOMEBOUND_MATCH_ON_ARRIVAL=0): what is compared is the transport, not the mediator's scoring.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvicorn
from sqlalchemy import update

from bench.federation import BENCH_COST, BENCH_PASSWORD
from bench.listgen import large_csv
from homebound.cli.package import post_package
from homebound.config import Settings
from homebound.core.packages.cards import NodeKind
from homebound.core.packages.kinds import PackageKind
from homebound.core.persons import Registry
from homebound.db.federation_tables import NodeIdentityRow
from homebound.services.federation.disclosure import disclosure_payload
from homebound.services.federation.local_nodes import LocalNode, set_up_node
from homebound.services.federation.packages import receive_package, send_package
from homebound.services.federation.wire import push_outbox
from homebound.web.app import create_app

T = TypeVar("T")


def _timed(label: str, fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - start
    print(f"  {label:<44} {elapsed:7.2f} s", flush=True)
    return value, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    os.environ["HOMEBOUND_MATCH_ON_ARRIVAL"] = "0"
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)

        def make(code: str, kind: NodeKind) -> LocalNode:
            return set_up_node(code, kind, f"sqlite:///{root / code}.sqlite3", root / f"{code}-keys",
                               password=BENCH_PASSWORD, cost=BENCH_COST)  # fmt: skip

        ua, by_file, by_wire = (
            make("ua", NodeKind.PARTY),
            make("med", NodeKind.MEDIATOR),
            make("med2", NodeKind.MEDIATOR),
        )
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        with by_wire.engine.begin() as conn:
            conn.execute(
                update(NodeIdentityRow).values(inbox_url=f"http://127.0.0.1:{port}/api/v1/federation/inbox")
            )
        for mediator in (by_file, by_wire):
            ua.trusts(mediator), mediator.trusts(ua)
        print(f"setting up: {args.rows} held records on party ua's node", flush=True)
        ua.imports(Registry.HELD, large_csv(args.rows))
        payload = disclosure_payload(ua.uows, ua.actor(), Registry.HELD)

        print("by file (baseline): seal, then receive on the mediator's node")
        sent, seal = _timed("sign, encrypt, outbox, log", lambda: send_package(
            ua.uows, ua.actor(), to=["med"], kind=PackageKind.DISCLOSURE, payload=payload))  # fmt: skip
        _, receive = _timed("receive (verify, decrypt, check, import, log)", lambda: receive_package(
            by_file.uows, by_file.actor(), sent.data))  # fmt: skip
        by_file_total = seal + receive

        settings = Settings(database_url=f"sqlite:///{root / 'med2'}.sqlite3", key_dir=by_wire.key_dir)
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        print("over HTTP: seal, then push to the mediator's inbox")
        sent, seal = _timed("sign, encrypt, outbox, log", lambda: send_package(
            ua.uows, ua.actor(), to=["med2"], kind=PackageKind.DISCLOSURE, payload=payload))  # fmt: skip
        outcomes, push = _timed(
            "push: POST, receive, signed receipt, ack", lambda: push_outbox(ua.uows, post_package)
        )
        assert [o.acknowledged for o in outcomes] == [True], outcomes
        print(f"  {len(sent.data) / 2**20:.1f} MiB package")
        print(f"HTTP / file: {(seal + push) / by_file_total:.2f}x")
        server.should_exit = True
        thread.join(10)
        for node in (ua, by_file, by_wire):
            node.engine.dispose()


if __name__ == "__main__":
    main()
