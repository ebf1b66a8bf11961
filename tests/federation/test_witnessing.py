"""Witnessing between real nodes: a party's checkpoint cosigned by the mediator after a consistency proof,
the cosignature kept on the party's node, both packages logged on both sides; a node that shows two
histories (or a smaller log, or no proof) is refused, with the evidence kept and the refusal logged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import func, select

from homebound.core.log.entries import ActionTag
from homebound.core.packages.cards import NodeKind
from homebound.core.packages.envelope import open_package, verify_envelope
from homebound.core.packages.errors import PackageRefused, Refusal
from homebound.core.packages.kinds import PackageKind
from homebound.core.packages.witness import TreeHead, read_checkpoint, read_cosignature, sign_checkpoint
from homebound.core.persons import Registry
from homebound.db.checkpoint_store import log_origin
from homebound.db.federation_tables import NodeCheckpointRow, WitnessedCheckpointRow, WitnessEvidenceRow
from homebound.db.log_store import key_store_of, load_payloads
from homebound.db.node_keys import load_age_identity
from homebound.db.tables import LogEntryRow
from homebound.services.federation.node import own_node, own_signing_key, pinned_cards
from homebound.services.federation.packages import receive_package, send_in_session
from homebound.services.federation.tree_heads import send_checkpoint, witnessed_heads
from homebound.services.log import verify_log
from tests.federation_support import HELD_CSV, Node, NodeFactory


def _witness_round(node: Node, witness: Node) -> str:
    """node sends its checkpoint, witness cosigns, node takes the cosignature back; the witness's summary."""
    sent = send_checkpoint(node.uows, node.actor(), witness.code)
    taken = receive_package(witness.uows, witness.actor(), sent.data)
    assert taken.reply is not None
    back = receive_package(node.uows, node.actor(), taken.reply.data)
    assert back.kind is PackageKind.COSIGNATURE
    return taken.summary


def _logged(node: Node, tag: ActionTag) -> list[tuple[str, dict[str, Any]]]:
    with node.uows.reader() as uow:
        rows = uow.session.execute(
            select(LogEntryRow.seq, LogEntryRow.object_id).where(LogEntryRow.tag == tag.value)
        ).all()
        payloads = load_payloads(uow.session)
    return [(name, payloads[seq][1]) for seq, name in rows]


def _count(node: Node, table: type) -> int:
    with node.uows.reader() as uow:
        return int(uow.session.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_party_checkpoint_is_cosigned_after_its_proof_and_kept_on_both_sides(nodes: NodeFactory) -> None:
    ua, med = nodes("ua", NodeKind.PARTY), nodes("med", NodeKind.MEDIATOR)
    ua.trusts(med), med.trusts(ua)
    assert "cosigned ua's checkpoint" in _witness_round(ua, med)
    ua.imports(Registry.HELD, HELD_CSV)  # the log grows
    _witness_round(ua, med)

    with ua.uows.reader() as uow:
        rows = uow.session.execute(select(NodeCheckpointRow).order_by(NodeCheckpointRow.tree_size)).scalars()
        mine = list(rows)
        size = int(uow.session.execute(select(func.max(LogEntryRow.seq))).scalar_one())
        med_card = pinned_cards(uow.session)["med"]
    assert [row.cosignature is not None for row in mine] == [True, True]
    assert mine[0].tree_size < mine[1].tree_size < size  # the checkpoint came before the entries sending it
    newest = mine[1]
    head = TreeHead(newest.origin, newest.tree_size, bytes.fromhex(newest.root_hash))
    read_cosignature(
        newest.cosignature, head, "med", med_card.signing_key
    )  # anyone with med's card checks it
    with med.uows.reader() as uow:
        kept = uow.session.execute(select(WitnessedCheckpointRow)).scalar_one()
    assert (kept.tree_size, kept.root_hash) == (newest.tree_size, newest.root_hash)

    # Every package of both rounds is in both logs, by name; the witnessing acts too, in clear.
    for sender, receiver in ((ua, med), (med, ua)):
        sent = {name for name, _ in _logged(sender, ActionTag.PACKAGE_SEND)}
        received = {name for name, _ in _logged(receiver, ActionTag.PACKAGE_RECEIVE)}
        assert len(sent) == 2 and sent == received
    witnessed = [payload for _, payload in _logged(med, ActionTag.CHECKPOINT_WITNESS)]
    assert [(p["peer"], p["tree_size"]) for p in witnessed] == [
        ("ua", mine[0].tree_size),
        ("ua", kept.tree_size),
    ]
    assert [p["tree_size"] for _, p in _logged(ua, ActionTag.CHECKPOINT_COSIGNED)] == [
        r.tree_size for r in mine
    ]
    assert {h.node for h in witnessed_heads(med.uows)} == {"ua"}
    assert [(h.node, h.witness, h.tree_size) for h in witnessed_heads(ua.uows)] == [
        ("ua", "med", kept.tree_size)
    ]
    for node in (ua, med):
        report = verify_log(node.uows)
        assert report.ok, report.failure


def test_a_second_checkpoint_sent_before_the_first_cosignature_came_back_is_proved(
    sqlite_nodes: NodeFactory,
) -> None:
    ua, med = sqlite_nodes("ua", NodeKind.PARTY), sqlite_nodes("med", NodeKind.MEDIATOR)
    ua.trusts(med), med.trusts(ua)
    first = send_checkpoint(ua.uows, ua.actor(), "med")
    second = send_checkpoint(ua.uows, ua.actor(), "med")  # ua does not know yet what med cosigned
    receive_package(med.uows, med.actor(), first.data)
    assert "cosigned" in receive_package(med.uows, med.actor(), second.data).summary


def _crafted(node: Node, head: TreeHead, proofs: list[dict[str, object]] | None = None) -> bytes:
    """A checkpoint package signed by the node's own key over whatever head it chooses: a lying node."""
    with node.uows.writer() as uow:
        session = uow.session
        signed = sign_checkpoint(
            head, node.code, own_signing_key(session, node.actor().organisation_id or "")
        )
        payload: Mapping[str, Any] = {"checkpoint": signed.note, "proofs": proofs or []}
        sent = send_in_session(
            session, node.actor(), to=["med"], kind=PackageKind.CHECKPOINT, payload=payload
        )
        uow.commit()
    return sent.data


def _cosigned_head(med: Node) -> TreeHead:
    with med.uows.reader() as uow:
        row = uow.session.execute(select(WitnessedCheckpointRow)).scalar_one()
    return TreeHead(row.origin, row.tree_size, bytes.fromhex(row.root_hash))


@pytest.mark.parametrize(
    ("lie", "refusal"),
    [
        ("same size, another root", Refusal.CHECKPOINT_INCONSISTENT),
        ("a rewritten past", Refusal.CHECKPOINT_INCONSISTENT),
        ("another log", Refusal.CHECKPOINT_INCONSISTENT),
        ("a smaller log", Refusal.CHECKPOINT_ROLLBACK),
        ("no proof", Refusal.CHECKPOINT_UNPROVEN),
    ],
)
def test_a_node_that_shows_two_histories_is_refused_and_the_evidence_kept(
    sqlite_nodes: NodeFactory, lie: str, refusal: Refusal
) -> None:
    ua, med = sqlite_nodes("ua", NodeKind.PARTY), sqlite_nodes("med", NodeKind.MEDIATOR)
    ua.trusts(med), med.trusts(ua)
    ua.imports(Registry.HELD, HELD_CSV)
    _witness_round(ua, med)
    cosigned = _cosigned_head(med)
    other_root = bytes(32)
    if lie == "same size, another root":
        data = _crafted(ua, TreeHead(cosigned.origin, cosigned.size, other_root))
    elif lie == "a rewritten past":  # an early entry's leaf changed in ua's database, then a new checkpoint
        with ua.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE log_entry SET leaf_hash = :h WHERE seq = 2", {"h": "ab" * 32})
        data = send_checkpoint(ua.uows, ua.actor(), "med").data
    elif lie == "another log":
        with ua.uows.reader() as uow:
            origin = log_origin(uow.session)
        data = _crafted(
            ua, TreeHead(origin[:-1] + ("0" if origin[-1] != "0" else "1"), cosigned.size, cosigned.root)
        )
    elif lie == "a smaller log":
        data = _crafted(ua, TreeHead(cosigned.origin, cosigned.size - 1, other_root))
    else:
        data = _crafted(ua, TreeHead(cosigned.origin, cosigned.size + 5, other_root))

    with pytest.raises(PackageRefused) as caught:
        receive_package(med.uows, med.actor(), data)
    assert caught.value.refusal is refusal
    assert _cosigned_head(med) == cosigned  # nothing cosigned, the state unchanged
    refused = _logged(med, ActionTag.PACKAGE_REFUSE)
    assert refused[-1][1]["code"] == refusal.value
    evidence = _logged(med, ActionTag.CHECKPOINT_EVIDENCE)
    if refusal is Refusal.CHECKPOINT_UNPROVEN:  # no proof is no evidence of a fork
        assert evidence == [] and _count(med, WitnessEvidenceRow) == 0
        return
    assert len(evidence) == 1 and evidence[0][1]["peer"] == "ua"
    with med.uows.reader() as uow:
        kept = uow.session.execute(select(WitnessEvidenceRow)).scalar_one()
        card = pinned_cards(uow.session)["ua"]
    assert kept.code == refusal.value
    # Both checkpoints are signed by ua's pinned key: a third party holding ua's card can check them.
    before, after = (
        read_checkpoint(n, "ua", card.signing_key) for n in (kept.cosigned_note, kept.offered_note)
    )
    assert before.head == cosigned and after.head != cosigned


def test_parties_do_not_witness_each_other(sqlite_nodes: NodeFactory) -> None:
    ua, ru = sqlite_nodes("ua", NodeKind.PARTY), sqlite_nodes("ru", NodeKind.PARTY)
    ua.trusts(ru)
    with pytest.raises(PackageRefused) as caught:
        send_checkpoint(ua.uows, ua.actor(), "ru")
    assert caught.value.refusal is Refusal.NOT_ALLOWED


def test_a_cosignature_for_a_checkpoint_never_sent_is_refused(sqlite_nodes: NodeFactory) -> None:
    ua, med = sqlite_nodes("ua", NodeKind.PARTY), sqlite_nodes("med", NodeKind.MEDIATOR)
    ua.trusts(med), med.trusts(ua)
    sent = send_checkpoint(ua.uows, ua.actor(), "med")
    reply = receive_package(med.uows, med.actor(), sent.data).reply
    assert reply is not None
    with ua.uows.writer() as uow:  # ua forgets what it sent
        uow.session.execute(NodeCheckpointRow.__table__.delete())
        uow.commit()
    with pytest.raises(PackageRefused) as caught:
        receive_package(ua.uows, ua.actor(), reply.data)
    assert caught.value.refusal is Refusal.INVALID_CONTENT


def test_a_packages_log_head_is_the_senders_log_as_it_sent(sqlite_nodes: NodeFactory) -> None:
    ua, med = sqlite_nodes("ua", NodeKind.PARTY), sqlite_nodes("med", NodeKind.MEDIATOR)
    ua.trusts(med), med.trusts(ua)
    sent = send_checkpoint(ua.uows, ua.actor(), "med")
    with med.uows.writer() as uow:  # med opens it as receiving would, to read the body
        cards = pinned_cards(uow.session)
        identity = load_age_identity(key_store_of(uow.session), own_node(uow.session).encryption_key)
        body = open_package(verify_envelope(sent.data, cards.get), "med", identity, cards["ua"]).body
    with ua.uows.reader() as uow:
        send_entry = uow.session.execute(
            select(LogEntryRow).where(LogEntryRow.object_id == sent.name)
        ).scalar_one()
    # The body names the log up to the entry before its own send entry (the checkpoint's size).
    assert (body.log_head.size, body.log_head.hash) == (send_entry.seq - 1, send_entry.prev_hash)
    assert (
        read_checkpoint(body.payload["checkpoint"], "ua", cards["ua"].signing_key).head.size
        == send_entry.seq - 1
    )


def test_an_observer_witnesses_the_mediators_log(sqlite_nodes: NodeFactory) -> None:
    med, icrc = sqlite_nodes("med", NodeKind.MEDIATOR), sqlite_nodes("icrc", NodeKind.OBSERVER)
    med.trusts(icrc), icrc.trusts(med)
    assert "cosigned med's checkpoint" in _witness_round(med, icrc)
    assert [(h.node, h.witness) for h in witnessed_heads(icrc.uows)] == [("med", "icrc")]
