"""Rank as a registry writes it (Ukrainian, Russian, English) to the rank classes of the points tables."""

from __future__ import annotations

from homebound.core.exchange.formula import DIX_HILL_1862

OFFICER_CLASSES = frozenset(
    {
        "general_in_chief_or_admiral",
        "major_general_or_flag_officer",
        "brigadier_general_or_commodore",
        "colonel_or_navy_captain",
        "lieutenant_colonel_or_navy_commander",
        "major_or_lieutenant_commander",
        "army_captain_or_navy_lieutenant",
        "lieutenant_or_ensign",
    }
)

# Checked in order, first hit wins: "підполковник" must be tried before "полковник", "генерал-лейтенант"
# before "лейтенант". Stems cover both languages' spellings and their case forms.
_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("генерал армі", "генерал-полковник", "general of the army", "admiral"), "general_in_chief_or_admiral"),
    (("генерал-лейтенант", "lieutenant general", "vice admiral"), "major_general_or_flag_officer"),
    (("генерал-майор", "бригадний генерал", "major general", "brigadier"), "brigadier_general_or_commodore"),
    (
        ("підполковник", "подполковник", "lieutenant colonel", "капітан 2", "капитан 2"),
        "lieutenant_colonel_or_navy_commander",
    ),
    (("полковник", "colonel", "капітан 1", "капитан 1"), "colonel_or_navy_captain"),
    (("майор", "major", "капітан 3", "капитан 3"), "major_or_lieutenant_commander"),
    (("капітан", "капитан", "captain"), "army_captain_or_navy_lieutenant"),
    (("лейтенант", "lieutenant", "ensign"), "lieutenant_or_ensign"),
    (("прапорщик", "мічман", "мичман", "warrant", "midshipman"), "midshipman_or_warrant_officer"),
    (("сержант", "старшина", "sergeant", "petty officer"), "non_commissioned_officer"),
)
DEFAULT_RANK_CLASS = "private"


def rank_class_of(rank: str | None) -> str:
    """The Dix–Hill rank class of a written rank; unknown or empty ranks count as privates."""
    if not rank:
        return DEFAULT_RANK_CLASS
    text = rank.casefold().replace("ё", "е").strip()
    for stems, rank_class in _RULES:
        if any(stem in text for stem in stems):
            assert rank_class in DIX_HILL_1862
            return rank_class
    return DEFAULT_RANK_CLASS


def is_officer(rank_class: str) -> bool:
    return rank_class in OFFICER_CLASSES
