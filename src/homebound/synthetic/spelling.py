"""A person's name and date of birth the way each side writes them: own forms, the other side's, Latin."""

from __future__ import annotations

import datetime as dt
import random
from enum import StrEnum
from functools import cache, lru_cache
from typing import NamedTuple

import translitua

from homebound.core.persons import Sex
from homebound.synthetic.letters import russian_letters, ukrainian_letters, without_yo
from homebound.synthetic.names import GivenName, Language, Surname, patronymic


class LatinStandard(StrEnum):
    """Romanisation standards seen on lists; a Latin spelling is never a function of the Cyrillic alone."""

    KMU_2010 = "kmu_2010"  # Ukraine's national system since 2010 (BGN/PCGN adopted it in 2019)
    UA_PASSPORT_2007 = "ua_passport_2007"  # older Ukrainian passports kept these spellings
    UA_PASSPORT_2004 = "ua_passport_2004"
    UA_NATIONAL_1996 = "ua_national_1996"
    BGN_PCGN_1965 = "bgn_pcgn_1965"
    RU_GOST_2006 = "ru_gost_2006"
    RU_ICAO = "ru_icao"  # Russian passports since 2014 (ICAO Doc 9303)
    RU_PASSPORT_1997 = "ru_passport_1997"
    ENGLISH = "english"  # English-style given name (Alexander); the rest by the source language's usual table

    @property
    def language(self) -> Language | None:
        """Which forms the standard romanises (None: whichever the writer uses)."""
        if self is LatinStandard.ENGLISH:
            return None
        return Language.RUSSIAN if self.value.startswith("ru_") else Language.UKRAINIAN


_TABLES: dict[LatinStandard, type[translitua.TransliterationTable]] = {
    LatinStandard.KMU_2010: translitua.UkrainianKMU,
    LatinStandard.UA_PASSPORT_2007: translitua.UkrainianPassport2007,
    LatinStandard.UA_PASSPORT_2004: translitua.UkrainianPassport2004Alt,
    LatinStandard.UA_NATIONAL_1996: translitua.UkrainianNational1996,
    LatinStandard.BGN_PCGN_1965: translitua.UkrainianBGN,
    LatinStandard.RU_GOST_2006: translitua.RussianGOST2006,
    LatinStandard.RU_ICAO: translitua.RussianICAO,
    LatinStandard.RU_PASSPORT_1997: translitua.RussianInternationalPassport1997,
}
_DEFAULT_STANDARD = {Language.UKRAINIAN: LatinStandard.KMU_2010, Language.RUSSIAN: LatinStandard.RU_ICAO}


@cache
def romanise(text: str, standard: LatinStandard, language: Language = Language.UKRAINIAN) -> str:
    """Cyrillic text in Latin letters under one standard (ENGLISH uses the language's default table)."""
    if not text:
        return text
    table = _TABLES.get(standard) or _TABLES[_DEFAULT_STANDARD[language]]
    return translitua.translit(text, table)


class Rendering(StrEnum):
    """How a clerk renders a name from the other language."""

    DICTIONARY = "dictionary"  # the established equivalent: Микола -> Николай, Білоусов -> Белоусов
    LETTERWISE = "letterwise"  # copied letter by letter from a document: Білоусов -> Билоусов
    PHONETIC = "phonetic"  # written by ear (surnames): Шмигаль -> Шмыгаль


class PersonName(NamedTuple):
    """The true name of a synthetic person: who they are, before anyone writes it down."""

    nation: Language
    sex: Sex
    given: GivenName
    father: GivenName | None
    surname: Surname


class WrittenName(NamedTuple):
    """A name as one list writes it; an empty patronymic means the list has none."""

    family_name: str
    given_name: str
    patronymic: str


def cyrillic_name(
    name: PersonName,
    language: Language,
    *,
    surname: Rendering = Rendering.DICTIONARY,
    given: Rendering = Rendering.DICTIONARY,
    diminutive: int | None = None,
    keep_yo: bool = False,
) -> WrittenName:
    """The name in `language`'s forms and letters; a rendering other than DICTIONARY starts from the person's
    own forms and changes letters only. `diminutive` picks one of the language's diminutives instead.
    """
    family = _surname_text(name, language, surname)
    if given is Rendering.DICTIONARY or language is name.nation:
        given_text = name.given.form(language)
        pat = patronymic(name.father, name.sex).form(language) if name.father else ""
    else:
        convert = russian_letters if language is Language.RUSSIAN else ukrainian_letters
        given_text = convert(name.given.form(name.nation))
        pat = convert(patronymic(name.father, name.sex).form(name.nation)) if name.father else ""
    if diminutive is not None:
        options = name.given.diminutives(language)
        if options:
            given_text = options[diminutive % len(options)]
    if language is Language.RUSSIAN and not keep_yo:
        return WrittenName(without_yo(family), without_yo(given_text), without_yo(pat))
    return WrittenName(family, given_text, pat)


def _surname_text(name: PersonName, language: Language, rendering: Rendering) -> str:
    origin = name.surname.origin
    if rendering is Rendering.DICTIONARY or language is origin:
        return name.surname.form(language, name.sex)
    source = name.surname.form(origin, name.sex)
    if language is Language.RUSSIAN:
        return russian_letters(source, phonetic=rendering is Rendering.PHONETIC)
    return ukrainian_letters(source)


def latin_name(name: PersonName, standard: LatinStandard, *, source: Language | None = None) -> WrittenName:
    """The name romanised: Ukrainian standards romanise the Ukrainian forms, Russian ones the Russian forms;
    ENGLISH gives the English-style given name (Alexander) and romanises the rest from `source` forms."""
    language = standard.language or source or name.nation
    cyrillic = cyrillic_name(name, language)
    given = name.given.english[0] if standard is LatinStandard.ENGLISH else None
    return WrittenName(
        romanise(cyrillic.family_name, standard, language),
        given or romanise(cyrillic.given_name, standard, language),
        romanise(cyrillic.patronymic, standard, language),
    )


def in_capitals(written: WrittenName, *, surname_only: bool = False) -> WrittenName:
    """КОВАЛЕНКО Олександр Миколайович, or the whole name in capitals."""
    if surname_only:
        return WrittenName(written.family_name.upper(), written.given_name, written.patronymic)
    return WrittenName(written.family_name.upper(), written.given_name.upper(), written.patronymic.upper())


# -- typos ------------------------------------------------------------------------------------------------

_LAYOUTS = {
    "uk": ("йцукенгшщзхї", "фівапролджє", "ячсмитьбю"),
    "ru": ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю"),
    "latin": ("qwertyuiop", "asdfghjkl", "zxcvbnm"),
}


def _neighbours(rows: tuple[str, str, str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for r, row in enumerate(rows):
        for c, ch in enumerate(row):
            near = [row[c - 1] if c else "", row[c + 1] if c + 1 < len(row) else ""]
            for other, offsets in ((r - 1, (0, 1)), (r + 1, (-1, 0))):
                if 0 <= other < len(rows):
                    near += [rows[other][c + d] for d in offsets if 0 <= c + d < len(rows[other])]
            result[ch] = "".join(n for n in near if n)
    return result


_NEIGHBOURS = {layout: _neighbours(rows) for layout, rows in _LAYOUTS.items()}


def _layout(text: str, language: Language) -> str:
    if any("a" <= ch <= "z" for ch in text.lower()):
        return "latin"
    return language.value


def with_typo(text: str, rng: random.Random, language: Language) -> str:
    """One keystroke wrong: a neighbouring key, a doubled letter, a dropped letter, or two letters swapped."""
    if len(text) < 3:
        return text
    keys = _NEIGHBOURS[_layout(text, language)]
    pos = rng.randrange(1, len(text)) if rng.random() < 0.9 else 0
    ch = text[pos]
    kind = rng.random()
    if kind < 0.4:
        near = keys.get(ch.lower(), "")
        if not near:
            return text[:pos] + text[pos + 1 :]
        sub = near[rng.randrange(len(near))]
        return text[:pos] + (sub.upper() if ch.isupper() else sub) + text[pos + 1 :]
    if kind < 0.6:
        return text[:pos] + text[pos + 1 :]
    if kind < 0.8:
        return text[:pos] + ch + text[pos:]
    if pos == len(text) - 1:
        pos -= 1
    return text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]


# -- dates ------------------------------------------------------------------------------------------------


class DateStyle(StrEnum):
    DOTTED = "dotted"  # 12.03.1994, 03.1994
    ISO = "iso"  # 1994-03-12, 1994-03
    SLASHED = "slashed"  # 12/03/1994


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


def can_swap_day_month(date: dt.date) -> bool:
    """A swapped date must still be a date (day <= 12) and differ from the original."""
    return date.day <= 12 and date.day != date.month


@lru_cache(maxsize=1 << 16)
def write_date(
    date: dt.date,
    style: DateStyle = DateStyle.DOTTED,
    precision: Precision = Precision.DAY,
    *,
    swap: bool = False,
) -> str:
    """A (possibly partial) date as lists write it; `swap` exchanges day and month if that is still a date."""
    day, month = date.day, date.month
    if swap and can_swap_day_month(date):
        day, month = month, day
    if precision is Precision.YEAR:
        return f"{date.year:04d}"
    if precision is Precision.MONTH:
        return f"{date.year:04d}-{month:02d}" if style is DateStyle.ISO else f"{month:02d}.{date.year:04d}"
    if style is DateStyle.ISO:
        return f"{date.year:04d}-{month:02d}-{day:02d}"
    sep = "/" if style is DateStyle.SLASHED else "."
    return f"{day:02d}{sep}{month:02d}{sep}{date.year:04d}"
