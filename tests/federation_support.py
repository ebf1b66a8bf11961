"""Real nodes for federation tests: each its own database (SQLite file or a fresh PostgreSQL database) and
its own key directory, set up with `init_node`, cards pinned as the topology wants."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from homebound.core.access import Actor, OrganisationKind, Role
from homebound.core.packages.cards import NodeKind
from homebound.core.persons import Registry
from homebound.db.custody import key_custody
from homebound.db.engine import make_engine
from homebound.db.migrate import upgrade
from homebound.db.tables import OrganisationRow, UserRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.federation.node import card_file, init_node, trust_peer
from homebound.services.lists import import_list
from tests.settings import TEST_PASSWORD_COST

PASSWORD = "correct horse battery"  # synthetic test credential

# Synthetic people: party A holds them; party B seeks them (one written differently, one not held).
HELD_CSV = (
    "record_id,family_name,given_name,patronymic,sex,date_of_birth,rank,status\r\n"
    "UA-H-1,Коваленко,Олександр,Іванович,male,1991-03-14,сержант,held\r\n"
    "UA-H-2,Шевчук,Микола,Петрович,male,1987-11-02,солдат,held\r\n"
    "UA-H-3,Бондар,Андрій,Васильович,male,1995-06-30,лейтенант,held\r\n"
).encode()
SOUGHT_CSV = (
    "record_id,family_name,given_name,patronymic,sex,date_of_birth,status\r\n"
    "RU-S-1,Коваленко,Олександр,Іванович,male,1991-03-14,missing\r\n"
    "RU-S-2,Шевчук,Микола,Петрович,male,1987-11-02,missing\r\n"
    "RU-S-9,Петров,Сергей,Николаевич,male,1979-01-21,missing\r\n"
).encode()


@dataclass
class Node:
    code: str
    kind: NodeKind
    engine: Engine
    uows: UnitOfWorkFactory
    key_dir: Path

    def actor(self, username: str | None = None) -> Actor:
        with self.uows.reader() as uow:
            user, org = uow.session.execute(
                select(UserRow, OrganisationRow)
                .join(OrganisationRow)
                .where(UserRow.username == (username or f"{self.code}-admin"))
            ).one()
        party = org.id if org.kind == OrganisationKind.PARTY else None
        return Actor(user_id=user.id, role=Role(user.role), organisation_id=org.id, party_id=party)

    def card(self) -> bytes:
        return card_file(self.uows)[1]

    def trusts(self, *others: Node) -> None:
        for other in others:
            trust_peer(self.uows, other.card())

    def imports(self, registry: Registry, data: bytes) -> None:
        import_list(self.uows, self.actor(), registry, data, f"{registry.value}.csv")


NodeFactory = Callable[[str, NodeKind], Node]


def node_factory(url_for: Callable[[str], str], root: Path) -> Iterator[NodeFactory]:
    engines: list[Engine] = []

    def make(code: str, kind: NodeKind) -> Node:
        engine = make_engine(url_for(code))
        engines.append(engine)
        upgrade(engine)
        key_dir = root / f"{code}-keys"
        uows = UnitOfWorkFactory(engine, key_custody(key_dir))
        init_node(
            uows,
            code=code,
            kind=kind,
            name=f"{code} (test node)",
            admin=f"{code}-admin",
            password=PASSWORD,
            cost=TEST_PASSWORD_COST,
        )
        return Node(code, kind, engine, uows, key_dir)

    yield make
    for engine in engines:
        engine.dispose()
