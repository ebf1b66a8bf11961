"""Pinning: a card swapped in transit is caught, a rotation needs --replace, and after it the old key's
packages are refused."""

from __future__ import annotations

import pytest

from homebound.core.packages.cards import NodeKind
from homebound.core.packages.errors import CardRefused, PackageRefused, Refusal
from homebound.core.packages.kinds import PackageKind
from homebound.core.persons import Registry
from homebound.services.federation.disclosure import disclosure_payload
from homebound.services.federation.node import trust_peer
from homebound.services.federation.packages import receive_package, send_package
from tests.federation_support import HELD_CSV, Node, NodeFactory


def _disclosure(node: Node) -> bytes:
    payload = disclosure_payload(node.uows, node.actor(), Registry.HELD)
    return send_package(
        node.uows, node.actor(), to=["med"], kind=PackageKind.DISCLOSURE, payload=payload
    ).data


def test_a_card_with_the_same_code_and_other_keys_is_refused_until_compared(
    sqlite_nodes: NodeFactory,
) -> None:
    med = sqlite_nodes("med", NodeKind.MEDIATOR)
    genuine = sqlite_nodes("ua", NodeKind.PARTY)
    med.trusts(genuine)
    impostor = sqlite_nodes("ua-impostor", NodeKind.PARTY)
    # An impostor's node set up under the genuine code: same code, its own keys.
    with impostor.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE organisation SET code = 'ua' WHERE code = 'ua-impostor'")
    swapped = impostor.card()
    with pytest.raises(CardRefused) as caught:
        trust_peer(med.uows, swapped)
    assert caught.value.code == "card.fingerprint_changed"
    pinned = trust_peer(med.uows, genuine.card())  # the genuine card again: same fingerprint, no question
    assert pinned.replaced is None


def test_after_a_replacement_the_old_key_is_refused(sqlite_nodes: NodeFactory) -> None:
    med, ua = sqlite_nodes("med", NodeKind.MEDIATOR), sqlite_nodes("ua", NodeKind.PARTY)
    other = sqlite_nodes("ua2", NodeKind.PARTY)
    ua.trusts(med), med.trusts(ua), other.trusts(med)
    ua.imports(Registry.HELD, HELD_CSV)
    old_key_package = _disclosure(ua)
    with other.engine.begin() as conn:  # stands for ua's node after a key rotation
        conn.exec_driver_sql("UPDATE organisation SET code = 'ua' WHERE code = 'ua2'")
    pinned = trust_peer(med.uows, other.card(), replace=True)
    assert pinned.replaced is not None and pinned.replaced != pinned.card.fingerprint
    with pytest.raises(PackageRefused) as caught:
        receive_package(med.uows, med.actor(), old_key_package)
    assert caught.value.refusal is Refusal.UNTRUSTED_SENDER
