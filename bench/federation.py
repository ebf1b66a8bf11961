"""Benchmark: a 10,000-person disclosure built, signed, encrypted, verified (as a relay) and received on a
mediator node, against a plain CSV export and import of the same list, in the same process; and the same
disclosure pushed over HTTP to another mediator node served by uvicorn on a local port.

Run: PYTHONPATH=src .venv/bin/python bench/federation.py [--rows 10000]
Each node is its own SQLite file with its own key directory. Matching on arrival is off for both paths
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
from tests.federation_support import Node, node_factory

from bench.listgen import large_csv
from homebound.cli.package import post_package
from homebound.config import Settings
from homebound.core.packages.cards import NodeKind
from homebound.core.packages.kinds import PackageKind
from homebound.core.persons import Registry
from homebound.db.federation_tables import NodeIdentityRow
from homebound.services import lists
from homebound.services.federation.disclosure import disclosure_payload
from homebound.services.federation.packages import receive_package, send_package, verify_package
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
        factory = node_factory(lambda code: f"sqlite:///{root / code}.sqlite3", root)
        make = next(factory)
        ua: Node = make("ua", NodeKind.PARTY)
        med: Node = make("med", NodeKind.MEDIATOR)
        copy: Node = make("copy", NodeKind.PARTY)  # receives the CSV, as a party's import would
        ua.trusts(med), med.trusts(ua)
        data = large_csv(args.rows)
        print(f"setting up: {args.rows} held records on party ua's node", flush=True)
        ua.imports(Registry.HELD, data)

        print("package (disclosure of the whole held list to the mediator)")
        payload, build = _timed("build (read and choose from the registry)", lambda: disclosure_payload(
            ua.uows, ua.actor(), Registry.HELD))  # fmt: skip
        sent, seal = _timed("sign, encrypt, outbox, log", lambda: send_package(
            ua.uows, ua.actor(), to=["med"], kind=PackageKind.DISCLOSURE, payload=payload))  # fmt: skip
        _, verify = _timed("verify as a relay (no decryption)", lambda: verify_package(med.uows, sent.data))
        received, receive = _timed("receive (verify, decrypt, check, import, log)", lambda: receive_package(
            med.uows, med.actor(), sent.data))  # fmt: skip
        package_total = build + seal + verify + receive
        print(f"  {'total':<44} {package_total:7.2f} s   ({len(sent.data) / 2**20:.1f} MiB package)")
        print(f"  {received.summary}")

        print("plain CSV (export, then import into another node's registry)")
        csv, export = _timed("export", lambda: lists.export_list(ua.uows, ua.actor(), Registry.HELD, "csv"))
        _, load = _timed("import", lambda: lists.import_list(copy.uows, copy.actor(), Registry.HELD, csv,
                                                           "held.csv"))  # fmt: skip
        csv_total = export + load
        print(f"  {'total':<44} {csv_total:7.2f} s   ({len(csv) / 2**20:.1f} MiB CSV)")
        print(f"package / CSV: {package_total / csv_total:.2f}x")
        _over_http(make, ua, payload, root)
        next(factory, None)


def _over_http(
    make: Callable[[str, NodeKind], Node], ua: Node, payload: dict[str, object], root: Path
) -> None:
    """The same disclosure sealed to a second mediator and pushed to its inbox (uvicorn on a local port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    med = make("med2", NodeKind.MEDIATOR)
    with med.engine.begin() as conn:
        conn.execute(
            update(NodeIdentityRow).values(inbox_url=f"http://127.0.0.1:{port}/api/v1/federation/inbox")
        )
    ua.trusts(med), med.trusts(ua)
    settings = Settings(database_url=f"sqlite:///{root / 'med2'}.sqlite3", key_dir=med.key_dir)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    print("over HTTP (the same list to another mediator's inbox)")
    sent, seal = _timed("sign, encrypt, outbox, log", lambda: send_package(
        ua.uows, ua.actor(), to=["med2"], kind=PackageKind.DISCLOSURE, payload=payload))  # fmt: skip
    outcomes, push = _timed(
        "push: POST, receive, signed receipt, ack", lambda: push_outbox(ua.uows, post_package)
    )
    assert [o.acknowledged for o in outcomes] == [True], outcomes
    size = len(sent.data) / 2**20
    print(f"  {'total (without building the list)':<44} {seal + push:7.2f} s   ({size:.1f} MiB)")
    server.should_exit = True
    thread.join(10)


if __name__ == "__main__":
    main()
