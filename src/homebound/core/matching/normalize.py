"""Script detection, Unicode normalisation and the script-free skeleton of a person's name."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from enum import StrEnum
from functools import lru_cache
from itertools import groupby

from translitua import RussianICAO, UkrainianKMU, translit

__all__ = [
    "Script",
    "cyrillic_language",
    "detect_script",
    "initial_letters",
    "normalize_name",
    "romanize",
    "skeleton",
    "transliterate_display",
]


class Script(StrEnum):
    """The writing system of a name as it was entered."""

    CYRILLIC = "cyrillic"
    LATIN = "latin"
    MIXED = "mixed"
    OTHER = "other"


# Every apostrophe-like sign seen in lists: ASCII, typographic, the Ukrainian apostrophe (U+02BC),
# primes used for the soft and hard signs in scholarly romanisation, and stray accents.
_APOSTROPHES = "'`´‘’‛ʹʺʻʼʽˈ′″＇"
_DASHES = "‐‑‒–—―−﹘﹣－"
# Stress marks put on Cyrillic vowels in some documents; they have no precomposed form.
_COMBINING_STRESS = "\u0300\u0301"

_PRE_TABLE: dict[int, str | None] = {ord(c): None for c in _APOSTROPHES}
_PRE_TABLE.update({ord(c): "-" for c in _DASHES})
# Russian lists write ё and е interchangeably; fold before look-alikes are judged (е has a Latin twin).
_PRE_TABLE.update({ord("ё"): "е", ord("Ё"): "Е"})
_STRESS_TABLE: dict[int, str | None] = {ord(c): None for c in _COMBINING_STRESS}
_PRE_CHARS = frozenset(_APOSTROPHES + _DASHES + "ёЁ")
_STRESS_CHARS = frozenset(_COMBINING_STRESS)


def _strip_marks(text: str, marks: frozenset[str], table: dict[int, str | None]) -> str:
    """``text.translate(table)``, skipped when none of ``marks`` occurs (translate is slow off ASCII)."""
    return text if marks.isdisjoint(text) else text.translate(table)


def _is_cyrillic_code(code: int) -> bool:
    return 0x0400 <= code <= 0x052F


def _is_latin_code(code: int) -> bool:
    if code < 0x80:
        return chr(code).isalpha()
    return (0x00C0 <= code <= 0x024F and code not in (0x00D7, 0x00F7)) or 0x1E00 <= code <= 0x1EFF


def _letters(condition: Callable[[int], bool]) -> frozenset[str]:
    return frozenset(chr(code) for code in range(0x0041, 0x1F00) if chr(code).isalpha() and condition(code))


# Set operations run in C; str.translate with a dict costs a dictionary lookup per non-ASCII letter.
_CYRILLIC_LETTERS = _letters(_is_cyrillic_code)
_LATIN_LETTERS = _letters(_is_latin_code)
_SCRIPT_LETTERS = _CYRILLIC_LETTERS | _LATIN_LETTERS
# Names made only of these need no Unicode work beyond lower-casing (the common case by far).
_PLAIN_CYRILLIC = frozenset("абвгґдеєжзиіїйклмнопрстуфхцчшщьюяыэъёАБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯЫЭЪЁ -")

# Letters that look the same in both scripts, in the case where they look alike.
_LATIN_TO_CYRILLIC = dict(
    zip(
        "AaBCcEeHIiKkMOoPpTXxYyÏï",
        "АаВСсЕеНІіКкМОоРрТХхУуЇї",
        strict=True,
    )
)
_CYRILLIC_TO_LATIN = {cyr: lat for lat, cyr in _LATIN_TO_CYRILLIC.items()}
_CYRILLIC_TO_LATIN.update({"Ѕ": "S", "ѕ": "s", "Ј": "J", "ј": "j"})
_TO_CYRILLIC_TABLE = str.maketrans(_LATIN_TO_CYRILLIC)
_TO_LATIN_TABLE = str.maketrans(_CYRILLIC_TO_LATIN)


def detect_script(text: str) -> Script:
    """Tell whether the letters of ``text`` are Cyrillic, Latin, a mix, or something else."""
    if text.isascii():
        return Script.LATIN if text.upper() != text.lower() else Script.OTHER
    has_cyrillic = not _CYRILLIC_LETTERS.isdisjoint(text)
    has_latin = not _LATIN_LETTERS.isdisjoint(text)
    has_other = any(ch.isalpha() for ch in set(text) - _SCRIPT_LETTERS)
    if has_cyrillic + has_latin + has_other > 1:
        return Script.MIXED
    if has_cyrillic:
        return Script.CYRILLIC
    if has_latin:
        return Script.LATIN
    return Script.OTHER


def _fix_lookalikes_in_word(word: str) -> str:
    """Rewrite look-alike letters of a mixed word into the script most of its letters are in."""
    cyrillic_only = latin_only = cyrillic = latin = 0
    for ch in word:
        code = ord(ch)
        if _is_cyrillic_code(code):
            cyrillic += 1
            cyrillic_only += ch not in _CYRILLIC_TO_LATIN
        elif _is_latin_code(code):
            latin += 1
            latin_only += ch not in _LATIN_TO_CYRILLIC
    # When every letter has a twin, go with the majority, and with Cyrillic on a tie (our lists mostly are).
    to_cyrillic = cyrillic_only > latin_only if cyrillic_only != latin_only else cyrillic >= latin
    return word.translate(_TO_CYRILLIC_TABLE if to_cyrillic else _TO_LATIN_TABLE)


def _fix_lookalikes(text: str) -> str:
    if _CYRILLIC_LETTERS.isdisjoint(text) or _LATIN_LETTERS.isdisjoint(text):
        return text
    words = text.replace("-", " - ").split(" ")
    return " ".join(_fix_lookalikes_in_word(w) for w in words).replace(" - ", "-")


def _strip_non_name(text: str) -> str:
    """Replace punctuation, digits and symbols by spaces; drop stray combining marks."""
    out: list[str] = []
    for ch in text:
        if ch.isalpha() or ch == "-":
            out.append(ch)
        elif unicodedata.category(ch).startswith("M"):
            continue
        else:
            out.append(" ")
    return "".join(out)


def _names_only(text: str) -> str:
    if text.replace(" ", "").replace("-", "").isalpha():
        return text
    return _strip_non_name(text)


def _collapse_separators(text: str) -> str:
    if "-" not in text and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    text = " ".join(text.split())
    if "-" in text:
        text = text.replace(" -", "-").replace("- ", "-")
        while "--" in text:
            text = text.replace("--", "-")
        text = text.strip("-")
    return text


@lru_cache(maxsize=1 << 18)
def normalize_name(text: str) -> str:
    """Canonical comparable form of a name: NFKC, casefolded, no apostrophes, one script per word.

    Hyphens and spaces are collapsed, digits and punctuation dropped, ``ё`` written ``е``.
    """
    if text.isascii():
        if not text.replace(" ", "").replace("-", "").isalpha():
            text = _strip_non_name(text.replace("'", "").replace("`", ""))
        return _collapse_separators(text.lower())
    if _PLAIN_CYRILLIC.issuperset(text):
        return _collapse_separators(text.lower().replace("ё", "е"))
    s = unicodedata.normalize("NFKC", _strip_marks(text, _PRE_CHARS, _PRE_TABLE))
    if not s.isascii():
        s = _strip_marks(s, _PRE_CHARS, _PRE_TABLE)  # NFKC may compose ё or a full-width apostrophe
        # Punctuation goes first, so look-alikes are judged on the same words on every pass.
        s = _fix_lookalikes(_names_only(_strip_marks(s, _STRESS_CHARS, _STRESS_TABLE)))
        s = unicodedata.normalize("NFKC", s.casefold())
        s = _strip_marks(_strip_marks(s, _PRE_CHARS, _PRE_TABLE), _STRESS_CHARS, _STRESS_TABLE)
    else:
        s = s.casefold()
    s = _names_only(s)
    return _collapse_separators(s)


def _spellings(spec: str) -> dict[str, str]:
    """Parse ``"а:a є:ie ь:-"`` into a letter → spelling mapping; ``-`` is the empty spelling."""
    pairs = (item.split(":") for item in spec.split())
    return {letter: "" if spelling == "-" else spelling for letter, spelling in pairs}


# --- skeleton -------------------------------------------------------------------------------------
# Key alphabet: lower-case consonants b v g d z k l m n p r s t f, one vowel placeholder "a", and
# upper-case placeholders for sounds Latin spells with several letters: Z=ж, S=ш/щ, C=ч, X=х, T=ц.
# Input is casefolded, so upper-case placeholders never collide with input letters.

# Longest first: each cluster must be replaced before any shorter one it contains. "c" before a front
# vowel is ц (Polish, ISO 9, Latin names), elsewhere k (Victor, Nicolai); "tc" is ц in Russian passports
# of 2006-2010 (GOST 2006).
_LATIN_CLUSTERS: tuple[tuple[str, str], ...] = tuple(
    _spellings(
        "schtsch:S shch:S szcz:S tsch:C sch:S tch:C zh:Z sh:S ch:C cz:C sz:S kh:X ts:T tz:T tc:T th:t"
        " ph:f gh:g ck:k qu:kv x:ks ce:Te ci:Ti cy:Ty"
    ).items()
)
_LATIN_CLUSTER_TRIGGERS = frozenset("chzsxqk")

_LATIN_KEYS = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyz",
        "abkdafggaaklmnapkrstavvkaz",
        strict=True,
    )
)
_CYRILLIC_KEYS = dict(
    zip(
        "абвгґдеєжзиіїйклмнопрстуфхцчшщыэюяё",
        "abvggdaaZzaaaaklmnaprstafXTCSSaaaaa",
        strict=True,
    )
)
# Latin letters with diacritics whose sound is not their base letter's.
_DIACRITIC_KEYS = _spellings("č:C ć:C š:S ś:s ž:Z ż:Z ź:z ł:l đ:d ð:d þ:t ø:a æ:a œ:a ı:a")


def _skeleton_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(k): v for k, v in _LATIN_KEYS.items()}
    table.update({ord(k): v for k, v in _CYRILLIC_KEYS.items()})
    table.update({ord("ь"): None, ord("ъ"): None, ord("-"): " "})
    for code in range(0x00C0, 0x0250):
        ch = chr(code)
        if ch in _DIACRITIC_KEYS:
            table[code] = _DIACRITIC_KEYS[ch]
            continue
        base = unicodedata.normalize("NFD", ch)[0]
        if ch.islower() and base in _LATIN_KEYS:
            table[code] = _LATIN_KEYS[base]
    return table


_SKELETON_TABLE = _skeleton_table()

# cp1251 holds every Ukrainian and Russian letter and ASCII in one byte each, so the common case runs
# through bytes.translate (a C table lookup) instead of str.translate (a dict lookup per letter).
_BYTE_CODEC = "cp1251"
_LATIN_CLUSTER_BYTES = tuple((c.encode("ascii"), k.encode("ascii")) for c, k in _LATIN_CLUSTERS)


def _skeleton_bytes() -> bytes:
    table = bytearray(range(256))
    for byte in range(256):
        ch = bytes([byte]).decode(_BYTE_CODEC, errors="replace")
        key = _SKELETON_TABLE.get(ord(ch))
        if isinstance(key, str) and len(key) == 1:
            table[byte] = ord(key)
    return bytes(table)


_SKELETON_BYTES = _skeleton_bytes()


@lru_cache(maxsize=1 << 18)
def skeleton(text: str) -> str:
    """Script-free lossy key of a name: Cyrillic and the usual Latin spellings of it meet here.

    Коваленко, KOVALENKO and Kowalenko give ``kavalanka``; Шмигаль, Шмыгаль, Shmyhal and Shmygal
    give ``Smagal``. Consonants are kept by sound class, every run of vowels becomes one ``a``,
    doubled letters count once. Words stay apart (one space). Never use equality of skeletons as
    proof of identity: it only says two spellings may stand for one name.
    """
    s = normalize_name(text)
    if not s:
        return ""
    try:
        raw = s.encode(_BYTE_CODEC)
    except UnicodeEncodeError:
        return _skeleton_of_rare_letters(s)
    if not _LATIN_CLUSTER_TRIGGERS.isdisjoint(s):
        for cluster, key in _LATIN_CLUSTER_BYTES:
            if cluster in raw:
                raw = raw.replace(cluster, key)
    raw = raw.translate(_SKELETON_BYTES, b"\xfa\xfc").replace(b"ts", b"T")
    return _squeeze(raw.decode(_BYTE_CODEC)).strip()


def _skeleton_of_rare_letters(s: str) -> str:
    """The same key for names with letters outside cp1251 (Latin diacritics, other scripts)."""
    if not _LATIN_CLUSTER_TRIGGERS.isdisjoint(s):
        for cluster, key in _LATIN_CLUSTERS:
            if cluster in s:
                s = s.replace(cluster, key)
    return _squeeze(s.translate(_SKELETON_TABLE).replace("ts", "T")).strip()


_DOUBLED = re.compile(r"(.)\1")


def _squeeze(key: str) -> str:
    """One letter for every run of the same key letter (all vowels are already ``a``)."""
    while "aa" in key:
        key = key.replace("aa", "a")
    if _DOUBLED.search(key):
        key = "".join(letter for letter, _ in groupby(key))
    return key


# --- romanisation for phonetic codes and display --------------------------------------------------
_ROMAN = _spellings(
    "а:a б:b в:v г:h ґ:g д:d е:e є:ie ж:zh з:z и:y і:i ї:i й:i к:k л:l м:m н:n о:o п:p р:r с:s т:t "
    "у:u ф:f х:kh ц:ts ч:ch ш:sh щ:shch ь:- ъ:- ы:y э:e ю:iu я:ia ё:io"
)
_ROMAN_TABLE = str.maketrans(_ROMAN)


def _roman_bytes() -> tuple[bytes, tuple[tuple[bytes, bytes], ...]]:
    """A byte table for one-letter spellings; letters spelt with several go through control bytes."""
    table = bytearray(range(256))
    expansions: list[tuple[bytes, bytes]] = []
    for letter, spelling in _ROMAN.items():
        byte = letter.encode(_BYTE_CODEC)[0]
        if len(spelling) == 1:
            table[byte] = ord(spelling)
        else:
            marker = len(expansions) + 1
            table[byte] = marker
            expansions.append((bytes([marker]), spelling.encode("ascii")))
    return bytes(table), tuple(expansions)


_ROMAN_BYTES, _ROMAN_EXPANSIONS = _roman_bytes()


@lru_cache(maxsize=1 << 18)
def romanize(text: str) -> str:
    """Fast lossy Latin spelling of a normalised name (KMU-like), the input of phonetic coding.

    Only Cyrillic letters are rewritten; Latin letters and others pass through unchanged.
    """
    s = normalize_name(text)
    if s.isascii():
        return s
    try:
        raw = s.encode(_BYTE_CODEC)
    except UnicodeEncodeError:
        return s.translate(_ROMAN_TABLE)
    raw = raw.translate(_ROMAN_BYTES)
    for marker, spelling in _ROMAN_EXPANSIONS:
        if marker in raw:
            raw = raw.replace(marker, spelling)
    return raw.decode(_BYTE_CODEC)


_UKRAINIAN_LETTERS = frozenset("іїєґІЇЄҐ")
_RUSSIAN_LETTERS = frozenset("ыэъёЫЭЪЁ")


# Ukrainian writes a word-initial [i] as І (Іван, Іванович); a word starting with И is Russian spelling.
_RUSSIAN_START = re.compile(r"(?:^|[\s-])И")
# Russian endings of given names and patronymics Ukrainian does not write (Юрий, Юрьевич, Николаевна).
_RUSSIAN_ENDINGS = re.compile(
    r"(?:(?<!ь)[бвгдзклмнпрстфхцчшщ]ий|ьев(?:ич|на)|[ая]евич|[ая]евна)$", re.IGNORECASE
)


def cyrillic_language(text: str) -> str | None:
    """ "uk" or "ru" when the spelling shows which language wrote it, else None (Микола, Коваленко)."""
    letters = frozenset(text)
    uk, ru = bool(letters & _UKRAINIAN_LETTERS), bool(letters & _RUSSIAN_LETTERS)
    if uk != ru:
        return "uk" if uk else "ru"
    if not uk and (_RUSSIAN_START.search(text) or _RUSSIAN_ENDINGS.search(text.strip())):
        return "ru"
    return None


def transliterate_display(text: str, language: str | None = None) -> str:
    """Latin rendering of a Cyrillic name for a reviewer's eyes: ICAO for a Russian spelling (Иванович is
    Ivanovich), KMU 2010 otherwise. ``language`` overrides what the letters show (the name tables may know).

    For display only: Latin spellings are not a function of the Cyrillic, so never compare on this.
    """
    if text.isascii():
        return text
    text = text.translate(_STRESS_TABLE)
    looks_russian = (language or cyrillic_language(text)) == "ru"
    return str(translit(text, RussianICAO if looks_russian else UkrainianKMU))


# --- initials -------------------------------------------------------------------------------------
# Latin letters a Cyrillic initial may be written with under the common standards.
_CYRILLIC_INITIALS = _spellings(
    "а:a б:b в:vw г:hg ґ:g д:d е:ey є:yije ж:z з:z и:yi і:i ї:yij й:yij к:k л:l м:m н:n о:o п:p р:r "
    "с:s т:t у:u ф:f х:khc ц:tc ч:ct ш:s щ:s ы:y э:e ю:yij я:yij"
)
# Latin initials that stand for the same Cyrillic letter under different standards.
_LATIN_INITIAL_TWINS: dict[str, str] = {
    "y": "yije",
    "i": "iyj",
    "j": "jyi",
    "e": "ey",
    "v": "vw",
    "w": "wv",
    "h": "hgk",
    "g": "gh",
    "k": "kh",
    "c": "ctk",
    "t": "tc",
}


def initial_letters(text: str) -> frozenset[str]:
    """Latin letters the first letter of ``text`` may be written with, across scripts and standards."""
    s = normalize_name(text)
    if not s:
        return frozenset()
    first = s[0]
    if first in _CYRILLIC_INITIALS:
        return frozenset(_CYRILLIC_INITIALS[first])
    if not first.isascii():
        first = unicodedata.normalize("NFD", first)[0]
    return frozenset(_LATIN_INITIAL_TWINS.get(first, first))
