"""Packages over HTTP: the inbox that takes a pushed package (the same path as `package receive`), and the
outbox pusher that posts pending packages to their addressees' inboxes, with back-off, until a receipt
checked exactly as `package ack` checks one acknowledges them.

The pusher takes a `post(url, bytes) -> (status, body)` so that the transport (httpx in production, two
apps in one process in tests) stays at the edge.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from homebound.core.access import Actor
from homebound.core.errors import DomainError
from homebound.core.packages.cards import NodeKind
from homebound.core.packages.envelope import DEFAULT_MAX_PACKAGE_BYTES
from homebound.db.federation_tables import PackageSentRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.federation.node import ADMIN_ROLE, NODE_ACTOR, own_node, pinned_cards
from homebound.services.federation.packages import (
    PENDING,
    ReceivedPackage,
    acknowledge,
    mark_refused,
    receive_package,
)

INBOX_USER = "inbox"  # who receives a pushed package in a node's log: its inbox, not a person
CONTENT_TYPE = "application/vnd.homebound.package"
BASE_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=1)
# Refusals made after the addressee verified the signatures and read the content: final, whatever the
# path. The package is marked refused and its number goes to the next package to that addressee. Anything
# else (network, trust not pinned yet, out of order, limits, bytes damaged on the way) is retried.
FINAL_REFUSALS = frozenset({"package.invalid_content", "package.not_allowed", "package.not_handled"})

Post = Callable[[str, bytes], tuple[int, bytes]]


def inbox_actor(uows: UnitOfWorkFactory) -> Actor:
    """The node itself, receiving at its inbox with its admin role's rights (its log says `inbox`)."""
    with uows.reader() as uow:
        node = own_node(uow.session)
    party = node.organisation_id if node.kind is NodeKind.PARTY else None
    return Actor(INBOX_USER, ADMIN_ROLE[node.kind], node.organisation_id, party)


def receive_pushed(
    uows: UnitOfWorkFactory, data: bytes, *, max_bytes: int = DEFAULT_MAX_PACKAGE_BYTES
) -> ReceivedPackage:
    """A package posted to the inbox: verified, refused or taken in as `package receive` does, except that
    the same package pushed again answers with its first receipt (a retry after a lost answer)."""
    return receive_package(uows, inbox_actor(uows), data, max_bytes=max_bytes, again=True)


@dataclass(frozen=True)
class PushOutcome:
    name: str
    recipient: str
    seq: int
    acknowledged: bool
    error: str | None = None  # a refusal code, an HTTP status or a network failure
    refused: bool = False  # refused for good: not retried, its number freed


def delay_after(attempts: int) -> dt.timedelta:
    """Back-off: 30 s after the first failure, doubling, at most an hour."""
    factor = 2 ** min(max(attempts - 1, 0), 20)
    delay: dt.timedelta = BASE_DELAY * factor
    return min(delay, MAX_DELAY)


def _refusal_code(body: bytes) -> str | None:
    try:
        code = json.loads(body).get("code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, str) else None


def push_outbox(uows: UnitOfWorkFactory, post: Post, *, now: dt.datetime | None = None) -> list[PushOutcome]:
    """One round: every pending package whose addressee's card has an inbox and whose next attempt is due,
    in sequence order per addressee (a failure stops that addressee's round: the next would be out of
    order). A valid receipt for the package acknowledges it; anything else schedules the next attempt."""
    now = now or dt.datetime.now(dt.UTC)
    with uows.reader() as uow:
        cards = pinned_cards(uow.session)
        rows = uow.session.execute(
            select(PackageSentRow.name, PackageSentRow.recipient, PackageSentRow.seq,
                   PackageSentRow.next_attempt_at)
            .where(PackageSentRow.state == PENDING)
            .order_by(PackageSentRow.recipient, PackageSentRow.seq)
        ).all()  # fmt: skip
    outcomes: list[PushOutcome] = []
    stopped: set[str] = set()
    for name, recipient, seq, due in rows:
        card = cards.get(recipient)
        if recipient in stopped or card is None or card.inbox_url is None:
            continue
        if due is not None and _aware(due) > now:
            stopped.add(recipient)
            continue
        outcome = _push_one(uows, post, card.inbox_url, name, recipient, seq)
        _record_attempt(uows, outcome, now)
        outcomes.append(outcome)
        if not outcome.acknowledged:  # the next would be out of order (a refused number waits for reuse)
            stopped.add(recipient)
    return outcomes


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _push_one(
    uows: UnitOfWorkFactory, post: Post, url: str, name: str, recipient: str, seq: int
) -> PushOutcome:
    with uows.reader() as uow:
        row = uow.session.get(PackageSentRow, (name, recipient))
        assert row is not None
        data = bytes(row.package)
    try:
        status, body = post(url, data)
    except OSError as error:  # httpx's transport errors are not OSErrors: the CLI's post maps them
        return PushOutcome(name, recipient, seq, False, f"network: {type(error).__name__}")
    if status != 200:
        code = _refusal_code(body)
        failure = f"HTTP {status}" + (f" {code}" if code else "")
        return PushOutcome(name, recipient, seq, False, failure, refused=code in FINAL_REFUSALS)
    try:
        receipt, _newly = acknowledge(uows, body)
    except DomainError as error:
        return PushOutcome(name, recipient, seq, False, f"receipt refused: {error.code}")
    if (receipt.package, receipt.receiver) != (name, recipient):
        return PushOutcome(name, recipient, seq, False, "receipt for another package")
    return PushOutcome(name, recipient, seq, True)


def _record_attempt(uows: UnitOfWorkFactory, outcome: PushOutcome, now: dt.datetime) -> None:
    if outcome.refused:
        assert outcome.error is not None
        mark_refused(uows, NODE_ACTOR, outcome.name, outcome.recipient, outcome.error)
    with uows.writer() as uow:
        row = uow.session.get(PackageSentRow, (outcome.name, outcome.recipient))
        assert row is not None
        row.attempts += 1
        row.last_error = None if outcome.error is None else outcome.error[:200]
        done = outcome.acknowledged or outcome.refused
        row.next_attempt_at = None if done else now + delay_after(row.attempts)
        uow.commit()


def next_due(uows: UnitOfWorkFactory) -> dt.datetime | None:
    """When the earliest pending package with an inbox is due again (None: nothing left to push)."""
    with uows.reader() as uow:
        cards = pinned_cards(uow.session)
        rows = uow.session.execute(
            select(PackageSentRow.recipient, PackageSentRow.next_attempt_at).where(
                PackageSentRow.state == PENDING
            )
        ).all()
    pushable = [due for recipient, due in rows if (card := cards.get(recipient)) and card.inbox_url]
    if not pushable:
        return None
    return min((_aware(due) for due in pushable if due is not None), default=dt.datetime.now(dt.UTC))
