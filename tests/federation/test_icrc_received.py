"""An observer node (the ICRC Central Tracing Agency) receives a party's disclosure and lists it among what
it received (GC III Art. 122-123); it holds the disclosed records and nothing else of the party's."""

from __future__ import annotations

from sqlalchemy import func, select

from homebound.core.packages.cards import NodeKind
from homebound.core.packages.kinds import PackageKind
from homebound.core.persons import Registry
from homebound.db.tables import PersonRow
from homebound.services.federation.disclosure import disclosure_payload
from homebound.services.federation.packages import receive_package, send_package
from homebound.services.federation.received import received_packages
from tests.federation_support import HELD_CSV, SOUGHT_CSV, NodeFactory


def test_the_observer_node_lists_the_disclosure_it_received(nodes: NodeFactory) -> None:
    ua, icrc = nodes("ua", NodeKind.PARTY), nodes("icrc", NodeKind.OBSERVER)
    ua.trusts(icrc), icrc.trusts(ua)
    ua.imports(Registry.HELD, HELD_CSV)
    ua.imports(Registry.SOUGHT, SOUGHT_CSV)
    assert received_packages(icrc.uows, icrc.actor()) == []
    payload = disclosure_payload(ua.uows, ua.actor(), Registry.HELD, fields=["family_name", "given_name"])
    sent = send_package(ua.uows, ua.actor(), to=["icrc"], kind=PackageKind.DISCLOSURE, payload=payload)
    receive_package(icrc.uows, icrc.actor(), sent.data)

    listed = received_packages(icrc.uows, icrc.actor())
    assert [(p.name, p.sender, p.kind, p.seq) for p in listed] == [(sent.name, "ua", "disclosure", 1)]
    with icrc.uows.reader() as uow:
        held_here = uow.session.execute(select(func.count()).select_from(PersonRow)).scalar_one()
        kinds = set(uow.session.execute(select(PersonRow.registry_kind)).scalars())
    assert held_here == len(payload["records"]) and kinds == {"held"}  # the sought list never left ua
