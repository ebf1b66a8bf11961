"""Schemas for signing keys, checkpoints and Merkle proofs: binary values in lower-case hex, keys base64."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from homebound.core.log.keys import KeyRecord
from homebound.core.log.signing import public_key_to_text
from homebound.services.checkpoints import CheckpointView
from homebound.services.federation.tree_heads import WitnessedHead

Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{128}$")]
KeyId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]


class KeyOut(BaseModel):
    key_id: str
    owner: str
    owner_kind: str
    public_key: str
    custody: str
    valid_from: int
    valid_until: int | None

    @classmethod
    def of(cls, record: KeyRecord) -> KeyOut:
        return cls(
            key_id=record.key_id,
            owner=record.owner,
            owner_kind=record.owner_kind.value,
            public_key=public_key_to_text(record.public_key),
            custody=record.custody.value,
            valid_from=record.valid_from,
            valid_until=record.valid_until,
        )


class KeyRotationOut(BaseModel):
    retired: KeyOut
    current: KeyOut


class ExternalKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    public_key: Annotated[str, StringConstraints(min_length=40, max_length=60)]


class SignatureOut(BaseModel):
    signer: str
    key_id: str
    signature: str


class CheckpointOut(BaseModel):
    id: str
    origin: str
    tree_size: int
    root_hash: str
    timestamp_ms: int
    signed_bytes: str  # hex of exactly what every signer signs: sign these to cosign on your own machine
    signatures: list[SignatureOut]
    published_by: str
    required: list[str]
    missing: list[str]
    final: bool
    final_at: dt.datetime | None

    @classmethod
    def of(cls, view: CheckpointView) -> CheckpointOut:
        head = view.checkpoint
        return cls(
            id=view.id,
            origin=head.origin,
            tree_size=head.tree_size,
            root_hash=head.root_hash.hex(),
            timestamp_ms=head.timestamp_ms,
            signed_bytes=head.signed_bytes().hex(),
            signatures=[
                SignatureOut(signer=s.signer_role, key_id=s.key_id, signature=s.signature.hex())
                for s in head.signatures
            ],
            published_by=view.published_by,
            required=list(view.required),
            missing=list(view.missing),
            final=view.final,
            final_at=view.final_at,
        )


class ExternalSignatureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_id: KeyId
    signature: Hex64


class InclusionProofOut(BaseModel):
    seq: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str]
    root_hash: str


class ConsistencyProofOut(BaseModel):
    first: int
    second: int
    proof: list[str]
    first_root: str
    second_root: str


class LedgerCheckpointOut(BaseModel):
    """The latest final checkpoint on the public ledger, with the public keys that verify its signatures."""

    tree_size: int
    root_hash: str
    timestamp_ms: int
    origin: str
    signed_bytes: str
    signatures: list[SignatureOut]
    keys: list[KeyOut]


class WitnessedCheckpointOut(BaseModel):
    """A node's newest checkpoint as one witness cosigned it: the signed note, the witness's signature
    line and both public keys, so anyone can check it offline (docs/federation.md, Witnessing)."""

    node: str
    origin: str
    tree_size: int
    root_hash: str
    witness: str
    cosigned_at: dt.datetime
    checkpoint: str
    cosignature: str
    node_key: str
    witness_key: str

    @classmethod
    def of(cls, head: WitnessedHead) -> WitnessedCheckpointOut:
        return cls.model_validate(head, from_attributes=True)
