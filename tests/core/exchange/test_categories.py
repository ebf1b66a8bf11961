"""Categories: Annex I, age bands from partial dates (conservative), civilians, women, captivity, remains."""

from __future__ import annotations

from datetime import date

import pytest

from homebound.core.exchange.candidate import PartialDate, SeriousBasis, Sex, Side
from homebound.core.exchange.categories import (
    AgeBand,
    AgeBandCategory,
    Civilians,
    LongCaptivity,
    MemberStatus,
    Remains,
    SeriouslyWoundedOrSick,
    Women,
    age_on,
    age_range,
    categories_of,
    category_from_document,
)
from homebound.core.exchange.errors import InvalidTerms

from .factories import person

ISTANBUL = date(2025, 6, 2)
EIGHTEEN_TO_25 = AgeBand(18, 26, "18–25")
UNDER_25 = AgeBand(None, 25, "under 25")


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2000, 6, 2), date(2025, 6, 2), 25),  # birthday today
        (date(2000, 6, 3), date(2025, 6, 2), 24),
        (date(2004, 2, 29), date(2022, 2, 28), 17),  # leap-day birthday completes on 1 March
        (date(2004, 2, 29), date(2022, 3, 1), 18),
        (date(2004, 2, 29), date(2024, 2, 29), 20),
    ],
)
def test_age_on(born: date, on: date, age: int) -> None:
    assert age_on(born, on) == age


@pytest.mark.parametrize(
    ("born", "youngest", "oldest"),
    [
        (PartialDate(2000), 24, 25),  # year only: born anywhere in 2000
        (PartialDate(2000, 5), 25, 25),  # May 2000: all birthdays already passed on 2 June
        (PartialDate(2000, 6), 24, 25),  # June 2000 straddles 2 June
        (PartialDate(2000, 6, 2), 25, 25),
        (PartialDate(2000, 12), 24, 24),
    ],
)
def test_age_range_of_partial_dates(born: PartialDate, youngest: int, oldest: int) -> None:
    assert age_range(born, ISTANBUL) == (youngest, oldest)


@pytest.mark.parametrize(
    ("band", "born", "status"),
    [
        (EIGHTEEN_TO_25, PartialDate(2000), MemberStatus.YES),  # 24 or 25: both inside 18–25
        (UNDER_25, PartialDate(2000), MemberStatus.UNCERTAIN),  # 24 or 25: straddles "under 25"
        (UNDER_25, PartialDate(2000, 12), MemberStatus.YES),
        (UNDER_25, PartialDate(2000, 5), MemberStatus.NO),
        (EIGHTEEN_TO_25, PartialDate(1999), MemberStatus.UNCERTAIN),  # 25 or 26
        (EIGHTEEN_TO_25, PartialDate(1998, 1), MemberStatus.NO),  # 27
        (EIGHTEEN_TO_25, PartialDate(2007), MemberStatus.UNCERTAIN),  # 17 or 18
        (EIGHTEEN_TO_25, PartialDate(2007, 1, 5), MemberStatus.YES),
        (UNDER_25, PartialDate(2010), MemberStatus.YES),  # "under 25" has no lower bound
        (EIGHTEEN_TO_25, PartialDate(2010), MemberStatus.NO),
    ],
)
def test_age_band_membership_is_conservative(band: AgeBand, born: PartialDate, status: MemberStatus) -> None:
    young = AgeBandCategory("young", "young", EIGHTEEN_TO_25, UNDER_25, Side.A)
    category = AgeBandCategory("young", "young", band, band, Side.A)
    membership = category.assess(person("p", born=born), ISTANBUL)
    assert membership.status is status
    assert category.contains(person("p", born=born), ISTANBUL) is (status is MemberStatus.YES)
    assert young.band == EIGHTEEN_TO_25


def test_the_agreement_records_which_definition_holds() -> None:
    born = PartialDate(2000, 3)  # 25 on 2 June 2025
    side_a_holds = AgeBandCategory("young", "young", EIGHTEEN_TO_25, UNDER_25, Side.A)
    side_b_holds = AgeBandCategory("young", "young", EIGHTEEN_TO_25, UNDER_25, Side.B)
    assert side_a_holds.contains(person("p", born=born), ISTANBUL)
    assert not side_b_holds.contains(person("p", born=born), ISTANBUL)
    assert "under 25" in side_b_holds.assess(person("p", born=born), ISTANBUL).reason


def test_unknown_date_of_birth_is_uncertain_never_a_member() -> None:
    category = AgeBandCategory("young", "young", EIGHTEEN_TO_25, UNDER_25, Side.A)
    assert category.assess(person("p", born=None), ISTANBUL).status is MemberStatus.UNCERTAIN
    assert not category.contains(person("p", born=None), ISTANBUL)


@pytest.mark.parametrize(
    ("category", "candidate", "member"),
    [
        (SeriouslyWoundedOrSick(), person("p", seriously_wounded=True), True),
        (SeriouslyWoundedOrSick(), person("p", severity=3), False),  # severity alone is not Annex I
        (
            SeriouslyWoundedOrSick(accepted_bases=frozenset({SeriousBasis.MIXED_MEDICAL_COMMISSION})),
            person("p", seriously_wounded=True),  # Annex I basis, but only a commission decision counts
            False,
        ),
        (Civilians(), person("p", civilian=True), True),
        (Civilians(), person("p"), False),
        (Women(), person("p", sex=Sex.FEMALE), True),
        (Women(), person("p", sex=Sex.MALE), False),
        (Women(), person("p", sex=None), False),
        (LongCaptivity(more_than_days=365), person("p", days=366), True),
        (LongCaptivity(more_than_days=365), person("p", days=365), False),
        (LongCaptivity(more_than_days=365), person("p", days=None), False),
        (LongCaptivity(captured_before=date(2022, 6, 1)), person("p", days=300), True),  # captured March 2022
        (LongCaptivity(captured_before=date(2022, 6, 1)), person("p", days=200), False),
        (Remains(), person("p", remains=True), True),
        (Remains(), person("p"), False),
    ],
)
def test_category_predicates(category, candidate, member: bool) -> None:
    assert category.contains(candidate, date(2023, 1, 8)) is member
    assert category.assess(candidate, date(2023, 1, 8)).member is member


def test_categories_of_collects_certain_memberships() -> None:
    categories = (SeriouslyWoundedOrSick(), Civilians(), Women(), LongCaptivity(more_than_days=30))
    candidate = person("p", seriously_wounded=True, sex=Sex.FEMALE, days=40)
    assert categories_of(candidate, categories, date(2023, 1, 8)) == {
        "seriously_wounded_or_sick",
        "women",
        "long_captivity",
    }


@pytest.mark.parametrize(
    "build",
    [
        lambda: AgeBand(None, None, "any"),
        lambda: AgeBand(25, 18, "backwards"),
        LongCaptivity,
        lambda: LongCaptivity(captured_before=date(2022, 1, 1), more_than_days=5),
    ],
)
def test_invalid_category_definitions(build) -> None:
    with pytest.raises(InvalidTerms):
        build()


@pytest.mark.parametrize(
    "category",
    [
        SeriouslyWoundedOrSick(),
        AgeBandCategory("young", "young", EIGHTEEN_TO_25, UNDER_25, Side.B),
        Civilians(),
        Women(),
        LongCaptivity(more_than_days=365),
        LongCaptivity(captured_before=date(2022, 3, 1), key="early", label="captured early"),
        Remains(),
    ],
)
def test_category_document_round_trip(category) -> None:
    assert category_from_document(category.to_document()) == category
