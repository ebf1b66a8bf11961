"""Benchmark: incremental matching of one new record against a registry of 1,000,000 records.

Run: .venv/bin/python bench/linkage_lookup.py [--registry 1000000] [--queries 10000] [--model MODEL.json]

The registry is a held list drawn in chunks of 100,000 from the synthetic generator (each chunk its own
population, so names repeat across the registry as they do in a national list); the queries are the chunks'
sought records, whose true held record is known. Without --model, a model is first trained on a 20,000 x
20,000 pair of lists. Reports: index build time, index memory (by content, and as the growth of the
resident set), look-up latency percentiles (and their ratio to a fixed piece of work timed just before each
look-up, which a shared machine's load slows alike), how often the true record comes first, and the latency
of adding a record.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd

from homebound.linkage.batch import LinkSession
from homebound.linkage.features import SOURCE_COLUMNS, frame_from_rows, prepare_features
from homebound.linkage.index import RegistryIndex
from homebound.linkage.model import LinkageModel
from homebound.synthetic.scenario import PARTY_A, generate_exchange_lists, generate_list_pair

CHUNK = 100_000
SOUGHT_PER_CHUNK = 1_000

Row = dict[str, str]


def _train(seed: int) -> LinkageModel:
    lists = generate_exchange_lists(20_000, seed, n_reverse=0).forward
    left = prepare_features(frame_from_rows(lists.sought))
    right = prepare_features(frame_from_rows(lists.held))
    return LinkSession(left, right).train()


def _registry(size: int, seed: int) -> tuple[pd.DataFrame, list[Row], dict[str, str]]:
    """Held records (source columns only), sought records, and each sought record's true held id."""
    frames: list[pd.DataFrame] = []
    queries: list[Row] = []
    truth: dict[str, str] = {}
    for chunk in range((size + CHUNK - 1) // CHUNK):
        n_held = min(CHUNK, size - chunk * CHUNK)
        pair = generate_list_pair(PARTY_A, SOUGHT_PER_CHUNK, n_held, seed * 1000 + chunk)
        held = frame_from_rows(pair.held)
        held["record_id"] = f"{chunk:02d}-" + held["record_id"]
        frames.append(held)
        for row in pair.sought:
            queries.append(
                {k: row.get(k, "") for k in SOURCE_COLUMNS} | {"record_id": f"{chunk:02d}-{row['record_id']}"}
            )
        truth.update({f"{chunk:02d}-{s}": f"{chunk:02d}-{h}" for s, h in pair.truth})
        print(f"  drew chunk {chunk + 1}: {n_held:,} held", flush=True)
    return pd.concat(frames, ignore_index=True), queries, truth


def _resident() -> int:
    """Resident set size of this process in bytes (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _percentiles(label: str, seconds: list[float]) -> None:
    ms = np.asarray(seconds) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    spread = f"p50 {p50:.2f} ms, p95 {p95:.2f} ms, p99 {p99:.2f} ms, max {ms.max():.1f} ms"
    print(f"{label}: {spread} ({len(ms):,} calls)")


def _reference_work() -> int:
    """A fixed piece of CPU work timed just before each look-up: on a shared machine the look-up's latency
    is read against it (a ratio), since both suffer the same load at the same moment."""
    return sum(i * i for i in range(5_000))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--registry", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    started = time.perf_counter()
    model = LinkageModel.load(args.model) if args.model else _train(args.seed)
    print(f"model ready in {time.perf_counter() - started:.1f} s", flush=True)
    held, queries, truth = _registry(args.registry, args.seed)
    print(f"registry: {len(held):,} held records, {len(queries):,} sought records to look up", flush=True)

    gc.collect()
    before = _resident()
    started = time.perf_counter()
    keys = prepare_features(held)
    keyed = time.perf_counter() - started
    index = RegistryIndex.from_features(keys, model)
    built = time.perf_counter() - started
    del keys, held
    gc.collect()
    grown = _resident() - before
    content = index.approximate_bytes() / 2**20
    print(
        f"index: keys {keyed:.1f} s + load {built - keyed:.1f} s = {built:.1f} s; memory "
        f"{content:,.0f} MiB by content, resident set grew {grown / 2**20:,.0f} MiB",
        flush=True,
    )

    rng = np.random.default_rng(args.seed)
    chosen = [
        queries[k] for k in rng.choice(len(queries), size=min(args.queries, len(queries)), replace=False)
    ]
    for record in chosen[:200]:  # warm the name caches as a running service would have them
        index.look_up(record)
    latencies: list[float] = []
    reference: list[float] = []
    first = found = 0
    for record in chosen:
        tick = time.perf_counter()
        _reference_work()
        reference.append(time.perf_counter() - tick)
        tick = time.perf_counter()
        candidates = index.look_up(record, min_probability=0.01)
        latencies.append(time.perf_counter() - tick)
        true_id = truth.get(record["record_id"])
        if true_id is not None:
            found += 1
            first += bool(candidates) and candidates[0].record_id == true_id
    _percentiles("look-up", latencies)
    _percentiles("reference work, interleaved", reference)
    ratios = np.percentile(latencies, [50, 99]) / np.percentile(reference, [50, 99])
    print(f"look-up / reference: p50 {ratios[0]:.2f}x, p99 {ratios[1]:.2f}x (same process, same moments)")
    print(f"true held record ranked first for {first:,} of {found:,} sought records that have one")

    adds: list[float] = []
    for k, record in enumerate(chosen[:5_000]):
        tick = time.perf_counter()
        index.add({**record, "record_id": f"new-{k}"})
        adds.append(time.perf_counter() - tick)
    _percentiles("add in place", adds)


if __name__ == "__main__":
    main()
