"""The public exchange ledger: publicly reported exchanges seeded once and marked as reported; aggregates by
date, side, category and mediator; cumulative totals; where the sides' announcements differ."""

from __future__ import annotations

import datetime as dt

from homebound.db.uow import UnitOfWorkFactory
from homebound.services.exchange_ledger import ReportedExchange, seed_reported
from homebound.services.log import verify_log
from homebound.services.public_exchanges import public_exchanges

# Figures as the project's domain notes give them (inputs, not outputs of the code under test).
DOMAIN_PERSONS = (215 + 55) + (50 + 50) + (207 + 195) + (390 + 307 + 303) * 2 + (157 + 157)
DOMAIN_REMAINS = 6057 + 78


def test_reported_exchanges_are_seeded_once_and_marked(uows: UnitOfWorkFactory) -> None:
    assert seed_reported(uows, "demo", side_a="ua", side_b="ru") == 8
    assert seed_reported(uows, "demo", side_a="ua", side_b="ru") == 0
    ledger = public_exchanges(uows)
    assert all(e["reported"] for e in ledger.exchanges)
    assert ledger.totals["persons"] == DOMAIN_PERSONS and ledger.totals["remains"] == DOMAIN_REMAINS
    assert ledger.totals["reported_exchanges"] == 8 and ledger.totals["recorded_exchanges"] == 0
    assert [e["date"] for e in ledger.exchanges] == sorted(e["date"] for e in ledger.exchanges)
    usa = ledger.per_mediator["United States of America"]
    assert (usa["exchanges"], usa["persons"]) == (1, 314)
    assert ledger.per_category["ua"] == {"officers": 33, "privates_and_sergeants": 17}
    days = [e for e in ledger.exchanges if e["date"].startswith("2025-05")]
    assert [e["persons_returned"]["ua"] for e in days] == [390, 307, 303]
    by_title = {d["title"]: d for d in ledger.differences}
    announced = by_title["counts announced differ: 207 and 195"]
    assert (
        announced["announced_persons"] == {"ua": 207, "ru": 195} and announced["announced_difference"] == 12
    )
    (bodies,) = by_title["bodies: 6,000 for 6,000 agreed"]["disagreements"]
    assert (bodies["figure"], bodies["ua"], bodies["ru"]) == ("remains_to_a", 6057, 6060)
    assert ledger.cumulative[-1]["persons"] == DOMAIN_PERSONS
    assert verify_log(uows).ok


def test_aggregates_add_up_per_side_category_and_mediator(uows: UnitOfWorkFactory) -> None:
    exchanges = [
        ReportedExchange(
            dt.date(2024, 3, 1),
            "one",
            "M1",
            "V",
            {"persons_to_a": 10, "persons_to_b": 4, "remains_to_a": 2, "remains_to_b": 0},
            categories={"a": {"civilians": 3}},
        ),
        ReportedExchange(
            dt.date(2024, 2, 1),
            "two",
            "M2",
            "V",
            {"persons_to_a": 1, "persons_to_b": 1, "remains_to_a": 0, "remains_to_b": 5},
            categories={"a": {"civilians": 1}, "b": {"women": 1}},
            claims=({"by": "a", "persons_to_a": 1}, {"by": "b", "persons_to_a": 2}),
        ),
        ReportedExchange(
            dt.date(2024, 4, 1),
            "three",
            "M1",
            "V",
            {"persons_to_a": 0, "persons_to_b": 7, "remains_to_a": 0, "remains_to_b": 0},
        ),
    ]
    seed_reported(uows, "test", side_a="x", side_b="y", reported=exchanges)
    ledger = public_exchanges(uows)
    assert [e["title"] for e in ledger.exchanges] == ["two", "one", "three"]
    assert ledger.per_side["x"] == {"exchanges": 3, "persons_returned": 11, "remains_returned": 2}
    assert ledger.per_side["y"] == {"exchanges": 3, "persons_returned": 12, "remains_returned": 5}
    assert ledger.per_category == {"x": {"civilians": 4}, "y": {"women": 1}}
    assert ledger.per_mediator["M1"] == {"exchanges": 2, "persons": 21, "remains": 2}
    assert [c["persons"] for c in ledger.cumulative] == [2, 16, 23]
    (difference,) = ledger.differences
    assert difference["disagreements"] == [{"figure": "persons_to_a", "x": 1, "y": 2, "difference": -1}]
