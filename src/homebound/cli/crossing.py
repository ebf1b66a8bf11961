"""`homebound crossing ...`: the offline crossing on a crossing node: a concluded agreement's manifest in,
lines recorded from a file, the signed act of a tranche out, and where a tranche stands. The act and the
countersignatures travel with `homebound package send --kind handover-act|countersignature --act HASH`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from homebound.cli.context import actor_for_username, load_settings, open_uows
from homebound.cli.package import UserOpt
from homebound.cli.package import _refused as refused
from homebound.core.errors import DomainError, FieldProblem, ValidationFailed
from homebound.core.packages.acts import Outcome
from homebound.services.federation.crossing import LineRecord

crossing_app = typer.Typer(
    help="The offline crossing: manifest in, lines recorded, the signed act of a tranche out.",
    no_args_is_help=True,
)
out = Console(soft_wrap=True)  # hashes stay on one line for scripts
HashOpt = Annotated[str, typer.Option("--agreement-hash", help="the concluded agreement's content hash")]
TrancheOpt = Annotated[int, typer.Option(min=1, help="the tranche's number")]
LINE_COLUMNS = ("line_no", "outcome", "crossed_at", "substitute", "note", "device")


@crossing_app.command("manifest")
def manifest(
    agreement: Annotated[str, typer.Option(help="the concluded agreement's id")],
    user: UserOpt,
    output: Annotated[Path, typer.Option("--output", "-o", help="file to write the manifest to")],
) -> None:
    """On the node that concluded the agreement: its crossing manifest (what the `conclusion` carries)."""
    from homebound.services.federation.crossing import crossing_manifest

    uows = open_uows(load_settings())
    try:
        document = crossing_manifest(uows, actor_for_username(uows, user), agreement)
    except DomainError as exc:
        refused(exc)
        return
    output.write_text(json.dumps(document, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    out.print(f"wrote {output}: agreement {document['content_hash']}")


@crossing_app.command("install")
def install(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Keep a crossing manifest on this node (until the `conclusion` package brings it)."""
    from homebound.services.federation.crossing import install_manifest

    try:
        install_manifest(open_uows(load_settings()), "cli", json.loads(file.read_text(encoding="utf-8")))
    except DomainError as exc:
        refused(exc)
        return
    out.print(f"installed {file}")


def _records(data: str) -> list[LineRecord]:
    rows = list(csv.DictReader(io.StringIO(data)))
    records: list[LineRecord] = []
    for number, row in enumerate(rows, start=2):
        try:
            records.append(LineRecord(
                int(row["line_no"]), Outcome(row["outcome"]), row.get("crossed_at") or None,
                row.get("substitute") or None, row.get("note") or "", row.get("device") or "",
            ))  # fmt: skip
        except (KeyError, ValueError) as error:
            problem = FieldProblem("lines", "invalid_value", f"columns {', '.join(LINE_COLUMNS)}", row=number)
            raise ValidationFailed([problem]) from error
    return records


@crossing_app.command("record")
def record(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV of the lines")],
    agreement_hash: HashOpt,
    tranche: TrancheOpt,
    user: UserOpt,
) -> None:
    """Record the lines a device saw, all or none."""
    from homebound.services.federation.crossing import record_crossing

    uows = open_uows(load_settings())
    try:
        records = _records(file.read_text(encoding="utf-8"))
        hashes = record_crossing(uows, actor_for_username(uows, user), agreement_hash, tranche, records)
    except DomainError as exc:
        refused(exc)
        return
    out.print(f"recorded {len(hashes)} line(s) of tranche {tranche}")


@crossing_app.command("act")
def act(agreement_hash: HashOpt, tranche: TrancheOpt, user: UserOpt) -> None:
    """Sign the act of a tranche over every line this node holds; prints its hash."""
    from homebound.services.federation.crossing import issue_act

    uows = open_uows(load_settings())
    try:
        issued = issue_act(uows, actor_for_username(uows, user), agreement_hash, tranche)
    except DomainError as exc:
        refused(exc)
        return
    resolution = issued.act.resolution
    state = "complete" if resolution.complete else "incomplete"
    out.print(f"act {issued.hash} ({state}): {len(issued.act.lines)} line(s),"
              f" {len(resolution.conflicts)} conflict(s), counted {dict(resolution.counted)}")  # fmt: skip


@crossing_app.command("status")
def status(agreement_hash: HashOpt, tranche: TrancheOpt) -> None:
    """The acts of a tranche held here, who countersigned which, and whether it is closed."""
    from homebound.services.federation.countersigning import tranche_at_crossing

    try:
        found = tranche_at_crossing(open_uows(load_settings()), agreement_hash, tranche)
    except DomainError as exc:
        refused(exc)
        return
    for act_hash, facts in found.acts.items():
        signed = ", ".join(facts["countersigned_by"]) or "nobody"
        out.print(f"act {act_hash} from {facts['issuer']}: {facts['lines']} line(s),"
                  f" {len(facts['conflicts'])} conflict(s), countersigned by {signed}")  # fmt: skip
    out.print(f"tranche {tranche}: " + (f"closed by act {found.closed_by}" if found.closed_by else "open"))
