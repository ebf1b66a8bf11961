"""`homebound package ...`: seal and send a package to a file, receive one, verify one offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from homebound.cli.context import actor_for_username, load_settings, open_uows
from homebound.core.access import Actor
from homebound.core.errors import DomainError, FieldProblem, ValidationFailed
from homebound.core.packages.envelope import Envelope
from homebound.core.packages.errors import EXIT_CODES, PackageRefused
from homebound.core.packages.kinds import PackageKind
from homebound.core.persons import Registry
from homebound.db.uow import UnitOfWorkFactory

package_app = typer.Typer(
    help="Packages: the only thing that crosses between nodes. Send to a file, receive, verify offline.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)
UserOpt = Annotated[str, typer.Option("--user", "-u", help="act as this user of this node")]


def _refused(exc: DomainError) -> None:
    err.print(f"[red]refused[/red] {exc.code}: {exc.message}")
    if isinstance(exc, ValidationFailed):
        for problem in exc.problems[:20]:
            where = f"line {problem.row}" if problem.row else problem.field
            err.print(f"  {where}: {problem.message} ({problem.code})")
    code = EXIT_CODES[exc.refusal] if isinstance(exc, PackageRefused) else 2
    raise typer.Exit(code=code)


def _record_ids(path: Path) -> list[str]:
    """One record id a line; blank lines and lines starting with # are skipped."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _show(envelope: Envelope) -> None:
    header = envelope.header
    out.print(f"package     {envelope.name}")
    out.print(f"kind        {header.kind.value}, {envelope.size} bytes")
    out.print(f"sender      {header.sender} (key {header.key})")
    out.print("recipients  " + ", ".join(f"{a.org} #{a.seq}" for a in header.recipients))


@package_app.command("send")
def send(
    to: Annotated[list[str], typer.Option("--to", help="a pinned peer's code (repeat for several)")],
    kind: Annotated[PackageKind, typer.Option(help="what the package is")],
    user: UserOpt,
    output: Annotated[Path, typer.Option("--output", "-o", help="file to write the package to")],
    registry: Annotated[Registry | None, typer.Option(help="disclosure: held or sought")] = None,
    all_records: Annotated[bool, typer.Option("--all", help="disclosure: the whole registry")] = False,
    records: Annotated[Path | None, typer.Option(help="disclosure: a file of record ids, one a line")] = None,
    fields: Annotated[
        str | None, typer.Option(help="disclosure: columns to disclose, comma-separated")
    ] = None,
    act: Annotated[
        str | None,
        typer.Option(help="handover-act: the act to send; countersignature: the act to countersign"),
    ] = None,
) -> None:
    """Seal a package to pinned peers, keep it in the outbox and write it to a file (USB stick, e-mail).
    `--kind checkpoint` signs this node's tree head for one witness, with the consistency proofs it needs."""
    from homebound.services.federation.packages import send_package
    from homebound.services.federation.tree_heads import send_checkpoint

    if output.exists() or not output.parent.is_dir():
        err.print(f"[red]refused[/red] {output} exists already, or its folder does not")
        raise typer.Exit(code=2)
    uows = open_uows(load_settings())
    try:
        actor = actor_for_username(uows, user)
        if kind is PackageKind.CHECKPOINT:
            if len(to) != 1:
                raise ValidationFailed(
                    [FieldProblem("to", "invalid_value", "a checkpoint goes to one witness")]
                )
            sent = send_checkpoint(uows, actor, to[0])
        else:
            payload = (
                _act_payload(uows, actor, kind, act)
                if kind in (PackageKind.HANDOVER_ACT, PackageKind.COUNTERSIGNATURE)
                else _payload(uows, actor, kind, to, registry, all_records, records, fields)
            )
            sent = send_package(uows, actor, to=to, kind=kind, payload=payload)
    except DomainError as exc:
        _refused(exc)
        return
    output.write_bytes(sent.data)
    out.print(
        f"wrote {output}: {kind.value} {sent.name} to "
        + ", ".join(f"{a.org} #{a.seq}" for a in sent.recipients)
    )


def _payload(
    uows: UnitOfWorkFactory,
    actor: Actor,
    kind: PackageKind,
    to: list[str],
    registry: Registry | None,
    all_records: bool,
    records: Path | None,
    fields: str | None,
) -> dict[str, Any]:
    if kind is PackageKind.DISCLOSURE:
        from homebound.services.federation.disclosure import disclosure_payload

        if registry is None or all_records == (records is not None):
            problem = FieldProblem(
                "registry", "required", "a disclosure takes --registry and --all or --records"
            )
            raise ValidationFailed([problem])
        return disclosure_payload(
            uows, actor, registry,
            record_ids=_record_ids(records) if records is not None else None,
            fields=fields.split(",") if fields else None,
        )  # fmt: skip
    if kind is PackageKind.MATCH_RESULT:
        from homebound.services.federation.match_results import match_result_payload

        if len(to) != 1:
            raise ValidationFailed([FieldProblem("to", "invalid_value", "a match result goes to one party")])
        return match_result_payload(uows, actor, to[0])
    raise ValidationFailed([FieldProblem("kind", "not_handled", f"{kind.value} packages are not built yet")])


def _act_payload(uows: UnitOfWorkFactory, actor: Actor, kind: PackageKind, act: str | None) -> dict[str, Any]:
    if act is None:
        raise ValidationFailed(
            [FieldProblem("act", "required", f"a {kind.value} package names the act (--act)")]
        )
    if kind is PackageKind.HANDOVER_ACT:
        from homebound.services.federation.crossing import act_payload

        return act_payload(uows, act)
    from homebound.cli.exchange import _proof
    from homebound.services.federation.countersigning import countersign

    return countersign(uows, actor, act, _proof())  # binding: the password (and code) asked again


@package_app.command("receive")
def receive(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the package file")],
    user: UserOpt,
    receipt: Annotated[Path | None, typer.Option(help="write the signed receipt for the sender here")] = None,
    reply: Annotated[
        Path | None,
        typer.Option(help="write the answer (a checkpoint's cosignature) here; default FILE-reply.hbp"),
    ] = None,
) -> None:
    """Verify, decrypt and take in a package addressed to this node; refused: nothing kept, exit code per
    refusal (docs/federation.md), the refusal logged. A checkpoint is cosigned once its consistency proof
    holds, and the cosignature package written for the sender."""
    from homebound.services.federation.packages import receive_package

    settings = load_settings()
    uows = open_uows(settings)
    try:
        actor = actor_for_username(uows, user)
        received = receive_package(uows, actor, file.read_bytes(), max_bytes=settings.package_max_bytes)
    except DomainError as exc:
        _refused(exc)
        return
    out.print(f"received {received.kind.value} {received.name} from {received.sender} #{received.seq}")
    out.print(received.summary)
    if received.reply is not None:
        target = reply or file.with_name(f"{file.stem}-reply.hbp")
        if target.exists():
            err.print(f"[red]{target} exists[/red]: the answer stays in the outbox ({received.reply.name})")
            raise typer.Exit(code=2)
        target.write_bytes(received.reply.data)
        out.print(f"wrote the answer to {target}: hand it to {received.sender} (homebound package receive)")
    if receipt is not None:
        receipt.write_bytes(received.receipt)
        out.print(
            f"wrote the receipt to {receipt}: hand it back to {received.sender} (homebound package ack)"
        )


@package_app.command("ack")
def ack(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="an addressee's receipt")],
) -> None:
    """Mark a package sent from this node acknowledged, on the addressee's signed receipt."""
    from homebound.services.federation.packages import acknowledge

    try:
        receipt, newly = acknowledge(open_uows(load_settings()), file.read_bytes())
    except DomainError as exc:
        _refused(exc)
        return
    state = "acknowledged" if newly else "was acknowledged before"
    out.print(f"package {receipt.package} to {receipt.receiver} #{receipt.seq} {state}")


@package_app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the package file")],
    card: Annotated[
        list[Path] | None, typer.Option(help="check against this card file instead of the pinned cards")
    ] = None,
) -> None:
    """Check a package as a relay would, decrypting nothing: the sender's pinned key, its signature, sizes
    and the ciphertext's hash. With --card, no database is needed."""
    from homebound.services.federation.packages import verify_package, verify_with_cards

    settings = load_settings()
    data = file.read_bytes()
    try:
        if card:
            envelope = verify_with_cards(
                data, [path.read_bytes() for path in card], max_bytes=settings.package_max_bytes
            )
        else:
            envelope = verify_package(open_uows(settings), data, max_bytes=settings.package_max_bytes)
    except DomainError as exc:
        _refused(exc)
        return
    _show(envelope)
    out.print("verified: signed by the sender's pinned key, complete, unaltered (content not read)")
