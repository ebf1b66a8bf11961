"""Bad packages change nothing: each refusal of issue 13 item 7 on a real mediator node, with its code,
nothing kept, and the refusal in the node's log (name and code only)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from homebound.core.log.entries import ActionTag
from homebound.core.packages.cards import NodeKind
from homebound.core.packages.envelope import package_name
from homebound.core.packages.errors import PackageRefused, Refusal
from homebound.core.packages.kinds import PackageKind
from homebound.core.persons import Registry
from homebound.db.federation_tables import DisclosedRecordRow, PackageReceivedRow
from homebound.db.log_store import load_payloads
from homebound.db.tables import LogEntryRow, PersonRow
from homebound.services.federation.disclosure import disclosure_payload
from homebound.services.federation.packages import receive_package, send_package
from tests.federation_support import HELD_CSV, Node, NodeFactory


@dataclass
class Scene:
    ua: Node
    ru: Node
    med: Node
    stranger: Node

    def disclosure(self, sender: Node | None = None, to: str = "med") -> bytes:
        node = sender or self.ua
        payload = disclosure_payload(node.uows, node.actor(), Registry.HELD)
        return send_package(
            node.uows, node.actor(), to=[to], kind=PackageKind.DISCLOSURE, payload=payload
        ).data


@pytest.fixture
def scene(sqlite_nodes: NodeFactory) -> Scene:
    ua, ru = sqlite_nodes("ua", NodeKind.PARTY), sqlite_nodes("ru", NodeKind.PARTY)
    med, stranger = sqlite_nodes("med", NodeKind.MEDIATOR), sqlite_nodes("xx", NodeKind.PARTY)
    ua.trusts(med), ru.trusts(med), med.trusts(ua, ru), stranger.trusts(med)
    ua.imports(Registry.HELD, HELD_CSV)
    return Scene(ua, ru, med, stranger)


def _flip(data: bytes, at: int) -> bytes:
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


def _replayed(scene: Scene) -> bytes:
    data = scene.disclosure()
    receive_package(scene.med.uows, scene.med.actor(), data)
    return data


def _out_of_order(scene: Scene) -> bytes:
    scene.disclosure()  # number 1 never arrives
    return scene.disclosure()


def _forged(scene: Scene) -> bytes:
    head, header, _signature, rest = scene.disclosure().split(b"\n", 3)
    forged = base64.b64encode(bytes(64))
    return b"\n".join([head, header, forged, rest])


CASES: dict[Refusal, Callable[[Scene], bytes]] = {
    Refusal.BAD_SIGNATURE: _forged,
    Refusal.UNTRUSTED_SENDER: lambda s: s.disclosure(s.stranger),
    Refusal.WRONG_RECIPIENT: lambda s: s.disclosure(),  # handed to ru, not to med: see the test
    Refusal.REPLAY: _replayed,
    Refusal.OUT_OF_ORDER: _out_of_order,
    Refusal.TRUNCATED: lambda s: s.disclosure()[:-100],
    Refusal.OVERSIZED: lambda s: s.disclosure() + bytes(70 * 1024 * 1024),
    Refusal.TAMPERED: lambda s: _flip(s.disclosure(), -50),
    Refusal.UNKNOWN_KIND: lambda s: s.disclosure().replace(b'"kind":"disclosure"', b'"kind":"ransom"', 1),
    Refusal.MALFORMED: lambda s: HELD_CSV,
}


def _state(node: Node) -> tuple[int, int, int]:
    with node.uows.reader() as uow:
        return tuple(  # type: ignore[return-value]
            uow.session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (PackageReceivedRow, DisclosedRecordRow, PersonRow)
        )


def _refusals_logged(node: Node) -> list[dict[str, object]]:
    with node.uows.reader() as uow:
        rows = uow.session.execute(
            select(LogEntryRow.seq, LogEntryRow.object_id)
            .where(LogEntryRow.tag == ActionTag.PACKAGE_REFUSE.value)
            .order_by(LogEntryRow.seq)
        ).all()
        payloads = load_payloads(uow.session)  # a party member's entries are sealed under its data key
    return [{"name": name, **payloads[seq][1]} for seq, name in rows]


@pytest.mark.parametrize("refusal", list(CASES), ids=lambda r: r.value)
def test_a_bad_package_changes_nothing_and_is_logged(scene: Scene, refusal: Refusal) -> None:
    receiver = scene.med
    if refusal is Refusal.WRONG_RECIPIENT:
        receiver = scene.ru  # ru pins ua's card, then is handed ua's package to the mediator
        scene.ru.trusts(scene.ua)
    data = CASES[refusal](scene)
    before = _state(receiver)
    logged = len(_refusals_logged(receiver))
    with pytest.raises(PackageRefused) as caught:
        receive_package(receiver.uows, receiver.actor(), data)
    assert caught.value.refusal is refusal
    assert _state(receiver) == before
    refusals = _refusals_logged(receiver)
    assert len(refusals) == logged + 1
    assert refusals[-1]["name"] == package_name(data) and refusals[-1]["code"] == refusal.value
    assert "Коваленко" not in str(refusals[-1])


def test_a_package_refused_for_order_is_taken_once_the_gap_is_filled(scene: Scene) -> None:
    first, second = scene.disclosure(), scene.disclosure()
    with pytest.raises(PackageRefused):
        receive_package(scene.med.uows, scene.med.actor(), second)
    receive_package(scene.med.uows, scene.med.actor(), first)
    assert receive_package(scene.med.uows, scene.med.actor(), second).seq == 2
