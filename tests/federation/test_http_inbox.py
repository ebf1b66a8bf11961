"""Packages over HTTP between real nodes' web apps (each its own database and keys; the apps talk through
Starlette's test transport): the inbox answers with the signed receipt, the outbox pusher retries with
back-off until a valid receipt acknowledges a package, a retried push gets the same receipt, refusals come
back with their codes and statuses, and the inbox's size and rate limits hold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from homebound.config import Settings
from homebound.core.log.entries import ActionTag
from homebound.core.packages.cards import NodeKind
from homebound.core.packages.envelope import package_name
from homebound.core.packages.kinds import PackageKind
from homebound.core.persons import Registry
from homebound.db.exchange_tables import AgreementAcceptanceRow
from homebound.db.federation_tables import NodeIdentityRow, PackageReceivedRow, PackageSentRow
from homebound.db.tables import LogEntryRow
from homebound.services.federation import agreements as federated
from homebound.services.federation.disclosure import disclosure_payload
from homebound.services.federation.packages import send_package
from homebound.services.federation.wire import CONTENT_TYPE, push_outbox
from homebound.services.sign_in import Reauthentication
from homebound.web.app import create_app
from homebound.web.federation_inbox import INBOX_PATH, InboxLimiter
from tests.federation.agreement_scene import count, counter_propose_smaller, negotiate, send, version_sent
from tests.federation.test_agreement_by_package import assert_each_node_holds_what_was_sent
from tests.federation_support import HELD_CSV, PASSWORD, Node, NodeFactory


class Wire:
    """Each node's web app, reachable at http://<code>.test; `post` is the pusher's transport."""

    def __init__(self) -> None:
        self.clients: dict[str, TestClient] = {}

    def serve(self, node: Node, **settings: object) -> TestClient:
        with node.engine.begin() as conn:  # as HOMEBOUND_INBOX_URL would have set it at node init
            conn.execute(update(NodeIdentityRow).values(inbox_url=f"http://{node.code}.test{INBOX_PATH}"))
        app = create_app(Settings(key_dir=node.key_dir, **settings), bind=node.engine)  # type: ignore[arg-type]
        self.clients[node.code] = TestClient(app, base_url=f"http://{node.code}.test")
        return self.clients[node.code]

    def post(self, url: str, data: bytes) -> tuple[int, bytes]:
        parts = urlsplit(url)
        assert parts.hostname is not None
        answer = self.clients[parts.hostname.removesuffix(".test")].post(
            parts.path, content=data, headers={"Content-Type": CONTENT_TYPE}
        )
        return answer.status_code, answer.content

    def deliver(self, sender: Node, to: list[Node], _data: bytes) -> None:
        outcomes = push_outbox(sender.uows, self.post)
        assert {o.recipient for o in outcomes} == {n.code for n in to}
        assert all(o.acknowledged for o in outcomes), [o.error for o in outcomes]


@pytest.fixture
def wire() -> Iterator[Wire]:
    found = Wire()
    yield found
    for client in found.clients.values():
        client.close()


def _three(nodes: NodeFactory, wire: Wire) -> tuple[Node, Node, Node]:
    ua, ru, med = nodes("ua", NodeKind.PARTY), nodes("ru", NodeKind.PARTY), nodes("med", NodeKind.MEDIATOR)
    for node in (ua, ru, med):
        wire.serve(node)
    ua.trusts(med, ru), ru.trusts(med, ua), med.trusts(ua, ru)
    return ua, ru, med


def _refusals(node: Node) -> int:
    return count(node, LogEntryRow, tag=ActionTag.PACKAGE_REFUSE.value)


def _disclosure(node: Node) -> bytes:
    payload = disclosure_payload(node.uows, node.actor(), Registry.HELD)
    return send_package(
        node.uows, node.actor(), to=["med"], kind=PackageKind.DISCLOSURE, payload=payload
    ).data


def test_the_negotiation_between_three_nodes_over_http(nodes: NodeFactory, wire: Wire) -> None:
    ua, ru, med = _three(nodes, wire)
    done = negotiate(ua, ru, med, wire.deliver)
    assert_each_node_holds_what_was_sent(ua, ru, med, done)
    for node in (ua, ru, med):  # every package acknowledged by a receipt, at the first attempt
        with node.uows.reader() as uow:
            states = uow.session.execute(select(PackageSentRow.state, PackageSentRow.attempts)).all()
        assert states and set(states) == {("acknowledged", 1)}
        assert _refusals(node) == 0


def test_a_retried_push_gets_the_same_receipt_not_a_replay(sqlite_nodes: NodeFactory, wire: Wire) -> None:
    ua, _ru, med = _three(sqlite_nodes, wire)
    ua.imports(Registry.HELD, HELD_CSV)
    data = _disclosure(ua)
    first = wire.clients["med"].post(INBOX_PATH, content=data)
    again = wire.clients["med"].post(INBOX_PATH, content=data)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content and b'"receiver":"med"' in first.content
    assert count(med, PackageReceivedRow) == 1 and _refusals(med) == 0
    # The answer lost, the pusher tries again and the same receipt acknowledges the package.
    (outcome,) = push_outbox(ua.uows, wire.post)
    assert outcome.acknowledged and count(ua, PackageSentRow, state="acknowledged") == 1


def test_refusals_come_back_with_their_code_and_status_and_are_logged(
    sqlite_nodes: NodeFactory, wire: Wire
) -> None:
    ua, ru, med = _three(sqlite_nodes, wire)
    stranger = sqlite_nodes("xx", NodeKind.PARTY)
    stranger.trusts(med)
    for node in (ua, stranger):
        node.imports(Registry.HELD, HELD_CSV)
    genuine = _disclosure(ua)
    tampered = bytearray(genuine)
    tampered[-40] ^= 1
    cases = [
        (bytes(tampered), 400, "package.tampered"),
        (_disclosure(ua), 409, "package.out_of_order"),  # number 2 before number 1
        (_disclosure(stranger), 403, "package.untrusted_sender"),
        (b"not a package", 400, "package.malformed"),
    ]
    for number, (data, status, code) in enumerate(cases, start=1):
        answer = wire.clients["med"].post(INBOX_PATH, content=data)
        assert (answer.status_code, answer.json()["code"]) == (status, code)
        assert _refusals(med) == number
    # A package for the mediator pushed to a party's inbox (ru pins ua's card): not addressed to it.
    misdirected = wire.clients["ru"].post(INBOX_PATH, content=genuine)
    assert (misdirected.status_code, misdirected.json()["code"]) == (421, "package.wrong_recipient")
    assert count(med, PackageReceivedRow) == 0 and count(ru, PackageReceivedRow) == 0


def test_an_oversized_body_is_refused_before_it_is_read(sqlite_nodes: NodeFactory, wire: Wire) -> None:
    med = sqlite_nodes("med", NodeKind.MEDIATOR)
    client = wire.serve(med, package_max_bytes=4096)
    declared = client.post(INBOX_PATH, content=bytes(5000))
    assert (declared.status_code, declared.json()["code"]) == (413, "package.oversized")

    def streamed() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(10):
            yield bytes(1000)

    undeclared = client.post(INBOX_PATH, content=streamed())
    assert (undeclared.status_code, undeclared.json()["code"]) == (413, "package.oversized")


def test_the_inbox_limits_posts_per_address(sqlite_nodes: NodeFactory, wire: Wire) -> None:
    med = sqlite_nodes("med", NodeKind.MEDIATOR)
    client = wire.serve(med, inbox_rate_per_minute=2)
    answers = [client.post(INBOX_PATH, content=b"junk").status_code for _ in range(4)]
    assert answers == [400, 400, 429, 429]
    assert _refusals(med) == 2  # past the limit nothing is read or logged
    limiter = InboxLimiter(2)
    assert limiter.admit("a", 0.0) and limiter.admit("a", 1.0) and not limiter.admit("a", 2.0)
    assert limiter.admit("b", 2.0)  # another address has its own window
    assert limiter.admit("a", 61.0)  # a minute on, the first post has left the window


def test_the_pusher_backs_off_and_keeps_the_order(sqlite_nodes: NodeFactory, wire: Wire) -> None:
    ua, _ru, med = _three(sqlite_nodes, wire)
    ua.imports(Registry.HELD, HELD_CSV)
    first, second = _disclosure(ua), _disclosure(ua)
    now = dt.datetime(2026, 1, 8, 12, 0, tzinfo=dt.UTC)

    def down(_url: str, _data: bytes) -> tuple[int, bytes]:
        raise ConnectionRefusedError

    (outcome,) = push_outbox(ua.uows, down, now=now)  # the second waits behind the first
    assert not outcome.acknowledged and outcome.error == "network: ConnectionRefusedError"
    with ua.uows.reader() as uow:
        row = uow.session.get(PackageSentRow, (package_name(first), "med"))
        assert row is not None and (row.attempts, row.state) == (1, "pending")
        assert row.next_attempt_at is not None
        assert row.next_attempt_at.replace(tzinfo=dt.UTC) == now + dt.timedelta(seconds=30)
    assert push_outbox(ua.uows, wire.post, now=now + dt.timedelta(seconds=10)) == []  # not due yet
    (again,) = push_outbox(ua.uows, down, now=now + dt.timedelta(seconds=31))
    with ua.uows.reader() as uow:
        row = uow.session.get(PackageSentRow, (package_name(first), "med"))
        assert row is not None and row.next_attempt_at is not None
        assert row.next_attempt_at.replace(tzinfo=dt.UTC) == now + dt.timedelta(seconds=31 + 60)
    later = push_outbox(ua.uows, wire.post, now=now + dt.timedelta(minutes=5))
    assert [(o.name, o.acknowledged) for o in later] == [
        (package_name(first), True),
        (package_name(second), True),
    ]
    assert count(med, PackageReceivedRow) == 2 and not again.acknowledged


def test_a_package_refused_for_its_content_frees_its_number(sqlite_nodes: NodeFactory, wire: Wire) -> None:
    ua, ru, med = _three(sqlite_nodes, wire)
    agreement_id = version_sent(ua, ru, med, wire.deliver)
    stale = federated.accept_version(ua.uows, ua.actor(), agreement_id, 1, Reauthentication(PASSWORD))
    stale_name = send_package(
        ua.uows, ua.actor(), to=["med"], kind=PackageKind.ACCEPTANCE, payload=stale
    ).name
    # Before it is pushed, the mediator counter-proposes: the acceptance of version 1 crosses version 2.
    counter_propose_smaller(med, agreement_id)
    payload = federated.version_payload(med.uows, med.actor(), agreement_id, 2, "ua")
    send(med, [ua], PackageKind.VERSION, payload, wire.deliver)
    (outcome,) = push_outbox(ua.uows, wire.post)
    assert (outcome.refused, outcome.error) == (True, "HTTP 422 package.invalid_content")
    assert count(ua, PackageSentRow, name=stale_name, state="refused") == 1
    assert push_outbox(ua.uows, wire.post) == []  # refused for good: not pushed again
    # The acceptance of version 2 takes the refused package's number, and the sequence goes on.
    fresh = federated.accept_version(ua.uows, ua.actor(), agreement_id, 2, Reauthentication(PASSWORD))
    sent = send_package(ua.uows, ua.actor(), to=["med"], kind=PackageKind.ACCEPTANCE, payload=fresh)
    assert sent.recipients[0].seq == outcome.seq
    (delivered,) = push_outbox(ua.uows, wire.post)
    assert delivered.acknowledged
    assert count(med, AgreementAcceptanceRow, version=2, role="party_a") == 1
    assert count(ua, PackageSentRow, name=stale_name) == 0  # its send and refusal stay in ua's log
    assert count(ua, LogEntryRow, object_id=stale_name, tag=ActionTag.PACKAGE_REFUSE.value) == 1
