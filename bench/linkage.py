"""Benchmark: batch linkage of a sought list against a held list, three ways side by side in one run.

Run: .venv/bin/python bench/linkage.py [--size 20000] [--seed 7] [--only homebound] [--generator independent]

1. exact join: the four name and date columns equal as written (what a spreadsheet VLOOKUP does);
2. Splink, default style: Splink's NameComparison and DateOfBirthComparison on the raw columns (dates read
   into ISO, as the import does), blocking on surname and on date of birth, trained the same way;
3. Homebound: our cross-script keys, comparisons and blocking (homebound.linkage), one-to-one, bands.

The lists come from the synthetic generator with ground truth (homebound.synthetic.scenario): party A's sought
list against party B's held list, size x size, 70% the same people, twins, brothers and namesakes planted; or,
with --generator independent, from bench/independent_lists.py (its own names and error model, 60% overlap),
where recall is also reported per error class.
Each method runs in its own child process, timed from the two lists in memory to the proposed pairs
(training included) and measured for peak resident memory (the child's whole process, Python included).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import pickle
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on

from bench.independent_lists import generate as generate_independent
from homebound.core.dates import DateFormatError, PartialDate
from homebound.linkage.assign import Bands, decide
from homebound.linkage.batch import LEFT_TABLE, RIGHT_TABLE, duckdb_api
from homebound.linkage.evaluate import blocking_recall
from homebound.linkage.features import frame_from_rows, prepare_features
from homebound.linkage.pipeline import link_lists
from homebound.synthetic.scenario import generate_exchange_lists

Rows = list[dict[str, str]]
Pairs = set[tuple[str, str]]
# Every proposed pair, and those of them decided `match` (the rest are `review`).
Proposed = tuple[Pairs, Pairs]
NAME_COLUMNS = ("family_name", "given_name", "patronymic", "date_of_birth")


def _iso(text: str) -> str | None:
    try:
        date = PartialDate.parse(text)
    except (DateFormatError, ValueError):
        return None
    return date.iso() if date.day is not None else None


def exact_join(sought: Rows, held: Rows) -> Proposed:
    key = lambda r: tuple(r.get(c, "") for c in NAME_COLUMNS)  # noqa: E731 - a one-line key
    by_key: dict[tuple[str, ...], list[str]] = {}
    for row in held:
        by_key.setdefault(key(row), []).append(row["record_id"])
    pairs = {(row["record_id"], h) for row in sought for h in by_key.get(key(row), []) if row["family_name"]}
    return pairs, pairs


def _default_frame(rows: Rows) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=["record_id", *NAME_COLUMNS])
    frame = frame.replace({"": None}).rename(columns={"record_id": "unique_id"})
    frame["date_of_birth"] = [None if d is None else _iso(d) for d in frame["date_of_birth"]]
    return frame


DEFAULT_BLOCKING = (("family_name",), ("date_of_birth",), ("given_name", "patronymic"))


def splink_default(sought: Rows, held: Rows) -> Proposed:
    left, right = _default_frame(sought), _default_frame(held)
    rules = [block_on(*keys) for keys in DEFAULT_BLOCKING]
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("family_name"),
            cl.NameComparison("given_name"),
            cl.NameComparison("patronymic"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
        ],
        blocking_rules_to_generate_predictions=rules,
    )
    api = duckdb_api()
    linker = Linker(
        [
            api.register(left, dataset_display_name=LEFT_TABLE),
            api.register(right, dataset_display_name=RIGHT_TABLE),
        ],
        settings,
        log_level=logging.ERROR,
    )
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("family_name", "given_name", "date_of_birth")], recall=0.6
    )
    training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    training.estimate_parameters_using_expectation_maximisation(block_on("family_name"))
    scored = linker.inference.predict(threshold_match_probability=0.01, warning_mode="never")
    frame = scored.as_pandas_dataframe().rename(columns={"unique_id_l": "left_id", "unique_id_r": "right_id"})
    return _split(decide(frame, Bands()))


def _split(proposed: pd.DataFrame) -> Proposed:
    matches = proposed[proposed["decision"] == "match"]
    return (
        set(zip(proposed["left_id"], proposed["right_id"], strict=True)),
        set(zip(matches["left_id"], matches["right_id"], strict=True)),
    )


def homebound(sought: Rows, held: Rows) -> Proposed:
    result = link_lists(frame_from_rows(sought), frame_from_rows(held))
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    print(f"    Homebound stages: {stages}; {result.scored_pairs:,} pairs scored", flush=True)
    return _split(result.proposals)


def blocking_recall_of(name: str, lists: Any) -> float | None:
    """Share of true pairs the method's blocking lets through to scoring (after the clock stops)."""
    if name == "Homebound":
        left, right = (prepare_features(frame_from_rows(rows)) for rows in (lists.sought, lists.held))
        return blocking_recall(left, right, lists.truth)
    if name == "Splink default-style":
        left, right = (_default_frame(rows).set_axis(_RENAMED, axis=1) for rows in (lists.sought, lists.held))
        return blocking_recall(left, right, lists.truth, DEFAULT_BLOCKING)
    return None


_RENAMED = ["unique_id", *NAME_COLUMNS]
METHODS: dict[str, Callable[[Rows, Rows], Proposed]] = {
    "exact join": exact_join,
    "Splink default-style": splink_default,
    "Homebound": homebound,
}


def _child(name: str, data_path: str, queue: Any) -> None:
    with open(data_path, "rb") as handle:
        lists = pickle.load(handle)  # noqa: S301 - our own temporary file
    started = time.perf_counter()
    pairs = METHODS[name](lists.sought, lists.held)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((pairs, elapsed, peak, blocking_recall_of(name, lists)))


def _draw(generator: str, size: int, seed: int) -> tuple[Any, dict[tuple[str, str], set[str]]]:
    """The two lists with their truth, and per true pair the error classes it carries (second generator)."""
    if generator == "independent":
        lists = generate_independent(size, seed)
        print(
            f"lists (independent generator): {len(lists.sought):,} sought x {len(lists.held):,} held, "
            f"{len(lists.truth):,} true pairs",
            flush=True,
        )
        return lists, lists.classes
    first = generate_exchange_lists(size, seed, n_reverse=0).forward
    print(
        f"lists: {len(first.sought):,} sought x {len(first.held):,} held, {len(first.truth):,} true pairs, "
        f"{len(first.hard_negatives):,} hard negatives",
        flush=True,
    )
    return first, {}


def _scores(pairs: Pairs, truth: Pairs) -> tuple[float, float, float]:
    correct = len(pairs & truth)
    precision = correct / len(pairs) if pairs else 1.0
    recall = correct / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _by_class(proposed: Pairs, classes: dict[tuple[str, str], set[str]]) -> None:
    """Recall (match or review) per error class of the second generator."""
    totals: dict[str, list[int]] = {}
    for pair, kinds in classes.items():
        for kind in kinds or {"clean"}:
            found = totals.setdefault(kind, [0, 0])
            found[0] += pair in proposed
            found[1] += 1
    parts = [f"{kind} {hit / n:.3f} ({n})" for kind, (hit, n) in sorted(totals.items())]
    print("    recall by error class: " + "; ".join(parts), flush=True)


def _workload(pairs: Pairs, matches: Pairs, truth: Pairs, page: int = 25) -> None:
    """The mediator's actions: one bulk confirmation per page of strong matches, one look per review pair."""
    bulk, looks = -(-len(matches) // page), len(pairs) - len(matches)
    found = len(pairs & truth)
    per_pair = (bulk + looks) / found if found else 0.0
    print(
        f"    workload: {bulk:,} bulk actions (pages of {page} matches) + {looks:,} looks at review pairs "
        f"= {bulk + looks:,} actions for {found:,} true pairs proposed ({per_pair:.3f} per true pair; "
        f"one click per pair would be {len(pairs) / found if found else 0.0:.3f})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=20_000, help="records in each list (default 20,000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=["exact", "splink", "homebound"], action="append")
    parser.add_argument(
        "--generator",
        choices=["first", "independent"],
        default="first",
        help="homebound.synthetic (first) or bench/independent_lists.py (its own error model)",
    )
    args = parser.parse_args()
    lists, classes = _draw(args.generator, args.size, args.seed)
    wanted = {"exact": "exact join", "splink": "Splink default-style", "homebound": "Homebound"}
    names = [wanted[o] for o in args.only] if args.only else list(METHODS)
    context = mp.get_context("spawn")
    with tempfile.TemporaryDirectory() as folder:
        data_path = str(Path(folder) / "lists.pickle")
        with open(data_path, "wb") as handle:
            pickle.dump(lists, handle)
        truth = set(lists.truth)
        print(
            "| method | precision | recall | F1 | match: precision | match: recall | match: F1 "
            "| blocking recall | wall time | peak RSS |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name in names:
            queue = context.Queue()
            child = context.Process(target=_child, args=(name, data_path, queue))
            child.start()
            (pairs, matches), elapsed, peak, recall = queue.get()
            child.join()
            every = " | ".join(f"{v:.4f}" for v in _scores(pairs, truth))
            strong = " | ".join(f"{v:.4f}" for v in _scores(matches, truth))
            block = "n/a" if recall is None else f"{recall:.4f}"
            print(
                f"| {name} | {every} | {strong} | {block} | {elapsed:.1f} s | {peak:,.0f} MiB |", flush=True
            )
            if classes:
                _by_class(pairs, classes)
            _workload(pairs, matches, truth)


if __name__ == "__main__":
    main()
