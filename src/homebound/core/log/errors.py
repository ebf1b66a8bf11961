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
    KEY_NOT_VALID = "checkpoint.key_not_valid"  # the key was not in force at the checkpoint's tree size
    UNSIGNED = "checkpoint.unsigned"  # no mediator signature: nobody published this tree head
    MALFORMED = "checkpoint.malformed"  # fields missing, of the wrong type or length
    WRONG_ORIGIN = "checkpoint.wrong_origin"  # a tree head of another log
    STALE = "checkpoint.stale"  # older than a tree head seen before: a rollback or a withheld update


class EntryFailure(StrEnum):
    """Why one log entry was rejected."""

    MALFORMED = "entry.malformed"  # not JSON, not an object, fields or types of no known format
    DUPLICATE_KEY = "entry.duplicate_key"  # a JSON key given twice (ambiguous, so never accepted)
    NON_CANONICAL = "entry.non_canonical"  # valid JSON but not the RFC 8785 bytes of its own value
    UNSUPPORTED_VERSION = "entry.unsupported_version"  # a format this verifier does not know
    VERSION_DOWNGRADE = "entry.version_downgrade"  # an unsigned format-1 entry after a signed one
    SEQUENCE_GAP = "entry.sequence_gap"  # not the next sequence number: deleted, inserted, swapped, replayed
    CHAIN_BROKEN = "entry.chain_broken"  # the previous-hash link does not match the entry before
    HASH_MISMATCH = "entry.hash_mismatch"  # a stored entry hash that is not the hash of the body
    UNKNOWN_KEY = "entry.unknown_key"  # signed by a key the log never introduced
    WRONG_SIGNER = "entry.wrong_signer"  # the key belongs to another organisation than the signer named
    KEY_NOT_VALID = "entry.key_not_valid"  # signed by a key outside its validity (retired or revoked)
    BAD_SIGNATURE = "entry.bad_signature"  # the signature does not verify over the body
    COMMITMENT_MISMATCH = "entry.commitment_mismatch"  # a payload that does not match its commitment


class KeyFailure(StrEnum):
    """Why a key introduction or retirement recorded in the log, or the exported key set, was rejected."""

    MALFORMED = "key.malformed"  # payload fields wrong, or the key id is not the hash of the key
    PAYLOAD_MISSING = "key.payload_missing"  # key entries are public: their payload must be exported
    DUPLICATE = "key.duplicate"  # a key introduced twice, or retired twice
    UNAUTHORISED = "key.unauthorised"  # a key added or retired by someone other than its owner
    MISMATCH = "key.mismatch"  # the exported key set differs from the keys the log introduced


class LogFailure(StrEnum):
    """Failures of the export as a whole, found after the entries themselves."""

    TRUNCATED = "log.truncated"  # fewer entries than the export, a checkpoint or the last run vouched for
    FORK = "log.fork"  # the entries do not reproduce a signed tree head: another history exists
    MANIFEST_MISMATCH = "export.manifest_mismatch"  # the manifest describes other entries than those given
    MALFORMED = "export.malformed"  # a file missing or not in the export format
    PAYLOAD_ORPHAN = "payload.orphan"  # a payload for an entry that is not in the log
    STATE_MISMATCH = "state.wrong_origin"  # the remembered state is of another log


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
