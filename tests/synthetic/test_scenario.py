"""Exchange lists with ground truth: sizes, determinism, validity, hard negatives, the noise asked for."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from dataclasses import replace

import pytest

from homebound.core.person_input import parse_person_row
from homebound.core.persons import Registry
from homebound.synthetic.persons import CLEAN, HELD_NOISE, SOUGHT_NOISE, NoiseRates
from homebound.synthetic.population import RelativeKind
from homebound.synthetic.scenario import ExchangeLists, HardNegativeRates, ListPair, generate_exchange_lists

N = 3000
LATIN = re.compile("[A-Za-z]")
CYRILLIC = re.compile("[А-Яа-яІЇЄҐіїєґЁё]")


@pytest.fixture(scope="module")
def lists() -> ExchangeLists:
    return generate_exchange_lists(N, seed=2024, n_reverse=1000)


def _within(share: float, expected: float, n: int) -> bool:
    """Five standard errors of a binomial share: fails on a wrong rate, not on chance."""
    return abs(share - expected) <= 5 * math.sqrt(expected * (1 - expected) / n) + 1e-9


def test_same_seed_same_lists_other_seed_other_lists() -> None:
    first = generate_exchange_lists(300, seed=5)
    again = generate_exchange_lists(300, seed=5)
    other = generate_exchange_lists(300, seed=6)
    assert first == again
    assert first.a_sought != other.a_sought
    assert first.forward.truth != other.forward.truth


_DIGEST = """
import hashlib, json
from homebound.synthetic.scenario import generate_exchange_lists
lists = generate_exchange_lists(200, seed=5)
blob = json.dumps([lists.a_sought, lists.b_held, lists.b_sought, lists.a_held, lists.forward.truth])
print(hashlib.sha256(blob.encode()).hexdigest())
"""


def test_same_seed_same_lists_across_processes() -> None:
    digests = {
        subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
            [sys.executable, "-c", _DIGEST],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(digests) == 1


def test_sizes_and_overlap(lists: ExchangeLists) -> None:
    assert len(lists.a_sought) == len(lists.b_held) == N
    assert len(lists.b_sought) == len(lists.a_held) == 1000
    assert len(lists.forward.truth) == round(0.7 * N)
    assert len(lists.reverse.truth if lists.reverse else []) == round(0.7 * 1000)
    uneven = generate_exchange_lists(500, seed=1, n_held=800, n_reverse=0, overlap=0.5)
    assert (len(uneven.a_sought), len(uneven.b_held), len(uneven.forward.truth)) == (500, 800, 250)
    assert uneven.reverse is None
    assert uneven.b_sought == uneven.a_held == []


def _pairs(lists: ExchangeLists) -> list[ListPair]:
    return [lists.forward, *([lists.reverse] if lists.reverse else [])]


def test_truth_refers_to_existing_records_of_the_same_person(lists: ExchangeLists) -> None:
    for pair in _pairs(lists):
        sought_ids = [row["record_id"] for row in pair.sought]
        held_ids = [row["record_id"] for row in pair.held]
        assert len(set(sought_ids)) == len(sought_ids)
        assert len(set(held_ids)) == len(held_ids)
        for sought_id, held_id in pair.truth:
            assert sought_id in pair.person_of
            assert held_id in pair.person_of
            assert sought_id.split("-")[1] == "S"
            assert held_id.split("-")[1] == "H"
            assert pair.person_of[sought_id] == pair.person_of[held_id]
        assert {s for s, _ in pair.truth} <= set(sought_ids)
        assert {h for _, h in pair.truth} <= set(held_ids)
        truly_held = {pair.person_of[h] for _, h in pair.truth}
        # Sought but not held, and held but not sought, both exist.
        assert any(pair.person_of[s] not in truly_held for s in sought_ids)
        assert len(held_ids) > len(pair.truth)


def test_list_order_does_not_reveal_the_truth(lists: ExchangeLists) -> None:
    position = {row["record_id"]: i for i, row in enumerate(lists.b_held)}
    aligned = sum(position[h] == int(s.rsplit("-", 1)[1]) - 1 for s, h in lists.forward.truth)
    assert aligned < 10


def test_every_row_of_the_four_registries_validates(lists: ExchangeLists) -> None:
    registries = [
        (lists.a_sought, Registry.SOUGHT),
        (lists.b_held, Registry.HELD),
        (lists.b_sought, Registry.SOUGHT),
        (lists.a_held, Registry.HELD),
    ]
    for rows, registry in registries:
        problems = [p for row in rows for p in parse_person_row(row, registry)[1]]
        assert problems == []


def test_hard_negatives_are_present_and_are_different_people(lists: ExchangeLists) -> None:
    pair = lists.forward
    kinds = {negative.kind for negative in pair.hard_negatives}
    assert kinds == set(RelativeKind)
    truth = set(pair.truth)
    sought = {row["record_id"]: row for row in pair.sought}
    held = {row["record_id"]: row for row in pair.held}
    for negative in pair.hard_negatives:
        assert (negative.sought_id, negative.held_id) not in truth
        assert pair.person_of[negative.sought_id] != pair.person_of[negative.held_id]
        assert negative.sought_id in sought
        assert negative.held_id in held
    expected = round((0.005 + 0.02 + 0.02) * N)
    # Each planted relative gives one pair, or two when the relative is on both lists.
    assert expected <= len(pair.hard_negatives) <= 2 * expected


def test_twins_share_the_birth_date_on_clean_lists() -> None:
    clean = generate_exchange_lists(
        1500, seed=8, n_reverse=0, sought_noise=CLEAN, held_noise=CLEAN,
        hard_negatives=HardNegativeRates(twins=0.03, brothers=0.0, namesakes=0.0),
    )  # fmt: skip
    sought = {row["record_id"]: row for row in clean.a_sought}
    held = {row["record_id"]: row for row in clean.b_held}
    twins = [n for n in clean.forward.hard_negatives if n.kind is RelativeKind.TWIN]
    assert twins
    for twin in twins:
        a, b = sought[twin.sought_id], held[twin.held_id]
        assert a["date_of_birth"] == b["date_of_birth"]
        assert a["given_name"] != b["given_name"]


def _share(rows: list[dict[str, str]], test: object) -> float:
    assert callable(test)
    return sum(bool(test(row)) for row in rows) / len(rows)


@pytest.mark.parametrize(
    ("side", "noise"), [("a_sought", SOUGHT_NOISE), ("b_held", HELD_NOISE)]
)  # fmt: skip
def test_noise_shares_are_what_was_asked(lists: ExchangeLists, side: str, noise: NoiseRates) -> None:
    rows: list[dict[str, str]] = getattr(lists, side)
    n = len(rows)
    latin = _share(rows, lambda r: LATIN.search(r["family_name"]))
    capitals = _share(rows, lambda r: r["family_name"].isupper())
    no_patronymic = _share(rows, lambda r: not r["patronymic"])
    no_birth = _share(rows, lambda r: not r["date_of_birth"])
    year_only = _share(rows, lambda r: re.fullmatch(r"\d{4}", r["date_of_birth"]))
    assert _within(latin, noise.latin, n)
    assert _within(capitals, noise.capitals, n)
    assert _within(no_patronymic, noise.missing_patronymic, n)
    assert _within(no_birth, noise.missing_birth_date, n)
    assert _within(year_only, noise.birth_year_only, n)


def test_asked_for_rates_are_honoured() -> None:
    noisy = replace(HELD_NOISE, latin=0.5, capitals=0.0, missing_patronymic=0.3, missing_birth_date=0.2)
    rows = generate_exchange_lists(2000, seed=3, n_reverse=0, held_noise=noisy).b_held
    assert _within(_share(rows, lambda r: LATIN.search(r["family_name"])), 0.5, 2000)
    assert _share(rows, lambda r: r["family_name"].isupper() and len(r["family_name"]) > 1) < 0.01
    assert _within(_share(rows, lambda r: not r["patronymic"]), 0.3, 2000)
    assert _within(_share(rows, lambda r: not r["date_of_birth"]), 0.2, 2000)


def test_each_side_writes_in_its_own_script(lists: ExchangeLists) -> None:
    # Party B (Russian side) lists: Cyrillic mostly without Ukrainian letters; party A's sought list has them.
    ukrainian_letters = re.compile("[іїєІЇЄ]")
    a_share = _share(lists.a_sought, lambda r: ukrainian_letters.search(r["given_name"] + r["patronymic"]))
    b_share = _share(lists.b_held, lambda r: ukrainian_letters.search(r["given_name"] + r["patronymic"]))
    assert a_share > 0.5
    assert b_share < 0.15  # only the copied forms (foreign_forms, letter-by-letter) keep them
    assert _share(lists.b_held, lambda r: CYRILLIC.search(r["family_name"])) > 0.8


def test_day_month_swaps_appear_on_held_lists() -> None:
    swapped_only = replace(
        CLEAN,
        day_month_swap=1.0,
        latin=0.0,
        missing_birth_date=0.0,
        birth_month_only=0.0,
        birth_year_only=0.0,
    )
    clean = generate_exchange_lists(600, seed=4, n_reverse=0, sought_noise=CLEAN, held_noise=swapped_only)
    sought = {row["record_id"]: row for row in clean.a_sought}
    held = {row["record_id"]: row for row in clean.b_held}
    swaps = 0
    for s, h in clean.forward.truth:
        a, b = sought[s]["date_of_birth"], held[h]["date_of_birth"]
        day, month, year = a.split(".")
        if int(day) <= 12 and day != month:
            assert b == f"{month}.{day}.{year}"
            swaps += 1
        else:
            assert b == a
    assert swaps > 100
