"""Sending, verifying and receiving packages on a node. One transaction each: a package sent is in the
outbox and the log together; a package received is kept, applied and logged together, or, refused, leaves
nothing but a `federation:package:refuse` entry (its name and the code: never its content).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from homebound.core.log.entries import ActionTag
from homebound.core.packages.body import Addressee, LogHead, PackageBody
from homebound.core.packages.cards import read_card
from homebound.core.packages.envelope import (
    DEFAULT_MAX_PACKAGE_BYTES,
    Envelope,
    OpenedPackage,
    check_sequence,
    open_package,
    package_name,
    read_envelope,
    seal,
    verify_envelope,
)
from homebound.core.packages.errors import PackageRefused, Refusal
from homebound.core.packages.kinds import PackageKind, check_route
from homebound.core.packages.receipts import Receipt, read_receipt
from homebound.core.packages.witness import CheckpointRefused
from homebound.db.federation_tables import PackageReceivedRow, PackageSentRow
from homebound.db.log_store import LogWriter, key_store_of, log_action
from homebound.db.node_keys import load_age_identity
from homebound.db.tables import LogHeadRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.federation.agreements import apply_acceptance, apply_conclusion, apply_version
from homebound.services.federation.countersigning import apply_countersignature
from homebound.services.federation.crossing import apply_handover_act
from homebound.services.federation.disclosure import apply_disclosure
from homebound.services.federation.match_results import apply_match_result
from homebound.services.federation.node import (
    NODE_ACTOR,
    now_text,
    own_node,
    own_signing_key,
    peer_organisation,
    pinned_cards,
)
from homebound.services.federation.witness import (
    apply_checkpoint,
    apply_cosignature,
    cosignature_reply,
    keep_evidence,
)

_log = logging.getLogger(__name__)
PENDING, ACKNOWLEDGED = "pending", "acknowledged"
REFUSED = "refused"  # the addressee refused it for good: its number is free for the next package to it

Handler = Callable[[Session, Actor, OpenedPackage, str], str]
HANDLERS: Mapping[PackageKind, Handler] = {
    PackageKind.DISCLOSURE: apply_disclosure,
    PackageKind.MATCH_RESULT: apply_match_result,
    PackageKind.HANDOVER_ACT: apply_handover_act,
    PackageKind.COUNTERSIGNATURE: apply_countersignature,
    PackageKind.CHECKPOINT: apply_checkpoint,
    PackageKind.COSIGNATURE: apply_cosignature,
    PackageKind.VERSION: apply_version,
    PackageKind.ACCEPTANCE: apply_acceptance,
    PackageKind.CONCLUSION: apply_conclusion,
}
# Kinds answered by a package of their own, sealed to the sender in the same transaction: (kind, payload).
Reply = Callable[[Session, OpenedPackage], tuple[PackageKind, Mapping[str, Any]]]
REPLIES: Mapping[PackageKind, Reply] = {PackageKind.CHECKPOINT: cosignature_reply}


@dataclass(frozen=True)
class SentPackage:
    name: str
    data: bytes
    recipients: tuple[Addressee, ...]


@dataclass(frozen=True)
class ReceivedPackage:
    name: str
    sender: str
    seq: int
    kind: PackageKind
    summary: str
    receipt: bytes  # signed by this node: hand it back to the sender (`homebound package ack`)
    reply: SentPackage | None = None  # the answer to the sender (a checkpoint's cosignature), in the outbox


def _acting_member(session: Session, actor: Actor, permission: Permission) -> str:
    node = own_node(session)
    if not can(actor, permission) or actor.organisation_id != node.organisation_id:
        raise PermissionDenied("only a member of this node's organisation with this right acts for it")
    return node.code


def send_package(
    uows: UnitOfWorkFactory,
    actor: Actor,
    *,
    to: Sequence[str],
    kind: PackageKind,
    payload: Mapping[str, Any],
) -> SentPackage:
    """Seal a package to pinned peers and put it in the outbox (pending until acknowledged), logged."""
    with uows.writer() as uow:
        session = uow.session
        _acting_member(session, actor, Permission.OWN_PACKAGE_SEND)
        sent = send_in_session(session, actor, to=to, kind=kind, payload=payload)
        uow.commit()
    return sent


def send_in_session(
    session: Session, actor: Actor, *, to: Sequence[str], kind: PackageKind, payload: Mapping[str, Any]
) -> SentPackage:
    """`send_package` inside the caller's transaction (a reply sealed as its request is taken in)."""
    node = own_node(session)
    cards = pinned_cards(session)
    for code in to:
        peer_organisation(session, code)  # NotFound for a peer not pinned
        check_route(kind, node.kind.value, cards[code].kind.value)
    replaced = {code: _refused_row(session, code) for code in to}
    addressees = tuple(
        Addressee(code, row.seq if (row := replaced[code]) is not None else _last_sent(session, code) + 1)
        for code in to
    )
    for row in replaced.values():
        if row is not None:  # the addressee kept nothing of it and still expects its number
            session.delete(row)
    session.flush()
    LogWriter.for_session(session).flush()  # the head the body names includes this transaction's entries
    head = session.execute(
        select(LogHeadRow).where(LogHeadRow.id == 1).execution_options(populate_existing=True)
    ).scalar_one()
    body = PackageBody(node.code, addressees, kind, LogHead(head.seq, head.head_hash), now_text(), payload)
    data = seal(body, own_signing_key(session, node.organisation_id),
                {code: cards[code].encryption_key for code in to})  # fmt: skip
    name = package_name(data)
    for addressee in addressees:
        session.add(PackageSentRow(name=name, recipient=addressee.org, seq=addressee.seq, kind=kind.value,
                                   size=len(data), state=PENDING, attempts=0, package=data,
                                   created_by=actor.user_id or NODE_ACTOR))  # fmt: skip
    session.flush()
    log_action(session, actor, ActionTag.PACKAGE_SEND, "package", name, _summary(body, len(data)), party=None)
    return SentPackage(name, data, addressees)


def _summary(body: PackageBody, size: int) -> dict[str, Any]:
    return {
        "sender": body.sender,
        "recipients": [a.to_json() for a in body.recipients],
        "kind": body.kind.value,
        "size": size,
        "log_head": body.log_head.to_json(),
    }


def _refused_row(session: Session, code: str) -> PackageSentRow | None:
    """The lowest-numbered package to `code` that it refused for good, if any."""
    return session.execute(
        select(PackageSentRow)
        .where(PackageSentRow.recipient == code, PackageSentRow.state == REFUSED)
        .order_by(PackageSentRow.seq)
        .limit(1)
    ).scalar_one_or_none()


def mark_refused(uows: UnitOfWorkFactory, actor: Actor | str, name: str, recipient: str, code: str) -> None:
    """A pending package the addressee refused for good (told by its answer, or by its operator for a
    file): its number goes to the next package sealed to that addressee, so the sequence does not stop."""
    with uows.writer() as uow:
        session = uow.session
        row = session.get(PackageSentRow, (name, recipient))
        if row is None or row.state != PENDING:
            raise NotFound("no pending package of that name to that addressee", field="name")
        row.state, row.last_error, row.next_attempt_at = REFUSED, code[:200], None
        log_action(session, actor, ActionTag.PACKAGE_REFUSE, "package", name,
                   {"code": code, "addressee": recipient, "seq": row.seq, "side": "sender"},
                   party=None)  # fmt: skip
        uow.commit()


def _last_sent(session: Session, code: str) -> int:
    found = session.execute(select(func.max(PackageSentRow.seq)).where(PackageSentRow.recipient == code))
    return int(found.scalar() or 0)


def _last_received(session: Session, sender: str) -> int:
    found = session.execute(
        select(func.max(PackageReceivedRow.seq)).where(PackageReceivedRow.sender == sender)
    )
    return int(found.scalar() or 0)


def verify_with_cards(
    data: bytes, cards: Sequence[bytes], *, max_bytes: int = DEFAULT_MAX_PACKAGE_BYTES
) -> Envelope:
    """A relay's check with nothing but the cards it was handed: signature, sizes, hash. No database."""
    trusted = {card.org: card for card in (read_card(raw) for raw in cards)}
    return verify_envelope(data, trusted.get, max_bytes=max_bytes)


def verify_package(
    uows: UnitOfWorkFactory, data: bytes, *, max_bytes: int = DEFAULT_MAX_PACKAGE_BYTES
) -> Envelope:
    """The same check against this node's pinned cards; reads the database, writes nothing."""
    with uows.reader() as uow:
        trusted = pinned_cards(uow.session)
    return verify_envelope(data, trusted.get, max_bytes=max_bytes)


def receive_package(
    uows: UnitOfWorkFactory,
    actor: Actor,
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_PACKAGE_BYTES,
    again: bool = False,
) -> ReceivedPackage:
    """Verify, decrypt, check order, apply and keep a package addressed to this node, in one transaction.

    Any refusal rolls all of it back, is logged on its own (name and code only) and raised. With `again`
    (a push retried over HTTP), a package received before, verified again, answers with the receipt it
    got the first time instead of `package.replay`; nothing changes and nothing is logged.
    """
    try:
        with uows.writer() as uow:
            received = _receive(uow.session, actor, data, max_bytes, again)
            uow.commit()
    except PackageRefused as refusal:
        _log_refusal(uows, actor, data, refusal, max_bytes)
        raise
    return received


def _receive(session: Session, actor: Actor, data: bytes, max_bytes: int, again: bool) -> ReceivedPackage:
    me = _acting_member(session, actor, Permission.OWN_PACKAGE_RECEIVE)
    node = own_node(session)
    cards = pinned_cards(session)
    envelope = verify_envelope(data, cards.get, max_bytes=max_bytes)
    sender = cards[envelope.header.sender]
    known = session.get(PackageReceivedRow, envelope.name)
    if known is not None:
        if again and known.receipt is not None:
            again_text = "received before: the same receipt again"
            return ReceivedPackage(known.name, known.sender, known.seq, PackageKind(known.kind),
                                   again_text, bytes(known.receipt))  # fmt: skip
        raise PackageRefused(Refusal.REPLAY, "this package was received before")
    identity = load_age_identity(key_store_of(session), node.encryption_key)
    opened = open_package(envelope, me, identity, sender, max_bytes=max_bytes)
    addressee = opened.body.addressee(me)
    assert addressee is not None  # open_package checked it
    check_sequence(addressee, _last_received(session, sender.org))
    check_route(opened.body.kind, sender.kind.value, node.kind.value)
    peer_id = peer_organisation(session, sender.org)
    try:
        summary = HANDLERS[opened.body.kind](session, actor, opened, peer_id)
    except DomainError as error:
        if isinstance(error, PackageRefused):
            raise
        raise PackageRefused(
            Refusal.INVALID_CONTENT, f"the content breaks a rule: {error.message}"
        ) from error
    receipt = Receipt(envelope.name, sender.org, me, addressee.seq, now_text())
    signed = receipt.signed(own_signing_key(session, node.organisation_id))
    session.add(PackageReceivedRow(name=envelope.name, sender=sender.org, seq=addressee.seq,
                                   kind=opened.body.kind.value, size=envelope.size, package=data,
                                   received_by=actor.user_id or NODE_ACTOR, receipt=signed))  # fmt: skip
    session.flush()
    log_action(session, actor, ActionTag.PACKAGE_RECEIVE, "package", envelope.name,
               _summary(opened.body, envelope.size), party=None)  # fmt: skip
    reply: SentPackage | None = None
    answer = REPLIES.get(opened.body.kind)
    if answer is not None:
        kind, payload = answer(session, opened)
        reply = send_in_session(session, actor, to=[sender.org], kind=kind, payload=payload)
    return ReceivedPackage(envelope.name, sender.org, addressee.seq, opened.body.kind, summary, signed, reply)


def acknowledge(uows: UnitOfWorkFactory, data: bytes) -> tuple[Receipt, bool]:
    """Mark a package acknowledged in the outbox on the addressee's signed receipt; (receipt, newly)."""
    with uows.writer() as uow:
        session = uow.session
        node = own_node(session)
        receipt = read_receipt(data, pinned_cards(session))
        row = session.get(PackageSentRow, (receipt.package, receipt.receiver))
        if receipt.sender != node.code or row is None or row.seq != receipt.seq:
            raise PackageRefused(
                Refusal.INVALID_CONTENT, "the receipt names no package this node sent to its signer"
            )
        if row.state == ACKNOWLEDGED:
            return receipt, False
        row.state, row.acknowledged_at = ACKNOWLEDGED, dt.datetime.now(dt.UTC)
        summary = {"receiver": receipt.receiver, "seq": receipt.seq, "received": receipt.received}
        log_action(session, NODE_ACTOR, ActionTag.PACKAGE_ACKNOWLEDGE, "package", receipt.package, summary)
        uow.commit()
    return receipt, True


def _log_refusal(
    uows: UnitOfWorkFactory, actor: Actor, data: bytes, refusal: PackageRefused, max_bytes: int
) -> None:
    """The refusal in the node's log, in a transaction of its own: the name of the bytes, who claimed to
    send them (if the header was readable), the code and the size; and the evidence a refusal carries (a
    peer's two signed histories), kept in the same transaction."""
    code = refusal.code
    claimed = ""
    with contextlib.suppress(PackageRefused):
        claimed = read_envelope(data, max_bytes=max_bytes).header.sender
    name = package_name(data)
    _log.warning("package %s refused: %s", name, code)
    try:
        with uows.writer() as uow:
            log_action(uow.session, actor, ActionTag.PACKAGE_REFUSE, "package", name,
                       {"code": code, "claimed_sender": claimed, "size": len(data)}, party=None)  # fmt: skip
            if isinstance(refusal, CheckpointRefused) and refusal.evidence is not None:
                keep_evidence(uow.session, actor, refusal, name, data)
            uow.commit()
    except Conflict:
        _log.warning("package refusal not logged: this database is not a node")
