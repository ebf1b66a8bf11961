"""Witnessing, on the sending side: sign this node's tree head and send it to a witness with consistency
proofs from every size that witness may have cosigned last; and the witnessed checkpoints the public ledger
shows (this node's own, cosigned by its witnesses, and the peers' this node cosigned).

Proofs go from the size the witness cosigned last, as far as this node knows, and from each size sent to
it since (at most MAX_PROOFS): a cosignature still on its way back does not make the next checkpoint
unprovable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import PermissionDenied
from homebound.core.log.merkle import MerkleTree
from homebound.core.log.signing import public_key_to_text
from homebound.core.packages.kinds import PackageKind
from homebound.core.packages.witness import MAX_PROOFS, TreeHead, proofs_to_json, sign_checkpoint
from homebound.db.checkpoint_store import log_origin
from homebound.db.federation_tables import NodeCheckpointRow, WitnessedCheckpointRow
from homebound.db.log_store import LogWriter, leaf_hashes
from homebound.db.tables import OrganisationRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.federation.node import own_node, own_signing_key, peer_organisation, pinned_cards
from homebound.services.federation.packages import SentPackage, send_in_session


@dataclass(frozen=True)
class WitnessedHead:
    """A node's checkpoint as one witness cosigned it (the newest such per node and witness)."""

    node: str
    origin: str
    tree_size: int
    root_hash: str  # hex
    witness: str
    cosigned_at: dt.datetime
    checkpoint: str  # the node's signed note
    cosignature: str  # the witness's signature line
    node_key: str  # base64 Ed25519 public keys (from this node's key table, or the pinned cards)
    witness_key: str


def _proof_sizes(session: Session, witness: str, size: int) -> list[int]:
    cosigned = session.execute(
        select(func.max(NodeCheckpointRow.tree_size)).where(
            NodeCheckpointRow.witness == witness, NodeCheckpointRow.cosignature.is_not(None)
        )
    ).scalar()
    since = session.execute(
        select(NodeCheckpointRow.tree_size)
        .where(NodeCheckpointRow.witness == witness, NodeCheckpointRow.tree_size > (cosigned or 0))
        .order_by(NodeCheckpointRow.tree_size.desc())
        .limit(MAX_PROOFS - 1)
    ).scalars()
    sizes = {*since, *([cosigned] if cosigned else [])}
    return sorted(s for s in sizes if 0 < s < size)


def send_checkpoint(uows: UnitOfWorkFactory, actor: Actor, to: str) -> SentPackage:
    """Sign this node's tree head and seal it, with its proofs, to witness `to` (outbox and log)."""
    with uows.writer() as uow:
        session = uow.session
        node = own_node(session)
        if not can(actor, Permission.OWN_PACKAGE_SEND) or actor.organisation_id != node.organisation_id:
            raise PermissionDenied("only a member of this node's organisation with this right acts for it")
        peer_organisation(session, to)
        writer = LogWriter.for_session(session)  # holds the head lock: the size cannot move under us
        writer.flush()
        size = writer.next_seq - 1
        tree = MerkleTree(leaf_hashes(session, until=size))
        head = TreeHead(log_origin(session), size, tree.root())
        signed = sign_checkpoint(head, node.code, own_signing_key(session, node.organisation_id))
        proofs = {old: tree.consistency_proof(old, size) for old in _proof_sizes(session, to, size)}
        payload = {"checkpoint": signed.note, "proofs": proofs_to_json(proofs)}
        sent = send_in_session(session, actor, to=[to], kind=PackageKind.CHECKPOINT, payload=payload)
        session.add(
            NodeCheckpointRow(witness=to, origin=head.origin, tree_size=size, root_hash=head.root.hex(),
                              note=signed.note, package=sent.name)
        )  # fmt: skip
        uow.commit()
    return sent


def witnessed_heads(uows: UnitOfWorkFactory) -> list[WitnessedHead]:
    """For the public: this node's newest cosigned checkpoint per witness, and each peer's newest
    checkpoint this node cosigned, with the public keys that check them. Nothing else."""
    with uows.reader() as uow:
        session = uow.session
        mine = session.execute(
            select(NodeCheckpointRow)
            .where(NodeCheckpointRow.cosignature.is_not(None))
            .order_by(NodeCheckpointRow.witness, NodeCheckpointRow.tree_size.desc())
        ).scalars()
        newest: dict[str, NodeCheckpointRow] = {}
        for row in mine:
            newest.setdefault(row.witness, row)
        peers = session.execute(
            select(WitnessedCheckpointRow, OrganisationRow.code)
            .join(OrganisationRow, OrganisationRow.id == WitnessedCheckpointRow.peer_id)
            .order_by(OrganisationRow.code)
        ).all()
        if not newest and not peers:
            return []  # also what a database that is no node answers
        node = own_node(session)
        keys = {code: public_key_to_text(card.signing_key) for code, card in pinned_cards(session).items()}
        keys[node.code] = public_key_to_text(own_signing_key(session, node.organisation_id).public_key)
    heads = [
        WitnessedHead(node.code, row.origin, row.tree_size, row.root_hash, row.witness,
                      row.cosigned_at or row.created_at, row.note, row.cosignature or "", keys[node.code],
                      keys.get(row.witness, ""))
        for row in newest.values()
    ]  # fmt: skip
    heads.extend(
        WitnessedHead(code, row.origin, row.tree_size, row.root_hash, node.code, row.cosigned_at, row.note,
                      row.cosignature, keys.get(code, ""), keys[node.code])
        for row, code in peers
    )  # fmt: skip
    return heads
