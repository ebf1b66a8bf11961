"""Benchmark: a 1,000-line handover act recorded at the crossing, built, signed, encrypted, sent, verified (as
a relay), imported on a party's node and countersigned back, against the same lines carried as a plain CSV
file (no signature, no encryption, no rule checked) and stored the same way, in the same process.

Run: PYTHONPATH=src .venv/bin/python bench/crossing.py [--lines 1000] [--bus 50]
Each node is its own SQLite file with its own key directory. The concluded agreement's manifest (500 for
500, synthetic record ids) is installed on the crossing node and the party's node as the `conclusion`
package would install it; the negotiation is not what is measured.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.federation_support import PASSWORD, Node, node_factory

from homebound.core.packages.acts import CrossingLine, CrossingManifest, ManifestEntry, Outcome, PersonRef
from homebound.core.packages.cards import NodeKind
from homebound.core.packages.kinds import PackageKind
from homebound.db.crossing_tables import CrossingLineRow
from homebound.services.federation.countersigning import countersign, tranche_at_crossing
from homebound.services.federation.crossing import (
    LineRecord,
    act_payload,
    install_manifest,
    issue_act,
    lines_held,
    record_crossing,
)
from homebound.services.federation.packages import receive_package, send_package, verify_package
from homebound.services.sign_in import Reauthentication

T = TypeVar("T")
CROSSED = "2025-05-23T11:00:00Z"


def _timed(label: str, fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - start
    print(f"  {label:<58} {elapsed:7.3f} s", flush=True)
    return value, elapsed


def _manifest(lines: int) -> dict[str, Any]:
    half = lines // 2
    entries = tuple(
        ManifestEntry(n, PersonRef("ua", f"UA-{n:05d}") if n <= half else PersonRef("ru", f"RU-{n:05d}"))
        for n in range(1, lines + 1)
    )
    return CrossingManifest("bench-agreement", "c" * 64, "ua", "ru", "med", {1: entries}).to_json()


def _record(crossing: Node, content_hash: str, lines: int, bus: int) -> None:
    for start in range(1, lines + 1, bus):  # one transaction per bus, as the crossing records them
        batch = [
            LineRecord(n, Outcome.DELIVERED, crossed_at=CROSSED) if n % 97 else
            LineRecord(n, Outcome.NOT_DELIVERED, note="not on the bus")
            for n in range(start, min(start + bus, lines + 1))
        ]  # fmt: skip
        record_crossing(crossing.uows, crossing.actor(), content_hash, 1, batch)


def _csv_of(lines: list[CrossingLine]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["tranche", "line_no", "party", "record_id", "outcome", "crossed_at", "note", "recorder",
                     "device", "recorded_at"])  # fmt: skip
    for line in lines:
        writer.writerow([line.tranche, line.line_no, line.person.party, line.person.record_id,
                         line.outcome.value, line.crossed_at or "", line.note, line.recorder, line.device,
                         line.recorded_at])  # fmt: skip
    return out.getvalue().encode()


def _load_csv(node: Node, content_hash: str, data: bytes) -> int:
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    with node.uows.writer() as uow:
        for row in rows:
            line = CrossingLine(int(row["tranche"]), int(row["line_no"]),
                                PersonRef(row["party"], row["record_id"]), Outcome(row["outcome"]),
                                row["crossed_at"] or None, None, row["note"], row["recorder"], row["device"],
                                row["recorded_at"])  # fmt: skip
            uow.session.add(CrossingLineRow(hash=line.hash, content_hash=content_hash, tranche=line.tranche,
                                            line_no=line.line_no, device=line.device,
                                            document=line.to_json(), source=None))  # fmt: skip
        uow.commit()
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--bus", type=int, default=50, help="lines recorded per transaction")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        factory = node_factory(lambda code: f"sqlite:///{root / code}.sqlite3", root)
        make = next(factory)
        ua, ru = make("ua", NodeKind.PARTY), make("ru", NodeKind.PARTY)
        med, crossing = make("med", NodeKind.MEDIATOR), make("med-x1", NodeKind.MEDIATOR)
        plain = make("plain", NodeKind.PARTY)  # receives the CSV
        ua.trusts(crossing, med), ru.trusts(crossing), crossing.trusts(ua, ru, med), med.trusts(crossing)
        manifest = _manifest(args.lines)
        content_hash = str(manifest["content_hash"])
        for node in (ua, crossing, plain):
            install_manifest(node.uows, "cli", manifest)

        print(f"crossing: {args.lines} lines recorded in buses of {args.bus}")
        _timed("record at the crossing (lines, log entries)", lambda: _record(
            crossing, content_hash, args.lines, args.bus))  # fmt: skip
        print("package (the act to both parties and the mediator's node, countersigned by one party)")
        issued, build = _timed("build the act, resolve, sign", lambda: issue_act(
            crossing.uows, crossing.actor(), content_hash, 1))  # fmt: skip
        sent, seal = _timed("seal (sign, encrypt to 3), outbox, log", lambda: send_package(
            crossing.uows, crossing.actor(), to=["ua", "ru", "med"], kind=PackageKind.HANDOVER_ACT,
            payload=act_payload(crossing.uows, issued.hash)))  # fmt: skip
        _, verify = _timed("verify as a relay (no decryption)", lambda: verify_package(med.uows, sent.data))
        received, load = _timed("import on ua (verify, decrypt, re-resolve, store lines, log)", lambda:
                                receive_package(ua.uows, ua.actor(), sent.data))  # fmt: skip
        signed, sign = _timed("countersign on ua and send to the crossing", lambda: send_package(
            ua.uows, ua.actor(), to=["med-x1"], kind=PackageKind.COUNTERSIGNATURE,
            payload=countersign(ua.uows, ua.actor(), issued.hash, Reauthentication(PASSWORD))))  # fmt: skip
        _, back = _timed("receive the countersignature at the crossing", lambda: receive_package(
            crossing.uows, crossing.actor(), signed.data))  # fmt: skip
        status = tranche_at_crossing(crossing.uows, content_hash, 1)
        total = build + seal + verify + load + sign + back
        print(f"  {'total after recording':<58} {total:7.3f} s   ({len(sent.data) / 2**10:.0f} KiB package)")
        print(f"  {received.summary}; countersigned by {status.acts[issued.hash]['countersigned_by']}")

        print("plain CSV (the same lines written, read back and stored on another node; nothing checked)")
        with crossing.uows.reader() as uow:
            lines = [line for line, _ in lines_held(uow.session, content_hash, 1)]
        data, write = _timed("write the CSV", lambda: _csv_of(lines))
        count, store = _timed("read and store", lambda: _load_csv(plain, content_hash, data))
        csv_total = write + store
        print(f"  {'total':<58} {csv_total:7.3f} s   ({len(data) / 2**10:.0f} KiB CSV, {count} lines)")
        print(f"package / CSV: {total / csv_total:.2f}x")
        next(factory, None)


if __name__ == "__main__":
    main()
