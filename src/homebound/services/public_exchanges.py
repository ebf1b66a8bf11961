"""The public view of exchanges: publicly reported figures and the recorded handover days the mediator
published, by date, per side, per category, per mediator, cumulative, where the two sides' announcements
differ, and where a recorded exchange differs from the reported figures it supersedes (shown beside them,
never added to them). Never a person, never an agreement's internal title or venue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from homebound.db.exchange_tables import ExchangeRecordRow
from homebound.db.privacy_tables import PublicationRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.exchange_ledger import FIGURES

EXCHANGE_PUBLICATION = "exchange"
PUBLISHED_SOURCE = "recorded in Homebound at the crossing; published by the mediator"
NOT_PUBLISHED = "not published"


@dataclass(frozen=True)
class LedgerLine:
    """One line of the public ledger: one reported exchange, or one recorded day of handover."""

    id: str
    exchange_date: dt.date
    title: str
    mediator: str
    venue: str
    side_a: str
    side_b: str
    reported: bool
    source: str | None
    figures: Mapping[str, int]
    categories: Mapping[str, Mapping[str, int]]
    claims: Sequence[Mapping[str, Any]] = ()
    date_label: str | None = None
    published_at: str | None = None
    supersedes: Sequence[str] = ()

    @classmethod
    def reported_record(cls, record: ExchangeRecordRow) -> LedgerLine:
        return cls(
            id=record.id,
            exchange_date=record.exchange_date,
            title=record.title,
            mediator=record.mediator,
            venue=record.venue,
            side_a=record.side_a,
            side_b=record.side_b,
            reported=True,
            source=record.source,
            figures={f: int(getattr(record, f)) for f in FIGURES},
            categories=record.categories,
            claims=record.claims,
            date_label=record.date_label,
        )


def published_lines(publication: PublicationRow) -> list[LedgerLine]:
    """The handover days one publication act made public, under the agreement's public label only."""
    snapshot = publication.figures
    days = snapshot["days"]
    label = str(snapshot["label"])
    return [
        LedgerLine(
            id=f"{publication.id}:{n}",
            exchange_date=dt.date.fromisoformat(day["date"]),
            title=label if len(days) == 1 else f"{label}, handover {n} of {len(days)}",
            mediator=str(snapshot["mediator"]),
            venue=NOT_PUBLISHED,
            side_a=str(snapshot["side_a"]),
            side_b=str(snapshot["side_b"]),
            reported=False,
            source=PUBLISHED_SOURCE,
            figures={f: int(day["figures"][f]) for f in FIGURES},
            categories=day["categories"],
            published_at=publication.published_at.isoformat(),
            supersedes=tuple(snapshot.get("supersedes", ())),
        )
        for n, day in enumerate(days, 1)
    ]


@dataclass(frozen=True)
class ExchangeLedger:
    exchanges: list[dict[str, Any]]  # by date
    per_side: dict[str, dict[str, int]]
    per_category: dict[str, dict[str, int]]
    per_mediator: dict[str, dict[str, int]]
    cumulative: list[dict[str, Any]]
    totals: dict[str, int]
    differences: list[dict[str, Any]]
    # Reported exchanges a recorded one superseded: not counted, shown beside the recorded figures.
    superseded: list[dict[str, Any]] = field(default_factory=list)
    min_count: int = 1  # category counts above zero and below it are shown as None


def _claims_view(record: LedgerLine) -> dict[str, Any] | None:
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


def suppressed(n: int, min_count: int) -> int | None:
    """A count as the public may see it: None when above zero and below the threshold."""
    return None if 0 < n < min_count else n


def _figures_view(line: LedgerLine) -> dict[str, dict[str, int]]:
    labels = {"a": line.side_a, "b": line.side_b}
    return {
        kind: {labels[s]: int(line.figures[f"{kind}_to_{s}"]) for s in ("a", "b")}
        for kind in ("persons", "remains")
    }


def _exchange_view(line: LedgerLine, min_count: int) -> dict[str, Any]:
    labels = {"a": line.side_a, "b": line.side_b}
    figures = _figures_view(line)
    return {
        "id": line.id,
        "date": line.exchange_date.isoformat(),
        "date_label": line.date_label,
        "title": line.title,
        "mediator": line.mediator,
        "venue": line.venue,
        "reported": line.reported,
        "source": line.source,
        "published_at": line.published_at,
        "persons_returned": figures["persons"],
        "remains_returned": figures["remains"],
        "categories": {
            labels[s]: {k: suppressed(int(n), min_count) for k, n in line.categories.get(s, {}).items()}
            for s in ("a", "b")
        },
        "claims": _claims_view(line),
        "supersedes": list(line.supersedes),
    }


def _add(target: dict[str, int], key: str, n: int) -> None:
    target[key] = target.get(key, 0) + n


def _tally_sides(line: LedgerLine, ledger: ExchangeLedger) -> None:
    for s, label in (("a", line.side_a), ("b", line.side_b)):
        side = ledger.per_side.setdefault(
            label, {"exchanges": 0, "persons_returned": 0, "remains_returned": 0}
        )
        _add(side, "exchanges", 1)
        _add(side, "persons_returned", line.figures[f"persons_to_{s}"])
        _add(side, "remains_returned", line.figures[f"remains_to_{s}"])
        for category, n in line.categories.get(s, {}).items():
            if suppressed(int(n), ledger.min_count) is not None:
                _add(ledger.per_category.setdefault(label, {}), category, int(n))


def _tally(line: LedgerLine, ledger: ExchangeLedger) -> None:
    """Add one exchange to every aggregate, and its running totals to the cumulative series."""
    persons = line.figures["persons_to_a"] + line.figures["persons_to_b"]
    remains = line.figures["remains_to_a"] + line.figures["remains_to_b"]
    _tally_sides(line, ledger)
    mediator = ledger.per_mediator.setdefault(line.mediator, {"exchanges": 0, "persons": 0, "remains": 0})
    kind = "reported_exchanges" if line.reported else "recorded_exchanges"
    for target, counts in ((mediator, ()), (ledger.totals, ((kind, 1),))):
        for key, n in (("exchanges", 1), ("persons", persons), ("remains", remains), *counts):
            _add(target, key, n)
    totals = ledger.totals
    ledger.cumulative.append(
        {
            "date": line.exchange_date.isoformat(),
            "title": line.title,
            "persons": totals["persons"],
            "remains": totals["remains"],
        }
    )
    view = _exchange_view(line, ledger.min_count)
    ledger.exchanges.append(view)
    if view["claims"] is not None:
        ledger.differences.append({"date": view["date"], "title": line.title, **view["claims"]})


def _superseded_view(reported: LedgerLine, recorded: Sequence[LedgerLine]) -> dict[str, Any]:
    """A reported exchange beside the recorded days that replace it: recorded minus reported, per figure."""
    was = _figures_view(reported)
    now: dict[str, dict[str, int]] = {"persons": {}, "remains": {}}
    for line in recorded:
        for kind, per_side in _figures_view(line).items():
            for side, n in per_side.items():
                now[kind][side] = now[kind].get(side, 0) + n
    return {
        "reported": {
            "id": reported.id,
            "date": reported.exchange_date.isoformat(),
            "title": reported.title,
            **{f"{kind}_returned": was[kind] for kind in was},
        },
        "recorded": {
            "titles": [line.title for line in recorded],
            "dates": sorted({line.exchange_date.isoformat() for line in recorded}),
            **{f"{kind}_returned": now[kind] for kind in now},
        },
        "difference": {
            f"{kind}_returned": {side: now[kind].get(side, 0) - n for side, n in was[kind].items()}
            for kind in was
        },
    }


def latest_exchange_publications(uows: UnitOfWorkFactory) -> list[PublicationRow]:
    """The latest publication act of each agreement: a newer act replaces an older one."""
    with uows.reader() as uow:
        acts = uow.session.execute(
            select(PublicationRow)
            .where(PublicationRow.kind == EXCHANGE_PUBLICATION)
            .order_by(PublicationRow.subject_id, PublicationRow.published_at)
        ).scalars()
        return list({act.subject_id: act for act in acts}.values())


def public_exchanges(uows: UnitOfWorkFactory, *, min_count: int = 1) -> ExchangeLedger:
    """Reported exchanges and published recorded days, by date, and the aggregates over them. A reported
    exchange that a published one supersedes is not counted: it is shown beside it, with the difference."""
    with uows.reader() as uow:
        records = uow.session.execute(select(ExchangeRecordRow).where(ExchangeRecordRow.reported)).scalars()
        reported = {r.id: LedgerLine.reported_record(r) for r in records}
    recorded = [line for act in latest_exchange_publications(uows) for line in published_lines(act)]
    replaced: dict[str, list[LedgerLine]] = {}
    for line in recorded:
        for record_id in line.supersedes:
            if record_id in reported:
                replaced.setdefault(record_id, []).append(line)
    lines = [line for record_id, line in reported.items() if record_id not in replaced] + recorded
    lines.sort(key=lambda line: (line.exchange_date, line.title))
    totals = dict.fromkeys(("exchanges", "persons", "remains", "recorded_exchanges", "reported_exchanges"), 0)
    ledger = ExchangeLedger([], {}, {}, {}, [], totals, [], min_count=min_count)
    for line in lines:
        _tally(line, ledger)
    for record_id, days in sorted(replaced.items(), key=lambda item: reported[item[0]].exchange_date):
        ledger.superseded.append(_superseded_view(reported[record_id], days))
    return ledger
