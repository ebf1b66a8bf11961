"""Typed failures of log verification, each carrying a stable, machine-readable kind."""

from __future__ import annotations

from enum import StrEnum


class ProofFailure(StrEnum):
    """Why a Merkle inclusion or consistency proof was rejected."""

    MALFORMED = "proof.malformed"  # a hash of the wrong length, a negative index or size
    INDEX_OUT_OF_RANGE = "proof.index_out_of_range"  # leaf index not below the tree size
    EMPTY_TREE = "proof.empty_tree"  # nothing can be proven about a tree of size 0
    SIZE_ORDER = "proof.size_order"  # the older tree is larger than the newer one
    WRONG_LENGTH = "proof.wrong_length"  # too many or too few proof hashes for the sizes given
    ROOT_MISMATCH = "proof.root_mismatch"  # the proof leads to another root (inclusion, or the new root)
    OLD_ROOT_MISMATCH = "proof.old_root_mismatch"  # a consistency proof that does not reproduce the old root


class CheckpointFailure(StrEnum):
    """Why a checkpoint, or one of its signatures, was rejected."""

    UNKNOWN_KEY = "checkpoint.unknown_key"  # the key id is not in the verifier's key set
    WRONG_SIGNER = "checkpoint.wrong_signer"  # the key belongs to another role than the one claimed
    DUPLICATE_SIGNER = "checkpoint.duplicate_signer"  # one role signed twice
    BAD_SIGNATURE = "checkpoint.bad_signature"  # the signature does not verify over the signed bytes


class LogError(Exception):
    """Base of every log verification failure; `kind` names the failure, `message` explains it."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


class ProofError(LogError):
    """A Merkle proof that does not prove what it claims."""

    def __init__(self, kind: ProofFailure, message: str) -> None:
        super().__init__(kind, message)
        self.kind: ProofFailure = kind


class CheckpointError(LogError):
    """A checkpoint signature that is missing, misattributed or invalid."""

    def __init__(self, kind: CheckpointFailure, message: str) -> None:
        super().__init__(kind, message)
        self.kind: CheckpointFailure = kind
