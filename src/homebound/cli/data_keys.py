"""`homebound keys`: parties' data keys for personal data at rest (signing keys are `homebound log keys`)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Engine

from homebound.cli.context import load_settings, open_uows
from homebound.core.errors import DomainError
from homebound.db.sealing import SealingError
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import data_keys

keys_app = typer.Typer(
    help="Parties' data keys (personal data sealed at rest): list, rotate, re-encrypt, erase.",
    no_args_is_help=True,
)
console = Console(stderr=True)
out = Console()
PartyArg = Annotated[str, typer.Argument(help="the party's code")]


def _close(uows: UnitOfWorkFactory) -> None:
    if isinstance(uows.bind, Engine):
        uows.bind.dispose()


@keys_app.command("list")
def list_keys() -> None:
    """Each party's current data key id and the older ids still kept for reading (never the keys)."""
    uows = open_uows(load_settings())
    try:
        for state in data_keys.list_keys(uows):
            if state.erased:
                out.print(f"{state.code:<12} erased")
            elif state.current is None:
                out.print(f"{state.code:<12} no key yet")
            else:
                older = [k for k in state.key_ids if k != state.current]
                extra = f"  older {' '.join(older)}" if older else ""
                out.print(f"{state.code:<12} current {state.current}{extra}")
    finally:
        _close(uows)


@keys_app.command("rotate")
def rotate(code: PartyArg) -> None:
    """A new current data key: new writes use it; run `keys reencrypt` to move older values onto it."""
    uows = open_uows(load_settings())
    try:
        out.print(f"{code}: new current data key {data_keys.rotate_key(uows, code)}")
    except (DomainError, SealingError) as error:
        console.print(f"[red]error[/red] {error}")
        raise typer.Exit(code=2) from error
    finally:
        _close(uows)


@keys_app.command("reencrypt")
def reencrypt(code: PartyArg) -> None:
    """Re-seal the party's values still under older keys with its current key, in one transaction."""
    uows = open_uows(load_settings())
    try:
        counts = data_keys.reencrypt(uows, code)
    except (DomainError, SealingError) as error:
        console.print(f"[red]error[/red] {error}")
        raise typer.Exit(code=2) from error
    finally:
        _close(uows)
    for table, count in counts.items():
        out.print(f"{table:<12} {count} row(s) re-sealed")


@keys_app.command("erase")
def erase(
    code: PartyArg,
    yes: Annotated[bool, typer.Option("--yes", help="confirm: the party's data becomes unreadable")] = False,
) -> None:
    """End of retention: destroy the party's data keys. Its records, inquiries and log payloads can never be
    read again; the log (entries, commitments, signatures, checkpoints) still verifies.
    """
    if not yes:
        console.print("[red]refused[/red]: erasing is final; repeat with --yes")
        raise typer.Exit(code=2)
    uows = open_uows(load_settings())
    try:
        data_keys.erase_keys(uows, code)
    except (DomainError, SealingError) as error:
        console.print(f"[red]error[/red] {error}")
        raise typer.Exit(code=2) from error
    finally:
        _close(uows)
    out.print(f"{code}: data keys erased")
