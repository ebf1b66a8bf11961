"""The public ledger's exchanges over time as tables (the charts draw what the tables say): per side and
exchange, cumulative totals, per mediator and category, and the differences between the sides' reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from homebound.services.ledger import PublicSummary
from homebound.services.public_exchanges import ExchangeLedger


@dataclass(frozen=True)
class SeriesTable:
    """Rows of a chart's table: a heading cell and one number per series; `kind` is the chart's type."""

    key: str
    series: list[str]
    rows: list[tuple[str, list[int]]]
    kind: str = "bar"


def _exchange_label(exchange: dict[str, object]) -> str:
    return f"{exchange.get('date_label') or exchange['date']} · {exchange['title']}"


def _sides(exchanges: ExchangeLedger) -> list[str]:
    return list(exchanges.per_side)


def exchange_tables(exchanges: ExchangeLedger) -> list[SeriesTable]:
    sides = _sides(exchanges)
    per_exchange = [
        (_exchange_label(e), [int(e["persons_returned"].get(side, 0)) for side in sides])
        for e in exchanges.exchanges
    ]
    cumulative = [
        (f"{c['date']} · {c['title']}", [int(c["persons"]), int(c["remains"])]) for c in exchanges.cumulative
    ]
    mediators = [
        (name, [m["exchanges"], m["persons"], m["remains"]])
        for name, m in sorted(exchanges.per_mediator.items())
    ]
    categories = sorted({c for counts in exchanges.per_category.values() for c in counts})
    per_category = [
        (c, [exchanges.per_category.get(side, {}).get(c, 0) for side in sides]) for c in categories
    ]
    return [
        SeriesTable("per-exchange", sides, per_exchange),
        SeriesTable("cumulative", ["persons", "remains"], cumulative, kind="line"),
        SeriesTable("per-mediator", ["exchanges", "persons", "remains"], mediators),
        SeriesTable("per-category", sides, per_category),
    ]


def difference_table(exchanges: ExchangeLedger) -> SeriesTable:
    """Per reported exchange: what each side announced it received, and the gap between them."""
    sides = _sides(exchanges)
    rows = []
    for d in exchanges.differences:
        announced = d["announced_persons"]
        rows.append((f"{d['date']} · {d['title']}", [int(announced.get(side, 0)) for side in sides]))
    return SeriesTable("differences", sides, rows)


def checkpoint_time(summary: PublicSummary) -> str:
    if summary.checkpoint is None:
        return ""
    stamp = dt.datetime.fromtimestamp(summary.checkpoint.checkpoint.timestamp_ms / 1000, tz=dt.UTC)
    return stamp.strftime("%Y-%m-%d %H:%M:%S UTC")
