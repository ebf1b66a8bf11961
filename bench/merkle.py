"""Benchmark of the RFC 9162 Merkle tree: build, inclusion and consistency proofs, against the naive one.

Run from the project root: `.venv/bin/python bench/merkle.py` (see --help for sizes and counts). Builds a
tree of --size leaves, generates and verifies --proofs inclusion proofs at random indices and --consistency
consistency proofs from random older sizes, and prints wall times (best of 3 runs each). The baseline is the
test suite's naive implementation (tests/core/log/naive_merkle.py), timed in the same process on --naive-size
leaves because each of its proofs rehashes the tree; our tree is timed at that size too, so the ratios compare
like with like.
"""

from __future__ import annotations

import argparse
import importlib
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from homebound.core.log.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion

T = TypeVar("T")
# The naive tree lives with the tests, which are not an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
naive: Any = importlib.import_module("tests.core.log.naive_merkle")


REPEAT = 3  # each figure is the best of this many runs: the machine is shared, the minimum is the signal


def timed(action: Callable[[], T]) -> tuple[T, float]:
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return result, best


def synthetic_entries(size: int) -> list[bytes]:
    """Stand-ins for canonical-JSON entries of about the real size (~300 bytes)."""
    return [
        b'{"seq":%d,"action":"handover:line:record","commitment":"%s"}' % (n, b"c" * 240) for n in range(size)
    ]


def bench_ours(entries: list[bytes], proofs: int, checks: int, rng: random.Random) -> dict[str, float]:
    size = len(entries)
    leaves, hash_seconds = timed(lambda: [leaf_hash(entry) for entry in entries])
    tree, build_seconds = timed(lambda: MerkleTree(leaves))
    root = tree.root()
    indices = [rng.randrange(size) for _ in range(proofs)]
    paths, prove_seconds = timed(lambda: [tree.inclusion_proof(index) for index in indices])

    def verify_paths() -> None:
        for index, path in zip(indices, paths, strict=True):
            verify_inclusion(leaves[index], index, size, path, root)

    _, verify_seconds = timed(verify_paths)
    old_sizes = [rng.randrange(1, size) for _ in range(checks)]
    claims, consistency_prove_seconds = timed(
        lambda: [(old, tree.root(old), tree.consistency_proof(old)) for old in old_sizes]
    )

    def verify_claims() -> None:
        for old, old_root, proof in claims:
            verify_consistency(old, size, proof, old_root, root)

    _, consistency_verify_seconds = timed(verify_claims)
    return {
        "leaf hashes": hash_seconds,
        "tree build": build_seconds,
        f"{proofs} inclusion proofs": prove_seconds,
        f"{proofs} inclusion verifications": verify_seconds,
        f"{checks} consistency proofs + old roots": consistency_prove_seconds,
        f"{checks} consistency verifications": consistency_verify_seconds,
    }


def bench_naive(entries: list[bytes], proofs: int, checks: int, rng: random.Random) -> dict[str, float]:
    size = len(entries)
    root, root_seconds = timed(lambda: naive.mth(entries))
    indices = [rng.randrange(size) for _ in range(proofs)]
    paths, prove_seconds = timed(lambda: [naive.path(index, entries) for index in indices])
    leaves = [leaf_hash(entry) for entry in entries]
    _, verify_seconds = timed(
        lambda: [
            naive.inclusion_holds(leaves[i], i, size, path, root)
            for i, path in zip(indices, paths, strict=True)
        ]
    )
    old_sizes = [rng.randrange(1, size) for _ in range(checks)]
    claims, consistency_prove_seconds = timed(
        lambda: [(old, naive.mth(entries[:old]), naive.proof(old, entries)) for old in old_sizes]
    )
    _, consistency_verify_seconds = timed(
        lambda: [naive.consistency_holds(old, size, proof, old_root, root) for old, old_root, proof in claims]
    )
    return {
        "root": root_seconds,
        f"{proofs} inclusion proofs": prove_seconds,
        f"{proofs} inclusion verifications": verify_seconds,
        f"{checks} consistency proofs + old roots": consistency_prove_seconds,
        f"{checks} consistency verifications": consistency_verify_seconds,
    }


def report(title: str, figures: dict[str, float]) -> None:
    print(f"\n{title}")
    for name, seconds in figures.items():
        print(f"  {name:<40} {seconds * 1000:10.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="leaves in the large tree")
    parser.add_argument("--proofs", type=int, default=1_000, help="inclusion proofs per run")
    parser.add_argument("--consistency", type=int, default=100, help="consistency proofs per run")
    parser.add_argument("--naive-size", type=int, default=2_000, help="leaves for the naive baseline")
    parser.add_argument("--seed", type=int, default=9162)
    args = parser.parse_args()
    counts = (args.proofs, args.consistency)

    large = bench_ours(synthetic_entries(args.size), *counts, random.Random(args.seed))
    report(f"ours, {args.size:,} leaves", large)
    small_entries = synthetic_entries(args.naive_size)
    small = bench_ours(small_entries, *counts, random.Random(args.seed))
    report(f"ours, {args.naive_size:,} leaves", small)
    baseline = bench_naive(small_entries, *counts, random.Random(args.seed))
    report(f"naive, {args.naive_size:,} leaves", baseline)

    small["root"] = small["leaf hashes"] + small["tree build"]
    print(f"\nnaive / ours, both at {args.naive_size:,} leaves")
    for name, seconds in baseline.items():
        print(f"  {name:<40} {seconds / small[name]:10.1f}x")


if __name__ == "__main__":
    main()
