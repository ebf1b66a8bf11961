"""The public ledger of a node shows each node's newest witnessed checkpoint (its own, cosigned by its
witness; the peers' it cosigned), in the page and as public JSON that anyone can check with the keys."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from homebound.config import Settings
from homebound.core.packages.cards import NodeKind
from homebound.core.packages.witness import read_checkpoint, read_cosignature
from homebound.db.federation_tables import NodeCheckpointRow
from homebound.services.federation.packages import receive_package
from homebound.services.federation.tree_heads import send_checkpoint
from homebound.web.app import create_app
from tests.federation_support import Node, NodeFactory


def _client(node: Node) -> TestClient:
    settings = Settings(environment="test", database_url=str(node.engine.url), key_dir=node.key_dir)
    return TestClient(create_app(settings, bind=node.engine), base_url="https://testserver")


def test_each_nodes_newest_witnessed_checkpoint_is_public(sqlite_nodes: NodeFactory) -> None:
    ua, med = sqlite_nodes("ua", NodeKind.PARTY), sqlite_nodes("med", NodeKind.MEDIATOR)
    ua.trusts(med), med.trusts(ua)
    with _client(ua) as client:
        assert client.get("/api/v1/public/checkpoints/witnessed").json() == []
        assert 'id="witnessed"' not in client.get("/ledger").text
    for _ in range(2):
        reply = receive_package(med.uows, med.actor(), send_checkpoint(ua.uows, ua.actor(), "med").data).reply
        assert reply is not None
        receive_package(ua.uows, ua.actor(), reply.data)
    with ua.uows.reader() as uow:
        newest = uow.session.execute(select(func.max(NodeCheckpointRow.tree_size))).scalar_one()

    for node in (ua, med):
        with _client(node) as client:
            response = client.get("/api/v1/public/checkpoints/witnessed")  # no sign-in
            page = client.get("/ledger").text
        assert response.status_code == 200
        (head,) = response.json()  # the newest only
        assert (head["node"], head["witness"], head["tree_size"]) == ("ua", "med", newest)
        checkpoint = read_checkpoint(head["checkpoint"], "ua", base64.b64decode(head["node_key"]))
        assert (checkpoint.head.size, checkpoint.head.root.hex()) == (head["tree_size"], head["root_hash"])
        read_cosignature(head["cosignature"], checkpoint.head, "med", base64.b64decode(head["witness_key"]))
        assert 'id="witnessed"' in page and head["root_hash"] in page
