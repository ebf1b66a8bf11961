"""Time reading and validating a synthetic list (CSV or XLSX) of N rows, and its peak traced memory."""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
import tracemalloc

from homebound.core.persons import Registry
from homebound.lists.headers import HeaderLanguage
from homebound.lists.readers import read_list
from homebound.lists.validate import validate_rows
from homebound.lists.writers import write_csv, write_xlsx

FAMILY = [
    "Коваленко",
    "Шевчук",
    "Бондаренко",
    "Ткаченко",
    "Мельник",
    "Иванов",
    "Смирнов",
    "KOVALENKO",
    "Петренко",
]
GIVEN = ["Олександр", "Андрій", "Микола", "Марія", "Александр", "Сергей", "Надія", "Oleksandr"]
PATRONYMIC = ["Іванович", "Петрович", "Юрійович", "Сергеевич", "Юрьевич", None]
RANKS = ["солдат", "сержант", "лейтенант", "рядовой", "капитан", None]


def synthetic_rows(count: int, seed: int = 7) -> list[dict[str, str | None]]:
    draw = random.Random(seed)
    rows = []
    for number in range(count):
        birth = draw.choice(
            [
                f"{draw.randint(1960, 2004)}",
                f"{draw.randint(1960, 2004)}-{draw.randint(1, 12):02d}",
                f"{draw.randint(1, 28):02d}.{draw.randint(1, 12):02d}.{draw.randint(1960, 2004)}",
            ]
        )
        rows.append(
            {
                "record_id": f"UA-{number:07d}",
                "family_name": draw.choice(FAMILY),
                "given_name": draw.choice(GIVEN),
                "patronymic": draw.choice(PATRONYMIC),
                "sex": draw.choice(["ч", "м", "male", "жін", None]),
                "date_of_birth": birth,
                "place_of_birth": draw.choice(["м. Харків", "г. Курск", None]),
                "rank": draw.choice(RANKS),
                "service_number": f"{draw.randint(0, 99999999):08d}",
                "unit": draw.choice(["в/ч А1234", "в/ч 12345", None]),
                "capture_date": f"2023-{draw.randint(1, 12):02d}-{draw.randint(1, 28):02d}",
                "detention_place": draw.choice(["СІЗО-1", "ИК-10", None]),
                "status": "held",
            }
        )
    return rows


def read_only(data: bytes, filename: str) -> float:
    started = time.perf_counter()
    for _row in read_list(data, filename).rows():
        pass
    return time.perf_counter() - started


def measure(data: bytes, filename: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    table = read_list(data, filename)
    persons, problems = validate_rows(table, Registry.HELD)
    elapsed = time.perf_counter() - started
    if problems:
        sys.exit(f"unexpected problems: {problems[:3]}")
    return elapsed, len(persons), len(problems)


def peak_memory(data: bytes, filename: str) -> int:
    gc.collect()
    tracemalloc.start()
    table = read_list(data, filename)
    validate_rows(table, Registry.HELD)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--no-memory", action="store_true", help="skip the (slower) traced-memory pass")
    args = parser.parse_args()
    rows = synthetic_rows(args.rows)
    started = time.perf_counter()
    if args.format == "csv":
        data = write_csv(rows, language=HeaderLanguage.UK)
    else:
        data = write_xlsx(rows, language=HeaderLanguage.UK)
    written = time.perf_counter() - started
    filename = f"list.{args.format}"
    reading = read_only(data, filename)
    elapsed, persons, _ = measure(data, filename)
    print(f"{args.format}: {args.rows} rows, {len(data) / 1e6:.1f} MB; write {written:.2f} s")
    print(f"read only (decode, split, map headers): {reading:.2f} s")
    print(f"read+validate: {elapsed:.2f} s ({args.rows / elapsed:,.0f} rows/s), {persons} valid rows")
    if not args.no_memory:
        print(f"peak traced memory during read+validate: {peak_memory(data, filename) / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
