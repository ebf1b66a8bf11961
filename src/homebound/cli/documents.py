"""`homebound documents KIND`: print a document to PDF, as the user may see its data."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from homebound.cli.context import actor_for_username, load_settings, open_uows
from homebound.core.errors import DomainError, ValidationFailed
from homebound.core.paper import DocumentKind
from homebound.core.persons import Registry
from homebound.services.documents.build import DocumentRequest, build_document
from homebound.services.documents.people import RecordRef

out = Console()
err = Console(stderr=True)


def documents(
    kind: Annotated[
        DocumentKind,
        typer.Argument(
            help="handover-act (--agreement, --tranche), list (--agreement [--version] [--side]), "
            "capture-card, death-certificate or repatriation-certificate (--record)"
        ),
    ],
    user: Annotated[str, typer.Option("--user", "-u", help="act as this user (their role and party apply)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="the PDF file to write")],
    agreement: Annotated[str, typer.Option(help="the agreement's ID (handover-act, list)")] = "",
    tranche: Annotated[int | None, typer.Option(help="the tranche's number, from 1 (handover-act)")] = None,
    version: Annotated[
        int | None, typer.Option(help="the version (list; default: the concluded one)")
    ] = None,
    side: Annotated[str, typer.Option(help="a or b: only that side's releases (list)")] = "",
    record: Annotated[str, typer.Option(help="the party's own record number (person documents)")] = "",
    person_id: Annotated[str, typer.Option(help="or the record's ID (person documents)")] = "",
    party: Annotated[str, typer.Option(help="whose record number, for the mediator (party code)")] = "",
    registry: Annotated[Registry | None, typer.Option(help="held or sought, if a number is in both")] = None,
    languages: Annotated[
        str, typer.Option(help="side by side, comma between: uk,ru (default) or uk,ru,en")
    ] = "",
) -> None:
    """Print a document to PDF in the two parties' languages side by side, with a QR code of its content
    hash; only from data the user's organisation may see (anything else is "not found")."""
    from homebound.web.ui.paper import parse_languages, render_html, render_pdf

    uows = open_uows(load_settings())
    request = DocumentRequest(
        agreement_id=agreement,
        tranche=tranche,
        version=version,
        side=side,
        record=RecordRef(person_id=person_id, record_number=record, party_code=party, registry=registry),
    )
    try:
        chosen = parse_languages(languages)
        paper = build_document(uows, actor_for_username(uows, user), kind, request)
    except DomainError as exc:
        err.print(f"[red]error[/red] {exc.code}: {exc.message}")
        if isinstance(exc, ValidationFailed):
            for problem in exc.problems:
                err.print(f"  {problem.field}: {problem.message}")
        raise typer.Exit(code=2) from None
    started = time.perf_counter()
    data = render_pdf(render_html(paper, chosen, printed_by=user))
    output.write_bytes(data)
    out.print(f"wrote {output} ({len(data)} bytes, {time.perf_counter() - started:.1f} s)")
    out.print(f"content hash (SHA-256, in the QR code): {paper.content_hash}", soft_wrap=True)
    for name in paper.not_in_model:
        out.print(f"not recorded in Homebound yet: {name}")
