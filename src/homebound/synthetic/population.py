"""Synthetic people as they really are (names, dates, service, capture), drawn in bulk in realistic shares."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from homebound.core.persons import Category, Health, LegalHold, Sex, WillToReturn
from homebound.synthetic.names import GivenName, Language, Surname, name_book
from homebound.synthetic.spelling import PersonName

IntArray = npt.NDArray[np.int64]

WAR_START = dt.date(2022, 2, 24)
DEFAULT_AS_OF = dt.date(2026, 3, 31)


class SyntheticPerson(NamedTuple):
    """One invented person and what really happened to them; lists write them down with errors.

    A named tuple rather than a frozen dataclass: the benchmark builds hundreds of thousands of them.
    """

    person_id: int
    name: PersonName
    birth: dt.date
    category: Category
    rank: int | None  # index into the nation's rank table
    service_number: str | None
    unit: str | None  # canonical: А1234 (Ukrainian), 12345 (Russian)
    capture_date: dt.date
    capture_place: int  # index into the nation's capture places
    last_seen_date: dt.date
    last_seen_place: int
    detention_place: str  # written by the captor, in the captor's language
    hospitalised: bool
    health: Health
    card_sent_on: dt.date | None
    legal_hold: LegalHold
    will_to_return: WillToReturn
    will_verified_on: dt.date | None

    @property
    def nation(self) -> Language:
        return self.name.nation


@cache
def service_data() -> dict[str, Any]:
    """Ranks, places, detention sites and party names (data/service.json)."""
    text = resources.files("homebound.synthetic").joinpath("data", "service.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@dataclass(frozen=True)
class PopulationShares:
    """Shares of the drawn population; defaults follow public reports: mostly soldiers, few women."""

    pow: float = 0.90
    civilian: float = 0.08  # the rest are remains
    female_pow: float = 0.04
    female_civilian: float = 0.35
    other_origin_surname: float = 0.12  # Ukrainians with Russian surnames and the reverse


DEFAULT_SHARES = PopulationShares()


class RelativeKind(StrEnum):
    """Hard negatives: different people who look alike on paper."""

    TWIN = "twin"  # same surname, patronymic and date of birth; another given name
    BROTHER = "brother"  # same surname and patronymic, close date of birth; another given name
    NAMESAKE = "namesake"  # same surname and given name, otherwise unrelated


def draw_population(
    n: int,
    nation: Language,
    rng: np.random.Generator,
    *,
    as_of: dt.date = DEFAULT_AS_OF,
    shares: PopulationShares = DEFAULT_SHARES,
    first_id: int = 0,
) -> list[SyntheticPerson]:
    """Draw `n` people of one nation, vectorised; ids run from `first_id`."""
    kind = _pick(rng, n, [shares.pow, shares.civilian, 1.0 - shares.pow - shares.civilian])
    categories = [_CATEGORIES[k] for k in kind.tolist()]
    names = _draw_names(rng, nation, kind == 1, shares)
    dates = _draw_dates(rng, nation, kind == 1, as_of)
    military = [c is not Category.CIVILIAN_INTERNEE for c in categories]
    ranks = _pick(rng, n, [r[2] for r in service_data()["ranks"][nation]]).tolist()
    places = service_data()["capture_places"][nation]
    place = _pick(rng, n, [p[4] for p in places])
    seen_place = np.where(rng.random(n) < 0.8, place, rng.integers(0, len(places), n)).tolist()
    conditions = _draw_conditions(rng, categories)
    columns = zip(
        categories,
        names,
        military,
        ranks,
        _service_numbers(rng, n, nation),
        _units(rng, n, nation),
        place.tolist(),
        seen_place,
        _detention_places(rng, n, nation.other),
        *dates,
        *conditions,
        strict=True,
    )
    people: list[SyntheticPerson] = []
    for i, row in enumerate(columns):
        category, name, mil, rank, serial, unit, where, seen_where, held_at = row[:9]
        birth, captured, seen, card, verified, hospitalised, health, hold, will = row[9:]
        people.append(
            SyntheticPerson(
                person_id=first_id + i,
                name=name,
                birth=birth,
                category=category,
                rank=rank if mil else None,
                service_number=serial if mil else None,
                unit=unit if mil else None,
                capture_date=captured,
                capture_place=where,
                last_seen_date=seen,
                last_seen_place=seen_where,
                detention_place=held_at,
                hospitalised=hospitalised,
                health=health,
                card_sent_on=None if category is Category.REMAINS else card,
                legal_hold=hold,
                will_to_return=will,
                will_verified_on=None if will is WillToReturn.UNKNOWN else verified,
            )
        )
    return people


_CATEGORIES = (Category.POW, Category.CIVILIAN_INTERNEE, Category.REMAINS)
_HEALTHS = (Health.GOOD, Health.SICK, Health.WOUNDED, Health.SERIOUSLY_WOUNDED_SICK)
_HOLDS = (LegalHold.NONE, LegalHold.PROCEEDINGS, LegalHold.SENTENCE)
_WILLS = (WillToReturn.UNKNOWN, WillToReturn.CONFIRMED, WillToReturn.REFUSED)


def _draw_names(
    rng: np.random.Generator, nation: Language, civilian: npt.NDArray[np.bool_], shares: PopulationShares
) -> list[PersonName]:
    """Sex, given name, father's name and surname; a share of surnames come from the other nation."""
    book = name_book()
    n = len(civilian)
    female = (rng.random(n) < np.where(civilian, shares.female_civilian, shares.female_pow)).tolist()
    male_idx = rng.choice(len(book.male), n, p=book.male.probabilities[nation]).tolist()
    female_idx = rng.choice(len(book.female), n, p=book.female.probabilities[nation]).tolist()
    father_idx = rng.choice(len(book.male), n, p=book.male.probabilities[nation]).tolist()
    other = (rng.random(n) < shares.other_origin_surname).tolist()
    own_pool, other_pool = book.surnames[nation], book.surnames[nation.other]
    own_idx = rng.choice(len(own_pool), n, p=own_pool.probabilities[nation]).tolist()
    other_idx = rng.choice(len(other_pool), n, p=other_pool.probabilities[nation.other]).tolist()
    males, females = book.male.names, book.female.names
    names: list[PersonName] = []
    for fem, m_i, f_i, fa_i, oth, own_i, oth_i in zip(
        female, male_idx, female_idx, father_idx, other, own_idx, other_idx, strict=True
    ):
        surname: Surname = other_pool.names[oth_i] if oth else own_pool.names[own_i]
        pool, pick = (females, f_i) if fem else (males, m_i)
        given: GivenName = pool[pick]
        if book.is_avoided(given, surname):
            given = pool[(pick + 1) % len(pool)]
        names.append(PersonName(nation, Sex.FEMALE if fem else Sex.MALE, given, males[fa_i], surname))
    return names


def _draw_dates(
    rng: np.random.Generator, nation: Language, civilian: npt.NDArray[np.bool_], as_of: dt.date
) -> tuple[list[dt.date], list[dt.date], list[dt.date], list[dt.date | None], list[dt.date]]:
    """Birth, capture, last seen, capture card sent (None: not yet, or never) and will-verified dates."""
    n = len(civilian)
    capture = _capture_ordinals(rng, n, nation, as_of)
    birth = _birth_ordinals(rng, capture, civilian=civilian)
    last = as_of.toordinal()
    seen = np.maximum(capture - rng.integers(0, 4, n), WAR_START.toordinal())
    delay = np.where(rng.random(n) < 0.84, rng.integers(1, 8, n), rng.integers(8, 46, n))
    card = np.where((rng.random(n) < 0.05) | (capture + delay > last), -1, capture + delay)
    verified = np.minimum(capture + rng.integers(10, 200, n), last)
    first = int(birth.min())
    day = [dt.date.fromordinal(o) for o in range(first, last + 1)]  # ordinal -> date, built once
    return (
        [day[o - first] for o in birth.tolist()],
        [day[o - first] for o in capture.tolist()],
        [day[o - first] for o in seen.tolist()],
        [day[o - first] if o >= 0 else None for o in card.tolist()],
        [day[o - first] for o in verified.tolist()],
    )


def _draw_conditions(
    rng: np.random.Generator, categories: list[Category]
) -> tuple[list[bool], list[Health], list[LegalHold], list[WillToReturn]]:
    """Hospitalised, health, legal hold and will to return; remains have none of them."""
    n = len(categories)
    health = [_HEALTHS[h] for h in _pick(rng, n, [0.50, 0.15, 0.25, 0.10]).tolist()]
    draws = rng.random(n).tolist()
    holds = [_HOLDS[h] for h in _pick(rng, n, [0.93, 0.05, 0.02]).tolist()]
    wills = [_WILLS[w] for w in _pick(rng, n, [0.96, 0.03, 0.01]).tolist()]
    for i, category in enumerate(categories):
        if category is Category.REMAINS:
            health[i], holds[i], wills[i] = Health.UNKNOWN, LegalHold.NONE, WillToReturn.UNKNOWN
    hospitalised = [_hospitalised(h, d) for h, d in zip(health, draws, strict=True)]
    return hospitalised, health, holds, wills


def _pick(rng: np.random.Generator, n: int, weights: list[float]) -> IntArray:
    p = np.asarray(weights, dtype=np.float64)
    result: IntArray = rng.choice(len(p), n, p=p / p.sum())
    return result


def _capture_ordinals(rng: np.random.Generator, n: int, nation: Language, as_of: dt.date) -> IntArray:
    """Uniform over the war with a surge: Mariupol in spring 2022 (Ukrainians), Kursk in 2024 (Russians)."""
    start, end = WAR_START.toordinal(), as_of.toordinal()
    surge = (
        (dt.date(2022, 3, 1), dt.date(2022, 5, 31))
        if nation is Language.UKRAINIAN
        else (dt.date(2024, 8, 6), dt.date(2024, 10, 31))
    )
    uniform = rng.integers(start, end + 1, n)
    if surge[0].toordinal() > end:  # lists drawn before the surge: captures spread over the war so far
        surge = (WAR_START, as_of)
    in_surge = rng.integers(surge[0].toordinal(), min(surge[1].toordinal(), end) + 1, n)
    result: IntArray = np.where(rng.random(n) < 0.2, in_surge, uniform)
    return result


def _birth_ordinals(
    rng: np.random.Generator, capture: IntArray, *, civilian: npt.NDArray[np.bool_]
) -> IntArray:
    """Age at capture: soldiers around 35 (18-60), civilians around 45 (16-85)."""
    n = len(capture)
    age = np.where(
        civilian,
        np.clip(rng.normal(45.0, 16.0, n), 16.0, 85.0),
        np.clip(rng.normal(35.0, 9.0, n), 18.0, 60.0),
    )
    result: IntArray = (capture - (age * 365.25).astype(np.int64) - rng.integers(1, 365, n)).astype(np.int64)
    return result


_UK_SERIES = "АБВГДЕЖКМНОРСТ"
_RU_SERIES = "АБВГДЕЖИКЛМНОПРСТУФХ"


def _service_numbers(rng: np.random.Generator, n: int, nation: Language) -> list[str]:
    """Ukrainian style АА123456; Russian style Ж-123456 or АК-123456."""
    digits = rng.integers(0, 1_000_000, n).tolist()
    if nation is Language.UKRAINIAN:
        first = rng.integers(0, len(_UK_SERIES), n).tolist()
        second = rng.integers(0, len(_UK_SERIES), n).tolist()
        return [
            f"{_UK_SERIES[a]}{_UK_SERIES[b]}{d:06d}" for a, b, d in zip(first, second, digits, strict=True)
        ]
    first = rng.integers(0, len(_RU_SERIES), n).tolist()
    second = np.where(rng.random(n) < 0.3, rng.integers(0, len(_RU_SERIES), n), -1).tolist()
    return [
        f"{_RU_SERIES[a]}{_RU_SERIES[b] if b >= 0 else ''}-{d:06d}"
        for a, b, d in zip(first, second, digits, strict=True)
    ]


def _units(rng: np.random.Generator, n: int, nation: Language) -> list[str]:
    """Canonical unit numbers: А0000-А7999 (Ukrainian), 10000-99999 (Russian)."""
    if nation is Language.UKRAINIAN:
        return [f"А{number:04d}" for number in rng.integers(0, 8000, n).tolist()]
    return [str(number) for number in rng.integers(10000, 100000, n).tolist()]


def _hospitalised(health: Health, draw: float) -> bool:
    if health is Health.SERIOUSLY_WOUNDED_SICK:
        return draw < 0.6
    return health is Health.WOUNDED and draw < 0.15


@cache
def _detention_sites(captor: Language) -> tuple[str, ...]:
    """Every numbered site the captor's lists name (a few hundred), written once."""
    site = service_data()["detention"][captor]
    return tuple(
        f"{kind.format(n=number)}, {town}"
        for kind in site["kinds"]
        for number in range(1, 13)
        for town in site["towns"]
    )


def _detention_places(rng: np.random.Generator, n: int, captor: Language) -> list[str]:
    sites = _detention_sites(captor)
    return [sites[i] for i in rng.integers(0, len(sites), n).tolist()]


def make_relative(
    anchor: SyntheticPerson, person: SyntheticPerson, kind: RelativeKind, rng: np.random.Generator
) -> SyntheticPerson:
    """Make `person` a hard negative for `anchor`: a twin, a brother or a namesake (still another person)."""
    book = name_book()
    same_sex = book.given(anchor.name.sex)
    if kind is RelativeKind.NAMESAKE:
        father = anchor.name.father if rng.random() < 0.5 else person.name.father
        name = PersonName(anchor.nation, anchor.name.sex, anchor.name.given, father, anchor.name.surname)
        return person._replace(name=name)
    given = anchor.name.given
    while given == anchor.name.given or book.is_avoided(given, anchor.name.surname):
        given = same_sex.names[rng.choice(len(same_sex), p=same_sex.probabilities[anchor.nation])]
    name = PersonName(anchor.nation, anchor.name.sex, given, anchor.name.father, anchor.name.surname)
    if kind is RelativeKind.TWIN:
        birth = anchor.birth
    else:
        gap = int(rng.integers(365, 9 * 365))
        older = anchor.birth.toordinal() - gap
        younger = anchor.birth.toordinal() + gap
        adult_by = person.capture_date.toordinal() - 17 * 366
        birth = dt.date.fromordinal(younger if younger <= adult_by and rng.random() < 0.5 else older)
    return person._replace(name=name, birth=min(birth, person.capture_date - dt.timedelta(days=1)))
