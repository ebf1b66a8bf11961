"""`homebound exchange ...`: agreements, composition, acceptance, handover and the public exchange ledger.

Bodies too long for options (terms, lists, amendments, line outcomes) come from JSON files in exactly the
shape the API takes (see /api/docs), so a file tried on the command line posts unchanged to the API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table

from homebound.cli.context import actor_for_username, load_settings, open_uows
from homebound.core.access import Actor
from homebound.core.errors import DomainError, ValidationFailed
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.sign_in import Reauthentication

exchange_app = typer.Typer(
    help="Exchanges: open and negotiate agreements, compose lists, accept and conclude, record the handover "
    "line by line, deliver family notifications, show the public ledger.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)
UserOpt = Annotated[str, typer.Option("--user", "-u", help="act as this user (their role and party apply)")]
AgreementArg = Annotated[str, typer.Argument(help="the agreement's id")]
FileArg = Annotated[Path, typer.Argument(help="a JSON file in the shape the API takes", exists=True)]
SeenOpt = Annotated[
    int | None, typer.Option("--if-version", help="the latest version you read (the API's If-Match)")
]
Body = TypeVar("Body", bound=BaseModel)


def _fail(exc: DomainError) -> None:
    err.print(f"[red]error[/red] {exc.code}: {exc.message}")
    if isinstance(exc, ValidationFailed):
        for problem in exc.problems[:20]:
            err.print(f"  {problem.field}: {problem.message} ({problem.code})")
    raise typer.Exit(code=2)


@contextmanager
def _domain_errors() -> Iterator[None]:
    try:
        yield
    except DomainError as exc:
        _fail(exc)


def _read(path: Path, model: type[Body]) -> Body:
    try:
        return model.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValidationError, json.JSONDecodeError) as exc:
        err.print(f"[red]error[/red] {path}: {exc}")
        raise typer.Exit(code=2) from exc


def _uows() -> UnitOfWorkFactory:
    return open_uows(load_settings())


def _acting(user: str) -> tuple[UnitOfWorkFactory, Actor]:
    uows = _uows()
    with _domain_errors():
        return uows, actor_for_username(uows, user)
    raise AssertionError("unreachable: _fail exits")


def _proof() -> Reauthentication:
    """The password and, for an account with a second factor, a fresh code, typed in for a binding step."""
    password = typer.prompt("password", hide_input=True)
    code = typer.prompt("code from the authenticator (blank if none)", default="", show_default=False)
    return Reauthentication(password, "".join(code.split()) or None)


def _show_version(view: Any) -> None:
    shared = "shared" if view.shared else "not shared yet"
    out.print(
        f"version {view.number} ({view.kind} by {view.author}, {shared}): "
        f"{view.list_sizes[0]} on list A, {view.list_sizes[1]} on list B, {len(view.changes)} change(s)"
    )


@exchange_app.command("open")
def open_agreement(
    user: UserOpt,
    title: Annotated[str, typer.Option(help="what the agreement is called")],
    party_a: Annotated[str, typer.Option(help="code of party A")],
    party_b: Annotated[str, typer.Option(help="code of party B")],
    venue: Annotated[str, typer.Option(help="where it is negotiated or carried out")],
) -> None:
    """Open an agreement between two parties (a mediator)."""
    from homebound.services.agreements import create_agreement

    uows, actor = _acting(user)
    with _domain_errors():
        view = create_agreement(uows, actor, title=title, party_a=party_a, party_b=party_b, venue=venue)
    out.print(f"agreement {view.id} opened: {view.party_a} and {view.party_b}, mediated by {view.mediator}")


@exchange_app.command("list")
def list_agreements(user: UserOpt) -> None:
    """Agreements USER takes part in, with their state."""
    from homebound.services.agreement_views import list_agreements as run

    uows, actor = _acting(user)
    with _domain_errors():
        found = run(uows, actor)
    table = Table("id", "title", "parties", "status", "latest", "concluded", "hash")
    for view in found:
        table.add_row(
            view.id,
            view.title,
            f"{view.party_a} / {view.party_b}",
            view.status,
            str(view.latest_version),
            str(view.concluded_version or ""),
            (view.content_hash or "")[:16],
        )
    out.print(table)


@exchange_app.command("versions")
def versions(agreement: AgreementArg, user: UserOpt) -> None:
    """The versions USER may see, each with its changes and reasons."""
    from homebound.services.agreement_views import list_versions

    uows, actor = _acting(user)
    with _domain_errors():
        found = list_versions(uows, actor, agreement)
    for view in found:
        _show_version(view)
        for change in view.changes:
            who = change.get("candidate_id") or change.get("field") or ""
            out.print(f"  {change['kind']} {change.get('side') or ''} {who}: {change['reason']}")


@exchange_app.command("propose")
def propose(
    agreement: AgreementArg,
    body: FileArg,
    user: UserOpt,
    counter: Annotated[bool, typer.Option(help="a counter-proposal replacing terms and lists")] = False,
    if_version: SeenOpt = None,
) -> None:
    """Record terms and both lists from a JSON file (the first proposal, or --counter)."""
    from homebound.services.agreements import propose as run
    from homebound.web.schemas.exchange import ProposalIn

    proposal = _read(body, ProposalIn)
    uows, actor = _acting(user)
    with _domain_errors():
        view = run(
            uows,
            actor,
            agreement,
            proposal.terms.to_core(),
            [p.to_core() for p in proposal.list_a],
            [p.to_core() for p in proposal.list_b],
            note=proposal.note,
            counter=counter,
            share=proposal.share,
            expected_version=if_version,
        )
    _show_version(view)


@exchange_app.command("compose")
def compose(agreement: AgreementArg, body: FileArg, user: UserOpt, if_version: SeenOpt = None) -> None:
    """Compose both lists from the eligible pools under the terms in a JSON file, as the next version."""
    from homebound.core.exchange.compose import Method
    from homebound.services.composition import compose_version
    from homebound.web.schemas.exchange import CompositionIn

    request = _read(body, CompositionIn)
    uows, actor = _acting(user)
    with _domain_errors():
        view = compose_version(
            uows,
            actor,
            agreement,
            request.terms.to_core(),
            added=request.added,
            removed=request.removed,
            method=Method(request.method),
            note=request.note,
            share=request.share,
            decisions="none",
            expected_version=if_version,
        )
    _show_version(view.version)
    out.print(
        f"method {view.method}, objective {view.objective}, pools {view.pools}, eligible {view.eligible}"
    )
    for code, count in sorted(view.counts.items()):
        out.print(f"  {code}: {count}")


@exchange_app.command("amend")
def amend(agreement: AgreementArg, body: FileArg, user: UserOpt, if_version: SeenOpt = None) -> None:
    """Add, remove or replace named persons (a JSON file of amendments, each with its reason)."""
    from homebound.services.agreements import amend as run
    from homebound.web.schemas.exchange import AmendmentsIn

    request = _read(body, AmendmentsIn)
    uows, actor = _acting(user)
    with _domain_errors():
        view = run(
            uows,
            actor,
            agreement,
            [a.to_core() for a in request.amendments],
            note=request.note,
            share=request.share,
            expected_version=if_version,
        )
    _show_version(view)


@exchange_app.command("share")
def share(
    agreement: AgreementArg, version: Annotated[int, typer.Argument(help="version number")], user: UserOpt
) -> None:
    """Pass a version to both parties (a mediator)."""
    from homebound.services.agreements import share_version

    uows, actor = _acting(user)
    with _domain_errors():
        _show_version(share_version(uows, actor, agreement, version))


@exchange_app.command("accept")
def accept(
    agreement: AgreementArg,
    version: Annotated[int, typer.Argument(help="the version accepted (the latest)")],
    user: UserOpt,
) -> None:
    """Accept a version for USER's party (a party admin); asks for USER's password (and code) again."""
    from homebound.services.agreements import accept as run

    proof = _proof()
    uows, actor = _acting(user)
    with _domain_errors():
        view = run(uows, actor, agreement, version, proof)
    out.print(f"version {version} accepted by {view.seat}")


@exchange_app.command("conclude")
def conclude(agreement: AgreementArg, user: UserOpt) -> None:
    """Conclude on the version both parties accepted: frozen, hash logged, manifests planned."""
    from homebound.services.agreements import conclude as run

    uows, actor = _acting(user)
    with _domain_errors():
        view = run(uows, actor, agreement)
    out.print(f"concluded on version {view.concluded_version}, SHA-256 {view.content_hash}")


@exchange_app.command("identities")
def identities(body: FileArg, user: UserOpt) -> None:
    """Confirm held persons' identities (and the sought records they answer) from a JSON file."""
    from homebound.services.candidates import IdentityConfirmation, confirm_identities
    from homebound.web.schemas.exchange import IdentitiesIn

    request = _read(body, IdentitiesIn)
    items = [IdentityConfirmation(i.held_person_id, i.sought_person_id, i.note) for i in request.items]
    uows, actor = _acting(user)
    with _domain_errors():
        out.print(f"{confirm_identities(uows, actor, items)} identities confirmed")


# --- handover -------------------------------------------------------------------------------------------
TrancheArg = Annotated[int, typer.Argument(help="tranche number, from 1")]


def _show_tranche(view: Any) -> None:
    balance = view.balance or {}
    outcomes = ", ".join(f"{state} {n}" for state, n in sorted(view.outcomes.items()))
    out.print(f"tranche {view.number} ({view.state}, {view.scheduled_on or 'unscheduled'}): {outcomes}")
    if balance:
        out.print(f"  balance: {balance['explanation']}")
    if view.closure is not None:
        out.print(f"  closed {'reconciled' if view.closure['reconciled'] else 'with its imbalance recorded'}")


@exchange_app.command("tranches")
def tranches(agreement: AgreementArg, user: UserOpt) -> None:
    """Every tranche of a concluded agreement with its live balance."""
    from homebound.services.handover import list_tranches

    uows, actor = _acting(user)
    with _domain_errors():
        for view in list_tranches(uows, actor, agreement):
            _show_tranche(view)


@exchange_app.command("lines")
def lines(agreement: AgreementArg, tranche: TrancheArg, body: FileArg, user: UserOpt) -> None:
    """Record line outcomes at the crossing from a JSON file of actions (all recorded, or none)."""
    from homebound.services.handover import LineCommand, record_lines
    from homebound.web.schemas.exchange import LinesIn

    request = _read(body, LinesIn)
    commands = [
        LineCommand(
            a.core_action(),
            a.candidate_id,
            a.by,
            a.core_substitute(),
            a.stays_with,
            a.reason,
            a.core_custody(),
        )
        for a in request.actions
    ]
    uows, actor = _acting(user)
    with _domain_errors():
        _show_tranche(record_lines(uows, actor, agreement, tranche, commands))


@exchange_app.command("remains")
def remains(
    agreement: AgreementArg,
    tranche: TrancheArg,
    user: UserOpt,
    batch: Annotated[str, typer.Option(help="the batch's id")],
    side: Annotated[str, typer.Option(help="the releasing side: a or b")],
    count: Annotated[int, typer.Option(help="bodies in the batch")],
    status: Annotated[str, typer.Option(help="pending_dna, identified or mixed_remains")] = "pending_dna",
) -> None:
    """A batch of remains handed over (a mediator)."""
    from homebound.core.exchange.candidate import Side
    from homebound.core.exchange.remains import IdentificationStatus, RemainsBatch
    from homebound.services.handover import receive_remains

    try:
        received = RemainsBatch(batch, Side(side), count, IdentificationStatus(status))
    except (ValueError, DomainError) as exc:
        err.print(f"[red]error[/red] {exc}")
        raise typer.Exit(code=2) from exc
    uows, actor = _acting(user)
    with _domain_errors():
        _show_tranche(receive_remains(uows, actor, agreement, tranche, received))


@exchange_app.command("close")
def close(agreement: AgreementArg, tranche: TrancheArg, user: UserOpt) -> None:
    """Close a settled tranche: reconciled, or with its imbalance recorded (a mediator); asks for USER's
    password (and code) again."""
    from homebound.services.handover import close_tranche

    proof = _proof()
    uows, actor = _acting(user)
    with _domain_errors():
        _show_tranche(close_tranche(uows, actor, agreement, tranche, proof))


@exchange_app.command("notify")
def notify(
    smtp_host: Annotated[str, typer.Option(help="SMTP relay for e-mail notifications")] = "localhost",
    smtp_port: Annotated[int, typer.Option(help="its port")] = 25,
    sender: Annotated[str, typer.Option(help="the From address")] = "homebound@localhost",
    starttls: Annotated[bool, typer.Option(help="upgrade the connection with STARTTLS")] = False,
    email: Annotated[bool, typer.Option(help="send e-mail (else only the status page channel)")] = True,
) -> None:
    """Deliver the families' notifications waiting in the outbox (at least once)."""
    from homebound.services.notifications import (
        Channel,
        SmtpChannel,
        SmtpSettings,
        StatusPageChannel,
        deliver_pending,
    )

    channels: dict[str, Channel] = {"status_page": StatusPageChannel()}
    if email:
        settings = SmtpSettings(host=smtp_host, port=smtp_port, sender=sender, starttls=starttls)
        channels["email"] = SmtpChannel(settings)
    uows = _uows()
    report = deliver_pending(uows, channels, actor="cli")
    out.print(f"{report.delivered} delivered, {report.failed} failed (retried on the next run)")
    if report.failed:
        raise typer.Exit(code=1)


@exchange_app.command("publish")
def publish(
    agreement: AgreementArg,
    user: UserOpt,
    label: Annotated[str, typer.Option("--label", help="the public label (never the internal title)")] = "",
    supersedes: Annotated[
        list[str] | None, typer.Option("--supersedes", help="a reported exchange's id this one replaces")
    ] = None,
) -> None:
    """Publish the agreement's closed tranches on the public ledger, one line per day of crossing (a
    mediator)."""
    from homebound.services.publication import publish_exchange

    uows, actor = _acting(user)
    with _domain_errors():
        act = publish_exchange(uows, actor, agreement, public_label=label, supersedes=supersedes or [])
    days = act.figures["days"]
    out.print(f"published {act.figures['label']!r}: {len(days)} day(s) of crossing", markup=False)


@exchange_app.command("ledger")
def ledger() -> None:
    """The public exchange ledger: aggregates only, reported figures marked, recorded ones once published."""
    from homebound.services.public_exchanges import public_exchanges

    uows = _uows()
    found = public_exchanges(uows, min_count=load_settings().public_min_count)
    for exchange in found.exchanges:
        returned = ", ".join(f"{side} {n}" for side, n in exchange["persons_returned"].items())
        bodies = ", ".join(f"{side} {n}" for side, n in exchange["remains_returned"].items())
        source = "reported" if exchange["reported"] else "recorded"
        when = exchange["date_label"] or exchange["date"]
        out.print(
            f"{when}: {exchange['title']} [{source}]; mediator {exchange['mediator']}",
            soft_wrap=True,
            markup=False,
        )
        out.print(f"    persons returned {returned}; remains {bodies}", soft_wrap=True, markup=False)
    totals = found.totals
    out.print(f"{totals['exchanges']} exchanges, {totals['persons']} persons, {totals['remains']} bodies")
    for difference in found.differences:
        figures = "; ".join(
            f"{d['figure']}: "
            + ", ".join(f"{k} {v}" for k, v in d.items() if k not in ("figure", "difference"))
            for d in difference["disagreements"]
        )
        announced = ", ".join(f"{k} {v}" for k, v in difference["announced_persons"].items())
        text = f"{difference['date']} {difference['title']}: persons announced {announced}"
        out.print(text + (f"; they differ on {figures}" if figures else ""), soft_wrap=True, markup=False)


@exchange_app.command("seed-reported")
def seed_reported(
    side_a: Annotated[str, typer.Option(help="label of side A on the ledger (a party code)")] = "ua",
    side_b: Annotated[str, typer.Option(help="label of side B")] = "ru",
) -> None:
    """Put the publicly reported exchanges on the ledger, marked as reported figures (once)."""
    from homebound.services.exchange_ledger import seed_reported as run

    uows = _uows()
    out.print(f"{run(uows, 'cli', side_a=side_a, side_b=side_b)} reported exchanges added")
