"""Daitch–Mokotoff Soundex against codes worked out by hand from the published coding chart."""

from __future__ import annotations

import pytest

from homebound.core.matching.phonetic import daitch_mokotoff, dm_codes_agree

# Each expected code was derived letter by letter from the chart (start / before a vowel / other),
# coding adjacent equal codes once except MN and NM, and keeping both codes of a branching group.
HAND_CODED = [
    # AU at the start 0; E not coded; R 9; B 7; A not coded; final CH 5 or 4.
    ("Auerbach", ("097400", "097500")),
    # O 0; H before R not coded; then as Auerbach.
    ("Ohrbach", ("097400", "097500")),
    # P 7; T 3; R and S together: RS codes 94 or 4.
    ("Peters", ("734000", "739400")),
    # M 6; S 4; K 5; W 7; TZ 4.
    ("Moskowitz", ("645740",)),
    ("Moskovitz", ("645740",)),
    # SCH at the start 4; W 7; RZ before a vowel 94 or 4; N 6; G 5; second G coded once; R 9.
    ("Schwarzenegger", ("474659", "479465")),
    # J at the start 1 or 4; CK 5 or 45; S 4; N 6.
    ("Jackson", ("145460", "154600", "445460", "454600")),
    # PF is one sound (7), not P then F.
    ("Topf", ("370000",)),
    # EI before N not coded; NM is coded 66 even after another 6.
    ("Kleinman", ("586660",)),
    # I not coded between the two N, so N is coded again; TZ 4.
    ("Mintz", ("664000",)),
    # H at the start 5.
    ("Haber", ("579000",)),
    # H before a vowel 5.
    ("Manheim", ("665600",)),
    # W and V both 7.
    ("Lewinsky", ("876450",)),
    ("Levinsky", ("876450",)),
    # SZ 4; L 8; CH 5 or 4; T 3; R 9.
    ("Szlachter", ("484390", "485390")),
    # SH 4; vowel between SH and TZ, so TZ is coded again.
    ("Lipshitz", ("874400",)),
    # A at the start 0; C before E 5 or 4.
    ("Alice", ("084000", "085000")),
    # Two words are coded as one.
    ("Ben Aron", ("769600",)),
    # Cyrillic is coded through its romanisation: Коваленко → kovalenko; K 5, V 7, L 8, N 6, K 5.
    ("Коваленко", ("578650",)),
    ("Kowalenko", ("578650",)),
    # Шмигаль → shmyhal; SH at the start 4, M 6, Y not coded, H before A 5, L 8.
    ("Шмигаль", ("465800",)),
    ("Шмыгаль", ("465800",)),
    ("Shmygal", ("465800",)),
    # SHCH at the start 2; R 9; B 7; K 5.
    ("Щербак", ("297500",)),
    ("Shcherbak", ("297500",)),
    # TS 4; B 7; L 8; K 5.
    ("Tsybulko", ("478500",)),
]


@pytest.mark.parametrize(("name", "codes"), HAND_CODED)
def test_codes_match_the_published_chart(name: str, codes: tuple[str, ...]) -> None:
    assert daitch_mokotoff(name) == codes


@pytest.mark.parametrize("name", ["", "   ", "123", "—"])
def test_names_without_codable_letters_have_no_code(name: str) -> None:
    assert daitch_mokotoff(name) == ()


def test_capitals_and_diacritics_do_not_change_codes() -> None:
    assert daitch_mokotoff("MOSKOWITZ") == daitch_mokotoff("moskowitz")
    assert daitch_mokotoff("Müller") == daitch_mokotoff("Muller")


def test_codes_agree_when_any_branch_is_shared() -> None:
    assert dm_codes_agree("Peters", "Petersz")
    assert dm_codes_agree("Шмигаль", "Shmyhal")
    assert not dm_codes_agree("Коваленко", "Шевченко")
    assert not dm_codes_agree("", "")
