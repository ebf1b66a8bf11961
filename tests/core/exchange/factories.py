"""Synthetic candidates for the exchange tests (invented ids, no real persons)."""

from __future__ import annotations

from datetime import date, timedelta

from homebound.core.exchange.candidate import (
    Candidate,
    Custody,
    Health,
    LegalHold,
    MedicalSeverity,
    PartialDate,
    SeriousBasis,
    Sex,
    Side,
    WillToReturn,
    WillToReturnRecord,
)

REFERENCE = date(2023, 1, 8)


def person(
    candidate_id: str,
    side: Side = Side.A,
    *,
    rank_class: str = "private",
    severity: int = 0,
    seriously_wounded: bool = False,
    days: int | None = 100,
    born: PartialDate | None = None,
    sex: Sex = Sex.MALE,
    civilian: bool = False,
    remains: bool = False,
    verified: bool = True,
    custody: Custody | None = None,
    will: WillToReturn = WillToReturn.CONFIRMED,
    stays_with: str = "",
    legal_hold: LegalHold | None = None,
    on: date = REFERENCE,
) -> Candidate:
    """A candidate who passes every gate unless told otherwise."""
    health = Health(
        MedicalSeverity(severity),
        seriously_wounded,
        SeriousBasis.ANNEX_I if seriously_wounded else None,
    )
    return Candidate(
        candidate_id=candidate_id,
        side=side,
        rank_class=rank_class,
        health=health,
        date_of_birth=born,
        sex=sex,
        civilian=civilian,
        captured_on=None if days is None else on - timedelta(days=days),
        remains=remains,
        confirmed_match_id=f"match-{candidate_id}" if verified else None,
        custody=custody if custody is not None else Custody(confirmed_by_holding_party=True),
        will_to_return=WillToReturnRecord(
            will, verified_by="ICRC" if will is WillToReturn.CONFIRMED else None
        ),
        stays_with=stays_with,
        legal_hold=legal_hold,
    )
