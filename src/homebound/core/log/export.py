"""The export format a party verifies offline: files as bytes in, files as bytes out, no I/O here.

An export is a directory of six files (see docs/log.md):

- `manifest.json`: format, log origin, the exporting party (null for the mediator), entry count, head hash;
- `entries.log`: one line per entry: its canonical body (RFC 8785, so no raw tab or newline inside), a tab,
  and the Ed25519 signature in lower-case hex (`-` for an unsigned format-1 entry);
- `payloads.jsonl`: `{"seq", "salt", "payload"}` per line, for the entries whose payloads this party may see;
- `keys.json`: every key the log introduced, with its owner and validity span;
- `checkpoints.json`: signed tree heads in publication order, each with its signatures;
- `proofs.json`: consistency proofs between successive checkpoints, and for each checkpoint the inclusion
  proof of its last entry.

Binary values are lower-case hex in JSON (one spelling per value); public keys are base64, as everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from homebound.core.log.audit import AuditReport, LogAudit, Manifest, Payloads
from homebound.core.log.checkpoint import Checkpoint, CheckpointSignature
from homebound.core.log.entries import PUBLIC_PAYLOAD_TAGS, DuplicateKeyError, LogEntry, parse_json_strict
from homebound.core.log.errors import CheckpointFailure, LogFailure
from homebound.core.log.heads import ConsistencyProof, InclusionProof, Problem, SavedState
from homebound.core.log.keys import KeyRecord
from homebound.core.log.merkle import MerkleTree, leaf_hash

EXPORT_FORMAT = "homebound.log.export.v1"
MANIFEST, ENTRIES, PAYLOADS = "manifest.json", "entries.log", "payloads.jsonl"
KEYS, CHECKPOINTS, PROOFS = "keys.json", "checkpoints.json", "proofs.json"
FILES = (MANIFEST, ENTRIES, PAYLOADS, KEYS, CHECKPOINTS, PROOFS)


class ExportFormatError(ValueError):
    """A file of the export that is not in the format; `kind` says which failure to report."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def payload_visible_to(entry: LogEntry, party: str | None) -> bool:
    """May this party's export carry the entry's payload? The mediator's (`party` None) carries all."""
    return party is None or entry.tag in PUBLIC_PAYLOAD_TAGS or party in (entry.party, entry.signer)


def entry_line(leaf: bytes, signature: bytes | None) -> bytes:
    return leaf + b"\t" + (signature.hex().encode("ascii") if signature is not None else b"-") + b"\n"


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8") + b"\n"


def checkpoint_to_json(head: Checkpoint) -> dict[str, Any]:
    return {
        "origin": head.origin,
        "tree_size": head.tree_size,
        "root_hash": head.root_hash.hex(),
        "timestamp_ms": head.timestamp_ms,
        "signatures": [
            {"signer": s.signer_role, "key_id": s.key_id, "signature": s.signature.hex()}
            for s in head.signatures
        ],
    }


def _hex(value: Any, size: int, what: str) -> bytes:
    if not isinstance(value, str) or len(value) != size * 2 or value.lower() != value:
        raise ValueError(f"{what} is not {size} bytes of lower-case hex")
    return bytes.fromhex(value)


def _int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{what} is not an integer")
    return value


def checkpoint_from_json(data: Any) -> Checkpoint:
    """A checkpoint from its JSON form; `ValueError` (or `KeyError`, `TypeError`) when out of shape."""
    signatures = tuple(
        CheckpointSignature(
            signer_role=str(item["signer"]),
            key_id=str(item["key_id"]),
            signature=_hex(item["signature"], 64, "a signature"),
        )
        for item in data["signatures"]
    )
    return Checkpoint(
        origin=str(data["origin"]),
        tree_size=_int(data["tree_size"], "tree_size"),
        root_hash=_hex(data["root_hash"], 32, "root_hash"),
        timestamp_ms=_int(data["timestamp_ms"], "timestamp_ms"),
        signatures=signatures,
    )


def state_to_json(state: SavedState) -> dict[str, Any]:
    return {
        "origin": state.origin,
        "tree_size": state.tree_size,
        "root_hash": state.root_hash.hex(),
        "timestamp_ms": state.timestamp_ms,
    }


def state_from_json(data: Any) -> SavedState:
    return SavedState(
        origin=str(data["origin"]),
        tree_size=_int(data["tree_size"], "tree_size"),
        root_hash=_hex(data["root_hash"], 32, "root_hash"),
        timestamp_ms=_int(data["timestamp_ms"], "timestamp_ms"),
    )


def proofs_for(
    tree: MerkleTree, checkpoints: Sequence[Checkpoint]
) -> tuple[list[ConsistencyProof], list[InclusionProof]]:
    """Consistency between successive checkpoint sizes, and each checkpoint's last entry included in it."""
    sizes = sorted({head.tree_size for head in checkpoints if 0 < head.tree_size <= tree.size})
    consistency = [
        ConsistencyProof(first, second, tuple(tree.consistency_proof(first, second)))
        for first, second in pairwise(sizes)
    ]
    inclusion = [InclusionProof(size, size, tuple(tree.inclusion_proof(size - 1, size))) for size in sizes]
    return consistency, inclusion


@dataclass(frozen=True)
class ExportContent:
    """Everything an export holds, before it becomes files."""

    origin: str
    party: str | None
    exported_at: str
    entries: Sequence[tuple[bytes, bytes | None]]
    payloads: Iterable[tuple[int, str, Mapping[str, Any]]]
    keys: Sequence[KeyRecord]
    checkpoints: Sequence[Checkpoint]
    head_hash: str


def encode_export(content: ExportContent) -> dict[str, bytes]:
    """The files of an export, by name."""
    tree = MerkleTree(_leaf_hashes(leaf for leaf, _ in content.entries))
    consistency, inclusion = proofs_for(tree, content.checkpoints)
    manifest = {
        "format": EXPORT_FORMAT,
        "origin": content.origin,
        "party": content.party,
        "exported_at": content.exported_at,
        "tree_size": len(content.entries),
        "head_hash": content.head_hash,
    }
    proofs = {
        "consistency": [
            {"first_size": p.first_size, "second_size": p.second_size, "path": [h.hex() for h in p.path]}
            for p in consistency
        ],
        "inclusion": [
            {"seq": p.seq, "tree_size": p.tree_size, "path": [h.hex() for h in p.path]} for p in inclusion
        ],
    }
    payload_lines = (
        json.dumps(
            {"seq": seq, "salt": salt, "payload": payload}, ensure_ascii=False, sort_keys=True
        ).encode()
        + b"\n"
        for seq, salt, payload in content.payloads
    )
    return {
        MANIFEST: _dumps(manifest),
        ENTRIES: b"".join(entry_line(leaf, signature) for leaf, signature in content.entries),
        PAYLOADS: b"".join(payload_lines),
        KEYS: _dumps([record.to_json() for record in content.keys]),
        CHECKPOINTS: _dumps([checkpoint_to_json(head) for head in content.checkpoints]),
        PROOFS: _dumps(proofs),
    }


def _leaf_hashes(leaves: Iterable[bytes]) -> Iterable[bytes]:
    return (leaf_hash(leaf) for leaf in leaves)


@dataclass(frozen=True)
class DecodedExport:
    manifest: Manifest
    payloads: Payloads
    keys: list[KeyRecord]
    checkpoints: list[Checkpoint]
    consistency: list[ConsistencyProof]
    inclusion: list[InclusionProof]


def _json_file(files: Mapping[str, bytes], name: str) -> Any:
    if name not in files:
        raise ExportFormatError(LogFailure.MALFORMED, f"{name} is missing")
    try:
        return parse_json_strict(files[name])
    except (ValueError, DuplicateKeyError) as error:
        raise ExportFormatError(LogFailure.MALFORMED, f"{name}: {error}") from error


def _payloads(data: bytes) -> dict[int, tuple[str, Mapping[str, Any]]]:
    payloads: dict[int, tuple[str, Mapping[str, Any]]] = {}
    for number, line in enumerate(data.splitlines(), start=1):
        try:
            item = parse_json_strict(line)
            seq, salt, payload = _int(item["seq"], "seq"), item["salt"], item["payload"]
            _hex(salt, 32, "salt")
        except (ValueError, KeyError, TypeError) as error:
            raise ExportFormatError(LogFailure.MALFORMED, f"{PAYLOADS} line {number}: {error}") from error
        if seq in payloads or not isinstance(payload, dict):
            raise ExportFormatError(
                LogFailure.MALFORMED, f"{PAYLOADS} line {number}: repeated or not an object"
            )
        payloads[seq] = (salt, payload)
    return payloads


def _proofs(data: Any) -> tuple[list[ConsistencyProof], list[InclusionProof]]:
    try:
        consistency = [
            ConsistencyProof(
                _int(p["first_size"], "first_size"),
                _int(p["second_size"], "second_size"),
                tuple(_hex(h, 32, "a proof hash") for h in p["path"]),
            )
            for p in data["consistency"]
        ]
        inclusion = [
            InclusionProof(
                _int(p["seq"], "seq"),
                _int(p["tree_size"], "tree_size"),
                tuple(_hex(h, 32, "a proof hash") for h in p["path"]),
            )
            for p in data["inclusion"]
        ]
    except (ValueError, KeyError, TypeError) as error:
        raise ExportFormatError(LogFailure.MALFORMED, f"{PROOFS}: {error}") from error
    return consistency, inclusion


def decode_export(files: Mapping[str, bytes]) -> DecodedExport:
    """Everything but the entries (streamed); `ExportFormatError` names the first file out of shape."""
    manifest = _json_file(files, MANIFEST)
    try:
        if manifest["format"] != EXPORT_FORMAT:
            raise ValueError(f"format {manifest['format']!r} is not {EXPORT_FORMAT}")
        decoded_manifest = Manifest(
            str(manifest["origin"]), _int(manifest["tree_size"], "tree_size"), str(manifest["head_hash"])
        )
    except (ValueError, KeyError, TypeError) as error:
        raise ExportFormatError(LogFailure.MALFORMED, f"{MANIFEST}: {error}") from error
    if PAYLOADS not in files:
        raise ExportFormatError(LogFailure.MALFORMED, f"{PAYLOADS} is missing")
    payloads = _payloads(files[PAYLOADS])
    try:
        keys = [KeyRecord.from_json(item) for item in _json_file(files, KEYS)]
    except (ValueError, KeyError, TypeError) as error:
        raise ExportFormatError(LogFailure.MALFORMED, f"{KEYS}: {error}") from error
    checkpoints = []
    for number, item in enumerate(_json_file(files, CHECKPOINTS), start=1):
        try:
            checkpoints.append(checkpoint_from_json(item))
        except (ValueError, KeyError, TypeError) as error:
            raise ExportFormatError(CheckpointFailure.MALFORMED, f"checkpoint {number}: {error}") from error
    consistency, inclusion = _proofs(_json_file(files, PROOFS))
    return DecodedExport(decoded_manifest, payloads, keys, checkpoints, consistency, inclusion)


def audit_export(
    files: Mapping[str, bytes],
    *,
    state: SavedState | None = None,
    verified_signatures: set[bytes] | None = None,
) -> AuditReport:
    """Verify an export given as its files' bytes: the whole check a party runs on its own machine."""
    try:
        decoded = decode_export(files)
        if ENTRIES not in files:
            raise ExportFormatError(LogFailure.MALFORMED, f"{ENTRIES} is missing")
    except ExportFormatError as error:
        return AuditReport(failure=Problem(error.kind, 0, "export", str(error)))
    audit = LogAudit(decoded.payloads, verified_signatures=verified_signatures)
    lines = files[ENTRIES].split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for line in lines:
        if not audit.add_line(line):
            break
    return audit.finish(
        manifest=decoded.manifest,
        claimed_keys=decoded.keys,
        checkpoints=decoded.checkpoints,
        origin=decoded.manifest.origin,
        consistency=decoded.consistency,
        inclusion=decoded.inclusion,
        state=state,
    )
