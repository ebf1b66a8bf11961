"""A node's own log: package and witnessing entries are never sealed under a party's data key, and an
observer's key follows an observer's rules (it neither introduces keys nor publishes checkpoints)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from homebound.core.log.entries import ActionTag
from homebound.core.log.keys import OwnerKind
from homebound.core.packages.cards import NodeKind
from homebound.core.packages.errors import PackageRefused
from homebound.db.log_store import key_records
from homebound.db.tables import LogEntryRow, LogPayloadRow
from homebound.services.federation.packages import receive_package
from homebound.services.federation.tree_heads import send_checkpoint
from tests.federation_support import HELD_CSV, NodeFactory


def test_a_party_nodes_refusals_and_packages_are_logged_in_clear(sqlite_nodes: NodeFactory) -> None:
    ua, med = sqlite_nodes("ua", NodeKind.PARTY), sqlite_nodes("med", NodeKind.MEDIATOR)
    ua.trusts(med), med.trusts(ua)
    with pytest.raises(PackageRefused):
        receive_package(ua.uows, ua.actor(), HELD_CSV)  # refused by a party member
    send_checkpoint(ua.uows, ua.actor(), "med")
    with ua.uows.reader() as uow:
        rows = uow.session.execute(
            select(LogEntryRow.tag, LogEntryRow.party, LogPayloadRow.payload, LogPayloadRow.sealed)
            .join(LogPayloadRow, LogPayloadRow.seq == LogEntryRow.seq)
            .where(LogEntryRow.tag.in_([ActionTag.PACKAGE_REFUSE.value, ActionTag.PACKAGE_SEND.value]))
        ).all()
    assert {tag for tag, *_ in rows} == {ActionTag.PACKAGE_REFUSE.value, ActionTag.PACKAGE_SEND.value}
    for _tag, party, payload, sealed in rows:
        assert party is not None  # a party member acted...
        assert sealed is None and payload is not None  # ...yet nothing personal: readable without its key


def test_an_observer_key_is_an_observers(sqlite_nodes: NodeFactory) -> None:
    icrc = sqlite_nodes("icrc", NodeKind.OBSERVER)
    with icrc.uows.reader() as uow:
        kinds = {record.owner_kind for record in key_records(uow.session)}
    assert kinds == {OwnerKind.SYSTEM, OwnerKind.OBSERVER}
