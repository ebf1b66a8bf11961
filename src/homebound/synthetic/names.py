"""Weighted Ukrainian and Russian given names, patronymics and surnames, each with its other-language form."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from homebound.core.persons import Sex

FloatArray = npt.NDArray[np.float64]


class Language(StrEnum):
    """A side's language: the forms its clerks write names in; also the nation a synthetic person is of."""

    UKRAINIAN = "uk"
    RUSSIAN = "ru"

    @property
    def other(self) -> Language:
        return Language.RUSSIAN if self is Language.UKRAINIAN else Language.UKRAINIAN


@dataclass(frozen=True, slots=True, eq=False)
class GivenName:
    """One given name in its Ukrainian and Russian forms, English-style spellings and common diminutives.

    The name book holds one object per name, so identity is equality (and hashing stays cheap).
    """

    uk: str
    ru: str
    english: tuple[str, ...]
    diminutives_uk: tuple[str, ...]
    diminutives_ru: tuple[str, ...]
    sex: Sex

    def form(self, language: Language) -> str:
        return self.uk if language is Language.UKRAINIAN else self.ru

    def diminutives(self, language: Language) -> tuple[str, ...]:
        return self.diminutives_uk if language is Language.UKRAINIAN else self.diminutives_ru


@dataclass(frozen=True, slots=True, eq=False)
class Surname:
    """A family name in its masculine Ukrainian and Russian forms; `origin` is the language it comes from.

    One object per name in the name book: identity is equality.
    """

    uk: str
    ru: str
    origin: Language

    def form(self, language: Language, sex: Sex = Sex.MALE) -> str:
        masculine = self.uk if language is Language.UKRAINIAN else self.ru
        if sex is not Sex.FEMALE:
            return masculine
        return feminine_surname(masculine, language, self.origin)


# -- patronymics ------------------------------------------------------------------------------------------

_UK_EXCEPTIONS: dict[str, tuple[str, str]] = {}
_RU_EXCEPTIONS: dict[str, tuple[str, str]] = {}


def ukrainian_patronymic(father: str, sex: Sex) -> str:
    """The Ukrainian patronymic from the father's Ukrainian given name (Юрій -> Юрійович / Юріївна)."""
    _load_exceptions()
    female = sex is Sex.FEMALE
    if father in _UK_EXCEPTIONS:
        return _UK_EXCEPTIONS[father][female]
    if father.endswith("й"):  # Андрій -> Андрійович / Андріївна
        return father + "ович" if not female else father[:-1] + "ївна"
    if father.endswith("ь"):  # Василь -> Васильович / Василівна
        return father + "ович" if not female else father[:-1] + "івна"
    if father.endswith(("о", "а", "я")):  # Петро -> Петрович / Петрівна, Микита -> Микитович
        father = father[:-1]
    return father + ("івна" if female else "ович")


_RU_IEVICH = re.compile(r"([кгх]ий|[бвгдзклмнпрстфх]рий)$")


def russian_patronymic(father: str, sex: Sex) -> str:
    """The Russian patronymic from the father's Russian name (Юрий -> Юрьевич, Дмитрий -> Дмитриевич)."""
    _load_exceptions()
    female = sex is Sex.FEMALE
    if father in _RU_EXCEPTIONS:
        return _RU_EXCEPTIONS[father][female]
    end = "евна" if female else "евич"
    if father.endswith("ий"):
        return father[:-1] + end if _RU_IEVICH.search(father) else father[:-2] + "ь" + end
    if father.endswith(("й", "ь")):  # Андрей -> Андреевич, Игорь -> Игоревич
        return father[:-1] + end
    if father.endswith(("а", "я")):  # Никита-type names end in -ич / -ична
        return father[:-1] + ("ична" if female else "ич")
    if father.endswith("о"):  # Илько -> Илькович
        father = father[:-1]
    if father[-1] in "жшчщц":
        return father + end
    return father + ("овна" if female else "ович")


def _load_exceptions() -> None:
    if _UK_EXCEPTIONS:
        return
    raw = _read_json("given_names.json")["patronymic_exceptions"]
    _UK_EXCEPTIONS.update({k: (v[0], v[1]) for k, v in raw["uk"].items()})
    _RU_EXCEPTIONS.update({k: (v[0], v[1]) for k, v in raw["ru"].items()})


@dataclass(frozen=True, slots=True)
class Patronymic:
    uk: str
    ru: str

    def form(self, language: Language) -> str:
        return self.uk if language is Language.UKRAINIAN else self.ru


@cache
def patronymic(father: GivenName, sex: Sex) -> Patronymic:
    """Both forms of the patronymic a child of `father` carries."""
    return Patronymic(ukrainian_patronymic(father.uk, sex), russian_patronymic(father.ru, sex))


# -- feminine surnames ------------------------------------------------------------------------------------

_UK_DECLINING = re.compile(r"(ов|ев|єв|ьов|йов|ін|їн)$")
_RU_DECLINING = re.compile(r"(ов|ёв|ев|ин|ын)$")


@cache
def feminine_surname(masculine: str, language: Language, origin: Language) -> str:
    """The feminine form: Білоусов -> Білоусова, Ковальський -> Ковальська, Иванов -> Иванова; -енко stays.

    Ukrainian-origin names in -ин (Литвин, Волошин, -ишин) are nouns and stay unchanged for women.
    """
    if language is Language.UKRAINIAN:
        return _feminine_ukrainian(masculine, origin)
    if masculine.endswith("ний") and origin is Language.UKRAINIAN:  # Загородний -> Загородняя
        return masculine[:-2] + "яя"
    if re.search(r"([кгхжшчщ]ий|ый|ой)$", masculine):
        return masculine[:-2] + "ая"
    if _RU_DECLINING.search(masculine) and not (origin is Language.UKRAINIAN and masculine.endswith("ин")):
        return masculine + "а"
    return masculine


def _feminine_ukrainian(masculine: str, origin: Language) -> str:
    if masculine.endswith("ній"):  # Загородній -> Загородня
        return masculine[:-2] + "я"
    if masculine.endswith("ий"):
        return masculine[:-2] + "а"
    if _UK_DECLINING.search(masculine) or (origin is Language.RUSSIAN and masculine.endswith("ин")):
        return masculine + "а"
    return masculine


# -- the name book ----------------------------------------------------------------------------------------


NameT = TypeVar("NameT", "GivenName", "Surname")


@dataclass(frozen=True)
class WeightedNames(Generic[NameT]):
    """Names with sampling probabilities (normalised weights), per nation of the people who carry them."""

    names: tuple[NameT, ...]
    probabilities: dict[Language, FloatArray]

    def __len__(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class NameBook:
    """All name data, loaded once: given names by sex, surnames by origin (common ones, then a long tail)."""

    male: WeightedNames[GivenName]
    female: WeightedNames[GivenName]
    surnames: dict[
        Language, WeightedNames[Surname]
    ]  # by origin; probabilities[origin]: weight within the origin
    avoided: frozenset[tuple[str, str]]  # (given, surname) in Ukrainian forms: public figures, never drawn

    def given(self, sex: Sex) -> WeightedNames[GivenName]:
        return self.female if sex is Sex.FEMALE else self.male

    def is_avoided(self, given: GivenName, surname: Surname) -> bool:
        return (given.uk, surname.uk) in self.avoided


def _read_json(name: str) -> Any:
    return json.loads(
        resources.files("homebound.synthetic").joinpath("data", name).read_text(encoding="utf-8")
    )


def _given(rows: list[dict[str, Any]], sex: Sex) -> WeightedNames[GivenName]:
    names = tuple(
        GivenName(r["uk"], r["ru"], tuple(r["en"]), tuple(r["dim_uk"]), tuple(r["dim_ru"]), sex) for r in rows
    )
    probabilities = {
        Language.UKRAINIAN: _normalised(np.array([r["w_uk"] for r in rows], dtype=np.float64)),
        Language.RUSSIAN: _normalised(np.array([r["w_ru"] for r in rows], dtype=np.float64)),
    }
    return WeightedNames(names, probabilities)


def _normalised(weights: FloatArray) -> FloatArray:
    total = float(weights.sum())
    result: FloatArray = weights / total
    return result


def zipf_weights(n: int, exponent: float, offset: float) -> FloatArray:
    """Zipf-Mandelbrot weights 1 / (rank + offset) ** exponent for ranks 1..n, normalised."""
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return _normalised(1.0 / (ranks + offset) ** exponent)


# Fitted by hand to published frequency shares: the commonest Ukrainian surname is about 0.25 % of people, the
# 500th about 0.02 %; Russian surnames are more concentrated at the top (Иванов, Смирнов: about 1 %).
SURNAME_ZIPF: dict[Language, tuple[float, float]] = {
    Language.UKRAINIAN: (0.8, 20.0),
    Language.RUSSIAN: (0.85, 8.0),
}


def _surnames(origin: Language, top: list[list[str]], tail: list[list[str]]) -> WeightedNames[Surname]:
    rows = top + tail
    if origin is Language.UKRAINIAN:
        names = tuple(Surname(uk, ru, origin) for uk, ru in rows)
    else:
        names = tuple(Surname(uk, ru, origin) for ru, uk in rows)
    exponent, offset = SURNAME_ZIPF[origin]
    return WeightedNames(names, {origin: zipf_weights(len(names), exponent, offset)})


@cache
def name_book() -> NameBook:
    """The name data, read from the package's data files on first use."""
    given = _read_json("given_names.json")
    top = _read_json("surnames_top.json")
    tail = _read_json("surnames_tail.json")
    return NameBook(
        male=_given(given["male"], Sex.MALE),
        female=_given(given["female"], Sex.FEMALE),
        surnames={
            Language.UKRAINIAN: _surnames(Language.UKRAINIAN, top["ukrainian"], tail["ukrainian"]),
            Language.RUSSIAN: _surnames(Language.RUSSIAN, top["russian"], tail["russian"]),
        },
        avoided=frozenset((given, surname) for given, surname in top["avoid"]),
    )
