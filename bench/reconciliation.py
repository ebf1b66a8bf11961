"""Benchmark: list reconciliation, a 10,000-row list against a 100,000-record registry; bucket accuracy.

Run: .venv/bin/python bench/reconciliation.py [--registry 100000] [--list 10000] [--seed 7]

The synthetic generator (homebound.synthetic.scenario) gives party A's sought registry (Ukrainian, a share in
Latin and Russian forms) and party B's held list (Russian, a share in Latin), 70% of the list being people A
seeks, with twins, brothers and namesakes planted, and the truth of who is who. On top of it the benchmark
plants what reconciliation must find, and so knows every row's true bucket:

* already returned: 5% of A's records that the list truly matches are marked returned;
* probable data error: 3% of the truly matching rows get another date of birth beyond the comparators'
  tolerance (the year; the month and day; or all three);
* duplicate within the list: 2% of the rows are repeated at the end, the family name in capitals;
* civilian: the civilian internees the generator makes (about 8%), by the list's category column;
* confirmed ours: the other truly matching rows; not found: the rest.

The list goes through the same path as an upload (written as CSV in Russian headers, read and validated),
then ``linkage.reconciliation.score_list``: keys, the incremental index of the registry, the vectorised
look-up with the batch model, the list against itself for duplicates, and the classification. Timed from the
file's bytes to the buckets; the registry's records are taken as already read (the service reads them from
the database in the same transaction).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from homebound.core.dates import PartialDate
from homebound.core.matching.reconciliation import PRECEDENCE, Bucket, Flag, RecordState, date_disagreement
from homebound.core.person_input import PersonInput, parse_person_row
from homebound.core.persons import Registry
from homebound.linkage.reconciliation import OurRecord, score_list
from homebound.lists.headers import HeaderLanguage
from homebound.lists.readers import read_list
from homebound.lists.validate import validate_table
from homebound.lists.writers import write_csv
from homebound.synthetic.scenario import generate_exchange_lists

RETURNED_SHARE = 0.05
DATA_ERROR_SHARE = 0.03
DUPLICATE_SHARE = 0.02
CIVILIAN_WORDS = {
    "civilian_internee",
    "цивільний",
    "цивільна",
    "гражданский",
    "гражданская",
    "интернированный",
}


def _parse(row: dict[str, str], registry: Registry) -> PersonInput:
    person, problems = parse_person_row({k: v for k, v in row.items() if v and k != "status"}, registry)
    assert person is not None, problems
    return person


def _other_date(text: str, rng: random.Random) -> str:
    """Another date of birth beyond the comparators' tolerance (not swapped, not one digit off): a third
    change the year, a third the month and day, a third all three, as clerical errors and mix-ups do."""
    born = PartialDate.parse(text)
    assert born.month is not None
    assert born.day is not None
    while True:
        kind = rng.randrange(3)
        year = born.year + rng.choice([-1, 1]) * rng.randint(3, 14) if kind != 1 else born.year
        month, day = (born.month, born.day) if kind == 0 else (rng.randint(1, 12), rng.randint(1, 28))
        if date_disagreement((born.year, born.month, born.day), (year, month, day)):
            return f"{day:02d}.{month:02d}.{year}"


def main() -> None:  # noqa: PLR0915 - one linear script
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--registry", type=int, default=100_000)
    parser.add_argument("--list", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    started = time.perf_counter()
    pair = generate_exchange_lists(args.registry, args.seed, n_held=args.list, n_reverse=0).forward
    print(
        f"generated {len(pair.sought):,} sought and {len(pair.held):,} held "
        f"in {time.perf_counter() - started:.1f} s"
    )
    truth = {held: sought for sought, held in pair.truth}
    ours = [OurRecord(_parse(r, Registry.SOUGHT)) for r in pair.sought]
    sought_rows = {r["record_id"]: r for r in pair.sought}

    # Plant: returned records, data errors, duplicates.
    matched = sorted(truth)
    returned = set(rng.sample(sorted(truth.values()), int(RETURNED_SHARE * len(truth))))
    ours = [OurRecord(o.person, RecordState.RETURNED) if o.person.record_id in returned else o for o in ours]
    full_dates = [h for h in matched if len(sought_rows[truth[h]]["date_of_birth"]) >= 8]
    rows = [dict(r) for r in pair.held]
    by_id = {r["record_id"]: r for r in rows}
    errors = set(rng.sample(full_dates, int(DATA_ERROR_SHARE * len(matched))))
    for record_id in errors:
        by_id[record_id]["date_of_birth"] = _other_date(sought_rows[truth[record_id]]["date_of_birth"], rng)
    originals = rng.sample(rows, int(DUPLICATE_SHARE * len(rows)))
    duplicates = []
    for n, original in enumerate(originals, start=1):
        copy = dict(original, record_id=f"DUP-{n:05d}", family_name=original["family_name"].upper())
        duplicates.append(copy)
    rows += duplicates
    duplicate_of = {c["record_id"]: o["record_id"] for c, o in zip(duplicates, originals, strict=True)}
    civilian_sought = {r["record_id"] for r in pair.sought if r.get("category", "").lower() in CIVILIAN_WORDS}

    def expected(row: dict[str, str]) -> Bucket:
        record_id = row["record_id"]
        if record_id in duplicate_of:
            return Bucket.DUPLICATE
        match = truth.get(record_id)
        if match in returned:
            return Bucket.ALREADY_RETURNED
        if row.get("category", "").lower() in CIVILIAN_WORDS or match in civilian_sought:
            return Bucket.CIVILIAN
        if match is not None and record_id in errors:
            return Bucket.DATA_ERROR
        return Bucket.CONFIRMED if match is not None else Bucket.NOT_FOUND

    data = write_csv(rows, language=HeaderLanguage.RU)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    table = read_list(data, "list.csv", registry=Registry.HELD)
    checked = validate_table(table, Registry.HELD)
    assert not checked.problems, checked.problems[:3]
    listed = list(zip(checked.row_numbers, checked.rows, strict=True))
    read_seconds = time.perf_counter() - started
    placements = score_list(listed, ours)
    total_seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    source_of = {number: person.record_id for number, person in listed}
    row_of = {r["record_id"]: r for r in rows}
    confusion: Counter[tuple[Bucket, Bucket]] = Counter()
    right_record = 0
    flagged_errors = 0
    for p in placements:
        row = row_of[source_of[p.row]]
        want = expected(row)
        confusion[(want, p.bucket)] += 1
        if p.bucket is want is Bucket.CONFIRMED and p.record_id == truth[row["record_id"]]:
            right_record += 1
        if row["record_id"] in errors and Flag.DATE_DISAGREES.value in p.secondary:
            flagged_errors += 1
    namesakes = {h.held_id for h in pair.hard_negatives if h.kind.value == "namesake"}
    namesake_errors = sum(
        1
        for p in placements
        if p.bucket is Bucket.DATA_ERROR
        and source_of[p.row] in namesakes
        and expected(row_of[source_of[p.row]]) is not Bucket.DATA_ERROR
    )
    correct = sum(n for (want, got), n in confusion.items() if want is got)
    print(
        f"\nlist rows {len(listed):,} (with {len(duplicates):,} planted duplicates), registry {len(ours):,}"
    )
    print(
        f"wall time {total_seconds:.1f} s (reading and checking the file {read_seconds:.1f} s); "
        f"peak RSS {max(peak, peak_before) / 1024:.0f} MB"
    )
    print(f"bucket accuracy {correct / len(placements):.4f} ({correct:,} of {len(placements):,})\n")
    print("| bucket | true rows | placed there | correct | precision | recall |")
    print("|---|---:|---:|---:|---:|---:|")
    for bucket in PRECEDENCE:
        true_rows = sum(n for (want, _), n in confusion.items() if want is bucket)
        placed = sum(n for (_, got), n in confusion.items() if got is bucket)
        hit = confusion[(bucket, bucket)]
        precision = hit / placed if placed else float("nan")
        recall = hit / true_rows if true_rows else float("nan")
        print(f"| {bucket.value} | {true_rows:,} | {placed:,} | {hit:,} | {precision:.3f} | {recall:.3f} |")
    confirmed = confusion[(Bucket.CONFIRMED, Bucket.CONFIRMED)]
    print(f"\nconfirmed rows naming the true record: {right_record:,} of {confirmed:,}")
    print(f"planted date errors flagged (bucket or flag): {flagged_errors:,} of {len(errors):,}")
    print(
        "rows placed as data errors that are planted namesakes (same names, another date): "
        f"{namesake_errors:,}"
    )
    misses = [(w.value, g.value, n) for (w, g), n in confusion.most_common() if w is not g][:8]
    print("largest confusions (true -> placed):", ", ".join(f"{w} -> {g}: {n}" for w, g, n in misses))


if __name__ == "__main__":
    main()
