"""Benchmark: the handover act of a 1,000-line tranche to PDF (WeasyPrint), against the HTML render alone.

Run from the project root: `.venv/bin/python bench/documents.py [--lines 1000]` (SQLite in a temporary file).
A tranche of LINES persons (half from each side, N for N) is composed, concluded, delivered and closed through
the services; then, each timed: reading the act's data (one transaction: lines, records the reader may read,
their log entries), rendering its HTML from the templates (the baseline: what a page of the same content
costs), and rendering that HTML to PDF. The PDF's pages and size are printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.handover import PASSWORD, _seed, _world
from homebound.cli.context import keys_of, load_settings
from homebound.core.exchange.formula import NForN
from homebound.core.exchange.handover import LineAction
from homebound.core.exchange.terms import Terms, TrancheSpec
from homebound.db.engine import make_engine
from homebound.db.migrate import upgrade
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import agreements, handover
from homebound.services.composition import compose_version
from homebound.services.documents.exchange import handover_act
from homebound.services.sign_in import Reauthentication
from homebound.web.ui.paper import render_html, render_pdf

T = TypeVar("T")


def _timed(label: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = fn()
    print(f"  {label:<52} {time.perf_counter() - start:8.2f} s", flush=True)
    return result


def run(url: str, lines: int, repeat: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    uows = UnitOfWorkFactory(engine, keys_of(load_settings()))
    actors = _world(uows)
    mediator = actors["m"]
    half = lines // 2
    _timed(f"seed: 4 lists of {half + half // 2} rows", lambda: _seed(uows, actors, half + half // 2))
    terms = Terms(
        date(2025, 5, 23), formulas=(NForN(),), max_persons=2 * half, tranches=(TrancheSpec(half, half),)
    )
    opened = agreements.create_agreement(uows, mediator, title="bench", party_a="pa", party_b="pb", venue="v")
    compose_version(uows, mediator, opened.id, terms, share=True, decisions="none")
    for actor in (actors["a"], actors["b"]):
        agreements.accept(uows, actor, opened.id, 1, Reauthentication(PASSWORD))
    agreements.conclude(uows, mediator, opened.id)
    manifest = handover.get_tranche(uows, mediator, opened.id, 1).lines
    commands = [handover.LineCommand(LineAction.DELIVER, line["candidate_id"]) for line in manifest]
    _timed(
        f"deliver {len(commands)} lines",
        partial(handover.record_lines, uows, mediator, opened.id, 1, commands),
    )
    handover.close_tranche(uows, mediator, opened.id, 1, Reauthentication(PASSWORD))
    for attempt in range(1, repeat + 1):
        print(f" run {attempt}")
        paper = _timed(
            "read the act's data (service, one transaction)",
            partial(handover_act, uows, mediator, opened.id, 1),
        )
        html = _timed(
            "baseline: HTML from the templates (uk | ru)",
            partial(render_html, paper, ("uk", "ru"), printed_by="m"),
        )
        pdf = _timed("PDF from that HTML (WeasyPrint)", partial(render_pdf, html))
    size = f"HTML {len(html) / 1024:.0f} KiB, PDF {len(pdf) / 1024:.0f} KiB"
    print(f"  act of {len(paper.content['lines'])} lines: {size}")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        import subprocess  # noqa: PLC0415 - poppler's pdfinfo, only to count the pages

        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True, check=False).stdout  # noqa: S603, S607
        pages = next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), "?")
    print(f"  pages: {pages}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000, help="persons in the tranche (both sides)")
    parser.add_argument("--repeat", type=int, default=2, help="timed renders (the first loads fonts)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        os.environ.setdefault("HOMEBOUND_KEY_DIR", str(Path(directory) / "keys"))
        run(f"sqlite:///{directory}/bench.sqlite3", args.lines, args.repeat)


if __name__ == "__main__":
    main()
