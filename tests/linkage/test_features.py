"""Record keys: what each source column becomes, and the batch path agreeing with the one-record path."""

from __future__ import annotations

import pandas as pd
import pytest

from homebound.linkage.features import FEATURE_COLUMNS, frame_from_rows, prepare_features, record_keys

BASE = {
    "record_id": "UA-1",
    "family_name": "Коваленко",
    "given_name": "Олександр",
    "patronymic": "Миколайович",
    "sex": "ч",
    "date_of_birth": "12.03.1994",
    "unit": "в/ч А1234",
    "service_number": "АК-123456",
}


@pytest.mark.parametrize(
    ("field", "value", "key", "expected"),
    [
        ("family_name", "КОВАЛЕНКО", "fam_norm", "коваленко"),
        ("family_name", "Kovalenko", "fam_skel", "kavalanka"),
        ("family_name", "", "fam_norm", None),
        ("family_name", "", "fam_dm1", None),
        ("given_name", "Alexander", "giv_c1", "oleksandr"),
        ("given_name", "Александр", "giv_key", "oleksandr"),
        ("given_name", "Саша", "giv_dim", True),
        ("given_name", "Олександр", "giv_dim", False),
        ("given_name", "Фаддей", "giv_c1", None),  # no class known: blocking falls back to the skeleton
        ("given_name", "Фаддей", "giv_key", "~fada"),
        ("patronymic", "Юрьевич", "pat_c1", "yurii:m"),
        ("patronymic", "Юріївна", "pat_f1", "yurii"),
        ("patronymic", None, "pat_key", None),
        ("sex", "ж", "sex", "f"),
        ("sex", "male", "sex", "m"),
        ("sex", "невідомо", "sex", None),
        ("date_of_birth", "1994-03-12", "dob_full", "19940312"),
        ("date_of_birth", "03.1994", "dob_m", 3),
        ("date_of_birth", "03.1994", "dob_full", None),
        ("date_of_birth", "1994", "dob_y", 1994),
        # Not a date: kept as written, every digit compared (issue 14), never corrected into another date.
        ("date_of_birth", "31.02.1994", "dob_y", 1994),
        ("date_of_birth", "31.02.1994", "dob_full", "19940231"),
        ("date_of_birth", "31.02.1994", "dob_swap", "19943102"),
        ("date_of_birth", "19?4-02-03", "dob_y", None),
        ("date_of_birth", "19?4-02-03", "dob_full", "19?40203"),
        (
            "date_of_birth",
            "12.03.1994",
            "dob_code",
            ((((((1 * 11 + 9) * 11 + 9) * 11 + 4) * 11 + 0) * 11 + 3) * 11 + 1) * 11 + 2,
        ),
        ("date_of_birth", "yesterday", "dob_full", None),
        ("unit", "A-1234", "unit_key", "A1234"),
        ("unit", "1234", "unit_digits", "1234"),
        ("service_number", "AK 123456", "sn_key", "AK123456"),
        ("service_number", "БК527841", "sn_digits", "527841"),
    ],
)
def test_record_key(field: str, value: str | None, key: str, expected: object) -> None:
    assert record_keys({**BASE, field: value})[key] == expected


def test_batch_keys_equal_one_record_keys() -> None:
    rows = [
        BASE,
        {**BASE, "record_id": "UA-2", "family_name": "SHMYHAL", "sex": "", "date_of_birth": "1994"},
        {**BASE, "record_id": "UA-3", "given_name": "  ", "patronymic": None, "unit": "72 ОМБр"},
        {"record_id": "UA-4", "family_name": "Шмигаль"},
    ]
    frame = prepare_features(frame_from_rows(rows))
    assert list(frame.columns) == list(FEATURE_COLUMNS)
    for position, row in enumerate(rows):
        batch = {k: (None if pd.isna(v) else v) for k, v in frame.iloc[position].items()}
        assert batch == record_keys(row)


def test_missing_source_column_is_refused() -> None:
    with pytest.raises(KeyError, match="date_of_birth"):
        prepare_features(pd.DataFrame({"record_id": ["1"], "family_name": ["X"]}))
