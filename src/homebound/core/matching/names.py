"""Classes of given names and patronymics uniting Ukrainian, Russian and Latin spellings and diminutives."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from homebound.core.matching.normalize import Script, detect_script, initial_letters, normalize_name, skeleton

__all__ = [
    "NameClassInfo",
    "class_initials",
    "father_class",
    "given_name_class",
    "given_name_classes",
    "given_name_key",
    "hand_checked_class_ids",
    "is_diminutive",
    "name_class_info",
    "patronymic_class",
    "patronymic_classes",
    "patronymic_key",
]

_DATA_FILE = "given_names.json"
# Keys for names no class knows start with this mark, so they never equal a class id.
UNKNOWN_MARK = "~"


@dataclass(frozen=True, slots=True)
class NameClassInfo:
    """One given name across languages: its Ukrainian and Russian Cyrillic forms."""

    class_id: str
    sex: str  # "m", "f", or "u" where the source does not say
    uk: tuple[str, ...]
    ru: tuple[str, ...]
    hand_checked: bool


@dataclass(frozen=True, slots=True)
class _NameData:
    classes: dict[str, NameClassInfo]
    full: dict[str, tuple[str, ...]]
    diminutive: dict[str, tuple[str, ...]]
    patronymic: dict[str, tuple[str, ...]]


def _as_index(raw: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {form: tuple(owners) for form, owners in raw.items()}


@cache
def _data() -> _NameData:
    """Read the data file once, on first use (never at import)."""
    text = resources.files("homebound.core.matching").joinpath("data", _DATA_FILE).read_text("utf8")
    raw = json.loads(text)
    classes = {
        class_id: NameClassInfo(
            class_id, entry["sex"], tuple(entry["uk"]), tuple(entry["ru"]), entry["source"] == "hand"
        )
        for class_id, entry in raw["classes"].items()
    }
    return _NameData(
        classes,
        _as_index(raw["given_names"]),
        _as_index(raw["diminutives"]),
        _as_index(raw["patronymics"]),
    )


# Latin letters whose stroke is not a combining mark, so NFD leaves them whole.
_STROKED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ı": "i"})


def _fold_latin(key: str) -> str:
    decomposed = unicodedata.normalize("NFD", key.translate(_STROKED))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _other_key(key: str) -> str | None:
    """Where to look next when ``key`` is unknown: Latin without diacritics, or a double name's first part."""
    if not key.isascii() and detect_script(key) is Script.LATIN:
        folded = _fold_latin(key)
        if folded != key:
            return folded
    if " " in key or "-" in key:
        return key.replace("-", " ").split(" ", 1)[0]
    return None


# A Ukrainian name written by ear in Russian letters: и heard as ы, і as и, є as е (Василь → Васыль,
# Сергійович → Сергийовыч). Read back letter for letter, in that order, when the spelling is unknown.
_BY_EAR_BACK = (str.maketrans({"ы": "и"}), str.maketrans({"ы": "и", "и": "і"}))


def _heard_by_ear(key: str) -> tuple[str, ...]:
    """Ukrainian readings of a Cyrillic spelling no table knows, as a Russian clerk may have heard it."""
    if key.isascii() or detect_script(key) is Script.LATIN:
        return ()
    readings = [key.translate(table) for table in _BY_EAR_BACK]
    return tuple(r for r in dict.fromkeys(readings) if r != key)


@lru_cache(maxsize=1 << 16)
def _given_readings(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Classes where ``name`` is a full form, and classes where it is a diminutive."""
    found = _given_readings_as_written(name)
    if found != ((), ()):
        return found
    data = _data()
    for reading in _heard_by_ear(normalize_name(name)):
        full, diminutive = data.full.get(reading, ()), data.diminutive.get(reading, ())
        if full or diminutive:
            return full, diminutive
    return (), ()


def _given_readings_as_written(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Classes where ``name`` is a full form, and classes where it is a diminutive."""
    data = _data()
    key: str | None = normalize_name(name)
    # At most three looks: the name, then its folded Latin or first part, then the first part of that.
    for _ in range(3):
        if not key:
            break
        full, diminutive = data.full.get(key, ()), data.diminutive.get(key, ())
        if full or diminutive:
            return full, diminutive
        key = _other_key(key)
    return (), ()


def given_name_classes(name: str) -> tuple[str, ...]:
    """Every class ``name`` may belong to: full-form readings first, then diminutive ones (Саша)."""
    full, diminutive = _given_readings(name)
    return full + tuple(c for c in diminutive if c not in full)


def given_name_class(name: str) -> str | None:
    """The class of a given name (Олександр, Александр, Oleksandr, Alexander → one id), or None if unknown."""
    classes = given_name_classes(name)
    return classes[0] if classes else None


def is_diminutive(name: str) -> bool:
    """True when ``name`` is known only as a diminutive (Саша, Sasha), never as a full name."""
    full, diminutive = _given_readings(name)
    return bool(diminutive) and not full


@lru_cache(maxsize=1 << 16)
def patronymic_classes(patronymic: str) -> tuple[str, ...]:
    """Every patronymic class of ``patronymic``: the father's given-name class plus ``:m`` or ``:f``."""
    index = _data().patronymic
    key = normalize_name(patronymic)
    found = index.get(key)
    if found is None and not key.isascii() and detect_script(key) is Script.LATIN:
        found = index.get(_fold_latin(key))
    for reading in _heard_by_ear(key) if found is None else ():
        found = index.get(reading)
        if found is not None:
            break
    return found or ()


def patronymic_class(patronymic: str) -> str | None:
    """Юрійович, Юрьевич, Yuriyovych and Iurievich → one id (``yurii:m``), or None if unknown."""
    classes = patronymic_classes(patronymic)
    return classes[0] if classes else None


def father_class(patronymic_class_id: str) -> str:
    """The father's given-name class inside a patronymic class id."""
    return patronymic_class_id.rsplit(":", 1)[0]


def given_name_key(name: str) -> str:
    """A blocking and comparison key: the class id, or ``~`` + skeleton for a name no class knows."""
    return given_name_class(name) or UNKNOWN_MARK + skeleton(name)


def patronymic_key(patronymic: str) -> str:
    """The patronymic class id, or ``~`` + skeleton for a patronymic no class knows."""
    return patronymic_class(patronymic) or UNKNOWN_MARK + skeleton(patronymic)


def name_class_info(class_id: str) -> NameClassInfo | None:
    """What the data says about a given-name class: sex, Cyrillic forms, whether a person checked it."""
    return _data().classes.get(class_id)


def hand_checked_class_ids() -> frozenset[str]:
    """Ids of the classes a person checked (the rest come from names-translator as they are)."""
    return frozenset(c.class_id for c in _data().classes.values() if c.hand_checked)


@lru_cache(maxsize=1 << 14)
def class_initials(class_id: str) -> frozenset[str]:
    """Latin letters an initial of any Cyrillic form of the class may be written with (О, А for Олександр)."""
    info = name_class_info(father_class(class_id))
    if info is None:
        return frozenset()
    letters: set[str] = set()
    for form in info.uk + info.ru:
        letters |= initial_letters(form)
    return frozenset(letters)
