"""Exchanges on the public ledger: aggregates recorded from closed tranches, publicly reported figures (marked
as reported), and the public view: by date, per side, per category, per mediator, cumulative, and where the
two sides' announcements differ. Never a person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.formula import Basis
from homebound.core.exchange.handover import LineState, Tranche
from homebound.core.exchange.ranks import is_officer, rank_class_of
from homebound.core.log.entries import ActionTag
from homebound.core.persons import Health
from homebound.db.agreement_store import load_agreement, participants_of
from homebound.db.exchange_tables import AgreementRow, ExchangeRecordRow
from homebound.db.handover_store import CLOSED, listed_ids, load_tranche, tranche_rows
from homebound.db.log_store import log_action
from homebound.db.tables import OrganisationRow, PersonRow, utcnow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.candidates import persons_by_id

FIGURES = ("persons_to_a", "persons_to_b", "remains_to_a", "remains_to_b")
RECORDED_SOURCE = "recorded in Homebound, line by line at the crossing"


# --- recorded exchanges -------------------------------------------------------------------------------------


def _person_categories(counts: dict[str, int], person: PersonRow | None) -> None:
    if person is None:
        counts["not_in_registry"] = counts.get("not_in_registry", 0) + 1
        return
    for key in (
        person.category,
        *(["seriously_wounded_sick"] if person.health == Health.SERIOUSLY_WOUNDED_SICK.value else []),
        *(["officers"] if is_officer(rank_class_of(person.rank)) else []),
    ):
        counts[key] = counts.get(key, 0) + 1


def _aggregates(session: Session, tranches: Sequence[Tranche]) -> tuple[dict[str, int], dict[str, Any]]:
    """Figures and categories per receiving side from the lines and remains of every tranche."""
    lines = [line for tranche in tranches for line in tranche.lines]
    substitutes = [ln.substitute.candidate_id for ln in lines if ln.substitute is not None]
    persons = persons_by_id(session, [ln.candidate_id for ln in lines] + substitutes)
    categories: dict[str, dict[str, int]] = {"a": {}, "b": {}}
    figures = dict.fromkeys(FIGURES, 0)

    def bump(side: Side, key: str, n: int = 1) -> None:
        categories[side.value][key] = categories[side.value].get(key, 0) + n

    for line in lines:
        to = line.receiving_side
        if line.state is LineState.DELIVERED:
            person = persons.get(line.candidate_id)
        elif line.state is LineState.SUBSTITUTE_ACCEPTED and line.substitute is not None:
            person = persons.get(line.substitute.candidate_id)
            bump(to, "substitutes_accepted")
        else:
            if line.state in (LineState.REFUSED, LineState.THIRD_PARTY_CUSTODY, LineState.NOT_DELIVERED):
                bump(to, line.state.value)
            continue
        figures[f"persons_to_{to.value}"] += 1
        bump(to, f"basis_{line.basis.value}" if line.basis is not Basis.PARITY else "basis_parity")
        _person_categories(categories[to.value], person)
    for tranche in tranches:
        for batch in tranche.remains:
            to = batch.releasing_side.other
            figures[f"remains_to_{to.value}"] += batch.count
            bump(to, f"remains_{batch.status.value}", batch.count)
    return figures, categories


def refresh_record(session: Session, actor: Actor, row: AgreementRow) -> None:
    """Write (or rewrite) the agreement's exchange record once one of its tranches is closed."""
    rows = tranche_rows(session, row.id)
    if not any(t.state == CLOSED for t in rows):
        return
    listed = listed_ids(session, row.id)
    tranches = [load_tranche(session, t, listed) for t in rows]
    figures, categories = _aggregates(session, tranches)
    agreement = load_agreement(session, row)
    scheduled = [t.scheduled_on for t in rows if t.scheduled_on is not None]
    day = min(scheduled) if scheduled else agreement.concluded_version.terms.reference_date
    participants = participants_of(session, row)
    mediator = session.get(OrganisationRow, row.mediator_id)
    record = session.execute(
        select(ExchangeRecordRow).where(ExchangeRecordRow.agreement_id == row.id)
    ).scalar_one_or_none()
    if record is None:
        record = ExchangeRecordRow(
            agreement_id=row.id, reported=False, source=RECORDED_SOURCE, claims=[], created_at=utcnow()
        )
        session.add(record)
    record.exchange_date, record.title, record.venue = day, row.title, row.venue
    record.mediator = mediator.name if mediator is not None else participants.mediator
    record.side_a, record.side_b = participants.party_a, participants.party_b
    for name, value in figures.items():
        setattr(record, name, value)
    record.categories = categories
    record.updated_at = utcnow()
    session.flush()
    payload = {"record": record.id, "agreement": row.id, **figures, "categories": categories}
    log_action(session, actor, ActionTag.LEDGER_RECORD, "exchange_record", record.id, payload)


# --- publicly reported exchanges ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportedExchange:
    """An exchange as public reports give it; `claims` are what each side announced."""

    day: dt.date
    title: str
    mediator: str
    venue: str
    figures: Mapping[str, int]
    date_label: str | None = None
    categories: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    claims: Sequence[Mapping[str, Any]] = ()


_NOT_STATED = "not stated in the reports summarised"
_SOURCE = "publicly reported figures (as summarised in the project's domain notes); aggregates only"


def _both(n: int) -> dict[str, int]:
    return {"persons_to_a": n, "persons_to_b": n, "remains_to_a": 0, "remains_to_b": 0}


REPORTED: tuple[ReportedExchange, ...] = (
    ReportedExchange(
        dt.date(2022, 9, 1),
        "declared package: 215 for 55",
        _NOT_STATED,
        _NOT_STATED,
        {"persons_to_a": 215, "persons_to_b": 55, "remains_to_a": 0, "remains_to_b": 0},
        date_label="September 2022",
    ),
    ReportedExchange(
        dt.date(2023, 1, 8),
        "50 for 50",
        _NOT_STATED,
        _NOT_STATED,
        _both(50),
        categories={"a": {"officers": 33, "privates_and_sergeants": 17}},
        claims=(
            {"by": "a", "persons_to_a": 50, "note": "33 officers and 17 privates and sergeants came home"},
            {"by": "b", "persons_to_b": 50, "note": "servicemen in mortal danger in captivity returned"},
        ),
    ),
    ReportedExchange(
        dt.date(2024, 1, 31),
        "counts announced differ: 207 and 195",
        _NOT_STATED,
        _NOT_STATED,
        {"persons_to_a": 207, "persons_to_b": 195, "remains_to_a": 0, "remains_to_b": 0},
        claims=({"by": "a", "persons_to_a": 207}, {"by": "b", "persons_to_b": 195}),
    ),
    *(
        ReportedExchange(
            dt.date(2025, 5, 23 + day),
            f"1000 for 1000, day {day + 1} of 3: {n} for {n}",
            "Türkiye (talks in Istanbul)",
            "Belarus",
            _both(n),
            date_label=f"{23 + day} May 2025",
        )
        for day, n in enumerate((390, 307, 303))
    ),
    ReportedExchange(
        dt.date(2025, 6, 1),
        "bodies: 6,000 for 6,000 agreed",
        "Türkiye (talks in Istanbul)",
        _NOT_STATED,
        {"persons_to_a": 0, "persons_to_b": 0, "remains_to_a": 6057, "remains_to_b": 78},
        date_label="June 2025 (several handovers)",
        claims=({"by": "a", "remains_to_a": 6057}, {"by": "b", "remains_to_a": 6060, "remains_to_b": 78}),
    ),
    ReportedExchange(dt.date(2026, 2, 5), "157 for 157", "United States of America", _NOT_STATED, _both(157)),
)


def seed_reported(
    uows: UnitOfWorkFactory,
    actor: Actor | str,
    *,
    side_a: str,
    side_b: str,
    reported: Sequence[ReportedExchange] = REPORTED,
) -> int:
    """Record publicly reported exchanges (marked as reported) once; returns how many were added."""
    added = 0
    with uows.writer() as uow:
        session = uow.session
        found = session.execute(
            select(ExchangeRecordRow.exchange_date, ExchangeRecordRow.title).where(ExchangeRecordRow.reported)
        ).all()
        known = {(day, title) for day, title in found}
        for exchange in reported:
            if (exchange.day, exchange.title) in known:
                continue
            record = ExchangeRecordRow(
                exchange_date=exchange.day,
                date_label=exchange.date_label,
                title=exchange.title,
                mediator=exchange.mediator,
                venue=exchange.venue,
                side_a=side_a,
                side_b=side_b,
                reported=True,
                source=_SOURCE,
                categories={k: dict(v) for k, v in exchange.categories.items()},
                claims=[dict(c) for c in exchange.claims],
                **dict(exchange.figures),
            )
            session.add(record)
            session.flush()
            payload = {
                "record": record.id,
                "reported": True,
                "date": exchange.day.isoformat(),
                **exchange.figures,
            }
            log_action(session, actor, ActionTag.LEDGER_RECORD, "exchange_record", record.id, payload)
            added += 1
        uow.commit()
    return added


# --- the public view ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExchangeLedger:
    exchanges: list[dict[str, Any]]  # by date
    per_side: dict[str, dict[str, int]]
    per_category: dict[str, dict[str, int]]
    per_mediator: dict[str, dict[str, int]]
    cumulative: list[dict[str, Any]]
    totals: dict[str, int]
    differences: list[dict[str, Any]]


def _claims_view(record: ExchangeRecordRow) -> dict[str, Any] | None:
    """What each side announced, each side's own headline count, and the figures they disagree on."""
    labels = {"a": record.side_a, "b": record.side_b}
    claimed: dict[str, dict[str, int]] = {}
    for claim in record.claims:
        side = str(claim.get("by"))
        claimed[side] = {f: int(claim[f]) for f in FIGURES if f in claim}
    if len(claimed) < 2:
        return None
    announced = {s: sum(v for f, v in claimed[s].items() if f.startswith("persons")) for s in ("a", "b")}
    disagreements = [
        {
            "figure": f,
            labels["a"]: claimed["a"][f],
            labels["b"]: claimed["b"][f],
            "difference": claimed["a"][f] - claimed["b"][f],
        }
        for f in FIGURES
        if f in claimed["a"] and f in claimed["b"] and claimed["a"][f] != claimed["b"][f]
    ]
    return {
        "claimed": {labels[s]: claimed[s] for s in ("a", "b")},
        "announced_persons": {labels[s]: announced[s] for s in ("a", "b")},
        "announced_difference": announced["a"] - announced["b"],
        "disagreements": disagreements,
    }


def _exchange_view(record: ExchangeRecordRow) -> dict[str, Any]:
    labels = {"a": record.side_a, "b": record.side_b}
    return {
        "date": record.exchange_date.isoformat(),
        "date_label": record.date_label,
        "title": record.title,
        "mediator": record.mediator,
        "venue": record.venue,
        "reported": record.reported,
        "source": record.source,
        "persons_returned": {labels["a"]: record.persons_to_a, labels["b"]: record.persons_to_b},
        "remains_returned": {labels["a"]: record.remains_to_a, labels["b"]: record.remains_to_b},
        "categories": {labels[s]: dict(record.categories.get(s, {})) for s in ("a", "b")},
        "claims": _claims_view(record),
    }


def _add(target: dict[str, int], key: str, n: int) -> None:
    target[key] = target.get(key, 0) + n


def _tally_sides(record: ExchangeRecordRow, ledger: ExchangeLedger) -> None:
    for s, label in (("a", record.side_a), ("b", record.side_b)):
        side = ledger.per_side.setdefault(
            label, {"exchanges": 0, "persons_returned": 0, "remains_returned": 0}
        )
        _add(side, "exchanges", 1)
        _add(side, "persons_returned", getattr(record, f"persons_to_{s}"))
        _add(side, "remains_returned", getattr(record, f"remains_to_{s}"))
        for category, n in record.categories.get(s, {}).items():
            _add(ledger.per_category.setdefault(label, {}), category, int(n))


def _tally(record: ExchangeRecordRow, ledger: ExchangeLedger) -> None:
    """Add one exchange to every aggregate, and its running totals to the cumulative series."""
    persons = record.persons_to_a + record.persons_to_b
    remains = record.remains_to_a + record.remains_to_b
    _tally_sides(record, ledger)
    mediator = ledger.per_mediator.setdefault(record.mediator, {"exchanges": 0, "persons": 0, "remains": 0})
    kind = "reported_exchanges" if record.reported else "recorded_exchanges"
    for target, counts in ((mediator, ()), (ledger.totals, ((kind, 1),))):
        for key, n in (("exchanges", 1), ("persons", persons), ("remains", remains), *counts):
            _add(target, key, n)
    totals = ledger.totals
    ledger.cumulative.append(
        {
            "date": record.exchange_date.isoformat(),
            "title": record.title,
            "persons": totals["persons"],
            "remains": totals["remains"],
        }
    )
    view = _exchange_view(record)
    ledger.exchanges.append(view)
    if view["claims"] is not None:
        ledger.differences.append({"date": view["date"], "title": record.title, **view["claims"]})


def public_exchanges(uows: UnitOfWorkFactory) -> ExchangeLedger:
    """Every exchange on record, recorded or reported, by date, and the aggregates over them."""
    with uows.reader() as uow:
        records = list(
            uow.session.execute(
                select(ExchangeRecordRow).order_by(ExchangeRecordRow.exchange_date, ExchangeRecordRow.title)
            ).scalars()
        )
    totals = dict.fromkeys(("exchanges", "persons", "remains", "recorded_exchanges", "reported_exchanges"), 0)
    ledger = ExchangeLedger([], {}, {}, {}, [], totals, [])
    for record in records:
        _tally(record, ledger)
    return ledger
