"""Nodes on this machine, each its own database and key directory, driven in one process: for the demo
federation, the benchmarks and the tests. Each is reached only through its own unit of work; what passes
between them is packages."""

from __future__ import annotations

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
from homebound.services.passwords import PasswordCost


@dataclass
class LocalNode:
    code: str
    kind: NodeKind
    engine: Engine
    uows: UnitOfWorkFactory
    key_dir: Path

    def actor(self, username: str | None = None) -> Actor:
        """A user of this node (its first admin, `<code>-admin`, by default)."""
        with self.uows.reader() as uow:
            user, org = uow.session.execute(
                select(UserRow, OrganisationRow)
                .join(OrganisationRow)
                .where(UserRow.username == (username or f"{self.code}-admin"))
            ).one()
        party = org.id if org.kind == OrganisationKind.PARTY else None
        return Actor(user_id=user.id, role=Role(user.role), organisation_id=org.id, party_id=party,
                     organisation_kind=OrganisationKind(org.kind))  # fmt: skip

    def card(self) -> bytes:
        return card_file(self.uows)[1]

    def trusts(self, *others: LocalNode) -> None:
        """Pin the others' cards (the fingerprints are compared in person in real life)."""
        for other in others:
            trust_peer(self.uows, other.card())

    def imports(self, registry: Registry, data: bytes, filename: str | None = None) -> None:
        import_list(self.uows, self.actor(), registry, data, filename or f"{registry.value}.csv")


def set_up_node(
    code: str,
    kind: NodeKind,
    database_url: str,
    key_dir: Path,
    *,
    password: str,
    cost: PasswordCost,
    name: str | None = None,
) -> LocalNode:
    """Migrate a database and set a node up in it (`homebound node init`), its first admin `<code>-admin`."""
    engine = make_engine(database_url)
    upgrade(engine)
    uows = UnitOfWorkFactory(engine, key_custody(key_dir))
    init_node(uows, code=code, kind=kind, name=name or f"{code} (node)", admin=f"{code}-admin",
              password=password, cost=cost)  # fmt: skip
    return LocalNode(code, kind, engine, uows, key_dir)


def open_node(code: str, kind: NodeKind, database_url: str, key_dir: Path) -> LocalNode:
    """A node set up before."""
    engine = make_engine(database_url)
    return LocalNode(code, kind, engine, UnitOfWorkFactory(engine, key_custody(key_dir)), key_dir)
