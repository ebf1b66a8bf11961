"""People drawn in bulk and written into sought and held records: formats, scripts and realistic shares."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter

import numpy as np
import pytest

from homebound.core.person_input import IMPORT_COLUMNS, parse_person_row
from homebound.core.persons import Category, Health, Registry, Sex, Status, capture_card_overdue
from homebound.synthetic.names import Language
from homebound.synthetic.persons import CLEAN, HELD_NOISE, SOUGHT_NOISE, held_record, sought_record
from homebound.synthetic.population import (
    DEFAULT_AS_OF,
    RelativeKind,
    SyntheticPerson,
    draw_population,
    make_relative,
)

UK, RU = Language.UKRAINIAN, Language.RUSSIAN
UKRAINIAN_ONLY = re.compile("[іїєґІЇЄҐ]")
RUSSIAN_ONLY = re.compile("[ыэъёЫЭЪЁ]")
NAME_FIELDS = ("family_name", "given_name", "patronymic")


@pytest.fixture(scope="module")
def ukrainians() -> list[SyntheticPerson]:
    return draw_population(4000, UK, np.random.default_rng(21))


@pytest.fixture(scope="module")
def russians() -> list[SyntheticPerson]:
    return draw_population(2000, RU, np.random.default_rng(22))


def test_drawing_is_deterministic() -> None:
    first = draw_population(200, UK, np.random.default_rng(1))
    again = draw_population(200, UK, np.random.default_rng(1))
    other = draw_population(200, UK, np.random.default_rng(2))
    assert first == again
    assert first != other


def test_population_shares(ukrainians: list[SyntheticPerson]) -> None:
    n = len(ukrainians)
    categories = Counter(p.category for p in ukrainians)
    assert categories[Category.POW] / n == pytest.approx(0.90, abs=0.02)
    assert categories[Category.REMAINS] / n == pytest.approx(0.02, abs=0.01)
    soldiers = [p for p in ukrainians if p.category is Category.POW]
    assert sum(p.name.sex is Sex.FEMALE for p in soldiers) / len(soldiers) == pytest.approx(0.04, abs=0.015)
    health = Counter(p.health for p in soldiers)
    assert health[Health.GOOD] / len(soldiers) == pytest.approx(0.5, abs=0.03)
    assert health[Health.SERIOUSLY_WOUNDED_SICK] / len(soldiers) == pytest.approx(0.1, abs=0.02)


def test_dates_are_consistent(ukrainians: list[SyntheticPerson]) -> None:
    for p in ukrainians:
        assert dt.date(2022, 2, 24) <= p.capture_date <= DEFAULT_AS_OF
        age = (p.capture_date - p.birth).days / 365.25
        assert age >= (16 if p.category is Category.CIVILIAN_INTERNEE else 18)
        assert p.last_seen_date <= p.capture_date
        if p.card_sent_on is not None:
            assert p.capture_date < p.card_sent_on <= DEFAULT_AS_OF


def test_service_numbers_and_units_follow_each_sides_style(
    ukrainians: list[SyntheticPerson], russians: list[SyntheticPerson]
) -> None:
    assert all(re.fullmatch("[А-Я]{2}[0-9]{6}", p.service_number or "АА000000") for p in ukrainians)
    assert all(re.fullmatch("А[0-9]{4}", p.unit or "А0000") for p in ukrainians)
    assert all(re.fullmatch("[А-Я]{1,2}-[0-9]{6}", p.service_number or "Ж-000000") for p in russians)
    assert all(p.service_number is None for p in ukrainians if p.category is Category.CIVILIAN_INTERNEE)


def test_some_capture_cards_are_overdue(ukrainians: list[SyntheticPerson]) -> None:
    rows = [held_record(p, str(p.person_id), HELD_NOISE, random.Random(p.person_id)) for p in ukrainians]
    parsed = [parse_person_row(row, Registry.HELD)[0] for row in rows]
    overdue = [
        capture_card_overdue(Registry.HELD, r.status, r.fields, DEFAULT_AS_OF)
        for r in parsed
        if r is not None and r.status is not None
    ]
    assert len(overdue) == len(rows)
    assert sum(overdue) / len(overdue) == pytest.approx(0.05, abs=0.015)


@pytest.mark.parametrize("nation", [UK, RU])
def test_every_record_validates_in_both_registries(
    nation: Language, ukrainians: list[SyntheticPerson], russians: list[SyntheticPerson]
) -> None:
    people = ukrainians if nation is UK else russians
    rng = random.Random(7)
    for p in people:
        sought = sought_record(p, f"S{p.person_id}", SOUGHT_NOISE, rng, believed_captive=p.person_id % 2 == 0)
        held = held_record(p, f"H{p.person_id}", HELD_NOISE, rng)
        assert tuple(sought) == IMPORT_COLUMNS
        assert tuple(held) == IMPORT_COLUMNS
        assert parse_person_row(sought, Registry.SOUGHT)[1] == []
        assert parse_person_row(held, Registry.HELD)[1] == []


def test_sought_and_held_statuses(ukrainians: list[SyntheticPerson]) -> None:
    rng = random.Random(8)
    sought = {sought_record(p, "s", CLEAN, rng, believed_captive=False)["status"] for p in ukrainians}
    held = Counter(held_record(p, "h", CLEAN, rng)["status"] for p in ukrainians)
    assert sought == {Status.MISSING.value}
    assert set(held) == {Status.HELD.value, Status.HOSPITALISED.value, Status.DECEASED.value}
    assert held[Status.HELD.value] > 0.8 * len(ukrainians)


def test_only_held_records_carry_custody_and_only_sought_records_last_seen(
    ukrainians: list[SyntheticPerson],
) -> None:
    rng = random.Random(9)
    p = next(p for p in ukrainians if p.category is Category.POW)
    sought = sought_record(p, "s", CLEAN, rng, believed_captive=True)
    held = held_record(p, "h", CLEAN, rng)
    assert sought["last_seen_date"]
    assert not sought["capture_date"]
    assert not sought["detention_place"]
    assert held["capture_date"]
    assert held["detention_place"]
    assert not held["last_seen_date"]


def _cells(rows: list[dict[str, str]], fields: tuple[str, ...] = IMPORT_COLUMNS) -> str:
    return " ".join(row[f] for row in rows for f in fields)


def test_clean_records_are_in_the_writers_script(
    ukrainians: list[SyntheticPerson], russians: list[SyntheticPerson]
) -> None:
    rng = random.Random(10)
    # The Russian side writes Ukrainians without Ukrainian letters, and its own people likewise.
    russian_side = [held_record(p, "h", CLEAN, rng) for p in ukrainians]
    russian_side += [sought_record(p, "s", CLEAN, rng, believed_captive=True) for p in russians]
    assert not UKRAINIAN_ONLY.search(_cells(russian_side))
    ukrainian_side = [sought_record(p, "s", CLEAN, rng, believed_captive=True) for p in ukrainians]
    ukrainian_side += [held_record(p, "h", CLEAN, rng) for p in russians]
    assert not RUSSIAN_ONLY.search(_cells(ukrainian_side, NAME_FIELDS))
    assert UKRAINIAN_ONLY.search(_cells(ukrainian_side, NAME_FIELDS))


def test_held_names_are_in_russian_forms(ukrainians: list[SyntheticPerson]) -> None:
    rng = random.Random(11)
    for p in ukrainians[:500]:
        row = held_record(p, "h", CLEAN, rng)
        assert row["given_name"] == p.name.given.ru.replace("ё", "е")
        assert row["family_name"] == p.name.surname.form(RU, p.name.sex).replace("ё", "е")


@pytest.mark.parametrize("kind", list(RelativeKind))
def test_relatives_are_look_alikes(kind: RelativeKind, ukrainians: list[SyntheticPerson]) -> None:
    rng = np.random.default_rng(12)
    for anchor, other in zip(ukrainians[:100], ukrainians[100:200], strict=True):
        relative = make_relative(anchor, other, kind, rng)
        assert relative.person_id == other.person_id
        assert relative.name.surname is anchor.name.surname
        assert relative.name.sex is anchor.name.sex
        assert relative.birth < relative.capture_date
        if kind is RelativeKind.NAMESAKE:
            assert relative.name.given is anchor.name.given
            continue
        assert relative.name.father is anchor.name.father
        assert relative.name.given is not anchor.name.given
        if kind is RelativeKind.TWIN:
            assert relative.birth == anchor.birth
        else:
            assert 365 <= abs((relative.birth - anchor.birth).days) <= 9 * 365
