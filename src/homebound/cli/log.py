"""`homebound log ...`: verify the log (stored, or an export offline), export it, publish and cosign
checkpoints, rotate keys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from homebound.cli.log_files import read_export, read_state, write_export, write_state
from homebound.core.errors import DomainError
from homebound.core.log.audit import AuditReport

log_app = typer.Typer(
    help="The signed action log: verify it (here, or an export on your own machine), export it, publish and "
    "cosign checkpoints, rotate signing keys.",
    no_args_is_help=True,
)
keys_app = typer.Typer(help="Signing keys: list, rotate, destroy retired private keys.", no_args_is_help=True)
log_app.add_typer(keys_app, name="keys")
out = Console()
err = Console(stderr=True)
UserOpt = Annotated[str, typer.Option("--user", "-u", help="act as this user (their role and party apply)")]


def _fail(exc: DomainError) -> None:
    err.print(f"[red]error[/red] {exc.code}: {exc.message}")
    raise typer.Exit(code=2)


def _describe(report: AuditReport, *, offline: bool) -> None:
    """What was checked, one line per kind of check: the reader sees what 'ok' stands for."""
    owners = {record.owner for record in report.keys}
    retired = sum(record.valid_until is not None for record in report.keys)
    legacy = f" ({report.legacy_entries} unsigned, from before signing)" if report.legacy_entries else ""
    out.print(f"entries      {report.entries_checked} checked: canonical JSON, sequence, hash chain{legacy}")
    out.print(f"signatures   {report.signatures_checked} Ed25519, each by a key in force at its entry")
    out.print(
        f"keys         {len(report.keys)} of {len(owners)} owners, {retired} retired, as the log records them"
    )
    out.print(f"payloads     {report.payloads_checked} matched against their commitments")
    out.print(f"checkpoints  {report.checkpoints_checked} checked: signatures, keys in force, roots")
    if offline:
        out.print(f"proofs       {report.proofs_checked} consistency and inclusion proofs")
    head = report.final_checkpoint
    if head is not None:
        signers = ", ".join(signature.signer_role for signature in head.signatures)
        out.print(f"final        size {head.tree_size}, root {head.root_hash.hex()}, signed by {signers}")
        out.print(f"not yet cosigned: {report.uncovered_entries} entries after the latest final checkpoint")
    else:
        out.print("final        no checkpoint cosigned by every party yet")


def _verify_offline(source: Path, state_file: Path | None) -> AuditReport:
    from homebound.core.log.export import audit_export

    state = read_state(state_file) if state_file else None
    report = audit_export(read_export(source), state=state)
    if state is not None:
        out.print(f"state        continues the log verified last time at size {state.tree_size}")
    new_state = report.new_state()
    if report.ok and state_file is not None and new_state is not None:
        write_state(state_file, new_state)
    return report


@log_app.command("verify")
def verify(
    source: Annotated[
        Path | None,
        typer.Argument(help="an export (directory or zip) to check offline; without it, the stored log"),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(help="file remembering the newest final checkpoint you verified; checked, then updated"),
    ] = None,
    db: Annotated[
        bool, typer.Option("--db", help="check the stored log (the default without SOURCE)")
    ] = False,
) -> None:
    """Check the log: every entry's form, chain link and signature, the keys, your payloads against their
    commitments, the checkpoints and proofs. Offline (SOURCE given) it needs no database and no server.
    Exits 1 at the first failure, naming it and its kind."""
    if source is not None and not db:
        if not source.exists():
            err.print(f"[red]no export at {source}[/red]")
            raise typer.Exit(code=2)
        report = _verify_offline(source, state)
    else:
        from homebound.cli.context import load_settings, open_uows
        from homebound.services.log import verify_log

        report = verify_log(open_uows(load_settings()))
    _describe(report, offline=source is not None and not db)
    failure = report.first_failure
    if failure is None:
        out.print(f"[green]ok[/green]: {report.entries_checked} entries, head {report.head_hash}")
        return
    out.print(f"[red]FAILED[/red] at {failure.where}: {failure.kind}: {failure.message}")
    raise typer.Exit(code=1)


@log_app.command("export")
def export(
    directory: Annotated[Path, typer.Argument(help="directory to write the export into")],
    user: UserOpt,
) -> None:
    """Export what USER may see for offline verification: all entry bodies, USER's party's payloads (all for
    a mediator), keys, checkpoints and proofs. Check it anywhere with `homebound log verify DIRECTORY`."""
    from homebound.cli.context import actor_for_username, load_settings, open_uows
    from homebound.services.log_export import export_log

    uows = open_uows(load_settings())
    try:
        files = export_log(uows, actor_for_username(uows, user))
    except DomainError as exc:
        _fail(exc)
        return
    write_export(files, directory)
    out.print(f"wrote {', '.join(sorted(files))} to {directory}")


@log_app.command("checkpoint")
def checkpoint(user: UserOpt) -> None:
    """Publish the current tree head, signed with USER's mediator office key."""
    from homebound.cli.context import actor_for_username, load_settings, open_uows
    from homebound.services.checkpoints import publish_checkpoint

    uows = open_uows(load_settings())
    try:
        view = publish_checkpoint(uows, actor_for_username(uows, user))
    except DomainError as exc:
        _fail(exc)
        return
    out.print(
        f"checkpoint {view.id}: size {view.checkpoint.tree_size}, root {view.checkpoint.root_hash.hex()}"
    )


@log_app.command("cosign")
def cosign(checkpoint_id: Annotated[str, typer.Argument(help="the checkpoint's id")], user: UserOpt) -> None:
    """Cosign a checkpoint for USER's party, after the consistency check with the last one it cosigned."""
    from homebound.cli.context import actor_for_username, load_settings, open_uows
    from homebound.services.checkpoints import cosign_checkpoint

    uows = open_uows(load_settings())
    try:
        view = cosign_checkpoint(uows, actor_for_username(uows, user), checkpoint_id)
    except DomainError as exc:
        _fail(exc)
        return
    out.print("final" if view.final else f"still missing: {', '.join(view.missing)}")


@keys_app.command("list")
def list_keys() -> None:
    """Every key the log introduced: owner, custody and the span of entries it may sign."""
    from homebound.cli.context import load_settings, open_uows
    from homebound.services.keys import list_keys as run_list

    for record in run_list(open_uows(load_settings())):
        until = record.valid_until if record.valid_until is not None else "now"
        out.print(f"{record.key_id}  {record.owner_kind:<8} {record.owner:<36} {record.custody:<8} "
                  f"entries {record.valid_from}..{until}")  # fmt: skip


@keys_app.command("rotate")
def rotate(
    organisation: Annotated[str, typer.Argument(help='organisation code, or "system" for the system key')],
    compromised: Annotated[bool, typer.Option(help="record the old key as compromised")] = False,
) -> None:
    """Replace an organisation's server key; the old one is retired (logged), its private file destroyed."""
    from homebound.cli.context import load_settings, open_uows
    from homebound.core.log.keys import RetireReason
    from homebound.services.keys import purge_retired_keys, rotate_key

    uows = open_uows(load_settings())
    reason = RetireReason.COMPROMISED if compromised else RetireReason.ROTATED
    try:
        retired, current = rotate_key(uows, "cli", owner_code=organisation, reason=reason)
    except DomainError as exc:
        _fail(exc)
        return
    purge_retired_keys(uows)
    out.print(f"retired {retired.key_id} after entry {retired.valid_until}; now {current.key_id}")


@keys_app.command("purge")
def purge() -> None:
    """Destroy the private files of keys whose retirement has committed (done after each CLI rotation)."""
    from homebound.cli.context import load_settings, open_uows
    from homebound.services.keys import purge_retired_keys

    destroyed = purge_retired_keys(open_uows(load_settings()))
    out.print(f"destroyed {len(destroyed)} retired private key(s)")
