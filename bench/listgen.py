"""A fast generator of large synthetic lists for import benchmarks and tests (not for matching quality)."""

from __future__ import annotations

import io
import random

SURNAMES = [
    "Коваленко",
    "Бондаренко",
    "Ткаченко",
    "Шевченко",
    "Кравченко",
    "Мельник",
    "Бойко",
    "Шевчук",
    "Поліщук",
    "Лисенко",
    "Іваненко",
    "Мороз",
    "Савченко",
    "Руденко",
    "Петренко",
]
GIVEN = ["Олександр", "Микола", "Юрій", "Сергій", "Дмитро", "Андрій", "Віталій", "Іван", "Петро", "Олег"]
PATRONYMICS = ["Олександрович", "Миколайович", "Юрійович", "Сергійович", "Іванович", "Петрович"]
HEADER = "record_id,family_name,given_name,patronymic,sex,date_of_birth,rank,unit,capture_date\n"


def large_csv(rows: int, seed: int = 7) -> bytes:
    rnd = random.Random(seed)
    out = io.StringIO()
    out.write(HEADER)
    for i in range(rows):
        dob = f"{rnd.randint(1, 28):02d}.{rnd.randint(1, 12):02d}.{rnd.randint(1965, 2004)}"
        out.write(
            f"R-{i:07d},{rnd.choice(SURNAMES)},{rnd.choice(GIVEN)},{rnd.choice(PATRONYMICS)},ч,{dob},"
            f"солдат,в/ч А{rnd.randint(1000, 9999)},2023-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}\n"
        )
    return out.getvalue().encode("utf-8")
