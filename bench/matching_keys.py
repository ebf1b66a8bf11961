"""Benchmark of the cross-script matching keys: skeletons, name classes and Daitch–Mokotoff codes.

Run from the project root: `.venv/bin/python bench/matching_keys.py` (--records to change the size).
Draws --records synthetic people (Zipf-weighted surnames from names-translator's table, given names and
patronymics from our classes; Ukrainian or Russian Cyrillic, KMU or ICAO Latin, a share in CAPITALS) and
computes per record five keys: skeleton of family and given name, given-name class, patronymic class and
DM codes of the family name. Prints keys per second, best of 3 runs, in two modes: "lists" with the
functions' caches on (names repeat, as in real lists) and "all new" with every cache emptied between
records' keys, the cost of a never-seen spelling. Then grades --pairs random record pairs with the
family-name, given-name and patronymic comparators (caches warm), the per-pair cost of rescoring.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable, Sequence
from functools import partial
from importlib import resources
from itertools import accumulate

from names_translator.dicts import default_dicts
from translitua import RussianICAO, UkrainianKMU, translit

from homebound.core.matching import compare, names, normalize, phonetic

REPEAT = 3
KEYS_PER_RECORD = 5

Record = tuple[str, str, str]


def zipf_weights(count: int, exponent: float = 1.0) -> list[float]:
    return list(accumulate(1.0 / (rank + 1) ** exponent for rank in range(count)))


def draw_records(count: int, seed: int) -> list[Record]:
    rng = random.Random(seed)
    surnames = default_dicts().as_dict("last")
    surname_keys = list(surnames)
    rng.shuffle(surname_keys)
    document = json.loads(
        resources.files("homebound.core.matching").joinpath("data", "given_names.json").read_text("utf8")
    )
    hand = [(cid, c) for cid, c in document["classes"].items() if c["source"] == "hand"]
    patronymic_forms: dict[str, list[str]] = {}
    for form, owners in document["patronymics"].items():
        if not form.isascii():
            patronymic_forms.setdefault(owners[0], []).append(form)
    surname_weights = zipf_weights(len(surname_keys), 0.9)
    given_weights = zipf_weights(len(hand), 1.1)
    records: list[Record] = []
    for _ in range(count):
        surname = rng.choices(surname_keys, cum_weights=surname_weights)[0]
        _, person = rng.choices(hand, cum_weights=given_weights)[0]
        father_id, _ = rng.choices(hand, cum_weights=given_weights)[0]
        russian = rng.random() < 0.35
        family = rng.choice(surnames[surname]) if russian else surname
        given = person["ru" if russian else "uk"][0]
        patronymic = rng.choice(patronymic_forms.get(f"{father_id}:{person['sex']}", [""]))
        records.append(styled((family.title(), given, patronymic.title()), rng, russian))
    return records


def styled(record: Record, rng: random.Random, russian: bool) -> Record:
    roll = rng.random()
    if roll < 0.25:
        table = RussianICAO if russian else UkrainianKMU
        record = (translit(record[0], table), translit(record[1], table), translit(record[2], table))
    if rng.random() < 0.3:
        record = (record[0].upper(), record[1].upper(), record[2].upper())
    return record


def clear_caches() -> None:
    for cached in (
        normalize.normalize_name,
        normalize.skeleton,
        normalize.romanize,
        names._given_readings,
        names.patronymic_classes,
        phonetic.daitch_mokotoff,
    ):
        cached.cache_clear()


def keys_of(family: str, given: str, patronymic: str) -> tuple[object, ...]:
    return (
        normalize.skeleton(family),
        normalize.skeleton(given),
        names.given_name_class(given),
        names.patronymic_class(patronymic),
        phonetic.daitch_mokotoff(family),
    )


def run_lists(records: Sequence[Record]) -> None:
    clear_caches()
    for record in records:
        keys_of(*record)


def run_all_new(records: Sequence[Record]) -> None:
    for record in records:
        clear_caches()
        keys_of(*record)


def run_pairs(pairs: Sequence[tuple[Record, Record]]) -> None:
    for left, right in pairs:
        compare.compare_family_names(left[0], right[0])
        compare.compare_given_names(left[1], right[1])
        compare.compare_patronymics(left[2], right[2])


def best_of(action: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(REPEAT):
        start = time.process_time()
        action()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--all-new", type=int, default=20_000, help="records for the uncached mode")
    parser.add_argument("--pairs", type=int, default=100_000, help="record pairs to compare")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    start = time.perf_counter()
    names.given_name_class("Олександр")  # loads the data file
    load = time.perf_counter() - start
    records = draw_records(args.records, args.seed)
    unique = {kind: len({r[i] for r in records}) for i, kind in enumerate(("family", "given", "patronymic"))}
    print(f"data file load: {load * 1000:.0f} ms; records: {len(records):,}; distinct spellings: {unique}")
    for label, subset, action in (
        ("lists (caches on)", records, run_lists),
        ("all new (no cache)", records[: args.all_new], run_all_new),
    ):
        seconds = best_of(partial(action, subset))
        rate = len(subset) / seconds
        print(
            f"{label:20s} {len(subset):>7,} records in {seconds:6.2f} s CPU: "
            f"{rate:>9,.0f} records/s, {rate * KEYS_PER_RECORD:>10,.0f} keys/s"
        )
    rng = random.Random(args.seed)
    pairs = [(rng.choice(records), rng.choice(records)) for _ in range(args.pairs)]
    run_pairs(pairs)  # warm the key caches, as a loaded index would be
    seconds = best_of(partial(run_pairs, pairs))
    rate = len(pairs) / seconds
    print(f"{'name comparisons':20s} {len(pairs):>7,} pairs   in {seconds:6.2f} s CPU: {rate:>9,.0f} pairs/s")


if __name__ == "__main__":
    main()
