"""The comparison levels and blocking rules of Homebound's linkage model, written once for every SQL backend.

Each comparison is a ladder of levels over the keys of ``features``; Splink assigns a pair the first level
whose condition holds. The same ladders are mirrored in numpy by ``levels`` for one-record look-ups, so any
change here must be made there too (a test holds the two to the same levels on generated pairs).
"""

from __future__ import annotations

from dataclasses import dataclass

from splink import block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator

__all__ = [
    "BLOCKING_KEYS",
    "COMPARISONS",
    "ELSE_LABEL",
    "EM_TRAINING_KEYS",
    "JW_HIGH",
    "JW_LOW",
    "ComparisonSpec",
    "LevelSpec",
    "blocking_rules",
    "sql_functions",
]

# The same thresholds as core.matching.compare, on skeletons.
JW_HIGH = 0.92
JW_LOW = 0.85


@dataclass(frozen=True)
class LevelSpec:
    """One rung of a ladder: a label a reviewer reads, and its SQL condition (``{jw}``/``{dl}`` filled in)."""

    label: str
    sql: str
    null: bool = False
    tf_column: str | None = None  # a key column whose rarity adjusts this level (``frequencies``)
    fixed_m: float | None = None  # m set by judgement, not by EM (see the level that uses it)


@dataclass(frozen=True)
class ComparisonSpec:
    """One comparison: its output name (``gamma_<name>``, ``mw_<name>``), what it compares, its levels."""

    name: str
    description: str
    levels: tuple[LevelSpec, ...]  # null level first, then strongest to weakest; the else level is implied


def _any_equal(left: tuple[str, ...], right: tuple[str, ...]) -> str:
    """SQL true when any of the left key columns equals any of the right ones (NULLs never equal)."""
    return "(" + " OR ".join(f"{a}_l = {b}_r" for a in left for b in right) + ")"


def _null(column: str) -> LevelSpec:
    return LevelSpec("missing", f"{column}_l IS NULL OR {column}_r IS NULL", null=True)


_GIVEN_CLASSES = _any_equal(("giv_c1", "giv_c2"), ("giv_c1", "giv_c2"))
_PATRONYMIC_CLASSES = _any_equal(("pat_c1", "pat_c2"), ("pat_c1", "pat_c2"))
_FATHER_CLASSES = _any_equal(("pat_f1", "pat_f2"), ("pat_f1", "pat_f2"))
_FAMILY_CODES = _any_equal(("fam_dm1", "fam_dm2"), ("fam_dm1", "fam_dm2"))


def _skeleton_close(prefix: str) -> str:
    """Same skeleton; or, when either name has no known class, skeletons within Jaro-Winkler 0.92."""
    return (
        f"{prefix}_skel_l = {prefix}_skel_r OR (({prefix}_c1_l IS NULL OR {prefix}_c1_r IS NULL) "
        f"AND {{jw}}({prefix}_skel_l, {prefix}_skel_r) >= {JW_HIGH})"
    )


COMPARISONS: tuple[ComparisonSpec, ...] = (
    ComparisonSpec(
        "family_name",
        "Family name across scripts: spelling, skeleton, Jaro-Winkler on skeletons, Daitch-Mokotoff",
        (
            _null("fam_norm"),
            LevelSpec("same spelling", "fam_norm_l = fam_norm_r", tf_column="fam_skel"),
            LevelSpec("same skeleton", "fam_skel_l = fam_skel_r", tf_column="fam_skel"),
            LevelSpec(f"skeletons similar (JW >= {JW_HIGH})", f"{{jw}}(fam_skel_l, fam_skel_r) >= {JW_HIGH}"),
            LevelSpec("one typing slip apart", "{dl}(fam_skel_l, fam_skel_r) <= 1"),
            LevelSpec(f"skeletons close (JW >= {JW_LOW})", f"{{jw}}(fam_skel_l, fam_skel_r) >= {JW_LOW}"),
            LevelSpec("same Daitch-Mokotoff code", _FAMILY_CODES),
        ),
    ),
    ComparisonSpec(
        "given_name",
        "Given name: spelling, name class across languages, diminutive, skeleton",
        (
            _null("giv_norm"),
            LevelSpec("same spelling", "giv_norm_l = giv_norm_r", tf_column="giv_c1"),
            LevelSpec(
                "same name class", f"{_GIVEN_CLASSES} AND NOT (giv_dim_l OR giv_dim_r)", tf_column="giv_c1"
            ),
            LevelSpec("diminutive of the same name", _GIVEN_CLASSES),
            LevelSpec("skeletons close", _skeleton_close("giv")),
            # Two names the tables know, and not the same one: a twin or a brother, rarely a slip. EM cannot
            # tell twins (same surname, patronymic, date) from one person and learns ~1% of matches here; a
            # clerk writing another name altogether is rarer than one in 5,000 (GC III Art. 17: the name is
            # the first thing a prisoner gives), so m is fixed there, below the general floor.
            LevelSpec(
                "two different known names",
                "giv_c1_l IS NOT NULL AND giv_c1_r IS NOT NULL",
                fixed_m=2e-4,
            ),
        ),
    ),
    ComparisonSpec(
        "patronymic",
        "Patronymic: spelling, class (father's name and sex), father's name only, skeleton",
        (
            _null("pat_norm"),
            LevelSpec("same spelling", "pat_norm_l = pat_norm_r"),
            LevelSpec("same patronymic class", _PATRONYMIC_CLASSES),
            LevelSpec("same father's name", _FATHER_CLASSES),
            LevelSpec("skeletons close", _skeleton_close("pat")),
        ),
    ),
    ComparisonSpec(
        "date_of_birth",
        "Date of birth as written, digit by digit: exact, day and month swapped, one digit off, year one "
        "off, swapped and one digit off, partial agreement, same year",
        (
            LevelSpec(
                "missing",
                "(dob_y_l IS NULL AND dob_full_l IS NULL) OR (dob_y_r IS NULL AND dob_full_r IS NULL)",
                null=True,
            ),
            LevelSpec("same date", "dob_full_l = dob_full_r"),
            LevelSpec(
                "day and month swapped",
                "dob_y_l = dob_y_r AND dob_m_l = dob_d_r AND dob_d_l = dob_m_r",
            ),
            LevelSpec("one digit off", "{dl}(dob_full_l, dob_full_r) <= 1"),
            LevelSpec(
                "year one off",
                "abs(dob_y_l - dob_y_r) = 1 AND dob_m_l = dob_m_r AND dob_d_l = dob_d_r",
            ),
            LevelSpec("day and month swapped, one digit off", "{dl}(dob_full_l, dob_swap_r) <= 1"),
            LevelSpec(
                "partial date agrees",
                "(dob_full_l IS NULL OR dob_full_r IS NULL) AND dob_y_l = dob_y_r "
                "AND (dob_m_l IS NULL OR dob_m_r IS NULL OR dob_m_l = dob_m_r)",
            ),
            LevelSpec("same year only", "dob_y_l = dob_y_r"),
        ),
    ),
    ComparisonSpec(
        "sex",
        "Sex",
        (_null("sex"), LevelSpec("same sex", "sex_l = sex_r")),
    ),
    ComparisonSpec(
        "service_number",
        "Service number: same code, or same digits with another letter prefix",
        (
            _null("sn_key"),
            LevelSpec("same service number", "sn_key_l = sn_key_r"),
            LevelSpec("same digits", "sn_digits_l = sn_digits_r"),
        ),
    ),
    ComparisonSpec(
        "unit",
        "Military unit: same designation, or same digits (в/ч А1234 and 1234)",
        (
            _null("unit_key"),
            LevelSpec("same unit", "unit_key_l = unit_key_r"),
            LevelSpec("same digits", "unit_digits_l = unit_digits_r"),
        ),
    ),
)

ELSE_LABEL = "different"

# Blocking for prediction: a pair is scored when it agrees on one of these key sets. Chosen on the
# synthetic generator to keep >= 0.99 of true pairs (bench/linkage.py measures it) while scoring few pairs.
BLOCKING_KEYS: tuple[tuple[str, ...], ...] = (
    ("fam_skel", "dob_y"),
    ("fam_skel", "giv_key"),
    ("giv_key", "dob_full"),
    ("pat_key", "dob_full"),
    ("fam_dm1", "giv_key", "pat_key"),
    ("fam_dm1", "dob_y"),
    ("fam_dm1", "pat_key"),
    ("giv_key", "pat_key", "dob_y"),
    ("giv_key", "pat_key", "dob_m", "dob_d"),
    ("sn_digits",),
    # Both names mistyped at once (a neighbour key in each, or a letter dropped) keep their first letters:
    # with the full date, +0.45 points of blocking recall at 100k for 1% more pairs (training draw, seed 1).
    ("fam_i1", "giv_i1", "dob_full"),
)

# EM passes: each trains the m values of every comparison not using its keys.
# Splink fixes the m values of a comparison only when it reads a blocked column, so these name columns the
# comparisons themselves read (giv_c1, not the blocking-only giv_key).
EM_TRAINING_KEYS: tuple[tuple[str, ...], ...] = (
    ("dob_full",),
    ("fam_skel", "giv_c1"),
)

_FUNCTIONS: dict[str, dict[str, str]] = {
    "duckdb": {"jw": "jaro_winkler_similarity", "dl": "damerau_levenshtein"},
    "spark": {"jw": "jaro_winkler", "dl": "damerau_levenshtein"},
}


def sql_functions(dialect: str) -> dict[str, str]:
    """Names of the string functions the levels call, in ``dialect``."""
    try:
        return _FUNCTIONS[dialect]
    except KeyError:
        raise ValueError(f"no linkage SQL for the {dialect!r} backend (known: duckdb, spark)") from None


def blocking_rules(keys: tuple[tuple[str, ...], ...] = BLOCKING_KEYS) -> list[BlockingRuleCreator]:
    """Splink blocking rules, one per key set: a pair qualifies when all the set's keys are equal."""
    return [block_on(*columns) for columns in keys]
