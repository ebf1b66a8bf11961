"""Daitch–Mokotoff Soundex: six-digit sound codes of a surname, several when a spelling is ambiguous."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import TypeAlias

from homebound.core.matching.normalize import romanize

__all__ = ["daitch_mokotoff", "dm_codes_agree"]

CODE_LENGTH = 6

# The published coding chart (Daitch and Mokotoff, 1985; as printed by JewishGen and Avotaynu).
# Columns: letters, code at the start of a name, code before a vowel, code anywhere else.
# "-" means not coded; "a|b" means the letters may sound either way, and both codes are kept.
_CHART = """
a 0 - -
ai 0 1 -
aj 0 1 -
ay 0 1 -
au 0 7 -
b 7 7 7
c 5|4 5|4 5|4
ch 5|4 5|4 5|4
chs 5 54 54
ck 5|45 5|45 5|45
cs 4 4 4
csz 4 4 4
cz 4 4 4
czs 4 4 4
d 3 3 3
dt 3 3 3
drs 4 4 4
drz 4 4 4
ds 4 4 4
dsh 4 4 4
dsz 4 4 4
dz 4 4 4
dzh 4 4 4
dzs 4 4 4
e 0 - -
ei 0 1 -
ej 0 1 -
ey 0 1 -
eu 1 1 -
f 7 7 7
fb 7 7 7
g 5 5 5
h 5 5 -
i 0 - -
ia 1 - -
ie 1 - -
io 1 - -
iu 1 - -
j 1|4 -|4 -|4
k 5 5 5
kh 5 5 5
ks 5 54 54
l 8 8 8
m 6 6 6
mn 66 66 66
n 6 6 6
nm 66 66 66
o 0 - -
oi 0 1 -
oj 0 1 -
oy 0 1 -
p 7 7 7
pf 7 7 7
ph 7 7 7
q 5 5 5
r 9 9 9
rs 94|4 94|4 94|4
rz 94|4 94|4 94|4
s 4 4 4
sc 2 4 4
sch 4 4 4
schd 2 43 43
scht 2 43 43
schtch 2 4 4
schtsch 2 4 4
schtsh 2 4 4
sd 2 43 43
sh 4 4 4
shch 2 4 4
shd 2 43 43
sht 2 43 43
shtch 2 4 4
shtsh 2 4 4
st 2 43 43
stch 2 4 4
strs 2 4 4
strz 2 4 4
stsch 2 4 4
stsh 2 4 4
sz 4 4 4
szcs 2 4 4
szcz 2 4 4
szd 2 43 43
szt 2 43 43
t 3 3 3
tc 4 4 4
tch 4 4 4
th 3 3 3
trs 4 4 4
trz 4 4 4
ts 4 4 4
tsch 4 4 4
tsh 4 4 4
tsz 4 4 4
ttch 4 4 4
tts 4 4 4
ttsch 4 4 4
ttsz 4 4 4
ttz 4 4 4
tz 4 4 4
tzs 4 4 4
u 0 - -
ue 0 1 -
ui 0 1 -
uj 0 1 -
uy 0 1 -
v 7 7 7
w 7 7 7
x 5 54 54
y 1 - -
z 4 4 4
zd 2 43 43
zdz 2 4 4
zdzh 2 4 4
zh 4 4 4
zhd 2 43 43
zhdzh 2 4 4
zs 4 4 4
zsch 4 4 4
zsh 4 4 4
"""

_VOWELS = frozenset("aeiou")

_Codes: TypeAlias = tuple[str, ...]
_Rule: TypeAlias = tuple[str, _Codes, _Codes, _Codes]


def _parse_codes(cell: str) -> _Codes:
    return tuple("" if alt == "-" else alt for alt in cell.split("|"))


def _parse_chart(chart: str) -> dict[str, tuple[tuple[int, ...], dict[str, _Rule]]]:
    """Rules by first letter: the pattern lengths to try (longest first) and the rules by pattern."""
    by_first: dict[str, dict[str, _Rule]] = {}
    for line in chart.strip().splitlines():
        letters, start, vowel, other = line.split()
        rule = (letters, _parse_codes(start), _parse_codes(vowel), _parse_codes(other))
        by_first.setdefault(letters[0], {})[letters] = rule
    # The longest letter group that matches wins.
    return {
        first: (tuple(sorted({len(p) for p in rules}, reverse=True)), rules)
        for first, rules in by_first.items()
    }


_RULES = _parse_chart(_CHART)


# Letters outside a-z folded to the letter the chart codes them as.
_FOLDING = {"ß": "s", "ł": "l", "æ": "a", "ø": "o", "đ": "d", "ð": "d", "þ": "t", "ı": "i"}


def _prepare(name: str) -> str:
    """Lower-case a-z letters only; Cyrillic is romanised first, diacritics are dropped."""
    text = romanize(name)
    if text.isascii():
        return text if text.isalpha() else "".join(ch for ch in text if "a" <= ch <= "z")
    out: list[str] = []
    for ch in text:
        base = unicodedata.normalize("NFD", _FOLDING.get(ch, ch))[0]
        if "a" <= base <= "z":
            out.append(base)
    return "".join(out)


def _match(text: str, i: int) -> _Rule:
    lengths, rules = _RULES[text[i]]
    for length in lengths:
        rule = rules.get(text[i : i + length])
        if rule is not None:
            return rule
    raise AssertionError("every letter a-z has a one-letter rule")


@lru_cache(maxsize=1 << 18)
def daitch_mokotoff(name: str) -> tuple[str, ...]:
    """All Daitch–Mokotoff codes of ``name`` (sorted; empty when it has no codable letter).

    A surname of several words is coded as one word. Cyrillic is coded through ``romanize``.
    """
    text = _prepare(name)
    if not text:
        return ()
    # Each branch: (digits so far, the last code appended or skipped).
    branches: list[tuple[str, str | None]] = [("", None)]
    previous_letter = ""
    i, n = 0, len(text)
    while i < n:
        letters, start, vowel, other = _match(text, i)
        end = i + len(letters)
        if i == 0:
            codes = start
        elif end < n and text[end] in _VOWELS:
            codes = vowel
        else:
            codes = other
        # MN and NM are coded as two sounds even though both letters code 6.
        force = previous_letter + text[i] in ("mn", "nm")
        branches = _extend(branches, codes, force)
        previous_letter = text[i]
        i = end
        if len(branches) == 1 and len(branches[0][0]) >= CODE_LENGTH:
            break
    return tuple(sorted({digits.ljust(CODE_LENGTH, "0") for digits, _ in branches}))


def _extend(
    branches: list[tuple[str, str | None]], codes: _Codes, force: bool
) -> list[tuple[str, str | None]]:
    if len(branches) == 1 and len(codes) == 1:
        # The usual case: no branching so far and none here.
        (digits, last), code = branches[0], codes[0]
        if len(digits) < CODE_LENGTH and (last is None or force or not last.endswith(code)):
            digits = (digits + code)[:CODE_LENGTH]
        return [(digits, code)]
    extended: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for digits, last in branches:
        for code in codes:
            # Adjacent letters with the same code are one sound (TOPF is 370000, not 377000).
            if len(digits) < CODE_LENGTH and (last is None or force or not last.endswith(code)):
                grown = (digits + code)[:CODE_LENGTH]
            else:
                grown = digits
            if grown not in seen:
                seen.add(grown)
                extended.append((grown, code))
    return extended


def dm_codes_agree(left: str, right: str) -> bool:
    """True when the two names share at least one Daitch–Mokotoff code."""
    codes = daitch_mokotoff(left)
    return bool(codes) and not set(codes).isdisjoint(daitch_mokotoff(right))
