"""`homebound requests ...`: a party tables its request list and follows it; the mediator links, refuses
(with the other side's reason) and reads the incoming requests.

The records file is a CSV (columns `record_id` — the sought registry's own record id —, and optionally
`priority`, `reason`, `private_note`) or a JSON file in the API's shape (`{"items": [...]}`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from homebound.cli.context import actor_for_username, load_settings, open_uows
from homebound.core.access import Actor
from homebound.core.errors import DomainError, FieldProblem, ValidationFailed
from homebound.core.exchange.requests import RequestedPerson
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import request_mediation as mediation
from homebound.services import requests as service
from homebound.web.schemas.requests import RequestListIn

requests_app = typer.Typer(
    help="Requests for one's own people: table a request list, follow its statuses; the mediator links "
    "requests to held records and records refusals with their reasons.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)
UserOpt = Annotated[str, typer.Option("--user", "-u", help="act as this user (their role and party apply)")]
RequestArg = Annotated[str, typer.Argument(help="the request's id")]


@contextmanager
def _domain_errors() -> Iterator[None]:
    try:
        yield
    except DomainError as exc:
        err.print(f"[red]error[/red] {exc.code}: {exc.message}")
        if isinstance(exc, ValidationFailed):
            for problem in exc.problems[:20]:
                err.print(f"  {problem.field}: {problem.message} ({problem.code})")
        raise typer.Exit(code=2) from exc


def _acting(user: str) -> tuple[UnitOfWorkFactory, Actor]:
    uows = open_uows(load_settings())
    with _domain_errors():
        return uows, actor_for_username(uows, user)
    raise AssertionError("unreachable: errors exit")


def _priority(text: str, line: int) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit():
        problem = FieldProblem("priority", "invalid_value", "a whole number from 1", row=line)
        raise ValidationFailed([problem])
    return int(text)


def _from_csv(uows: UnitOfWorkFactory, actor: Actor, path: Path) -> list[RequestedPerson]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if rows and "record_id" not in rows[0]:
        raise ValidationFailed([FieldProblem("record_id", "required", "the file has no record_id column")])
    by_record = service.sought_ids_by_record(uows, actor, [r["record_id"].strip() for r in rows])
    return [
        RequestedPerson(
            by_record[row["record_id"].strip()],
            _priority(row.get("priority") or "", n + 2),
            (row.get("reason") or "").strip(),
            (row.get("private_note") or "").strip(),
        )
        for n, row in enumerate(rows)
    ]


def _from_json(path: Path) -> tuple[list[RequestedPerson], str | None]:
    try:
        body = RequestListIn.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValidationError, json.JSONDecodeError) as exc:
        err.print(f"[red]error[/red] {path}: {exc}")
        raise typer.Exit(code=2) from exc
    return [i.to_core() for i in body.items], body.agreement_id


def _show(views: list[service.RequestView], title: str) -> None:
    # One block per request, each line whole (soft wrap): ids are copied from here into the next command,
    # so no terminal width may cut them, as a table's columns would.
    out.print(title, style="bold")
    for view in views:
        said = f"refused: {view.refusal_reason}" if view.refusal_reason else (view.reason or "")
        priority = "" if view.priority is None else f"  priority {view.priority}"
        lines = [
            f"request {view.id}  {view.status}{priority}",
            f"  person {view.person_id}  {view.person_name}",
        ]
        if view.agreement_id:
            lines.append(f"  agreement {view.agreement_id}")
        if said:
            lines.append(f"  {said}")
        for line in lines:
            out.print(line, soft_wrap=True, markup=False, highlight=False)


@requests_app.command("table")
def table_requests(
    user: UserOpt,
    records: Annotated[Path, typer.Option("--records", help="CSV (record_id, ...) or JSON", exists=True)],
    agreement: Annotated[str | None, typer.Option("--agreement", help="for this agreement")] = None,
    mediator: Annotated[str | None, typer.Option("--mediator", help="the mediator's code")] = None,
) -> None:
    """Table a request list with the mediator: each named sought record becomes a request, received."""
    uows, actor = _acting(user)
    with _domain_errors():
        if records.suffix.lower() == ".json":
            items, in_file = _from_json(records)
            agreement = agreement or in_file
        else:
            items = _from_csv(uows, actor, records)
        views = service.table_requests(uows, actor, items, agreement_id=agreement, mediator=mediator)
    out.print(f"{len(views)} request(s) tabled")
    _show(views, "tabled")


@requests_app.command("list")
def list_requests(
    user: UserOpt,
    status: Annotated[str | None, typer.Option("--status", help="received, confirmed_held, ...")] = None,
    agreement: Annotated[str | None, typer.Option("--agreement")] = None,
    forwarded: Annotated[bool, typer.Option("--forwarded", help="those forwarded to my party")] = False,
) -> None:
    """A party's requests with their statuses (refused ones with their reason); the mediator's incoming."""
    uows, actor = _acting(user)
    with _domain_errors():
        views = service.list_requests(uows, actor, status=status, agreement_id=agreement, forwarded=forwarded)
    _show(views, f"{len(views)} request(s)")


@requests_app.command("link")
def link_request(
    request: RequestArg,
    user: UserOpt,
    held: Annotated[
        str | None, typer.Option("--held", help="the held record; default: the confirmed one")
    ] = None,
) -> None:
    """The mediator links a request to the other side's held record: confirmed held, forwarded."""
    uows, actor = _acting(user)
    with _domain_errors():
        view = mediation.link_request(uows, actor, request, held)
    out.print(f"request {view.id} {view.status}: held record {view.held_person_id}")


@requests_app.command("refuse")
def refuse_request(
    request: RequestArg,
    user: UserOpt,
    reason: Annotated[str, typer.Option("--reason", help="the other side's reason (required)")],
) -> None:
    """The mediator records the other side's refusal, with its reason."""
    uows, actor = _acting(user)
    with _domain_errors():
        view = mediation.refuse_request(uows, actor, request, reason)
    out.print(f"request {view.id} {view.status}: {view.refusal_reason}")


@requests_app.command("listing")
def list_requested(
    agreement: Annotated[str, typer.Argument(help="the agreement's id")],
    requests: Annotated[list[str], typer.Argument(help="ids of confirmed requests")],
    user: UserOpt,
    seen: Annotated[int, typer.Option("--if-version", help="the latest version you read (If-Match)")],
) -> None:
    """The mediator adds confirmed requests' held records to the agreement's next version."""
    uows, actor = _acting(user)
    with _domain_errors():
        version = mediation.list_requested(uows, actor, agreement, requests, expected_version=seen)
    out.print(f"version {version.number}: {len(requests)} requested person(s) listed")


@requests_app.command("returned")
def mark_returned(
    requests: Annotated[list[str], typer.Argument(help="ids of listed requests whose person crossed")],
    user: UserOpt,
) -> None:
    """The mediator records listed requests as returned once the person has crossed."""
    uows, actor = _acting(user)
    with _domain_errors():
        views = mediation.mark_returned(uows, actor, requests)
    out.print(f"{len(views)} request(s) returned")
