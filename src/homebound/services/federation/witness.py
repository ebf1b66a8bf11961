"""Witnessing, on the receiving side: a witness cosigns a peer's checkpoint only after checking that it
extends the one it cosigned last (core/packages/witness.py), and answers with a `cosignature` package; the
peer keeps the cosignature beside the checkpoint it sent. A peer that shows two histories is refused and
both of its signed checkpoints are kept as evidence.

`checkpoint` payload: `{"checkpoint": <signed note>, "proofs": [{"old_size", "proof": [base64 hashes]}]}`;
`cosignature` payload: `{"checkpoint": <the same note>, "cosignature": <the witness's signature line>}`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor
from homebound.core.log.entries import ActionTag
from homebound.core.packages.envelope import OpenedPackage
from homebound.core.packages.errors import PackageRefused, Refusal
from homebound.core.packages.kinds import PackageKind
from homebound.core.packages.witness import (
    CheckpointRefused,
    SignedCheckpoint,
    TreeHead,
    check_extends,
    cosign,
    parse_checkpoint,
    proofs_from_json,
    read_checkpoint,
    read_cosignature,
)
from homebound.db.federation_tables import NodeCheckpointRow, WitnessedCheckpointRow, WitnessEvidenceRow
from homebound.db.log_store import log_action
from homebound.services.federation.node import own_node, own_signing_key, peer_organisation, pinned_cards

_log = logging.getLogger(__name__)


def _content(message: str) -> PackageRefused:
    return PackageRefused(Refusal.INVALID_CONTENT, message, field="payload")


def _head_json(head: TreeHead) -> dict[str, Any]:
    return {"origin": head.origin, "tree_size": head.size, "root_hash": head.root.hex()}


def _stored(row: WitnessedCheckpointRow, signer: str) -> SignedCheckpoint:
    return parse_checkpoint(row.note, signer)  # checked when it arrived (the peer may have rotated since)


def apply_checkpoint(session: Session, actor: Actor, opened: OpenedPackage, peer_id: str) -> str:
    """As a witness: check a peer's checkpoint against the one cosigned last, then cosign and keep it."""
    payload = opened.body.payload
    if set(payload) != {"checkpoint", "proofs"}:
        raise _content("a checkpoint package has exactly checkpoint and proofs")
    sender = pinned_cards(session)[opened.body.sender]
    offered = read_checkpoint(payload["checkpoint"], sender.org, sender.signing_key)
    proofs = proofs_from_json(payload["proofs"])
    row = session.get(WitnessedCheckpointRow, peer_id)
    check_extends(None if row is None else _stored(row, sender.org), offered, proofs)
    node = own_node(session)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    cosignature = cosign(offered.head, node.code, own_signing_key(session, node.organisation_id),
                         int(now.timestamp()))  # fmt: skip
    if row is None:
        row = WitnessedCheckpointRow(peer_id=peer_id)
        session.add(row)
    row.origin, row.tree_size, row.root_hash = offered.head.origin, offered.head.size, offered.head.root.hex()
    row.note, row.cosignature, row.cosigned_at = offered.note, cosignature.line, now
    row.package = opened.envelope.name
    session.flush()
    log_action(session, actor, ActionTag.CHECKPOINT_WITNESS, "witnessed_checkpoint", peer_id,
               {"peer": sender.org, **_head_json(offered.head), "cosigned_at": cosignature.time},
               party=None)  # fmt: skip
    return f"cosigned {sender.org}'s checkpoint: {offered.head.size} entries, root {offered.head.root.hex()}"


def cosignature_reply(session: Session, opened: OpenedPackage) -> tuple[PackageKind, Mapping[str, Any]]:
    """The answer to a checkpoint just cosigned: the checkpoint and this witness's signature line."""
    row = session.get(WitnessedCheckpointRow, peer_organisation(session, opened.body.sender))
    assert row is not None  # apply_checkpoint wrote it in this transaction
    return PackageKind.COSIGNATURE, {"checkpoint": row.note, "cosignature": row.cosignature}


def apply_cosignature(session: Session, actor: Actor, opened: OpenedPackage, _peer_id: str) -> str:
    """On the log's own node: keep a witness's cosignature beside the checkpoint this node sent it."""
    payload = opened.body.payload
    if set(payload) != {"checkpoint", "cosignature"}:
        raise _content("a cosignature package has exactly checkpoint and cosignature")
    witness = pinned_cards(session)[opened.body.sender]
    row = session.execute(
        select(NodeCheckpointRow).where(
            NodeCheckpointRow.witness == witness.org, NodeCheckpointRow.note == str(payload["checkpoint"])
        )
    ).scalar_one_or_none()
    if row is None:
        raise _content(f"the cosignature names no checkpoint this node sent to {witness.org}")
    head = TreeHead(row.origin, row.tree_size, bytes.fromhex(row.root_hash))
    cosignature = read_cosignature(payload["cosignature"], head, witness.org, witness.signing_key)
    row.cosignature = cosignature.line
    row.cosigned_at = dt.datetime.fromtimestamp(cosignature.time, dt.UTC)
    session.flush()
    log_action(session, actor, ActionTag.CHECKPOINT_COSIGNED, "node_checkpoint", row.id,
               {"witness": witness.org, **_head_json(head), "cosigned_at": cosignature.time},
               party=None)  # fmt: skip
    return f"{witness.org} cosigned this node's checkpoint of {head.size} entries"


def keep_evidence(session: Session, actor: Actor, refusal: CheckpointRefused, name: str, data: bytes) -> None:
    """Both signed checkpoints of a peer that showed two histories (or a smaller log), and a log entry."""
    assert refusal.evidence is not None
    cosigned, offered = refusal.evidence
    row = WitnessEvidenceRow(peer=offered.signer, code=refusal.code, cosigned_note=cosigned.note,
                             offered_note=offered.note, package=name, package_bytes=data)  # fmt: skip
    session.add(row)
    session.flush()
    _log.warning("%s showed two histories (%s): evidence %s kept", offered.signer, refusal.code, row.id)
    log_action(session, actor, ActionTag.CHECKPOINT_EVIDENCE, "witness_evidence", row.id,
               {"peer": offered.signer, "code": refusal.code, "package": name,
                "cosigned": _head_json(cosigned.head), "offered": _head_json(offered.head)},
               party=None)  # fmt: skip
