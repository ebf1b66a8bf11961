"""A second generator of exchange lists with ground truth, from its own error model (issue 14).

Written apart from ``homebound.synthetic`` so that the linkage is not measured only on the errors its own
generator makes. What it shares with the first: the given-name book (forms and weights, ``given_names.json``)
and the patronymic grammar, because those are language facts, not errors. What is its own:

- **surnames** from the ``names-translator`` surname dictionary (118,000 Ukrainian surnames with their Russian
  forms), a random draw of ``SURNAME_POOL`` of them under Zipf-Mandelbrot weights on a random order, so rare
  and common names are not the ones the first generator knows;
- **the error model** below (``ErrorRates``), every class the issue names, at rates argued from
  ``/work/shared/DOMAIN.md`` (see the comments on each field);
- **spellings**: the held side (the Russian clerk) writes the dictionary's Russian form, or the Ukrainian name
  *by ear* (и -> ы, і -> и, є -> е, ї -> йи), or leaves it as on the Ukrainian document; Latin rows come in
  several systems (KMU 2010, passport 2007, BGN, German, French, Polish-style, GOST 2006), sometimes two in
  one row.

Use: ``generate(size, seed)`` -> ``Lists`` (sought rows, held rows, truth, and per true pair the error classes
it carries). ``python bench/independent_lists.py --size 2000 --seed 1`` prints a sample and class counts.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import random
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import translitua
from names_translator.dicts import NameDicts

from homebound.core.persons import Sex
from homebound.synthetic.names import GivenName, Language, name_book, patronymic

Row = dict[str, str]

SURNAME_POOL = 30_000


@dataclass(frozen=True)
class ErrorRates:
    """Per-record rates of each error class. DOMAIN.md gives the kinds ("lists with wrong names and dates of
    birth", "dates of birth swap day and month", "lists are often in CAPITALS", Latin in several standards,
    surnames changing letters across the languages); the sizes are our reading of how each list is made."""

    # Name-only evidence. The held side writes from the capture card (GC III Art. 17, 70: date of birth is
    # asked for), so few rows lack it; the sought side collects from families and capture videos, so more do.
    sought_no_date: float = 0.07
    held_no_date: float = 0.04
    sought_no_patronymic: float = 0.05
    held_no_patronymic: float = 0.08
    # A clerk's date error, among rows with a date: DOMAIN.md reports wrong dates of birth as a routine
    # complaint of both sides' lists; one row in twelve is our figure for "routine" without being the rule.
    date_error: float = 0.08
    # Mix of date errors (shares of date_error): year one off, one digit off, day/month swapped (alone or with
    # another error), impossible calendar date (31 April, 29 February of a common year), unreadable digits.
    date_error_mix: tuple[tuple[str, float], ...] = (
        ("year_one_off", 0.25),
        ("digit_off", 0.25),
        ("swap", 0.2),
        ("swap_and_digit", 0.1),
        ("impossible", 0.12),
        ("unreadable", 0.08),
    )
    # Typing errors (ЙЦУКЕН neighbour, drop, double, adjacent swap) per name field, and "careless rows" where
    # the family name and the given name both carry one (a list typed in a hurry from a handwritten page).
    family_typo: float = 0.04
    given_typo: float = 0.03
    patronymic_typo: float = 0.03
    careless_row: float = 0.03
    # How the Russian side writes a Ukrainian name: the dictionary form, by ear, or as on the document.
    held_by_ear: float = 0.25
    held_as_document: float = 0.12
    # Latin rows (a mediator's or the ICRC's copy), in mixed systems.
    sought_latin: float = 0.03
    held_latin: float = 0.07
    latin_mixed_within_row: float = 0.3
    capitals: float = 0.3
    diminutive: float = 0.02


RATES = ErrorRates()


@dataclass(frozen=True)
class Person:
    key: int
    sex: Sex
    surname_uk: str
    surname_ru: str
    given: GivenName
    father: GivenName
    born: dt.date
    service_number: str
    unit: str


@dataclass
class Lists:
    sought: list[Row]
    held: list[Row]
    truth: list[tuple[str, str]]
    classes: dict[tuple[str, str], set[str]] = field(default_factory=dict)


# -- names ------------------------------------------------------------------------------------------------


@cache
def _surname_pool(seed: int) -> tuple[list[tuple[str, str]], np.ndarray]:
    """A draw of Ukrainian surnames with their Russian form, and Zipf-Mandelbrot weights on a random order."""
    entries = NameDicts().as_dict("last")
    usable = sorted(
        (uk, ru[0])
        for uk, ru in entries.items()
        if 4 <= len(uk) <= 14
        and uk.isalpha()
        and not uk.endswith(("ова", "ева", "іна", "ська", "цька", "ая"))
    )
    rng = random.Random(seed)
    chosen = rng.sample(usable, SURNAME_POOL)
    # The commonest about 0.3 % of people (Мельник's share), the 1000th about 0.01 %.
    ranks = np.arange(1, len(chosen) + 1, dtype=float)
    weights = 1.0 / (ranks + 25.0) ** 0.95
    return [(uk.capitalize(), ru) for uk, ru in chosen], weights / weights.sum()


def _draw_people(n: int, rng: random.Random, nprng: np.random.Generator) -> list[Person]:
    pool, weights = _surname_pool(20260101)
    book = name_book()
    picks = nprng.choice(len(pool), size=n, p=weights)
    people: list[Person] = []
    for key, pick in enumerate(picks):
        sex = Sex.FEMALE if rng.random() < 0.04 else Sex.MALE
        names = book.given(sex)
        given = names.names[int(nprng.choice(len(names.names), p=names.probabilities[Language.UKRAINIAN]))]
        fathers = book.given(Sex.MALE)
        father = fathers.names[
            int(nprng.choice(len(fathers.names), p=fathers.probabilities[Language.UKRAINIAN]))
        ]
        uk, ru = pool[int(pick)]
        if sex is Sex.FEMALE:
            uk, ru = _feminine(uk), _feminine(ru)
        born = dt.date(1966, 1, 1) + dt.timedelta(days=rng.randrange(365 * 39))
        number = f"{rng.choice('АБВГДЕКМ')}{rng.choice('АБВГДЕКМ')}-{rng.randrange(10**6):06d}"
        unit = f"А{rng.randrange(1000, 5000)}"
        people.append(Person(key, sex, uk, ru, given, father, born, number, unit))
    return people


def _feminine(name: str) -> str:
    if name.endswith(("ов", "ев", "ин", "ін", "їн", "єв")):
        return name + "а"
    if name.endswith(("ський", "цький")):
        return name[:-2] + "а"
    if name.endswith(("ский", "цкий")):
        return name[:-2] + "ая"
    return name


def _relative(person: Person, key: int, rng: random.Random, nprng: np.random.Generator) -> Person:
    """A brother (same surname and father, another name, born 1-8 years apart) or a twin (same date)."""
    book = name_book().given(Sex.MALE)
    while True:
        given = book.names[int(nprng.choice(len(book.names), p=book.probabilities[Language.UKRAINIAN]))]
        if given is not person.given:
            break
    twin = rng.random() < 0.2
    born = (
        person.born
        if twin
        else person.born + dt.timedelta(days=rng.choice([-1, 1]) * rng.randrange(365, 3000))
    )
    return Person(
        key,
        Sex.MALE,
        person.surname_uk,
        person.surname_ru,
        given,
        person.father,
        born,
        f"ВК-{rng.randrange(10**6):06d}",
        person.unit,
    )


# -- spellings --------------------------------------------------------------------------------------------

_BY_EAR = str.maketrans(
    {
        "и": "ы",
        "і": "и",
        "є": "е",
        "ї": "и",
        "ґ": "г",
        "'": "",
        "’": "",
        "И": "Ы",
        "І": "И",
        "Є": "Е",
        "Ї": "И",
        "Ґ": "Г",
    }
)


def by_ear(ukrainian: str) -> str:
    """A Ukrainian name as a Russian clerk hears it: и is ы, і is и, є is е (Базилевич -> Базылевыч)."""
    text = ukrainian.translate(_BY_EAR)
    return text[0].replace("Ы", "И") + text[1:] if text else text


_POLISH = {
    "а": "a",
    "б": "b",
    "в": "w",
    "г": "h",
    "ґ": "g",
    "д": "d",
    "е": "e",
    "є": "je",
    "ж": "ż",
    "з": "z",
    "и": "y",
    "і": "i",
    "ї": "ji",
    "й": "j",
    "к": "k",
    "л": "ł",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "ch",
    "ц": "c",
    "ч": "cz",
    "ш": "sz",
    "щ": "szcz",
    "ь": "",
    "ю": "ju",
    "я": "ja",
    "'": "",
    "’": "",
    "ы": "y",
    "э": "e",
    "ё": "jo",
    "ъ": "",
}


def _polish(text: str) -> str:
    out = "".join(_POLISH.get(ch.lower(), ch) for ch in text)
    return out[:1].upper() + out[1:]


_UK_SYSTEMS: tuple[Callable[[str], str], ...] = (
    lambda t: translitua.translit(t, translitua.UkrainianKMU),
    lambda t: translitua.translit(t, translitua.UkrainianPassport2007),
    lambda t: translitua.translit(t, translitua.UkrainianBGN),
    lambda t: translitua.translit(t, translitua.UkrainianGerman),
    lambda t: translitua.translit(t, translitua.UkrainianFrench),
    _polish,
)
_RU_SYSTEMS: tuple[Callable[[str], str], ...] = (
    lambda t: translitua.translit(t, translitua.RussianGOST2006),
    lambda t: translitua.translit(t, translitua.RussianSimple),
    _polish,
)

# ЙЦУКЕН with the Ukrainian letters where the Ukrainian layout has them.
_ROWS = ("йцукенгшщзхї", "фівапролджє", "ячсмитьбю")
_RU_ROWS = ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")


def _keyboard(rows: tuple[str, ...]) -> dict[str, str]:
    near: dict[str, str] = {}
    for r, row in enumerate(rows):
        for c, ch in enumerate(row):
            keys = [row[c - 1] if c > 0 else "", row[c + 1] if c + 1 < len(row) else ""]
            for other in (r - 1, r + 1):
                if 0 <= other < len(rows):
                    keys += [rows[other][k] for k in (c - 1, c, c + 1) if 0 <= k < len(rows[other])]
            near[ch] = "".join(keys)
    return near


_NEAR = {"uk": _keyboard(_ROWS), "ru": _keyboard(_RU_ROWS)}


def typo(text: str, rng: random.Random, layout: str) -> tuple[str, str]:
    """One typing error and its kind: a neighbouring key, a letter dropped, doubled, or swapped."""
    if len(text) < 4:
        return text, "none"
    pos = rng.randrange(1, len(text) - 1)
    ch = text[pos]
    kind = rng.choices(("key", "drop", "double", "swap"), weights=(0.4, 0.2, 0.15, 0.25))[0]
    if kind == "key":
        options = _NEAR[layout].get(ch.lower(), "")
        if not options:
            kind = "drop"
        else:
            new = rng.choice(options)
            return text[:pos] + (new.upper() if ch.isupper() else new) + text[pos + 1 :], kind
    if kind == "drop":
        return text[:pos] + text[pos + 1 :], kind
    if kind == "double":
        return text[:pos] + ch + text[pos:], kind
    return text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :], kind


# -- dates ------------------------------------------------------------------------------------------------


def _format(day: int | str, month: int | str, year: int | str, style: int) -> str:
    d, m = (f"{v:02d}" if isinstance(v, int) else v for v in (day, month))
    if style == 0:
        return f"{d}.{m}.{year}"
    if style == 1:
        return f"{year}-{m}-{d}"
    return f"{d}/{m}/{year}"


def _digit_off(year: int, rng: random.Random) -> int:
    digits = list(f"{year:04d}")
    k = rng.choice((2, 3))
    digits[k] = rng.choice([d for d in "0123456789" if d != digits[k]])
    return int("".join(digits))


def write_date(born: dt.date, rng: random.Random, style: int, error: str | None) -> str:
    """The date as a clerk writes it, with ``error`` (a ``date_error_mix`` name) or none."""
    day, month, year = born.day, born.month, born.year
    if error == "year_one_off":
        year += rng.choice((-1, 1))
    elif error == "digit_off":
        if rng.random() < 0.6:
            year = _digit_off(year, rng)
        else:
            day = min(28, max(1, day + rng.choice((-1, 1)) * rng.choice((1, 10))))
    elif error in ("swap", "swap_and_digit"):
        day, month = month, day  # may be impossible (month 13 or more): written as is
        if error == "swap_and_digit":
            year = year + rng.choice((-1, 1)) if rng.random() < 0.5 else _digit_off(year, rng)
    elif error == "impossible":
        short = [m for m in (4, 6, 9, 11) if abs(m - month) <= 2] or [4, 6, 9, 11]
        if month == 2 or rng.random() < 0.3:
            month, day = 2, (30 if calendar.isleap(year) else rng.choice((29, 30)))
        else:
            month, day = rng.choice(short), 31
    elif error == "unreadable":
        text = _format(day, month, year, style)
        positions = [k for k, ch in enumerate(text) if ch.isdigit()]
        k = rng.choice(positions)
        return text[:k] + rng.choice("?_*") + text[k + 1 :]
    return _format(day, month, year, style)


# -- records ----------------------------------------------------------------------------------------------


@dataclass
class _Written:
    row: Row
    classes: set[str]


def _latin_row(
    family: str, given: str, patron: str, russian: bool, rng: random.Random
) -> tuple[str, str, str]:
    systems = _RU_SYSTEMS if russian else _UK_SYSTEMS
    first = rng.choice(systems)
    second = rng.choice(systems) if rng.random() < RATES.latin_mixed_within_row else first
    return first(family), second(given), second(patron)


def _name_errors(names: list[str], rng: random.Random, layout: str, classes: set[str]) -> list[str]:
    careless = rng.random() < RATES.careless_row
    rates = (RATES.family_typo, RATES.given_typo, RATES.patronymic_typo)
    out = []
    for k, (text, rate) in enumerate(zip(names, rates, strict=True)):
        written = text
        if text and (rng.random() < rate or (careless and k < 2)):
            written, kind = typo(text, rng, layout)
            classes.add(f"typo_{kind}")
        out.append(written)
    if careless:
        classes.add("typo_family_and_given")
    return out


def _record(person: Person, record_id: str, side: str, rng: random.Random) -> _Written:  # noqa: PLR0912
    classes: set[str] = set()
    sought = side == "sought"
    given_uk, given_ru = person.given.uk, person.given.ru
    pat = patronymic(person.father, person.sex)
    if sought and rng.random() < RATES.diminutive and person.given.diminutives_uk:
        given_uk = rng.choice(person.given.diminutives_uk)
        classes.add("diminutive")
    latin = rng.random() < (RATES.sought_latin if sought else RATES.held_latin)
    if sought:
        names, layout = [person.surname_uk, given_uk, pat.uk], "uk"
    else:
        roll = rng.random()
        if roll < RATES.held_by_ear:
            names, layout = [by_ear(person.surname_uk), by_ear(person.given.uk), by_ear(pat.uk)], "ru"
            classes.add("by_ear")
        elif roll < RATES.held_by_ear + RATES.held_as_document:
            names, layout = [person.surname_uk, person.given.uk, pat.uk], "uk"
        else:
            names, layout = [person.surname_ru, given_ru, pat.ru], "ru"
    if latin:
        russian = layout == "ru" and "by_ear" not in classes
        names = list(_latin_row(*names, russian, rng))
        classes.add("latin")
    else:
        names = _name_errors(names, rng, layout, classes)
    if rng.random() < (RATES.sought_no_patronymic if sought else RATES.held_no_patronymic):
        names[2] = ""
        classes.add("no_patronymic")
    if rng.random() < RATES.capitals:
        names = [n.upper() for n in names]
    date = ""
    if rng.random() < (RATES.sought_no_date if sought else RATES.held_no_date):
        classes.add("no_date")
    else:
        error = None
        if rng.random() < RATES.date_error:
            kinds, weights = zip(*RATES.date_error_mix, strict=True)
            error = rng.choices(kinds, weights=weights)[0]
            classes.add(f"date_{error}")
        date = write_date(person.born, rng, rng.randrange(3), error)
    sex = ("ч" if person.sex is Sex.MALE else "ж") if sought else ("м" if person.sex is Sex.MALE else "ж")
    row = {
        "record_id": record_id,
        "family_name": names[0],
        "given_name": names[1],
        "patronymic": names[2],
        "sex": sex if rng.random() < 0.9 else "",
        "date_of_birth": date,
        "service_number": person.service_number if rng.random() < (0.3 if sought else 0.15) else "",
        "unit": person.unit if rng.random() < (0.4 if sought else 0.2) else "",
    }
    return _Written(row, classes)


def generate(size: int, seed: int, *, overlap: float = 0.6, relatives: float = 0.03) -> Lists:
    """A sought list (Ukrainian side) and a held list (Russian side), ``size`` records each.

    ``overlap`` of the sought people are held; ``relatives`` of them have a brother or twin on the held list
    (a hard negative); the rest of the held list are other people from the same population.
    """
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    n_common = int(size * overlap)
    people = _draw_people(2 * size - n_common, rng, nprng)
    sought_people = people[:size]
    held_people = people[:n_common] + people[size:]
    n_relatives = int(size * relatives)
    for k in range(n_relatives):
        # A relative of someone sought but not held replaces one held-only person.
        held_people[n_common + k] = _relative(sought_people[n_common + k], 10**9 + k, rng, nprng)
    rng.shuffle(held_people)
    lists = Lists([], [], [])
    held_id: dict[int, str] = {}
    held_classes: dict[int, set[str]] = {}
    for k, person in enumerate(held_people):
        written = _record(person, f"H{k:07d}", "held", rng)
        lists.held.append(written.row)
        held_id[person.key] = written.row["record_id"]
        held_classes[person.key] = written.classes
    for k, person in enumerate(sought_people):
        written = _record(person, f"S{k:07d}", "sought", rng)
        lists.sought.append(written.row)
        if person.key in held_id:
            pair = (written.row["record_id"], held_id[person.key])
            lists.truth.append(pair)
            lists.classes[pair] = written.classes | held_classes[person.key]
    return lists


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    lists = generate(args.size, args.seed)
    held = {r["record_id"]: r for r in lists.held}
    sought = {r["record_id"]: r for r in lists.sought}
    for s, h in lists.truth[:12]:
        fields = ("family_name", "given_name", "patronymic", "date_of_birth")
        print(" | ".join(sought[s][f] for f in fields), " <-> ", " | ".join(held[h][f] for f in fields))
    counts = Counter(c for classes in lists.classes.values() for c in classes)
    print(f"{len(lists.truth)} true pairs; classes: {dict(sorted(counts.items()))}")


if __name__ == "__main__":
    main()
