"""`homebound link`: link two list files into proposed pairs, with no database."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from homebound.core.errors import DomainError, ValidationFailed
from homebound.core.persons import Registry

if TYPE_CHECKING:  # imported lazily at run time, so `homebound --help` stays fast
    import pandas as pd

    from homebound.linkage.model import LinkageModel

console = Console(stderr=True)
MAX_SHOWN_PROBLEMS = 20
OUTPUT_COLUMNS = ("left_id", "right_id", "match_probability", "decision")


def _read(path: Path, registry: Registry, *, skip_invalid: bool) -> pd.DataFrame:
    """The valid rows of a list file as a frame of source columns; problems stop the run unless skipped."""
    from homebound.linkage.features import frame_from_persons
    from homebound.lists.readers import read_list
    from homebound.lists.validate import describe, validate_table

    try:
        table = read_list(path.read_bytes(), path.name, registry=registry)
        checked = validate_table(table, registry)
    except ValidationFailed as exc:
        _refuse(path, [describe(p) for p in exc.problems])
    if checked.problems:
        lines = [describe(p) for p in checked.problems]
        if not skip_invalid:
            _refuse(path, lines)
        console.print(f"[yellow]{path.name}[/yellow]: skipping rows with {len(lines)} problems")
    console.print(f"{path.name}: {len(checked.rows):,} records ({table.encoding or table.format})")
    return frame_from_persons(checked.rows)


def _refuse(path: Path, lines: list[str]) -> NoReturn:
    console.print(
        f"[red]{path.name}[/red]: {len(lines)} problems (use --skip-invalid to link the other rows)"
    )
    for line in lines[:MAX_SHOWN_PROBLEMS]:
        console.print(f"  {line}")
    raise typer.Exit(code=2)


def _write(path: Path, proposals: pd.DataFrame, *, explain: bool, model: LinkageModel) -> int:
    from homebound.linkage.explain import explain_pair

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*OUTPUT_COLUMNS, "explanation"] if explain else OUTPUT_COLUMNS)
        for pair in proposals.to_dict("records"):
            row = [pair["left_id"], pair["right_id"], f"{pair['match_probability']:.6f}", pair["decision"]]
            if explain:
                row.append(explain_pair(pair, model).summary())
            writer.writerow(row)
    return len(proposals)


def link(
    left: Annotated[
        Path, typer.Argument(help="the seeking side's list (CSV or XLSX)", exists=True, dir_okay=False)
    ],
    right: Annotated[
        Path, typer.Argument(help="the holding side's list (CSV or XLSX)", exists=True, dir_okay=False)
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV of proposed pairs to write")],
    model: Annotated[
        Path | None,
        typer.Option(help="a model file from --save-model; without it a model is trained on the two lists"),
    ] = None,
    save_model: Annotated[Path | None, typer.Option(help="write the model used to this file")] = None,
    match_threshold: Annotated[float, typer.Option(help="probability from which a pair is a match")] = 0.95,
    review_threshold: Annotated[float, typer.Option(help="probability from which a pair is reviewed")] = 0.5,
    explain: Annotated[bool, typer.Option(help="add a column saying which levels made each score")] = False,
    skip_invalid: Annotated[
        bool, typer.Option(help="link the valid rows of a list that has bad rows")
    ] = False,
) -> None:
    """Link two lists of persons across Ukrainian, Russian and Latin spellings; no database needed.

    Lists need record_id and family_name; given_name, patronymic, sex, date_of_birth, unit and
    service_number are used when present. Headers may be English, Ukrainian or Russian; CSV in UTF-8 or
    Windows-1251, or XLSX.

    Writes one row per proposed pair, each record in at most one: left_id, right_id, match_probability,
    decision (match, or review where a person should look). Progress goes to stderr.
    """
    from homebound.linkage.assign import Bands
    from homebound.linkage.model import LinkageModel, ModelMismatch
    from homebound.linkage.pipeline import link_lists

    started = time.perf_counter()
    try:
        bands = Bands(match=match_threshold, review=review_threshold)
        loaded = LinkageModel.load(model) if model else None
    except (ValueError, ModelMismatch, OSError) as exc:
        console.print(f"[red]error[/red]: {exc}")
        raise typer.Exit(code=2) from None
    try:
        left_frame = _read(left, Registry.SOUGHT, skip_invalid=skip_invalid)
        right_frame = _read(right, Registry.HELD, skip_invalid=skip_invalid)
    except DomainError as exc:
        console.print(f"[red]error[/red] {exc.code}: {exc.message}")
        raise typer.Exit(code=2) from None

    def progress(message: str) -> None:
        console.print(f"[dim]{time.perf_counter() - started:6.1f}s[/dim] {message}")

    result = link_lists(left_frame, right_frame, model=loaded, bands=bands, progress=progress)
    if save_model:
        result.model.save(save_model)
        progress(f"model written to {save_model}")
    written = _write(output, result.proposals, explain=explain, model=result.model)
    matches = int((result.proposals["decision"] == "match").sum())
    progress(f"{written:,} pairs written to {output} ({matches:,} match, {written - matches:,} review)")
