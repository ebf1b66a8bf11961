"""`homebound deaths ...` and `homebound remains ...`: the owning party's death records and remains, person by
person. Death records come from JSON files in the shape the API takes (`PUT /api/v1/deaths/{person_id}`)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from homebound.cli.context import actor_for_username, load_settings, open_uows
from homebound.core.errors import DomainError, ValidationFailed
from homebound.core.remains import Identification
from homebound.services import deaths, remains
from homebound.web.schemas.deaths import DeathIn

deaths_app = typer.Typer(
    help="Deaths in captivity (GC III Art. 120-121): record and show.", no_args_is_help=True
)
remains_app = typer.Typer(help="Remains, person by person: record, list, identify.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)
UserOpt = Annotated[str, typer.Option("--user", "-u", help="act as this user (their role and party apply)")]


def _fail(exc: DomainError) -> None:
    err.print(f"[red]error[/red] {exc.code}: {exc.message}")
    if isinstance(exc, ValidationFailed):
        for problem in exc.problems[:20]:
            err.print(f"  {problem.field}: {problem.message} ({problem.code})")
    raise typer.Exit(code=2)


@deaths_app.command("record")
def record_death(
    person_id: Annotated[str, typer.Argument(help="the person record's id")],
    body: Annotated[Path, typer.Argument(help="a JSON file in the shape the API takes", exists=True)],
    user: UserOpt,
) -> None:
    """Record or amend a death; the person moves to deceased and families on their inquiry are told."""
    uows = open_uows(load_settings())
    try:
        death = DeathIn.model_validate(json.loads(body.read_text(encoding="utf-8")))
    except (ValidationError, json.JSONDecodeError) as exc:
        err.print(f"[red]error[/red] {body.name} is not a death record: {str(exc)[:300]}")
        raise typer.Exit(code=2) from None
    try:
        view = deaths.record_death(uows, actor_for_username(uows, user), person_id, death.as_text())
    except DomainError as exc:
        _fail(exc)
        return
    owed = [name for name, flag in (("inquiry", view.inquiry_owed), ("notice", view.notice_owed)) if flag]
    out.print(f"death record version {view.version}" + (f"; still owed: {', '.join(owed)}" if owed else ""))


@deaths_app.command("show")
def show_death(
    person_id: Annotated[str, typer.Argument(help="the person record's id")], user: UserOpt
) -> None:
    """A person's death record, field by field."""
    uows = open_uows(load_settings())
    try:
        view = deaths.get_death(uows, actor_for_username(uows, user), person_id)
    except DomainError as exc:
        _fail(exc)
        return
    if view is None:
        out.print("no death recorded")
        return
    for name, value in vars(view.record).items():
        if value not in (None, "", False):
            out.print(f"{name}: {value}")


@remains_app.command("add")
def add_remains(
    reference: Annotated[str, typer.Argument(help="the bag or body number")],
    user: UserOpt,
    found_place: Annotated[str | None, typer.Option(help="where the remains were found")] = None,
    found_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    batch: Annotated[str | None, typer.Option(help="the exchange's remains batch")] = None,
    dna_case: Annotated[str | None, typer.Option(help="the DNA case reference")] = None,
    mixed_with: Annotated[
        list[str] | None, typer.Option(help="a reference these remains are mixed with")
    ] = None,
) -> None:
    """Record one body or set of remains (pending identification)."""
    uows = open_uows(load_settings())
    raw = {
        "reference": reference,
        "found_place": found_place,
        "found_on": found_on,
        "batch_id": batch,
        "dna_case_reference": dna_case,
    }
    try:
        view = remains.record_remains(uows, actor_for_username(uows, user), raw, mixed_with=mixed_with or [])
    except DomainError as exc:
        _fail(exc)
        return
    out.print(view.id)


@remains_app.command("list")
def list_remains(
    user: UserOpt, batch: Annotated[str | None, typer.Option(help="only this batch")] = None
) -> None:
    """The party's remains records."""
    uows = open_uows(load_settings())
    try:
        views = remains.list_remains(uows, actor_for_username(uows, user), batch_id=batch, limit=500)
    except DomainError as exc:
        _fail(exc)
        return
    table = Table("reference", "batch", "identification", "on", "mixed with", "id")
    references = {v.id: v.reference for v in views}
    for v in views:
        table.add_row(
            v.reference,
            v.batch_id or "",
            v.identification.value,
            v.identified_on.isoformat() if v.identified_on else "",
            ", ".join(references.get(m, m[:8]) for m in v.mixed_with),
            v.id,
        )
    out.print(table)


@remains_app.command("identify")
def identify(
    remains_id: Annotated[str, typer.Argument(help="the remains record's id")],
    outcome: Annotated[Identification, typer.Argument(help="pending, identified or excluded")],
    user: UserOpt,
    on: Annotated[str | None, typer.Option(help="date of the outcome, YYYY-MM-DD")] = None,
    sought: Annotated[str | None, typer.Option(help="the party's own sought record identified")] = None,
) -> None:
    """Record an identification outcome; a named sought record moves to deceased and its families are told."""
    uows = open_uows(load_settings())
    try:
        when = dt.date.fromisoformat(on) if on else None
    except ValueError:
        err.print("[red]error[/red] --on is not a date (YYYY-MM-DD)")
        raise typer.Exit(code=2) from None
    try:
        view = remains.identify_remains(
            uows, actor_for_username(uows, user), remains_id, outcome, on=when, sought_person_id=sought
        )
    except DomainError as exc:
        _fail(exc)
        return
    out.print(f"{view.reference}: {view.identification.value}")
