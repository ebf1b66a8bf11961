"""Signing keys, checkpoints and Merkle proofs over HTTP: what a party needs to hold the mediator to one
log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from homebound.core.access import Permission, can
from homebound.core.errors import PermissionDenied
from homebound.services import checkpoints, keys, proofs
from homebound.web.deps import SignedIn, Uows
from homebound.web.schemas.log import (
    CheckpointOut,
    ConsistencyProofOut,
    ExternalKeyIn,
    ExternalSignatureIn,
    InclusionProofOut,
    KeyId,
    KeyOut,
    KeyRotationOut,
)

router = APIRouter(prefix="/api/v1/log", tags=["log"])


@router.get("/keys", response_model=list[KeyOut], summary="Every signing key the log introduced")
def list_keys(uows: Uows, actor: SignedIn) -> list[KeyOut]:
    if not (can(actor, Permission.ANY_LOG_READ) or can(actor, Permission.PARTY_LOG_READ)):
        raise PermissionDenied("this role may not read the log")
    return [KeyOut.of(record) for record in keys.list_keys(uows)]


@router.post("/keys/rotate", response_model=KeyRotationOut, summary="Replace your organisation's server key")
def rotate(uows: Uows, actor: SignedIn) -> KeyRotationOut:
    retired, current = keys.rotate_key(uows, actor)
    return KeyRotationOut(retired=KeyOut.of(retired), current=KeyOut.of(current))


@router.post(
    "/keys",
    response_model=KeyOut,
    status_code=status.HTTP_201_CREATED,
    summary="Register a key your organisation holds itself, for cosigning on its own machine",
)
def register_key(body: ExternalKeyIn, uows: Uows, actor: SignedIn) -> KeyOut:
    return KeyOut.of(keys.register_external_key(uows, actor, body.public_key))


@router.post("/keys/{key_id}/withdraw", response_model=KeyOut, summary="End an external key's validity")
def withdraw_key(key_id: KeyId, uows: Uows, actor: SignedIn) -> KeyOut:
    return KeyOut.of(keys.withdraw_external_key(uows, actor, key_id))


@router.get("/checkpoints", response_model=list[CheckpointOut])
def list_checkpoints(uows: Uows, actor: SignedIn) -> list[CheckpointOut]:
    return [CheckpointOut.of(view) for view in checkpoints.list_checkpoints(uows, actor)]


@router.post(
    "/checkpoints",
    response_model=CheckpointOut,
    status_code=status.HTTP_201_CREATED,
    summary="Publish the current tree head, signed by the mediator",
)
def publish(uows: Uows, actor: SignedIn) -> CheckpointOut:
    return CheckpointOut.of(checkpoints.publish_checkpoint(uows, actor))


@router.get("/checkpoints/{checkpoint_id}", response_model=CheckpointOut)
def get_checkpoint(checkpoint_id: str, uows: Uows, actor: SignedIn) -> CheckpointOut:
    return CheckpointOut.of(checkpoints.get_checkpoint(uows, actor, checkpoint_id))


@router.post(
    "/checkpoints/{checkpoint_id}/cosign",
    response_model=CheckpointOut,
    summary="Cosign: the server checks consistency with your last cosigned head, then signs with your key",
)
def cosign(checkpoint_id: str, uows: Uows, actor: SignedIn) -> CheckpointOut:
    return CheckpointOut.of(checkpoints.cosign_checkpoint(uows, actor, checkpoint_id))


@router.post(
    "/checkpoints/{checkpoint_id}/signatures",
    response_model=CheckpointOut,
    summary="Cosign with a signature computed on your own machine over `signed_bytes`",
)
def add_signature(
    checkpoint_id: str, body: ExternalSignatureIn, uows: Uows, actor: SignedIn
) -> CheckpointOut:
    view = checkpoints.add_external_signature(uows, actor, checkpoint_id, body.key_id, body.signature)
    return CheckpointOut.of(view)


@router.get("/proofs/inclusion", response_model=InclusionProofOut, summary="RFC 9162 audit path of one entry")
def inclusion(
    uows: Uows,
    actor: SignedIn,
    seq: Annotated[int, Query(ge=1, description="the entry's sequence number")],
    tree_size: Annotated[int | None, Query(ge=1, description="default: the whole log")] = None,
) -> InclusionProofOut:
    answer = proofs.inclusion_proof(uows, actor, seq, tree_size)
    return InclusionProofOut(
        seq=answer.seq,
        leaf_index=answer.seq - 1,
        tree_size=answer.tree_size,
        leaf_hash=answer.leaf_hash.hex(),
        audit_path=[h.hex() for h in answer.path],
        root_hash=answer.root_hash.hex(),
    )


@router.get("/proofs/consistency", response_model=ConsistencyProofOut, summary="RFC 9162 consistency proof")
def consistency(
    uows: Uows,
    actor: SignedIn,
    first: Annotated[int, Query(ge=1, description="the older tree size")],
    second: Annotated[
        int | None, Query(ge=1, description="the newer tree size (default: the whole log)")
    ] = None,
) -> ConsistencyProofOut:
    answer = proofs.consistency_proof(uows, actor, first, second)
    return ConsistencyProofOut(
        first=answer.first_size, second=answer.second_size, proof=[h.hex() for h in answer.path],
        first_root=answer.first_root.hex(), second_root=answer.second_root.hex(),
    )  # fmt: skip
