"""Comparators that grade two records' names, dates of birth, units and service numbers into levels."""

from __future__ import annotations

import re
import unicodedata
from enum import IntEnum
from typing import TypeAlias

from rapidfuzz.distance import OSA, JaroWinkler

from homebound.core.matching.names import (
    class_initials,
    father_class,
    given_name_classes,
    is_diminutive,
    patronymic_classes,
)
from homebound.core.matching.normalize import initial_letters, normalize_name, skeleton
from homebound.core.matching.phonetic import dm_codes_agree

__all__ = [
    "CodeLevel",
    "DateLevel",
    "DateParts",
    "FamilyNameLevel",
    "GivenNameLevel",
    "PatronymicLevel",
    "canonical_service_number",
    "canonical_unit",
    "compare_dates",
    "compare_family_names",
    "compare_given_names",
    "compare_patronymics",
    "compare_service_numbers",
    "compare_units",
]

# (year, month or None, day or None): what lists give, from "1994" to "12.03.1994".
DateParts: TypeAlias = tuple[int, int | None, int | None]

JW_HIGH = 0.92
JW_LOW = 0.85


# --- dates of birth -------------------------------------------------------------------------------
class DateLevel(IntEnum):
    """Agreement of two dates of birth; a higher value is stronger agreement."""

    MISSING = 0
    DIFFERENT = 1
    YEAR_WITHIN_ONE = 2
    SAME_YEAR = 3
    SAME_YEAR_MONTH = 4
    ONE_DIGIT_OFF = 5
    DAY_MONTH_SWAPPED = 6
    EXACT = 7


def _digits(date: DateParts) -> str:
    year, month, day = date
    return f"{year:04d}{month or 0:02d}{day or 0:02d}"


def compare_dates(left: DateParts | None, right: DateParts | None) -> DateLevel:  # noqa: PLR0911 - a ladder of levels
    """Grade two partial dates of birth: exact, day and month swapped, one digit off, year-month, year, ±1."""
    if left is None or right is None:
        return DateLevel.MISSING
    (y1, m1, d1), (y2, m2, d2) = left, right
    full = None not in (m1, d1, m2, d2)
    if full and left == right:
        return DateLevel.EXACT
    if full and y1 == y2 and (m1, d1) == (d2, m2):
        return DateLevel.DAY_MONTH_SWAPPED
    if full and OSA.distance(_digits(left), _digits(right)) == 1:
        return DateLevel.ONE_DIGIT_OFF
    if y1 == y2 and m1 is not None and m1 == m2:
        return DateLevel.SAME_YEAR_MONTH
    if y1 == y2:
        return DateLevel.SAME_YEAR
    if abs(y1 - y2) == 1:
        return DateLevel.YEAR_WITHIN_ONE
    return DateLevel.DIFFERENT


# --- units and service numbers --------------------------------------------------------------------
class CodeLevel(IntEnum):
    """Agreement of two unit designations or service numbers."""

    MISSING = 0
    DIFFERENT = 1
    SAME_DIGITS = 2
    EXACT = 3


_UNIT_WORDS = re.compile(
    r"військов\w*\s+частин\w*|войсков\w*\s+част\w*|воинск\w*\s+част\w*|military\s+unit|"
    r"mil\.?\s*unit|\bunit\b|\bв\s*[/.\\]\s*ч\.?|\bвч(?=[\s\d.-]|$)|\bп\s*/\s*п\b|№|\bno\.",
)
_SERVICE_NUMBER_WORDS = re.compile(
    r"особов\w*\s+номер\w*|личн\w*\s+номер\w*|військов\w*\s+квиток|военн\w*\s+билет|жетон\w*|"
    r"service\s+number|serial\s+number|\bs/?n\b|№|\bno\.",
)
# A Cyrillic letter in a code may reach another list as its Latin twin (В typed as B) or transliterated
# (В as V); a code is read both ways, and the two readings are never mixed, so Б and В stay apart.
_LOOK_ALIKE = str.maketrans(dict(zip("АВЕКМНОРСТУХІЇ", "ABEKMHOPCTYXII", strict=True)))
_TRANSLITERATED = str.maketrans(
    {
        **dict(zip("АБВГҐДЕЁЗИІЙКЛМНОПРСТУФЫЭ", "ABVGGDEEZIIYKLMNOPRSTUFYE", strict=True)),
        **{"Ж": "ZH", "Х": "KH", "Ц": "TS", "Ч": "CH", "Ш": "SH", "Щ": "SHCH", "Ю": "YU", "Я": "YA"},
        **{"Є": "YE", "Ї": "YI", "Ь": "", "Ъ": ""},
    }
)
_PARENTHESES = re.compile(r"\([^)]*\)")
# A code: a short letter prefix standing alone (А, АБ), an optional hyphen or space, then digits.
_CODE = re.compile(r"(?<![^\W\d_])([^\W\d_]{1,3})?[\s-]?(\d{2,8})(?!\d)")


def _code_as_written(text: str | None, words: re.Pattern[str]) -> str:
    """Upper-case letters and digits of the code in ``text``, letters still in their own script."""
    if text is None:
        return ""
    cleaned = words.sub(" ", _PARENTHESES.sub(" ", unicodedata.normalize("NFKC", text).casefold()))
    match = _CODE.search(cleaned)
    if match and (match.group(1) or len(match.group(2)) >= 4):
        cleaned = (match.group(1) or "") + match.group(2)
    # Otherwise a named unit (72 ОМБр): keep all its letters and digits.
    return "".join(ch for ch in cleaned.upper() if ch.isalnum())


def canonical_unit(text: str | None) -> str | None:
    """One spelling of a military unit: «в/ч А1234», «A-1234», «військова частина А1234» → ``A1234``."""
    return _code_as_written(text, _UNIT_WORDS).translate(_LOOK_ALIKE) or None


def canonical_service_number(text: str | None) -> str | None:
    """One spelling of a service (personal) number: «АК-123456», «AK 123456» → ``AK123456``."""
    return _code_as_written(text, _SERVICE_NUMBER_WORDS).translate(_LOOK_ALIKE) or None


def _compare_codes(left: str, right: str) -> CodeLevel:
    if not left or not right:
        return CodeLevel.MISSING
    if left.translate(_LOOK_ALIKE) == right.translate(_LOOK_ALIKE):
        return CodeLevel.EXACT
    if left.translate(_TRANSLITERATED) == right.translate(_TRANSLITERATED):
        return CodeLevel.EXACT
    left_digits = "".join(ch for ch in left if ch.isdigit())
    if left_digits and left_digits == "".join(ch for ch in right if ch.isdigit()):
        return CodeLevel.SAME_DIGITS
    return CodeLevel.DIFFERENT


def compare_units(left: str | None, right: str | None) -> CodeLevel:
    """Grade two unit designations as written: exact, same digits (в/ч 1234 against A1234), different."""
    return _compare_codes(_code_as_written(left, _UNIT_WORDS), _code_as_written(right, _UNIT_WORDS))


def compare_service_numbers(left: str | None, right: str | None) -> CodeLevel:
    """Grade two service numbers as written: exact, same digits, different."""
    words = _SERVICE_NUMBER_WORDS
    return _compare_codes(_code_as_written(left, words), _code_as_written(right, words))


# --- names ----------------------------------------------------------------------------------------
class FamilyNameLevel(IntEnum):
    """Agreement of two family names across scripts."""

    MISSING = 0
    DIFFERENT = 1
    SAME_PHONETIC = 2
    SKELETON_JW_85 = 3
    SKELETON_JW_92 = 4
    SAME_SKELETON = 5
    EXACT = 6


class GivenNameLevel(IntEnum):
    """Agreement of two given names across scripts, languages and diminutives."""

    MISSING = 0
    DIFFERENT = 1
    INITIAL = 2
    SKELETON_CLOSE = 3
    DIMINUTIVE = 4
    SAME_CLASS = 5
    EXACT = 6


class PatronymicLevel(IntEnum):
    """Agreement of two patronymics; SAME_FATHER means the same father's name with the other sex's ending."""

    MISSING = 0
    DIFFERENT = 1
    INITIAL = 2
    SKELETON_CLOSE = 3
    SAME_FATHER = 4
    SAME_CLASS = 5
    EXACT = 6


def compare_family_names(left: str | None, right: str | None) -> FamilyNameLevel:  # noqa: PLR0911 - a ladder of levels
    """Grade two family names: exact, same skeleton, skeleton Jaro-Winkler ≥ 0.92 / ≥ 0.85, same DM code."""
    a, b = normalize_name(left or ""), normalize_name(right or "")
    if not a or not b:
        return FamilyNameLevel.MISSING
    if a == b:
        return FamilyNameLevel.EXACT
    ska, skb = skeleton(a), skeleton(b)
    if ska == skb:
        return FamilyNameLevel.SAME_SKELETON
    similarity = JaroWinkler.similarity(ska, skb)
    if similarity >= JW_HIGH:
        return FamilyNameLevel.SKELETON_JW_92
    if similarity >= JW_LOW:
        return FamilyNameLevel.SKELETON_JW_85
    if dm_codes_agree(a, b):
        return FamilyNameLevel.SAME_PHONETIC
    return FamilyNameLevel.DIFFERENT


def _initial_agrees(initial: str, other: str, other_classes: tuple[str, ...]) -> bool:
    letters = initial_letters(initial)
    if len(other) == 1 or not other_classes:
        return not letters.isdisjoint(initial_letters(other))
    return any(not letters.isdisjoint(class_initials(c)) for c in other_classes)


def _skeletons_close(a: str, b: str, *, both_known: bool) -> bool:
    """Same skeleton; or, when a class is unknown, skeletons within Jaro-Winkler 0.92."""
    ska, skb = skeleton(a), skeleton(b)
    if ska == skb:
        return True
    return not both_known and JaroWinkler.similarity(ska, skb) >= JW_HIGH


def compare_given_names(left: str | None, right: str | None) -> GivenNameLevel:  # noqa: PLR0911 - a ladder of levels
    """Grade two given names: exact, same class, diminutive of the same class, close skeleton, initial."""
    a, b = normalize_name(left or ""), normalize_name(right or "")
    if not a or not b:
        return GivenNameLevel.MISSING
    if a == b:
        return GivenNameLevel.EXACT
    classes_a, classes_b = given_name_classes(a), given_name_classes(b)
    shared = set(classes_a) & set(classes_b)
    if shared:
        if is_diminutive(a) or is_diminutive(b):
            return GivenNameLevel.DIMINUTIVE
        return GivenNameLevel.SAME_CLASS
    if len(a) == 1 or len(b) == 1:
        initial, other, other_classes = (a, b, classes_b) if len(a) == 1 else (b, a, classes_a)
        agrees = _initial_agrees(initial, other, other_classes)
        return GivenNameLevel.INITIAL if agrees else GivenNameLevel.DIFFERENT
    if _skeletons_close(a, b, both_known=bool(classes_a and classes_b)):
        return GivenNameLevel.SKELETON_CLOSE
    return GivenNameLevel.DIFFERENT


def compare_patronymics(left: str | None, right: str | None) -> PatronymicLevel:  # noqa: PLR0911 - a ladder of levels
    """Grade two patronymics: exact, same class, same father (other sex), close skeleton, initial."""
    a, b = normalize_name(left or ""), normalize_name(right or "")
    if not a or not b:
        return PatronymicLevel.MISSING
    if a == b:
        return PatronymicLevel.EXACT
    classes_a, classes_b = patronymic_classes(a), patronymic_classes(b)
    if not set(classes_a).isdisjoint(classes_b):
        return PatronymicLevel.SAME_CLASS
    if not {father_class(c) for c in classes_a}.isdisjoint(father_class(c) for c in classes_b):
        return PatronymicLevel.SAME_FATHER
    if len(a) == 1 or len(b) == 1:
        initial, other, other_classes = (a, b, classes_b) if len(a) == 1 else (b, a, classes_a)
        agrees = _initial_agrees(initial, other, other_classes)
        return PatronymicLevel.INITIAL if agrees else PatronymicLevel.DIFFERENT
    if _skeletons_close(a, b, both_known=bool(classes_a and classes_b)):
        return PatronymicLevel.SKELETON_CLOSE
    return PatronymicLevel.DIFFERENT
