"""A synthetic person written into a sought or a held list: import-column dicts in the writer's script."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from homebound.core.person_input import IMPORT_COLUMNS
from homebound.core.persons import Category, Health, LegalHold, Sex, Status, WillToReturn
from homebound.synthetic.names import Language
from homebound.synthetic.population import SyntheticPerson, service_data
from homebound.synthetic.spelling import (
    DateStyle,
    LatinStandard,
    Precision,
    Rendering,
    WrittenName,
    can_swap_day_month,
    cyrillic_name,
    in_capitals,
    latin_name,
    with_typo,
    write_date,
)


@dataclass(frozen=True)
class NoiseRates:
    """How often a list departs from the clean record (each a probability per record)."""

    latin: float  # names romanised (standards drawn from the writer's usual ones)
    capitals: float  # names in CAPITALS (about half of these: surname only)
    foreign_forms: float  # names in the other language's forms (sought) or copied in the person's own (held)
    letterwise_surname: float  # held: surname copied letter by letter instead of its dictionary equivalent
    phonetic_surname: float  # held: surname written by ear (и -> ы)
    letterwise_given: float  # held: given name and patronymic copied letter by letter
    typo: float  # one keystroke wrong in one name field
    diminutive: float  # Саша for Олександр
    missing_patronymic: float
    birth_month_only: float  # 03.1994
    birth_year_only: float  # 1994
    missing_birth_date: float
    day_month_swap: float  # 03.12.1994 for 12.03.1994 (only where the swap is still a date)
    iso_dates: float  # 1994-03-12 rather than 12.03.1994
    missing_sex: float
    missing_rank: float
    missing_service_number: float
    missing_unit: float


SOUGHT_NOISE = NoiseRates(
    latin=0.06,
    capitals=0.15,
    foreign_forms=0.06,
    letterwise_surname=0.0,
    phonetic_surname=0.0,
    letterwise_given=0.0,
    typo=0.02,
    diminutive=0.01,
    missing_patronymic=0.04,
    birth_month_only=0.02,
    birth_year_only=0.02,
    missing_birth_date=0.02,
    day_month_swap=0.005,
    iso_dates=0.2,
    missing_sex=0.02,
    missing_rank=0.2,
    missing_service_number=0.3,
    missing_unit=0.15,
)
HELD_NOISE = NoiseRates(
    latin=0.12,
    capitals=0.35,
    foreign_forms=0.08,
    letterwise_surname=0.12,
    phonetic_surname=0.05,
    letterwise_given=0.05,
    typo=0.10,
    diminutive=0.03,
    missing_patronymic=0.12,
    birth_month_only=0.04,
    birth_year_only=0.04,
    missing_birth_date=0.05,
    day_month_swap=0.04,
    iso_dates=0.3,
    missing_sex=0.08,
    missing_rank=0.3,
    missing_service_number=0.45,
    missing_unit=0.4,
)
# The Russian side writes its own people in Russian forms; Ukrainian forms on its sought list are rare.
RUSSIAN_SOUGHT_NOISE = replace(SOUGHT_NOISE, foreign_forms=0.01)
CLEAN = NoiseRates(**dict.fromkeys(NoiseRates.__dataclass_fields__, 0.0))

# Romanisations a writer uses, for its own people (passports) and the other side's (its own tables, or the
# person's passport copied).
_LATIN: dict[tuple[Language, bool], tuple[tuple[LatinStandard, ...], tuple[float, ...]]] = {
    (Language.UKRAINIAN, True): (
        (
            LatinStandard.KMU_2010,
            LatinStandard.UA_PASSPORT_2007,
            LatinStandard.UA_PASSPORT_2004,
            LatinStandard.UA_NATIONAL_1996,
            LatinStandard.BGN_PCGN_1965,
            LatinStandard.ENGLISH,
        ),
        (0.55, 0.15, 0.1, 0.05, 0.1, 0.05),
    ),
    (Language.RUSSIAN, True): (
        (
            LatinStandard.RU_ICAO,
            LatinStandard.RU_GOST_2006,
            LatinStandard.RU_PASSPORT_1997,
            LatinStandard.ENGLISH,
        ),
        (0.6, 0.15, 0.2, 0.05),
    ),
    (Language.RUSSIAN, False): (
        (
            LatinStandard.RU_ICAO,
            LatinStandard.RU_GOST_2006,
            LatinStandard.RU_PASSPORT_1997,
            LatinStandard.ENGLISH,
            LatinStandard.KMU_2010,
        ),
        (0.4, 0.25, 0.15, 0.1, 0.1),
    ),
    (Language.UKRAINIAN, False): (
        (LatinStandard.KMU_2010, LatinStandard.RU_ICAO, LatinStandard.RU_GOST_2006, LatinStandard.ENGLISH),
        (0.4, 0.3, 0.1, 0.2),
    ),
}
_SEX_WORDS = {Language.UKRAINIAN: ("ч", "ж"), Language.RUSSIAN: ("м", "ж")}
_CATEGORY_WORDS = {
    Language.UKRAINIAN: {
        Category.POW: "військовополонений",
        Category.CIVILIAN_INTERNEE: "цивільний",
        Category.REMAINS: "тіло",
    },
    Language.RUSSIAN: {
        Category.POW: "военнопленный",
        Category.CIVILIAN_INTERNEE: "гражданский",
        Category.REMAINS: "тело",
    },
}
_HEALTH_WORDS = {
    Language.UKRAINIAN: {
        Health.GOOD: "здоровий",
        Health.SICK: "хворий",
        Health.WOUNDED: "поранений",
        Health.SERIOUSLY_WOUNDED_SICK: "тяжкопоранений",
        Health.UNKNOWN: "",
    },
    Language.RUSSIAN: {
        Health.GOOD: "здоров",
        Health.SICK: "болен",
        Health.WOUNDED: "ранен",
        Health.SERIOUSLY_WOUNDED_SICK: "тяжелораненый",
        Health.UNKNOWN: "",
    },
}
_EMPTY_ROW: dict[str, str] = dict.fromkeys(IMPORT_COLUMNS, "")
# Plain strings for the cells: enum `.value` is a slow property on the hot path.
_HELD, _HOSPITALISED, _DECEASED = Status.HELD.value, Status.HOSPITALISED.value, Status.DECEASED.value
_MISSING, _BELIEVED_CAPTIVE = Status.MISSING.value, Status.BELIEVED_CAPTIVE.value
_VALUE: dict[LegalHold | WillToReturn, str] = {m: m.value for kind in (LegalHold, WillToReturn) for m in kind}


def write_name(
    person: SyntheticPerson, writer: Language, noise: NoiseRates, rng: random.Random
) -> WrittenName:
    """The person's name as `writer`'s clerk puts it on the list, with that list's share of departures."""
    chance = rng.random
    own = writer is person.name.nation
    if chance() < noise.latin:
        standards, weights = _LATIN[writer, own]
        standard = rng.choices(standards, weights)[0]
        written = latin_name(person.name, standard, source=writer)
    else:
        forms = writer.other if chance() < noise.foreign_forms else writer
        surname = Rendering.DICTIONARY
        if not own and chance() < noise.letterwise_surname:
            surname = Rendering.PHONETIC if chance() < 0.3 else Rendering.LETTERWISE
        elif not own and chance() < noise.phonetic_surname:
            surname = Rendering.PHONETIC
        given = (
            Rendering.LETTERWISE if not own and chance() < noise.letterwise_given else Rendering.DICTIONARY
        )
        diminutive = rng.randrange(4) if chance() < noise.diminutive else None
        written = cyrillic_name(person.name, forms, surname=surname, given=given, diminutive=diminutive)
    if chance() < noise.missing_patronymic:
        written = written._replace(patronymic="")
    if chance() < noise.typo:
        written = _with_typo(written, rng, writer)
    if chance() < noise.capitals:
        written = in_capitals(written, surname_only=chance() < 0.5)
    return written


def _with_typo(written: WrittenName, rng: random.Random, writer: Language) -> WrittenName:
    which = rng.random()
    if which < 0.5 or not written.given_name:
        return written._replace(family_name=with_typo(written.family_name, rng, writer))
    if which < 0.8 or not written.patronymic:
        return written._replace(given_name=with_typo(written.given_name, rng, writer))
    return written._replace(patronymic=with_typo(written.patronymic, rng, writer))


def write_birth_date(person: SyntheticPerson, noise: NoiseRates, rng: random.Random) -> str:
    """The date of birth as the list has it: full, month or year only, missing, or day and month swapped."""
    draw = rng.random()
    if draw < noise.missing_birth_date:
        return ""
    draw -= noise.missing_birth_date
    precision = Precision.DAY
    if draw < noise.birth_year_only:
        precision = Precision.YEAR
    elif draw < noise.birth_year_only + noise.birth_month_only:
        precision = Precision.MONTH
    style = DateStyle.ISO if rng.random() < noise.iso_dates else DateStyle.DOTTED
    swap = (
        precision is Precision.DAY
        and rng.random() < noise.day_month_swap
        and can_swap_day_month(person.birth)
    )
    return write_date(person.birth, style, precision, swap=swap)


def _name_fields(
    row: dict[str, str], person: SyntheticPerson, writer: Language, noise: NoiseRates, rng: random.Random
) -> None:
    written = write_name(person, writer, noise, rng)
    row["family_name"] = written.family_name
    row["given_name"] = written.given_name
    row["patronymic"] = written.patronymic
    if rng.random() >= noise.missing_sex:
        row["sex"] = _SEX_WORDS[writer][person.name.sex is Sex.FEMALE]
    row["date_of_birth"] = write_birth_date(person, noise, rng)


def _rank(person: SyntheticPerson, writer: Language) -> str:
    if person.rank is None:
        return ""
    entry = service_data()["ranks"][person.name.nation][person.rank]
    return str(entry[0] if writer is person.name.nation else entry[1])


@cache
def _places(nation: Language, writer: Language) -> tuple[tuple[str, str], ...]:
    """Each capture place of the nation's people in the writer's language: (town, "town, oblast")."""
    rows = service_data()["capture_places"][nation]
    column = 0 if writer is Language.UKRAINIAN else 1
    return tuple((str(row[column]), f"{row[column]}, {row[column + 2]}") for row in rows)


def _place(index: int, nation: Language, writer: Language, rng: random.Random) -> str:
    return _places(nation, writer)[index][rng.random() < 0.5]


# How unit numbers are written, as (format, cumulative share), for Ukrainian units (А1234) and Russian ones
# (12345), on the person's own side's list (True) and on the other side's (False).
_UNIT_FORMATS: dict[tuple[Language, bool], tuple[tuple[str, float], ...]] = {
    (Language.UKRAINIAN, True): (("в/ч А{d}", 0.65), ("А{d}", 0.9), ("військова частина А{d}", 1.0)),
    (Language.UKRAINIAN, False): (("в/ч А{d}", 0.45), ("A-{d}", 0.7), ("{d}", 0.85), ("А{d}", 1.0)),
    (Language.RUSSIAN, True): (("в/ч {d}", 0.7), ("{d}", 1.0)),
    (Language.RUSSIAN, False): (("в/ч {d}", 0.5), ("{d}", 0.85), ("військова частина {d}", 1.0)),
}


def _unit(person: SyntheticPerson, own: bool, rng: random.Random) -> str:
    """в/ч А1234, A-1234 (a Latin A), 1234 for Ukrainian units; в/ч 12345, 12345 for Russian ones."""
    digits = (person.unit or "").lstrip("А")
    draw = rng.random()
    for pattern, upto in _UNIT_FORMATS[person.name.nation, own]:
        if draw < upto:
            return pattern.format(d=digits)
    return digits


def _service_number(person: SyntheticPerson, rng: random.Random) -> str:
    number = person.service_number or ""
    draw = rng.random()
    if draw < 0.1:
        return number.replace("-", "") if "-" in number else f"{number[:2]} {number[2:]}"
    return number


def sought_record(
    person: SyntheticPerson, record_id: str, noise: NoiseRates, rng: random.Random, *, believed_captive: bool
) -> dict[str, str]:
    """The person on their own side's sought list (missing, believed captive), in that side's writing."""
    writer = person.name.nation
    row = dict(_EMPTY_ROW)
    row["record_id"] = record_id
    _name_fields(row, person, writer, noise, rng)
    military = person.category is not Category.CIVILIAN_INTERNEE
    # The seeking side does not know its soldier died in captivity: it seeks a POW.
    category = Category.POW if military else Category.CIVILIAN_INTERNEE
    row["category"] = _CATEGORY_WORDS[writer][category]
    if military:
        _service_fields(row, person, writer, noise, rng)
    row["status"] = _BELIEVED_CAPTIVE if believed_captive else _MISSING
    row["last_seen_date"] = person.last_seen_date.isoformat()
    row["last_seen_place"] = _place(person.last_seen_place, writer, writer, rng)
    row["party_depended_on"] = service_data()["party"][writer][writer]
    return row


def _service_fields(
    row: dict[str, str], person: SyntheticPerson, writer: Language, noise: NoiseRates, rng: random.Random
) -> None:
    if rng.random() >= noise.missing_rank:
        row["rank"] = _rank(person, writer)
    if rng.random() >= noise.missing_service_number:
        row["service_number"] = _service_number(person, rng)
    if rng.random() >= noise.missing_unit:
        row["unit"] = _unit(person, writer is person.name.nation, rng)


def held_record(
    person: SyntheticPerson, record_id: str, noise: NoiseRates, rng: random.Random
) -> dict[str, str]:
    """The person on the detaining side's held list, in the detaining side's writing."""
    nation = person.name.nation
    writer = nation.other
    row = dict(_EMPTY_ROW)
    row["record_id"] = record_id
    _name_fields(row, person, writer, noise, rng)
    row["category"] = _CATEGORY_WORDS[writer][person.category]
    if person.category is not Category.CIVILIAN_INTERNEE:
        _service_fields(row, person, writer, noise, rng)
    row["capture_date"] = person.capture_date.isoformat()
    row["capture_place"] = _place(person.capture_place, nation, writer, rng)
    row["party_depended_on"] = service_data()["party"][nation][writer]
    if person.category is Category.REMAINS:
        row["status"] = _DECEASED
        return row
    _custody_fields(row, person, writer, rng)
    return row


def _custody_fields(
    row: dict[str, str], person: SyntheticPerson, writer: Language, rng: random.Random
) -> None:
    sites: dict[str, Any] = service_data()["detention"][writer]
    if person.hospitalised:
        row["status"] = _HOSPITALISED
        row["detention_place"] = sites["hospitals"][person.person_id % len(sites["hospitals"])]
    else:
        row["status"] = _HELD
        row["detention_place"] = person.detention_place
    if person.card_sent_on is not None:
        row["capture_card_sent_on"] = person.card_sent_on.isoformat()
    row["health"] = _HEALTH_WORDS[writer][person.health]
    row["legal_hold"] = _VALUE[person.legal_hold]
    if person.legal_hold is not LegalHold.NONE:
        row["legal_hold_note"] = service_data()["legal_hold_notes"][writer][person.legal_hold]
    row["will_to_return"] = _VALUE[person.will_to_return]
    if person.will_to_return is not WillToReturn.UNKNOWN and person.will_verified_on is not None:
        verifiers = service_data()["will_verifiers"][writer]
        row["will_verified_by"] = verifiers[rng.randrange(len(verifiers))]
        row["will_verified_on"] = person.will_verified_on.isoformat()
