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
OUTPUT_COLUMNS = ("left_id", "right_id", "match_probability", "decision", "problems")


def _read(path: Path, registry: Registry, *, skip_invalid: bool) -> tuple[pd.DataFrame, dict[str, str]]:
    """The rows of a list file as a frame of source columns, and each record's problems that did not stop it.

    A date of birth that is no date (31 April, an unreadable digit) never stops a row: the other side's list
    is not ours to correct, so the date is kept as written and compared digit by digit. Other problems stop
    the run unless skipped.
    """
    from homebound.linkage.features import frame_from_persons
    from homebound.lists.readers import read_list
    from homebound.lists.validate import describe, validate_table

    try:
        table = read_list(path.read_bytes(), path.name, registry=registry)
        checked = validate_table(table, registry, dates_as_written=True)
    except ValidationFailed as exc:
        _refuse(path, [describe(p) for p in exc.problems])
    if checked.problems:
        lines = [describe(p) for p in checked.problems]
        if not skip_invalid:
            _refuse(path, lines)
        console.print(f"[yellow]{path.name}[/yellow]: skipping rows with {len(lines)} problems")
    frame = frame_from_persons(checked.rows)
    problems: dict[str, str] = {}
    for position, (written, message) in checked.dates_as_written.items():
        frame.at[position, "date_of_birth"] = written
        row = checked.row_numbers[position]
        record_id = checked.rows[position].record_id
        problems[record_id] = f"date_of_birth (row {row}) compared as written: {message}"
    kept = f", {len(problems):,} with a date of birth kept as written" if problems else ""
    console.print(f"{path.name}: {len(checked.rows):,} records ({table.encoding or table.format}){kept}")
    return frame, problems


def _refuse(path: Path, lines: list[str]) -> NoReturn:
    console.print(
        f"[red]{path.name}[/red]: {len(lines)} problems (use --skip-invalid to link the other rows)"
    )
    for line in lines[:MAX_SHOWN_PROBLEMS]:
        console.print(f"  {line}")
    raise typer.Exit(code=2)


def _write(
    path: Path,
    proposals: pd.DataFrame,
    problems: tuple[dict[str, str], dict[str, str]],
    *,
    explain: bool,
    model: LinkageModel,
) -> int:
    from homebound.linkage.explain import explain_pair

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*OUTPUT_COLUMNS, "explanation"] if explain else OUTPUT_COLUMNS)
        for pair in proposals.to_dict("records"):
            flagged = [
                f"{side}: {found}"
                for side, record_id, of_side in (
                    ("left", pair["left_id"], problems[0]),
                    ("right", pair["right_id"], problems[1]),
                )
                if (found := of_side.get(str(record_id)))
            ]
            row = [
                pair["left_id"],
                pair["right_id"],
                f"{pair['match_probability']:.6f}",
                pair["decision"],
                " | ".join(flagged),
            ]
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
    match_threshold: Annotated[float, typer.Option(help="probability from which a pair is a match")] = 0.8,
    review_threshold: Annotated[float, typer.Option(help="probability from which a pair is reviewed")] = 0.02,
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
    decision (match, or review where a person should look), problems (a date of birth that is no date,
    linked on the rest and compared as written). Progress goes to stderr.
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
        left_frame, left_problems = _read(left, Registry.SOUGHT, skip_invalid=skip_invalid)
        right_frame, right_problems = _read(right, Registry.HELD, skip_invalid=skip_invalid)
    except DomainError as exc:
        console.print(f"[red]error[/red] {exc.code}: {exc.message}")
        raise typer.Exit(code=2) from None

    def progress(message: str) -> None:
        console.print(f"[dim]{time.perf_counter() - started:6.1f}s[/dim] {message}")

    result = link_lists(left_frame, right_frame, model=loaded, bands=bands, progress=progress)
    if save_model:
        result.model.save(save_model)
        progress(f"model written to {save_model}")
    written = _write(
        output, result.proposals, (left_problems, right_problems), explain=explain, model=result.model
    )
    matches = int((result.proposals["decision"] == "match").sum())
    progress(f"{written:,} pairs written to {output} ({matches:,} match, {written - matches:,} review)")
