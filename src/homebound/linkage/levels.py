"""The comparison ladders of ``comparisons`` in numpy: one record's levels against many, without SQL.

Keys are held as integer codes (-1 for missing) in vocabularies shared by the columns compared with each
other, so equality is an integer comparison; Jaro-Winkler runs on the few distinct skeletons among the
candidates (rapidfuzz). Each ladder below follows its SQL twin in ``comparisons`` rung by rung, NULL rules
included (a missing key never equals anything).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from homebound.linkage.comparisons import JW_HIGH, JW_LOW

__all__ = [
    "CODE_GROUPS",
    "INT_COLUMNS",
    "KeyArrays",
    "Vocabulary",
    "comparison_levels",
    "pairwise_levels",
]

# Key columns compared with each other share one vocabulary (giv_c1 meets giv_c2).
CODE_GROUPS: dict[str, tuple[str, ...]] = {
    "fam_norm": ("fam_norm",),
    "fam_skel": ("fam_skel",),
    "fam_dm": ("fam_dm1", "fam_dm2"),
    "fam_i1": ("fam_i1",),
    "giv_i1": ("giv_i1",),
    "giv_norm": ("giv_norm",),
    "giv_skel": ("giv_skel",),
    "giv_key": ("giv_key",),
    "giv_c": ("giv_c1", "giv_c2"),
    "pat_norm": ("pat_norm",),
    "pat_skel": ("pat_skel",),
    "pat_key": ("pat_key",),
    "pat_c": ("pat_c1", "pat_c2"),
    "pat_f": ("pat_f1", "pat_f2"),
    "sex": ("sex",),
    "dob_full": ("dob_full",),
    "unit_key": ("unit_key",),
    "unit_digits": ("unit_digits",),
    "sn_key": ("sn_key",),
    "sn_digits": ("sn_digits",),
}
GROUP_OF: dict[str, str] = {column: group for group, columns in CODE_GROUPS.items() for column in columns}
INT_COLUMNS: tuple[str, ...] = ("dob_y", "dob_m", "dob_d", "dob_code", "giv_dim")
MISSING = -1
UNSEEN = -2  # a query's value no registry record has: equal to nothing, but not missing


@dataclass
class Vocabulary:
    """Codes of the distinct values of one key group, and the values by code (for Jaro-Winkler)."""

    codes: dict[str, int] = field(default_factory=dict)
    values: list[str] = field(default_factory=list)

    def add(self, value: str | None) -> int:
        if value is None:
            return MISSING
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code

    def look_up(self, value: str | None) -> int:
        if value is None:
            return MISSING
        return self.codes.get(value, UNSEEN)


@dataclass
class KeyArrays:
    """Encoded keys of some records: one int array per key column, plus, for a query record that may
    carry unseen values, the skeleton strings themselves."""

    columns: dict[str, np.ndarray]
    skeletons: Mapping[str, str | None] = field(default_factory=dict)

    def __getitem__(self, column: str) -> np.ndarray:
        return self.columns[column]


def _present(array: np.ndarray) -> np.ndarray:
    """Known (an unseen value is known too: it just equals nothing in the registry)."""
    return np.asarray(array != MISSING)


def _equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a == b) & (a >= 0))


def _any_equal(q: KeyArrays, c: KeyArrays, columns: tuple[str, ...]) -> np.ndarray:
    result: np.ndarray | None = None
    for left in columns:
        for right in columns:
            agree = _equal(q[left], c[right])
            result = agree if result is None else result | agree
    assert result is not None
    return result


def _ladder(null: np.ndarray, rungs: list[np.ndarray], size: int) -> np.ndarray:
    """Splink's numbering: the first rung that holds gives len(rungs), the last 1, none 0; null gives -1."""
    conditions = [np.broadcast_to(null, size), *(np.broadcast_to(r, size) for r in rungs)]
    choices = [-1, *range(len(rungs), 0, -1)]
    return np.asarray(np.select(conditions, choices, default=0), dtype=np.int8)


Similarity = Callable[[str, np.ndarray], np.ndarray]


# A similarity key "one_edit:<column>" asks whether the two values are at most one typing slip apart
# (Damerau-Levenshtein <= 1: a neighbouring key, a letter dropped, doubled or swapped), as 1.0 or 0.0;
# a bare column name asks for Jaro-Winkler.
ONE_EDIT = "one_edit:"


def metric_of(key: str) -> tuple[str, Callable[[str, str], float]]:
    """The column a similarity key reads and the pairwise score it asks for."""
    if key.startswith(ONE_EDIT):
        return key[len(ONE_EDIT) :], one_edit_apart
    return key, JaroWinkler.similarity


def one_edit_apart(left: str, right: str) -> float:
    return 1.0 if DamerauLevenshtein.distance(left, right, score_cutoff=1) <= 1 else 0.0


def _skeleton_similarity(
    key: str, query: str | None, codes: np.ndarray, vocabulary: Vocabulary
) -> np.ndarray:
    """The score ``key`` asks for of the query's value with each candidate's, 0 where either is missing."""
    result = np.zeros(len(codes))
    if query is None:
        return result
    distinct, inverse = np.unique(codes, return_inverse=True)
    present = distinct >= 0
    if not present.any():
        return result
    _, metric = metric_of(key)
    choices = [vocabulary.values[k] for k in distinct[present]]
    scores = np.zeros(len(distinct))
    scores[present] = [metric(query, choice) for choice in choices]
    return np.asarray(scores[inverse])


def _family(q: KeyArrays, c: KeyArrays, jw: Callable[[str], np.ndarray], n: int) -> np.ndarray:
    null = ~_present(q["fam_norm"]) | ~_present(c["fam_norm"])
    similarity = jw("fam_skel")
    return _ladder(
        null,
        [
            _equal(q["fam_norm"], c["fam_norm"]),
            _equal(q["fam_skel"], c["fam_skel"]),
            similarity >= JW_HIGH,
            jw(ONE_EDIT + "fam_skel") == 1.0,
            similarity >= JW_LOW,
            _any_equal(q, c, ("fam_dm1", "fam_dm2")),
        ],
        n,
    )


def _skeleton_close(q: KeyArrays, c: KeyArrays, prefix: str, jw: Callable[[str], np.ndarray]) -> np.ndarray:
    unknown = (q[f"{prefix}_c1"] == MISSING) | (c[f"{prefix}_c1"] == MISSING)
    same = _equal(q[f"{prefix}_skel"], c[f"{prefix}_skel"])
    return np.asarray(same | (unknown & (jw(f"{prefix}_skel") >= JW_HIGH)))


def _given(q: KeyArrays, c: KeyArrays, jw: Callable[[str], np.ndarray], n: int) -> np.ndarray:
    null = ~_present(q["giv_norm"]) | ~_present(c["giv_norm"])
    classes = _any_equal(q, c, ("giv_c1", "giv_c2"))
    diminutive = (q["giv_dim"] == 1) | (c["giv_dim"] == 1)
    return _ladder(
        null,
        [
            _equal(q["giv_norm"], c["giv_norm"]),
            classes & ~diminutive,
            classes,
            _skeleton_close(q, c, "giv", jw),
            _present(q["giv_c1"]) & _present(c["giv_c1"]),
        ],
        n,
    )


def _patronymic(q: KeyArrays, c: KeyArrays, jw: Callable[[str], np.ndarray], n: int) -> np.ndarray:
    null = ~_present(q["pat_norm"]) | ~_present(c["pat_norm"])
    return _ladder(
        null,
        [
            _equal(q["pat_norm"], c["pat_norm"]),
            _any_equal(q, c, ("pat_c1", "pat_c2")),
            _any_equal(q, c, ("pat_f1", "pat_f2")),
            _skeleton_close(q, c, "pat", jw),
        ],
        n,
    )


_DIGIT_POWERS = 11 ** np.arange(7, -1, -1, dtype=np.int64)
_SWAP = np.array([0, 1, 2, 3, 6, 7, 4, 5])


def _date_digits(code: np.ndarray) -> np.ndarray:
    """The eight digits YYYYMMDD of each date (10 for an unreadable one), one row per date."""
    return np.asarray((code.astype(np.int64)[:, None] // _DIGIT_POWERS) % 11)


def _within_one_edit(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Damerau-Levenshtein distance at most 1 between rows of equal-length digit strings: one digit changed,
    or two neighbours swapped."""
    differ = left != right
    count = differ.sum(axis=1)
    first = differ.argmax(axis=1)
    rows = np.arange(len(differ))
    nxt = np.minimum(first + 1, 7)
    swapped = (
        (count == 2)
        & differ[rows, nxt]
        & (left[rows, first] == right[rows, nxt])
        & (left[rows, nxt] == right[rows, first])
    )
    return np.asarray((count <= 1) | swapped)


def _date_of_birth(q: KeyArrays, c: KeyArrays, n: int) -> np.ndarray:
    unknown_left = ~_present(q["dob_y"]) & ~_present(q["dob_code"])
    null = unknown_left | (~_present(c["dob_y"]) & ~_present(c["dob_code"]))
    same_year = _equal(q["dob_y"], c["dob_y"])
    both_full = np.broadcast_to(_present(q["dob_code"]) & _present(c["dob_code"]), n)
    left = np.broadcast_to(_date_digits(q["dob_code"]), (n, 8))
    right = _date_digits(np.broadcast_to(c["dob_code"], n))
    either_partial = ~_present(q["dob_code"]) | ~_present(c["dob_code"])
    month_agrees = ~_present(q["dob_m"]) | ~_present(c["dob_m"]) | (q["dob_m"] == c["dob_m"])
    year_one_off = (
        _present(q["dob_y"])
        & _present(c["dob_y"])
        & (np.abs(q["dob_y"].astype(np.int64) - c["dob_y"].astype(np.int64)) == 1)
        & _equal(q["dob_m"], c["dob_m"])
        & _equal(q["dob_d"], c["dob_d"])
    )
    return _ladder(
        null,
        [
            _equal(q["dob_full"], c["dob_full"]),
            same_year & _equal(q["dob_m"], c["dob_d"]) & _equal(q["dob_d"], c["dob_m"]),
            both_full & _within_one_edit(left, right),
            year_one_off,
            both_full & _within_one_edit(left, right[:, _SWAP]),
            either_partial & same_year & month_agrees,
            same_year,
        ],
        n,
    )


def _code(q: KeyArrays, c: KeyArrays, key: str, digits: str, n: int) -> np.ndarray:
    null = ~_present(q[key]) | ~_present(c[key])
    return _ladder(null, [_equal(q[key], c[key]), _equal(q[digits], c[digits])], n)


def _levels(q: KeyArrays, c: KeyArrays, jw: Callable[[str], np.ndarray], n: int) -> dict[str, np.ndarray]:
    return {
        "family_name": _family(q, c, jw, n),
        "given_name": _given(q, c, jw, n),
        "patronymic": _patronymic(q, c, jw, n),
        "date_of_birth": _date_of_birth(q, c, n),
        "sex": _ladder(~_present(q["sex"]) | ~_present(c["sex"]), [_equal(q["sex"], c["sex"])], n),
        "service_number": _code(q, c, "sn_key", "sn_digits", n),
        "unit": _code(q, c, "unit_key", "unit_digits", n),
    }


def _cached(similarity: Callable[[str], np.ndarray]) -> Callable[[str], np.ndarray]:
    cache: dict[str, np.ndarray] = {}

    def jw(column: str) -> np.ndarray:
        if column not in cache:
            cache[column] = similarity(column)
        return cache[column]

    return jw


def comparison_levels(
    query: KeyArrays, candidates: KeyArrays, vocabularies: Mapping[str, Vocabulary]
) -> dict[str, np.ndarray]:
    """Splink's ``gamma_<comparison>`` for the query record against each candidate, by comparison name.

    ``query`` holds arrays of length 1 (broadcast against the candidates).
    """
    n = len(candidates["fam_norm"])

    def similarity(key: str) -> np.ndarray:
        column, _ = metric_of(key)
        return _skeleton_similarity(
            key, query.skeletons.get(column), candidates[column], vocabularies[GROUP_OF[column]]
        )

    return _levels(query, candidates, _cached(similarity), n)


def pairwise_levels(
    left: KeyArrays, right: KeyArrays, similarity: Callable[[str], np.ndarray]
) -> dict[str, np.ndarray]:
    """The same ladders for many pairs at once: ``left[k]`` against ``right[k]`` (arrays of equal length).

    ``similarity(column)`` gives the Jaro-Winkler similarity of each pair's skeletons in ``column`` (0 where
    either is missing), as ``comparison_levels`` computes it for one record.
    """
    return _levels(left, right, _cached(similarity), len(right["fam_norm"]))
