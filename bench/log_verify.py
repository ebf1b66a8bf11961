"""Benchmark of offline verification: a party checks a 100,000-entry export on its own machine.

Run from the project root: `.venv/bin/python bench/log_verify.py` (see --help). Builds a signed log in
memory with the pure core (bench/loggen.py: set-up, person changes by two parties, a key rotation, a
checkpoint cosigned by all every tenth of the log), writes party A's export to a directory, then times:

- `homebound log verify DIR` as a party runs it (a fresh process: start-up, reading, every check);
- the same check in this process, split into its parts: reading the files, the entry pass (form, chain,
  keys, signatures, payloads, Merkle leaves) and the rest (key set, checkpoints, proofs, state);
- the floor: verifying the 100,000 Ed25519 signatures alone, with nothing else.

Figures are best of --repeat runs (the machine is shared; the minimum is the signal).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loggen import build_log
from homebound.cli.log_files import read_export, write_export
from homebound.core.log.entries import SIGNATURE_DOMAIN
from homebound.core.log.export import ENTRIES, audit_export
from homebound.core.log.signing import VerifyingKey

T = TypeVar("T")


def timed(action: Callable[[], T], repeat: int) -> tuple[T, float]:
    best = float("inf")
    result: T | None = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return result, best


def signatures_only(files: dict[str, bytes], keys: dict[str, bytes]) -> int:
    """The cryptographic floor: every entry's signature verified, nothing else parsed or checked."""
    verifiers = {key_id: VerifyingKey(public) for key_id, public in keys.items()}
    checked = 0
    for line in files[ENTRIES].splitlines():
        body, _, signature = line.rpartition(b"\t")
        key_id = body[body.index(b'"key_id":"') + 10 :][:32].decode()
        assert verifiers[key_id].verify(SIGNATURE_DOMAIN + body, bytes.fromhex(signature.decode()))
        checked += 1
    return checked


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - our own CLI


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000, help="entries in the log")
    parser.add_argument("--repeat", type=int, default=2, help="runs per figure (best is kept)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    start = time.perf_counter()
    scenario = build_log(args.size, seed=args.seed, checkpoint_every=max(10, args.size // 10))
    files = scenario.log.export(scenario.party_a)
    built = time.perf_counter() - start
    directory = Path(tempfile.mkdtemp(prefix="homebound-log-export-"))
    try:
        write_export(files, directory)
        size_mib = sum(len(data) for data in files.values()) / 2**20
        print(f"log of {args.size:,} entries built and signed in {built:.1f} s; export {size_mib:.1f} MiB")

        command = [str(Path(sys.executable).with_name("homebound")), "log", "verify", str(directory)]
        completed, cli = timed(lambda: _run(command), args.repeat)
        if completed.returncode != 0:
            raise SystemExit(f"verification failed:\n{completed.stdout}{completed.stderr}")

        loaded, read_seconds = timed(lambda: read_export(directory), args.repeat)
        report, audit_seconds = timed(lambda: audit_export(loaded), args.repeat)
        assert report.ok, report.failure
        assert report.entries_checked == args.size
        keys = {record.key_id: record.public_key for record in report.keys}
        _, floor = timed(lambda: signatures_only(loaded, keys), args.repeat)
    finally:
        shutil.rmtree(directory)

    per_entry = audit_seconds / args.size * 1e6
    print(f"| step ({args.size:,} entries) | wall time |")
    print("|---|---|")
    print(f"| `homebound log verify DIR` (new process, everything) | {cli:.1f} s |")
    print(f"| reading the six files | {read_seconds:.2f} s |")
    print(f"| every check, in process | {audit_seconds:.1f} s ({per_entry:.0f} µs per entry) |")
    print(f"| floor: Ed25519 signatures alone | {floor:.1f} s ({floor / audit_seconds:.0%} of the check) |")
    print(
        f"checked: {report.entries_checked:,} entries, {report.signatures_checked:,} signatures, "
        f"{report.payloads_checked:,} payloads, {len(report.keys)} keys, "
        f"{report.checkpoints_checked} checkpoints, "
        f"{report.proofs_checked} proofs; latest final checkpoint at "
        f"{report.final_checkpoint.tree_size if report.final_checkpoint else 0:,}"
    )


if __name__ == "__main__":
    main()
