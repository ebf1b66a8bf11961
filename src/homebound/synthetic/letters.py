"""Letter-by-letter renderings of a name in the other Cyrillic alphabet, as a clerk copies or hears it."""

from __future__ import annotations

import re
from functools import cache

APOSTROPHES = "'’ʼ`"

_RU_ADJECTIVE_END = re.compile(r"([сцз])ьк(ий|а)$")
_RU_SOFT_SIGN_BEFORE_K = re.compile(r"ьк(ий|а)$")
# Ukrainian и sounds like Russian ы: a clerk writing by ear uses ы, except where Russian spelling forbids it.
_HARD_I = re.compile(r"(?<![жшчщцкгхЖШЧЩЦКГХ'’ʼ`ьЬ])и(?!й$)")
_APOSTROPHE = re.compile(f"[{APOSTROPHES}](?=[яюєїЯЮЄЇ])")


@cache
def russian_letters(ukrainian: str, *, phonetic: bool = False) -> str:
    """A Ukrainian word in Russian letters (Білоусов -> Билоусов; phonetic: Шмигаль -> Шмыгаль).

    The Russian dictionary form (Белоусов) lives in the name data; this is what a clerk produces without it.
    """
    text = _APOSTROPHE.sub("ь", ukrainian)
    if phonetic:
        text = _HARD_I.sub("ы", text)
    text = _RU_ADJECTIVE_END.sub(r"\1к\2", text)
    text = _RU_SOFT_SIGN_BEFORE_K.sub(r"к\1", text)
    return text.translate(_UK_TO_RU)


_UK_TO_RU = str.maketrans({"і": "и", "І": "И", "ї": "и", "Ї": "И", "є": "е", "Є": "Е", "ґ": "г", "Ґ": "Г"})

_CONSONANTS = "бвгдзклмнпрстфхцчшщжБВГДЗКЛМНПРСТФХЦЧШЩЖ"
_SIBILANTS = "жчшщцЖЧШЩЦ"
_VOWELS = "аеиоуыэюяіїєАЕИОУЫЭЮЯІЇЄ"


_RU_ENDINGS = (
    (re.compile(r"([сцз])кий$"), r"\1ький"),
    (re.compile(r"([кгхжшчщ])ий$"), r"\1ий"),
    (re.compile(r"ый$"), "ий"),
    (re.compile(r"ий$"), "ій"),
)


@cache
def ukrainian_letters(russian: str) -> str:
    """A Russian word in Ukrainian letters (Никитин -> Нікітін, Соловьёв -> Соловйов, Юрий -> Юрій)."""
    stem, ending = russian, ""
    for pattern, replacement in _RU_ENDINGS:
        match = pattern.search(russian)
        if match and len(russian) > 3:
            stem, ending = russian[: match.start()], pattern.sub(replacement, match.group())
            break
    out: list[str] = []
    for i, ch in enumerate(stem):
        out.append(_ukrainian_letter(ch, stem[i - 1] if i else "", at_start=i == 0))
    text = "".join(out).replace("ьйо", "йо") + ending
    text = re.sub(r"(?<=[рбпвмфРБПВМФ])ь(?=[єї])", "'", text)
    # Ukrainian marks a hard labial before я/ю with an apostrophe: Вячеслав -> В'ячеслав.
    return re.sub(r"(?<![бвгдзклмнпстфхцчшщжБВГДЗКЛМНПСТФХЦЧШЩЖ])([бпвмфБПВМФ])(?=[яю])", r"\1'", text)


def _ukrainian_letter(ch: str, prev: str, *, at_start: bool) -> str:
    lower = ch.lower()
    upper = ch != lower
    after_vowel = bool(prev) and prev in _VOWELS
    soft_start = at_start or after_vowel or (bool(prev) and prev in "ьЬъЪ")
    after_sibilant = bool(prev) and prev in _SIBILANTS
    match lower:
        case "ё":
            res = "о" if after_sibilant else ("йо" if soft_start else "ьо")
        case "е":
            res = "є" if soft_start else "е"
        case "и":
            res = "ї" if after_vowel or prev in ("ь", "Ь") else ("и" if after_sibilant else "і")
        case "ы":
            res = "и"
        case "э":
            res = "е"
        case "ъ":
            res = "'"
        case _:
            res = lower
    return res[0].upper() + res[1:] if upper else res


_DEYO = str.maketrans({"ё": "е", "Ё": "Е"})


def without_yo(text: str) -> str:
    """Russian lists mostly write ё as е (Фёдор -> Федор)."""
    return text.translate(_DEYO) if "ё" in text or "Ё" in text else text
