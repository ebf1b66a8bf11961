"""The `homebound` command: one entry point, settings read once here, each sub-command a thin call into
services.
"""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from homebound.cli.context import actor_for_username, keys_of, load_settings, open_uows
from homebound.cli.crossing import crossing_app
from homebound.cli.data_keys import keys_app
from homebound.cli.documents import documents
from homebound.cli.exchange import exchange_app
from homebound.cli.federation_demo import federation_demo
from homebound.cli.link import link
from homebound.cli.log import log_app
from homebound.cli.node import node_app
from homebound.cli.package import package_app
from homebound.core.access import OrganisationKind, Role
from homebound.core.errors import DomainError, ValidationFailed
from homebound.core.persons import Registry

app = typer.Typer(
    help="Homebound: registries, matching, negotiation and handover for prisoner exchanges.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(
    help="Database schema: create or upgrade it with the Alembic migrations.", no_args_is_help=True
)
users_app = typer.Typer(help="Organisations, users and API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(log_app, name="log")
app.add_typer(exchange_app, name="exchange")
app.add_typer(keys_app, name="keys")
app.add_typer(node_app, name="node")
app.add_typer(package_app, name="package")
app.add_typer(crossing_app, name="crossing")
app.command("link")(link)
app.command("federation-demo")(federation_demo)
app.command("documents")(documents)
console = Console(stderr=True)
out = Console()

RegistryOpt = Annotated[
    Registry, typer.Option(help="held (persons in our custody) or sought (our own people)")
]
UserOpt = Annotated[str, typer.Option("--user", "-u", help="act as this user (their role and party apply)")]


def _fail(exc: DomainError) -> None:
    console.print(f"[red]error[/red] {exc.code}: {exc.message}")
    if isinstance(exc, ValidationFailed):
        for problem in exc.problems[:50]:
            where = ", ".join(
                x
                for x in (
                    f"row {problem.row}" if problem.row else "",
                    f"column {problem.column}" if problem.column else "",
                )
                if x
            )
            console.print(f"  {where or problem.field}: {problem.message} ({problem.code})")
        if len(exc.problems) > 50:
            console.print(f"  ... and {len(exc.problems) - 50} more")
    raise typer.Exit(code=2)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default 8000)")] = None,
) -> None:
    """Serve the API (and, as it lands, the browser UI) with uvicorn."""
    import uvicorn

    from homebound.web.app import create_app

    settings = load_settings()
    bind_host, bind_port = host or settings.host, port or settings.port
    out.print(
        f"Homebound on http://{bind_host}:{bind_port}  (API docs: http://{bind_host}:{bind_port}/api/docs)"
    )
    # uvicorn's own proxy headers would believe X-Forwarded-For from any local peer; the app reads it only
    # from Settings.trusted_proxies (web/client_address.py).
    uvicorn.run(create_app(settings), host=bind_host, port=bind_port, log_level="info", proxy_headers=False)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="target revision")] = "head") -> None:
    """Create the database if needed and apply every migration up to REVISION (as the owner:
    HOMEBOUND_MIGRATION_DATABASE_URL when set)."""
    from homebound.db.engine import make_engine
    from homebound.db.migrate import current_revision, upgrade

    settings = load_settings()
    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.migration_database_url or settings.database_url)
    upgrade(engine, revision, keys=keys_of(settings))
    out.print(f"database at revision {current_revision(engine)}")


@db_app.command("prune-idempotency")
def db_prune_idempotency() -> None:
    """Forget the stored answers to idempotent API requests once their keys expire (24 hours): run it daily
    (a cron job or systemd timer, docs/operations.md), or the table grows with every write."""
    from homebound.db.engine import make_engine
    from homebound.db.idempotency import prune

    engine = make_engine(load_settings().database_url)
    with engine.begin() as connection:
        removed = prune(connection)
    out.print(f"{removed} expired idempotency answers removed")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    from homebound.db.engine import make_engine
    from homebound.db.migrate import current_revision

    out.print(
        current_revision(make_engine(load_settings().database_url)) or "empty (run `homebound db upgrade`)"
    )


@app.command()
def demo(
    persons: Annotated[int, typer.Option(help="persons per side in the synthetic scenario")] = 1500,
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same demo")] = 2023,
) -> None:
    """Load a synthetic demo: two parties, a mediator, held and sought lists written the way each side
    writes.
    """
    from homebound.services.demo import DEMO_PASSWORD, load_demo

    settings = load_settings()
    if not settings.allow_demo:
        console.print("[red]the demo is disabled in this environment (HOMEBOUND_ALLOW_DEMO=false)[/red]")
        raise typer.Exit(code=2)
    try:
        summary = load_demo(open_uows(settings), persons=persons, seed=seed, cost=settings.password_cost())
    except DomainError as exc:
        _fail(exc)
        return
    if summary.already_loaded:
        out.print("demo already loaded (delete the database file to start afresh)")
    table = Table(title=f"Demo accounts (password for all: {DEMO_PASSWORD})")
    for column in ("username", "role", "organisation"):
        table.add_column(column)
    for username, role, org in summary.accounts:
        table.add_row(username, role, org)
    out.print(table)
    for line in summary.lines:
        out.print(line)


@app.command("import")
def import_list(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX list")],
    registry: RegistryOpt,
    user: UserOpt,
    dry_run: Annotated[bool, typer.Option(help="validate and count only; write nothing")] = False,
) -> None:
    """Import a list into USER's party registry: all rows valid or nothing written; re-import updates by
    record_id.
    """
    from homebound.services.lists import import_list as run_import

    settings = load_settings()
    uows = open_uows(settings)
    try:
        actor = actor_for_username(uows, user)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("reading", total=None)

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(task, description=stage, completed=done, total=total)

            report = run_import(
                uows, actor, registry, file.read_bytes(), file.name, dry_run=dry_run, progress=progress
            )
    except DomainError as exc:
        _fail(exc)
        return
    verb = "would import" if dry_run else "imported"
    out.print(
        f"{verb} {report.rows} rows: {report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged"
    )


@app.command("export")
def export_list(
    registry: RegistryOpt,
    user: UserOpt,
    output: Annotated[Path, typer.Option("--output", "-o", help="file to write (.csv or .xlsx)")],
) -> None:
    """Export USER's party registry to CSV or XLSX (by the output file's extension); re-importable as it
    is.
    """
    from homebound.services.lists import export_list as run_export

    fmt = output.suffix.lower().lstrip(".")
    uows = open_uows(load_settings())
    try:
        data = run_export(uows, actor_for_username(uows, user), registry, fmt)
    except DomainError as exc:
        _fail(exc)
        return
    output.write_bytes(data)
    out.print(f"wrote {output} ({len(data)} bytes)")


@users_app.command("org")
def create_org(
    code: Annotated[str, typer.Argument(help="short code, e.g. ua")],
    name: Annotated[str, typer.Argument(help="full name")],
    kind: Annotated[
        OrganisationKind, typer.Option(help="party (a belligerent) or mediator")
    ] = OrganisationKind.PARTY,
) -> None:
    """Create a party or a mediator organisation."""
    from homebound.services.accounts import create_organisation

    try:
        create_organisation(open_uows(load_settings()), code, name, kind)
    except DomainError as exc:
        _fail(exc)
    out.print(f"created {kind.value} {code}")


@users_app.command("create")
def create_user(
    username: Annotated[str, typer.Argument()],
    organisation: Annotated[str, typer.Option(help="organisation code")],
    role: Annotated[Role, typer.Option(help="party_operator, party_admin, mediator or observer")],
    display_name: Annotated[str | None, typer.Option(help="name shown in the UI")] = None,
) -> None:
    """Create a user; the password is asked for twice and never echoed."""
    from homebound.services.accounts import create_user as run_create

    password = getpass.getpass("password (12+ characters): ")
    if password != getpass.getpass("again: "):
        console.print("[red]the two passwords differ[/red]")
        raise typer.Exit(code=2)
    settings = load_settings()
    try:
        run_create(
            open_uows(settings),
            "cli",
            username=username,
            display_name=display_name or username,
            organisation_code=organisation,
            role=role,
            password=password,
            cost=settings.password_cost(),
        )
    except DomainError as exc:
        _fail(exc)
    out.print(f"created {username}")


@users_app.command("list")
def list_users() -> None:
    """List users with their organisation and role."""
    from homebound.services.accounts import list_users as run_list

    table = Table()
    for column in ("username", "organisation", "role", "language", "disabled"):
        table.add_column(column)
    for user in run_list(open_uows(load_settings())):
        table.add_row(user.username, user.organisation_code, user.role, user.language, str(user.disabled))
    out.print(table)


@users_app.command("token")
def create_token(
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option(help="what the token is for")] = "script",
    days: Annotated[int, typer.Option(help="expire after this many days (1 to 3660)")] = 90,
) -> None:
    """Create an API token for scripts. It is printed once; only its hash is kept; it always expires."""
    from homebound.services.accounts import create_api_token

    try:
        issued = create_api_token(open_uows(load_settings()), "cli", username, name, dt.timedelta(days=days))
    except DomainError as exc:
        _fail(exc)
        return
    out.print(f"token id {issued.id}, expires {issued.expires_at:%Y-%m-%d %H:%M} UTC\n{issued.token}")


@users_app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(help="the token's id (not its secret)")]) -> None:
    """Revoke an API token."""
    from homebound.services.accounts import revoke_token

    try:
        revoke_token(open_uows(load_settings()), "cli", token_id)
    except DomainError as exc:
        _fail(exc)
    out.print("revoked")


@users_app.command("totp")
def enrol_totp(username: Annotated[str, typer.Argument()]) -> None:
    """Give an account a second factor (TOTP). Prints the provisioning URI once: open it in an
    authenticator app (or turn it into a QR code); from then on sign-in asks for the 6-digit code.
    Running it again replaces the secret, so the old app entry stops working.
    """
    from homebound.services.second_factor import enrol

    try:
        enrolment = enrol(open_uows(load_settings()), username, actor="cli")
    except DomainError as exc:
        _fail(exc)
        return
    console.print(f"second factor enrolled for {enrolment.username}; the URI below is shown only once")
    out.print(enrolment.provisioning_uri)


if __name__ == "__main__":
    app()
