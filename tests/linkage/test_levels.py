"""Comparison levels, one row per pair of spellings: Splink's SQL and the numpy mirror give the same level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from homebound.linkage.batch import LinkSession
from homebound.linkage.explain import level_label
from homebound.linkage.features import frame_from_rows, prepare_features, record_keys
from homebound.linkage.index import RegistryIndex
from homebound.linkage.model import LinkageModel

Row = dict[str, str]

# (comparison, left fields, right fields, expected level label)
CASES: list[tuple[str, Row, Row, str]] = [
    ("family_name", {"family_name": "Коваленко"}, {"family_name": "КОВАЛЕНКО"}, "same spelling"),
    ("family_name", {"family_name": "Коваленко"}, {"family_name": "Kovalenko"}, "same skeleton"),
    ("family_name", {"family_name": "Коваленко"}, {"family_name": "Kowalenko"}, "same skeleton"),
    ("family_name", {"family_name": "Шмигаль"}, {"family_name": "Шмыгаль"}, "same skeleton"),
    ("family_name", {"family_name": "Шмигаль"}, {"family_name": "Shmyhal"}, "same skeleton"),
    ("family_name", {"family_name": "Білоусов"}, {"family_name": "Белоусов"}, "same skeleton"),
    (
        "family_name",
        {"family_name": "Коваленко"},
        {"family_name": "Коваленков"},
        "skeletons similar (JW >= 0.92)",
    ),
    ("family_name", {"family_name": "Швець"}, {"family_name": "Шевець"}, "one typing slip apart"),
    ("family_name", {"family_name": "Мазур"}, {"family_name": "Мазуренко"}, "skeletons close (JW >= 0.85)"),
    # A slip of one key near the start: Jaro-Winkler on the skeletons only 0.81, yet one edit apart.
    ("family_name", {"family_name": "Захарченко"}, {"family_name": "Зсхарченко"}, "one typing slip apart"),
    ("family_name", {"family_name": "Пушкар"}, {"family_name": "Пщшкар"}, "one typing slip apart"),
    (
        "family_name",
        {"family_name": "Удовиченко"},
        {"family_name": "Удовичнеко"},
        "skeletons similar (JW >= 0.92)",
    ),
    # Two slips: only the Daitch-Mokotoff codes still agree.
    (
        "family_name",
        {"family_name": "Захарченко"},
        {"family_name": "Зсхарчнеко"},
        "same Daitch-Mokotoff code",
    ),
    ("family_name", {"family_name": "Коваленко"}, {"family_name": "Шевченко"}, "different"),
    ("family_name", {"family_name": "Коваленко"}, {"family_name": ""}, "missing"),
    ("given_name", {"given_name": "Олександр"}, {"given_name": "ОЛЕКСАНДР"}, "same spelling"),
    ("given_name", {"given_name": "Олександр"}, {"given_name": "Александр"}, "same name class"),
    ("given_name", {"given_name": "Олександр"}, {"given_name": "Oleksandr"}, "same name class"),
    ("given_name", {"given_name": "Олександр"}, {"given_name": "Alexander"}, "same name class"),
    ("given_name", {"given_name": "Микола"}, {"given_name": "Nikolai"}, "same name class"),
    ("given_name", {"given_name": "Ганна"}, {"given_name": "Анна"}, "same name class"),
    ("given_name", {"given_name": "Надія"}, {"given_name": "Надежда"}, "same name class"),
    ("given_name", {"given_name": "Олександр"}, {"given_name": "Саша"}, "diminutive of the same name"),
    ("given_name", {"given_name": "Олександр"}, {"given_name": "Олексанр"}, "skeletons close"),
    ("given_name", {"given_name": "Фаддей"}, {"given_name": "Faddei"}, "skeletons close"),
    ("given_name", {"given_name": "Михайло"}, {"given_name": "Миаил"}, "different"),
    ("given_name", {"given_name": "Олександр"}, {"given_name": "Микола"}, "two different known names"),
    ("given_name", {"given_name": "Олександр"}, {"given_name": "Мкиола"}, "different"),
    ("given_name", {"given_name": ""}, {"given_name": "Микола"}, "missing"),
    ("patronymic", {"patronymic": "Юрійович"}, {"patronymic": "Юрьевич"}, "same patronymic class"),
    ("patronymic", {"patronymic": "Миколайович"}, {"patronymic": "NIKOLAEVICH"}, "same patronymic class"),
    ("patronymic", {"patronymic": "Миколайович"}, {"patronymic": "Миколаївна"}, "same father's name"),
    ("patronymic", {"patronymic": "Миколайович"}, {"patronymic": "МИКОЛАЙОВИЧ"}, "same spelling"),
    ("patronymic", {"patronymic": "Миколайович"}, {"patronymic": "Миколайовичъ"}, "skeletons close"),
    ("patronymic", {"patronymic": ""}, {"patronymic": "Петрович"}, "missing"),
    ("patronymic", {"patronymic": "Миколайович"}, {"patronymic": "Петрович"}, "different"),
    ("date_of_birth", {"date_of_birth": "12.03.1994"}, {"date_of_birth": "1994-03-12"}, "same date"),
    (
        "date_of_birth",
        {"date_of_birth": "12.03.1994"},
        {"date_of_birth": "03.12.1994"},
        "day and month swapped",
    ),
    ("date_of_birth", {"date_of_birth": "12.03.1994"}, {"date_of_birth": "13.03.1994"}, "one digit off"),
    ("date_of_birth", {"date_of_birth": "12.03.1994"}, {"date_of_birth": "12.03.1949"}, "one digit off"),
    ("date_of_birth", {"date_of_birth": "12.03.1994"}, {"date_of_birth": "03.1994"}, "partial date agrees"),
    ("date_of_birth", {"date_of_birth": "12.03.1994"}, {"date_of_birth": "1994"}, "partial date agrees"),
    ("date_of_birth", {"date_of_birth": "12.03.1994"}, {"date_of_birth": "04.1994"}, "same year only"),
    ("date_of_birth", {"date_of_birth": "12.03.1994"}, {"date_of_birth": "25.07.1994"}, "same year only"),
    ("date_of_birth", {"date_of_birth": "12.03.1994"}, {"date_of_birth": "12.03.1995"}, "one digit off"),
    # A clerk's year one off across a decade: two digits differ, day and month agree.
    ("date_of_birth", {"date_of_birth": "12.03.1989"}, {"date_of_birth": "12.03.1990"}, "year one off"),
    (
        "date_of_birth",
        {"date_of_birth": "12.03.1994"},
        {"date_of_birth": "03.12.1993"},
        "day and month swapped, one digit off",
    ),
    # Dates that are no dates are compared as written, digit by digit.
    ("date_of_birth", {"date_of_birth": "31.04.1987"}, {"date_of_birth": "31.04.1987"}, "same date"),
    ("date_of_birth", {"date_of_birth": "30.04.1987"}, {"date_of_birth": "31.04.1987"}, "one digit off"),
    ("date_of_birth", {"date_of_birth": "12.03.1987"}, {"date_of_birth": "19?7-03-12"}, "one digit off"),
    (
        "date_of_birth",
        {"date_of_birth": "05.11.1987"},
        {"date_of_birth": "11.05.1987"},
        "day and month swapped",
    ),
    ("date_of_birth", {"date_of_birth": "13.05.1987"}, {"date_of_birth": "1987-05-13"}, "same date"),
    (
        "date_of_birth",
        {"date_of_birth": "05.13.1987"},
        {"date_of_birth": "13.05.1987"},
        "day and month swapped",
    ),
    ("date_of_birth", {"date_of_birth": "12.03.1994"}, {"date_of_birth": "1?94"}, "missing"),
    ("date_of_birth", {"date_of_birth": "12.03.1994"}, {"date_of_birth": "28.11.1987"}, "different"),
    ("date_of_birth", {"date_of_birth": "1994"}, {"date_of_birth": "1995"}, "different"),
    ("date_of_birth", {"date_of_birth": ""}, {"date_of_birth": "1995"}, "missing"),
    ("sex", {"sex": "ч"}, {"sex": "м"}, "same sex"),
    ("sex", {"sex": "ж"}, {"sex": "male"}, "different"),
    ("sex", {"sex": ""}, {"sex": "м"}, "missing"),
    (
        "service_number",
        {"service_number": "АК-123456"},
        {"service_number": "AK 123456"},
        "same service number",
    ),
    ("service_number", {"service_number": "БК527841"}, {"service_number": "BK527841"}, "same digits"),
    ("service_number", {"service_number": "АК123456"}, {"service_number": "АК654321"}, "different"),
    ("service_number", {"service_number": "АК123456"}, {"service_number": ""}, "missing"),
    ("unit", {"unit": "в/ч А1234"}, {"unit": "A-1234"}, "same unit"),
    ("unit", {"unit": "в/ч А1234"}, {"unit": "1234"}, "same digits"),
    ("unit", {"unit": "А1234"}, {"unit": "А4321"}, "different"),
    ("unit", {"unit": "А1234"}, {"unit": ""}, "missing"),
]


def _rows(side: int) -> list[Row]:
    return [{"record_id": f"case{k}", **case[side]} for k, case in enumerate(CASES)]


@pytest.fixture(scope="module")
def splink_levels(trained_model: LinkageModel) -> pd.DataFrame:
    left = prepare_features(frame_from_rows(_rows(1)))
    right = prepare_features(frame_from_rows(_rows(2)))
    scored = LinkSession(left, right, trained_model).score_every_pair()
    return scored[scored["left_id"] == scored["right_id"]].set_index("left_id")


@pytest.mark.parametrize(("k", "case"), list(enumerate(CASES)), ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_splink_level(
    k: int, case: tuple[str, Row, Row, str], splink_levels: pd.DataFrame, trained_model: LinkageModel
) -> None:
    comparison, _, _, expected = case
    gamma = int(splink_levels.loc[f"case{k}", f"gamma_{comparison}"])
    assert level_label(trained_model, comparison, gamma) == expected


@pytest.mark.parametrize(("k", "case"), list(enumerate(CASES)), ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_index_level(k: int, case: tuple[str, Row, Row, str], trained_model: LinkageModel) -> None:
    comparison, left, right, expected = case
    index = RegistryIndex(trained_model)
    index.add({"record_id": "held", **right})
    levels, _ = index.score_rows(record_keys({"record_id": "new", **left}), np.array([0]))
    assert level_label(trained_model, comparison, int(levels[comparison][0])) == expected


def test_every_level_is_exercised() -> None:
    """The table reaches every level of every comparison (else a level could be wrong unseen)."""
    reached = {(c, label) for c, _, _, label in CASES}
    model = LinkageModel.untrained()
    missing = {
        (name, lv.label)
        for name, levels in model.levels.items()
        for lv in levels
        if (name, lv.label) not in reached
    }
    assert not missing
