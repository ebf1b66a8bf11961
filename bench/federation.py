"""Benchmark: a 10,000-person disclosure built, signed, encrypted, verified (as a relay) and received on a
mediator node, against a plain CSV export and import of the same list, in the same process; and a checkpoint
witnessed (sent with its consistency proof, verified and cosigned by the mediator, the cosignature taken back)
against computing the consistency proof alone.

Run: PYTHONPATH=src .venv/bin/python bench/federation.py [--rows 10000] [--json bench/results/federation.json]
Each node is its own SQLite file with its own key directory (homebound.services.federation.local_nodes).
Matching on arrival is off for both paths (HOMEBOUND_MATCH_ON_ARRIVAL=0): what is compared is the transport,
not the mediator's scoring.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from bench.listgen import large_csv
from homebound.core.log.merkle import MerkleTree, verify_consistency
from homebound.core.packages.cards import NodeKind
from homebound.core.packages.kinds import PackageKind
from homebound.core.persons import Registry
from homebound.db.federation_tables import NodeCheckpointRow
from homebound.db.log_store import leaf_hashes
from homebound.services import lists
from homebound.services.federation.disclosure import disclosure_payload
from homebound.services.federation.local_nodes import LocalNode, set_up_node
from homebound.services.federation.packages import receive_package, send_package, verify_package
from homebound.services.federation.tree_heads import send_checkpoint
from homebound.services.passwords import PasswordCost

T = TypeVar("T")
BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105 - throwaway nodes in a temporary folder
BENCH_COST = PasswordCost(time_cost=1, memory_kib=8192, parallelism=1)  # set-up only: not what is measured
figures: dict[str, float | int | str] = {}


def _timed(label: str, key: str, fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - start
    print(f"  {label:<52} {elapsed * 1000:10.3f} ms", flush=True)
    figures[key] = round(elapsed, 6)
    return value, elapsed


def _disclosure(ua: LocalNode, med: LocalNode, copy: LocalNode) -> None:
    print("package (disclosure of the whole held list to the mediator)")
    payload, build = _timed("build (read and choose from the registry)", "disclosure_build_s",
                            lambda: disclosure_payload(ua.uows, ua.actor(), Registry.HELD))  # fmt: skip
    sent, seal = _timed("sign, encrypt, outbox, log", "disclosure_seal_s", lambda: send_package(
        ua.uows, ua.actor(), to=["med"], kind=PackageKind.DISCLOSURE, payload=payload))  # fmt: skip
    _, verify = _timed("verify as a relay (no decryption)", "disclosure_relay_verify_s",
                       lambda: verify_package(med.uows, sent.data))  # fmt: skip
    received, receive = _timed("receive (verify, decrypt, check, import, log)", "disclosure_receive_s",
                               lambda: receive_package(med.uows, med.actor(), sent.data))  # fmt: skip
    package_total = build + seal + verify + receive
    figures["disclosure_package_total_s"], figures["disclosure_package_mib"] = (
        round(package_total, 3), round(len(sent.data) / 2**20, 2))  # fmt: skip
    print(f"  {'total':<52} {package_total:9.2f} s  ({len(sent.data) / 2**20:.1f} MiB package)")
    print(f"  {received.summary}")

    print("plain CSV (export, then import into another node's registry)")
    csv, export = _timed("export", "csv_export_s",
                         lambda: lists.export_list(ua.uows, ua.actor(), Registry.HELD, "csv"))  # fmt: skip
    _, load = _timed("import", "csv_import_s", lambda: lists.import_list(
        copy.uows, copy.actor(), Registry.HELD, csv, "held.csv"))  # fmt: skip
    csv_total = export + load
    figures["csv_total_s"], figures["package_over_csv"] = (
        round(csv_total, 3),
        round(package_total / csv_total, 2),
    )
    print(f"  {'total':<52} {csv_total:9.2f} s  ({len(csv) / 2**20:.1f} MiB CSV)")
    print(f"package / CSV: {package_total / csv_total:.2f}x")


def _witnessed(ua: LocalNode, med: LocalNode, cosigned_size: int) -> None:
    """ua's log has grown from `cosigned_size` (cosigned by med before the disclosure) to its size now."""
    with ua.uows.reader() as uow:
        session = uow.session
        (leaves, read) = _timed("baseline: read the log's leaf hashes", "proof_read_leaves_s",
                                lambda: leaf_hashes(session))  # fmt: skip
    size = len(leaves)
    print(f"checkpoint witnessed (ua's log: {cosigned_size} -> {size} entries; med cosigned {cosigned_size})")
    tree, build = _timed("baseline: build the Merkle tree", "proof_build_tree_s", lambda: MerkleTree(leaves))
    proof, prove = _timed("baseline: consistency proof alone", "proof_alone_s",
                          lambda: tree.consistency_proof(cosigned_size, size))  # fmt: skip
    _timed("baseline: verify the proof", "proof_verify_s", lambda: verify_consistency(
        cosigned_size, size, proof, tree.root(cosigned_size), tree.root()))  # fmt: skip
    baseline = read + build + prove
    sent, send = _timed("send: sign the tree head, prove, seal, outbox, log", "witness_send_s",
                        lambda: send_checkpoint(ua.uows, ua.actor(), "med"))  # fmt: skip
    taken, cosign = _timed("witness: verify, check the proof, cosign, answer", "witness_cosign_s",
                           lambda: receive_package(med.uows, med.actor(), sent.data))  # fmt: skip
    assert taken.reply is not None, taken.summary
    reply = taken.reply
    _, back = _timed("take the cosignature back (verify, keep, log)", "witness_back_s",
                     lambda: receive_package(ua.uows, ua.actor(), reply.data))  # fmt: skip
    total = send + cosign + back
    figures.update(witness_log_size=size, witness_from_size=cosigned_size, witness_proof_hashes=len(proof),
                   witness_round_trip_s=round(total, 4), witness_baseline_s=round(baseline, 4))  # fmt: skip
    print(f"  {'round trip':<52} {total * 1000:9.1f} ms  ({len(proof)} proof hashes, packages"
          f" {len(sent.data)} + {len(reply.data)} bytes)")  # fmt: skip
    print(f"  {'baseline (read leaves, build tree, prove)':<52} {baseline * 1000:9.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    os.environ["HOMEBOUND_MATCH_ON_ARRIVAL"] = "0"
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)

        def make(code: str, kind: NodeKind) -> LocalNode:
            return set_up_node(code, kind, f"sqlite:///{root / code}.sqlite3", root / f"{code}-keys",
                               password=BENCH_PASSWORD, cost=BENCH_COST)  # fmt: skip

        ua, med = make("ua", NodeKind.PARTY), make("med", NodeKind.MEDIATOR)
        copy = make("copy", NodeKind.PARTY)  # receives the CSV, as a party's import would
        ua.trusts(med), med.trusts(ua)
        first = send_checkpoint(ua.uows, ua.actor(), "med")  # med cosigns ua's young log first
        answer = receive_package(med.uows, med.actor(), first.data).reply
        assert answer is not None
        receive_package(ua.uows, ua.actor(), answer.data)
        with ua.uows.reader() as uow:
            cosigned_size = uow.session.execute(select(NodeCheckpointRow.tree_size)).scalar_one()
        print(f"setting up: {args.rows} held records on party ua's node", flush=True)
        ua.imports(Registry.HELD, large_csv(args.rows))
        _disclosure(ua, med, copy)
        _witnessed(ua, med, cosigned_size)
        for node in (ua, med, copy):
            node.engine.dispose()
    figures["rows"] = args.rows
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
