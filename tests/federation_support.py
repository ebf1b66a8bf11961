"""Real nodes for federation tests: each its own database (SQLite file or a fresh PostgreSQL database) and
its own key directory, set up with `init_node`, cards pinned as the topology wants."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine

from homebound.core.packages.cards import NodeKind
from homebound.services.federation.local_nodes import LocalNode, set_up_node
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


Node = LocalNode
NodeFactory = Callable[[str, NodeKind], Node]


def node_factory(url_for: Callable[[str], str], root: Path) -> Iterator[NodeFactory]:
    engines: list[Engine] = []

    def make(code: str, kind: NodeKind) -> Node:
        node = set_up_node(code, kind, url_for(code), root / f"{code}-keys", password=PASSWORD,
                           cost=TEST_PASSWORD_COST, name=f"{code} (test node)")  # fmt: skip
        engines.append(node.engine)
        return node

    yield make
    for engine in engines:
        engine.dispose()
