"""`homebound node ...`: set this node up, hand out its card, pin a peer's card (fingerprints compared)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from homebound.cli.context import load_settings, open_uows
from homebound.core.errors import DomainError
from homebound.core.packages.cards import NodeCard, NodeKind, group_fingerprint

node_app = typer.Typer(
    help="This node: set it up, write its card, pin a peer's card (compare fingerprints in person).",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)


def fail(exc: DomainError) -> None:
    err.print(f"[red]refused[/red] {exc.code}: {exc.message}")
    raise typer.Exit(code=2)


def show_card(card: NodeCard) -> None:
    out.print(f"organisation  {card.org} ({card.kind.value}): {card.name}")
    out.print(f"signing key   {card.signing_key_id}")
    out.print(f"encryption    {card.encryption_key_id}  {card.encryption_key}")
    if card.inbox_url:
        out.print(f"inbox         {card.inbox_url}")
    out.print("fingerprint   (compare it with the other side, aloud, in person)")
    for line in group_fingerprint(card.fingerprint).split("\n"):
        out.print(f"  {line}")


def _password() -> str:
    settings = load_settings()
    if settings.initial_password is not None:
        return settings.initial_password.get_secret_value()
    password = getpass.getpass("first admin's password (12+ characters): ")
    if password != getpass.getpass("again: "):
        err.print("[red]the two passwords differ[/red]")
        raise typer.Exit(code=2)
    return password


@node_app.command("init")
def init(
    org: Annotated[str, typer.Option(help="this organisation's code, e.g. ua")],
    kind: Annotated[NodeKind, typer.Option(help="party, mediator or observer")],
    name: Annotated[str, typer.Option(help="the organisation's full name")],
    admin: Annotated[str, typer.Option(help="username of the first admin")] = "admin",
) -> None:
    """Set up this node in the configured database and key directory: the organisation, its signing and
    encryption keys (private halves only here) and a first admin (password: HOMEBOUND_INITIAL_PASSWORD,
    else asked)."""
    from homebound.db.engine import make_engine
    from homebound.db.migrate import upgrade
    from homebound.services.federation.node import init_node

    settings = load_settings()
    password = _password()
    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    upgrade(make_engine(settings.migration_database_url or settings.database_url))
    try:
        card = init_node(open_uows(settings), code=org, kind=kind, name=name, admin=admin, password=password,
                         inbox_url=settings.inbox_url, cost=settings.password_cost())  # fmt: skip
    except DomainError as exc:
        fail(exc)
        return
    out.print(f"node {org} set up; admin {admin}")
    show_card(card)


@node_app.command("card")
def card(output: Annotated[Path, typer.Option("--output", "-o", help="file to write the card to")]) -> None:
    """Write this node's public card, signed by itself, and show its fingerprint."""
    from homebound.services.federation.node import card_file

    try:
        node_card, data = card_file(open_uows(load_settings()))
    except DomainError as exc:
        fail(exc)
        return
    output.write_bytes(data)
    out.print(f"wrote {output}")
    show_card(node_card)


@node_app.command("trust")
def trust(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a peer's card file")],
    replace: Annotated[bool, typer.Option(help="replace a pinned card with another key (rotation)")] = False,
) -> None:
    """Pin a peer's card; its fingerprint is printed: compare it with the peer's own before relying on it."""
    from homebound.services.federation.node import trust_peer

    try:
        pinned = trust_peer(open_uows(load_settings()), file.read_bytes(), replace=replace)
    except DomainError as exc:
        fail(exc)
        return
    out.print(
        f"pinned {pinned.card.org}" + (" (replacing the card pinned before)" if pinned.replaced else "")
    )
    show_card(pinned.card)
