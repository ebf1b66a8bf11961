"""Benchmark: a 10,000-person disclosure built, signed, encrypted, verified (as a relay) and received on a
mediator node, against a plain CSV export and import of the same list, in the same process.

Run: PYTHONPATH=src .venv/bin/python bench/federation.py [--rows 10000]
Each node is its own SQLite file with its own key directory. Matching on arrival is off for both paths
(HOMEBOUND_MATCH_ON_ARRIVAL=0): what is compared is the transport, not the mediator's scoring.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.federation_support import Node, node_factory

from bench.listgen import large_csv
from homebound.core.packages.cards import NodeKind
from homebound.core.packages.kinds import PackageKind
from homebound.core.persons import Registry
from homebound.services import lists
from homebound.services.federation.disclosure import disclosure_payload
from homebound.services.federation.packages import receive_package, send_package, verify_package

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
        next(factory, None)


if __name__ == "__main__":
    main()
