"""Exchanges for the ledger: aggregates recorded from closed tranches (the internal record, and the handover
day by day as the mediator may publish it), and publicly reported figures (marked as reported). The public
view over them is services.public_exchanges. Never a person."""

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
from homebound.core.exchange.handover import SETTLED, LineState, ManifestLine, Tranche
from homebound.core.exchange.ranks import is_officer, rank_class_of
from homebound.core.exchange.remains import RemainsBatch
from homebound.core.log.entries import ActionTag
from homebound.core.persons import Health
from homebound.db.agreement_store import load_agreement, participants_of
from homebound.db.exchange_tables import AgreementRow, ExchangeRecordRow, HandoverLineRow, RemainsBatchRow
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


def _aggregates(
    persons: Mapping[str, PersonRow], lines: Sequence[ManifestLine], batches: Sequence[RemainsBatch]
) -> tuple[dict[str, int], dict[str, Any]]:
    """Figures and categories per receiving side from manifest lines and remains batches."""
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
    for batch in batches:
        to = batch.releasing_side.other
        figures[f"remains_to_{to.value}"] += batch.count
        bump(to, f"remains_{batch.status.value}", batch.count)
    return figures, categories


def _persons(session: Session, tranches: Sequence[Tranche]) -> dict[str, PersonRow]:
    lines = [line for tranche in tranches for line in tranche.lines]
    substitutes = [ln.substitute.candidate_id for ln in lines if ln.substitute is not None]
    return persons_by_id(session, [ln.candidate_id for ln in lines] + substitutes)


@dataclass(frozen=True)
class CrossingDay:
    """What one tranche moved on one day: persons by the day their line was settled at the crossing,
    remains by the day their batch was received. A tranche over two days is two of these."""

    day: dt.date
    tranche: int  # 1-based
    figures: dict[str, int]
    categories: dict[str, Any]


def _settled_on(
    session: Session, agreement_id: str
) -> tuple[dict[tuple[int, int], dt.date], dict[Any, dt.date]]:
    """When each line was settled and each remains batch received. A settled line is never changed again,
    so the time of its last change is the time it crossed (or was refused, or reported not delivered)."""
    lines = session.execute(
        select(HandoverLineRow.tranche_index, HandoverLineRow.line_no, HandoverLineRow.updated_at).where(
            HandoverLineRow.agreement_id == agreement_id
        )
    ).all()
    batches = session.execute(
        select(RemainsBatchRow.tranche_index, RemainsBatchRow.batch_id, RemainsBatchRow.created_at).where(
            RemainsBatchRow.agreement_id == agreement_id
        )
    ).all()
    return (
        {(index, number): _day(at) for index, number, at in lines},
        {(index, batch): _day(at) for index, batch, at in batches},
    )


def _day(at: dt.datetime) -> dt.date:
    return (at if at.tzinfo is None else at.astimezone(dt.UTC)).date()


def crossing_days(session: Session, row: AgreementRow, *, closed_only: bool = True) -> list[CrossingDay]:
    """The handover day by day (and tranche by tranche), dated by the crossing, not by the plan; only
    closed tranches unless asked, so that nothing counts a crossing still under way."""
    rows = [t for t in tranche_rows(session, row.id) if t.state == CLOSED or not closed_only]
    listed = listed_ids(session, row.id)
    tranches = [load_tranche(session, t, listed) for t in rows]
    persons = _persons(session, tranches)
    line_days, batch_days = _settled_on(session, row.id)
    groups: dict[tuple[dt.date, int], tuple[list[ManifestLine], list[RemainsBatch]]] = {}
    for tranche in tranches:
        for line in tranche.lines:
            if line.state in SETTLED:
                key = (line_days[(tranche.index, line.line_no)], tranche.index)
                groups.setdefault(key, ([], []))[0].append(line)
        for batch in tranche.remains:
            key = (batch_days[(tranche.index, batch.batch_id)], tranche.index)
            groups.setdefault(key, ([], []))[1].append(batch)
    days = []
    for (day, index), (lines, batches) in sorted(groups.items()):
        figures, categories = _aggregates(persons, lines, batches)
        if any(figures.values()):
            days.append(CrossingDay(day, index + 1, figures, categories))
    return days


def refresh_record(session: Session, actor: Actor, row: AgreementRow) -> None:
    """Write (or rewrite) the agreement's internal exchange record once one of its tranches is closed, dated
    by its first day of crossing. Internal: the public ledger shows only what the mediator publishes."""
    rows = tranche_rows(session, row.id)
    if not any(t.state == CLOSED for t in rows):
        return
    listed = listed_ids(session, row.id)
    tranches = [load_tranche(session, t, listed) for t in rows]
    lines = [line for tranche in tranches for line in tranche.lines]
    figures, categories = _aggregates(
        _persons(session, tranches), lines, [b for tranche in tranches for b in tranche.remains]
    )
    crossed = crossing_days(session, row, closed_only=False)
    if crossed:
        day = crossed[0].day
    else:
        scheduled = [t.scheduled_on for t in rows if t.scheduled_on is not None]
        day = (
            min(scheduled)
            if scheduled
            else load_agreement(session, row).concluded_version.terms.reference_date
        )
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
