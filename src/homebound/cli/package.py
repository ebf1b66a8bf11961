"""`homebound package ...`: seal and send a package to a file, receive one, verify one offline, push the
outbox to the peers' inboxes, check a concluded agreement offline."""

from __future__ import annotations

import datetime as dt
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from homebound.cli.context import actor_for_username, load_settings, open_uows
from homebound.core.access import Actor
from homebound.core.errors import DomainError, FieldProblem, ValidationFailed
from homebound.core.packages.envelope import Envelope
from homebound.core.packages.errors import EXIT_CODES, PackageRefused, Refusal
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
    agreement: Annotated[
        str | None, typer.Option(help="version, acceptance, conclusion: the agreement's id")
    ] = None,
    number: Annotated[int | None, typer.Option(help="version, acceptance: the version's number")] = None,
    code: Annotated[
        str | None, typer.Option(help="acceptance: the second factor's code, if enrolled")
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
            payload: dict[str, Any] | None = (
                _act_payload(uows, actor, kind, act)
                if kind in (PackageKind.HANDOVER_ACT, PackageKind.COUNTERSIGNATURE)
                else _payload(uows, actor, kind, to, registry, all_records, records, fields)
            )
            if payload is None:
                payload = _agreement_payload(uows, actor, kind, to, agreement, number, code)
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
) -> dict[str, Any] | None:
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
    return None


def _agreement_payload(
    uows: UnitOfWorkFactory,
    actor: Actor,
    kind: PackageKind,
    to: list[str],
    agreement: str | None,
    number: int | None,
    code: str | None,
) -> dict[str, Any]:
    from homebound.services.federation import agreements

    needs_number = kind in (PackageKind.VERSION, PackageKind.ACCEPTANCE)
    if kind not in (*(PackageKind.VERSION, PackageKind.ACCEPTANCE), PackageKind.CONCLUSION):
        problem = FieldProblem("kind", "not_handled", f"{kind.value} packages are not built yet")
        raise ValidationFailed([problem])
    if agreement is None or (needs_number and number is None):
        wanted = "--agreement and --number" if needs_number else "--agreement"
        raise ValidationFailed([FieldProblem("agreement", "required", f"a {kind.value} takes {wanted}")])
    if kind is PackageKind.VERSION:
        assert number is not None
        if len(to) != 1:
            raise ValidationFailed([FieldProblem("to", "invalid_value", "a version goes to one party")])
        return agreements.version_payload(uows, actor, agreement, number, to[0])
    if kind is PackageKind.CONCLUSION:
        return agreements.conclusion_payload(uows, actor, agreement)
    from homebound.services.sign_in import Reauthentication

    assert number is not None
    password = typer.prompt("your password (it unlocks this node's signature)", hide_input=True)
    proof = Reauthentication(password, "".join((code or "").split()) or None)
    return agreements.accept_version(uows, actor, agreement, number, proof)


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


def post_package(url: str, data: bytes) -> tuple[int, bytes]:
    """POST a package's bytes; (status, body). Network failures come back as OSError (URLError is one)."""
    from homebound.services.federation.wire import CONTENT_TYPE

    if not url.startswith(("https://", "http://")):  # read_card allows no other scheme either
        raise OSError(f"not an http(s) inbox: {url[:40]}")
    headers = {"Content-Type": CONTENT_TYPE}
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            return int(answer.status), bytes(answer.read(64 * 1024))
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read(64 * 1024))


@package_app.command("push")
def push(
    once: Annotated[bool, typer.Option(help="one round only, then exit")] = False,
) -> None:
    """Post pending packages to their addressees' inboxes (the inbox URL on each pinned card), in order,
    until each is acknowledged by a valid receipt; a failure is retried later with back-off."""
    from homebound.services.federation.wire import next_due, push_outbox

    uows = open_uows(load_settings())
    try:
        while True:
            for outcome in push_outbox(uows, post_package):
                state = "acknowledged" if outcome.acknowledged else f"not yet ({outcome.error})"
                out.print(f"{outcome.name[:16]} to {outcome.recipient} #{outcome.seq}: {state}")
            due = next_due(uows)
            if once or due is None:
                break
            wait = (due - dt.datetime.now(dt.UTC)).total_seconds()
            time.sleep(min(max(wait, 1.0), 60.0))
    except DomainError as exc:
        _refused(exc)
        return
    remaining = next_due(uows)
    out.print(
        "outbox: nothing left to push" if remaining is None else f"outbox: next attempt {remaining:%H:%M:%S}"
    )


@package_app.command("void")
def void(
    name: Annotated[str, typer.Argument(help="the package's name (SHA-256) in this node's outbox")],
    to: Annotated[str, typer.Option("--to", help="the addressee that refused it")],
    reason: Annotated[str, typer.Option(help="the addressee's refusal code")] = "package.invalid_content",
) -> None:
    """Mark a pending package the addressee refused for its content (it said so, e.g. on a returned file):
    it is not pushed again, and the next package sealed to that addressee takes its number."""
    from homebound.services.federation.node import NODE_ACTOR
    from homebound.services.federation.packages import mark_refused

    try:
        mark_refused(open_uows(load_settings()), NODE_ACTOR, name, to, reason)
    except DomainError as exc:
        _refused(exc)
        return
    out.print(f"package {name[:16]} to {to} marked refused; the next package to {to} takes its number")


@package_app.command("evidence")
def evidence(
    agreement: Annotated[str, typer.Option(help="the agreement's id")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="an existing folder to write the two files to")
    ],
) -> None:
    """Write the concluded version's document and the signed conclusion as this node holds them
    (version.json, conclusion.json), for `package verify-agreement` anywhere, with the three cards."""
    from homebound.core.log.entries import canonical
    from homebound.services.federation.agreements import agreement_evidence

    version, conclusion = output / "version.json", output / "conclusion.json"
    if not output.is_dir() or version.exists() or conclusion.exists():
        err.print(f"[red]refused[/red] {output} is not a folder, or holds version.json or conclusion.json")
        raise typer.Exit(code=2)
    found = agreement_evidence(open_uows(load_settings()), agreement)
    if found is None:
        err.print("[red]refused[/red] no conclusion of that agreement on this node")
        raise typer.Exit(code=2)
    version.write_bytes(canonical(found[0]) + b"\n")
    conclusion.write_bytes(found[1] + b"\n")
    out.print(f"wrote {version} and {conclusion}")


@package_app.command("verify-agreement")
def verify_agreement_files(
    version: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the version document (JSON)")],
    conclusion: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the signed conclusion")],
    card: Annotated[list[Path], typer.Option(help="the cards of both parties and the mediator")],
) -> None:
    """Offline, no database: the version document is the one concluded, and the mediator and both parties
    signed it with the keys on their cards."""
    from homebound.core.packages.cards import read_card
    from homebound.core.packages.statements import parse_statement, verify_agreement

    try:
        cards = {c.org: c for c in (read_card(path.read_bytes()) for path in card)}
        document = parse_statement(version.read_bytes())
        if not isinstance(document, dict):
            raise PackageRefused(Refusal.MALFORMED, "a version document is a JSON object")
        checked = verify_agreement(document, parse_statement(conclusion.read_bytes()), cards)
    except DomainError as exc:
        _refused(exc)
        return
    first, second = checked.acceptances
    out.print(f"agreement {checked.agreement} version {checked.version} ({checked.content_hash})")
    out.print(f"accepted by {first.party} ({first.accepted}) and {second.party} ({second.accepted})")
    out.print(f"concluded by {checked.mediator} ({checked.concluded}): all three signatures verified")
