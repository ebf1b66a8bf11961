"""Whole-log verification: entries, signatures, keys, payloads, Merkle roots, checkpoints, proofs, last state.

One `LogAudit` serves the database check and the offline check of an export: it takes entries one at a time
(the canonical body bytes and the signature), stops at the first failure, and then checks what vouches for
the entries as a whole. Every failure has a stable kind (see `errors.py`), and the order of the checks is
fixed, so a given tampering always reports the same kind:

1. each entry: JSON and canonical form, format version, sequence number, chain link, stored hash (database
   only), key and signer, key validity, signature, payload commitment, key introductions and retirements;
2. the export manifest (entry count and head), then payloads for entries that are not there;
3. the exported key set against the keys the log introduced;
4. each checkpoint in order: origin, order in time and size, size within the log, signatures (known key of
   the right owner, in force at the tree size), a mediator's signature, and the root against the entries;
5. the proofs shipped with an export; 6. the state this party saved after its last successful run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from homebound.core.log.checkpoint import Checkpoint, origin_of
from homebound.core.log.entries import (
    FORMAT_VERSION,
    GENESIS_HASH,
    LEGACY_VERSION,
    SIGNATURE_DOMAIN,
    DuplicateKeyError,
    LogEntry,
    canonical,
    commitment,
    entry_hash_of,
    parse_json_strict,
)
from homebound.core.log.errors import (
    CheckpointFailure,
    EntryFailure,
    KeyFailure,
    LogFailure,
)
from homebound.core.log.heads import (
    ConsistencyProof,
    InclusionProof,
    Problem,
    SavedState,
    is_final,
    proof_problem,
    signature_problem,
    state_problem,
)
from homebound.core.log.keys import KeyRecord, KeyRuleError, KeyTable, differences
from homebound.core.log.merkle import MerkleTree
from homebound.core.log.signing import VerifyingKey

SIGNATURE_HEX = 128
Payloads = Mapping[int, tuple[str, Mapping[str, Any]]]


@dataclass(frozen=True)
class Manifest:
    origin: str
    tree_size: int
    head_hash: str


@dataclass
class AuditReport:
    entries_checked: int = 0
    signatures_checked: int = 0
    payloads_checked: int = 0
    legacy_entries: int = 0
    checkpoints_checked: int = 0
    proofs_checked: int = 0
    head_hash: str = GENESIS_HASH
    root_hash: bytes = b""
    keys: list[KeyRecord] = field(default_factory=list)
    final_checkpoint: Checkpoint | None = None
    failure: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def first_failure(self) -> Problem | None:
        return self.failure

    @property
    def uncovered_entries(self) -> int:
        """Entries after the latest final checkpoint: chained and signed, but not yet cosigned."""
        covered = self.final_checkpoint.tree_size if self.final_checkpoint else 0
        return self.entries_checked - covered

    def new_state(self) -> SavedState | None:
        head = self.final_checkpoint
        if head is None:
            return None
        return SavedState(head.origin, head.tree_size, head.root_hash, head.timestamp_ms)


class LogAudit:
    """Feed entries with `add`, then call `finish`; `report.failure` holds the first failure, if any.

    `verified_signatures`, when given, remembers (key, signature, message) triples already verified, so many
    runs over mostly identical logs (the tamper tests) verify each distinct signature once. A triple is only
    ever looked up by its exact bytes, so a changed entry is always verified afresh.
    """

    def __init__(
        self, payloads: Payloads | None = None, *, verified_signatures: set[bytes] | None = None
    ) -> None:
        self.report = AuditReport()
        self.keys = KeyTable()
        self.tree = MerkleTree()
        self._first_hash: str | None = None
        self._payloads = payloads or {}
        self._verified = verified_signatures
        self._verifiers: dict[str, VerifyingKey] = {}
        self._signed_seen = False
        self._next_seq = 1

    @property
    def failed(self) -> bool:
        return self.report.failure is not None

    def _fail(self, kind: str, seq: int, where: str, message: str) -> bool:
        if self.report.failure is None:
            self.report.failure = Problem(str(kind), seq, where, message)
        return False

    # -- entries ----------------------------------------------------------------------------------------

    def add_line(self, line: bytes) -> bool:
        """One line of an export's entries file: canonical body, a tab, the signature in hex (or `-`)."""
        body, tab, signature = line.rpartition(b"\t")
        if not tab:
            seq = self._next_seq
            return self._fail(EntryFailure.MALFORMED, seq, f"entry {seq}", "no signature field")
        try:
            signature_text = signature.decode("ascii")
        except UnicodeDecodeError:
            signature_text = "?"
        return self.add(body, None if signature_text == "-" else signature_text)

    def add(self, leaf: bytes, signature_hex: str | None, claimed_hash: str | None = None) -> bool:
        """Check one entry given as its canonical body bytes; False (and the failure recorded) if it fails."""
        if self.failed:
            return False
        parsed = self._parse(leaf)
        if isinstance(parsed, tuple):
            return self._fail(parsed[0], self._next_seq, f"entry {self._next_seq}", parsed[1])
        entry, entry_hash = parsed, entry_hash_of(leaf)
        problem = (
            self._link_problem(entry, entry_hash, claimed_hash)
            or self._signature_problem(entry, leaf, signature_hex)
            or self._payload_problem(entry)
        )
        if problem is not None:
            return self._fail(problem[0], self._next_seq, f"entry {self._next_seq}", problem[1])
        self.tree.append(hashlib.sha256(b"\x00" + leaf).digest())
        self.report.head_hash = entry_hash
        if self.report.entries_checked == 0:
            self._first_hash = entry_hash  # names the log: its origin (checkpoint.origin_of)
        self.report.entries_checked += 1
        self._next_seq += 1
        return True

    def _parse(self, leaf: bytes) -> LogEntry | tuple[str, str]:
        try:
            value = _decode(leaf.decode("utf-8"))  # a BOM stays a character here, and JSON refuses it
        except ValueError:  # UnicodeDecodeError included
            return EntryFailure.MALFORMED, "not JSON"
        problem = _form_problem(value, leaf)
        if problem is not None:
            return problem
        version = value.get("v")
        if version == LEGACY_VERSION and self._signed_seen:
            return EntryFailure.VERSION_DOWNGRADE, "an unsigned entry after signed ones"
        try:
            return LogEntry.from_body(value)
        except (ValueError, TypeError) as error:
            return EntryFailure.MALFORMED, str(error)

    def _link_problem(
        self, entry: LogEntry, entry_hash: str, claimed_hash: str | None
    ) -> tuple[str, str] | None:
        if entry.seq != self._next_seq:
            return EntryFailure.SEQUENCE_GAP, f"expected entry {self._next_seq}, found {entry.seq}"
        if entry.prev_hash != self.report.head_hash:
            return EntryFailure.CHAIN_BROKEN, "the previous-hash link does not hold"
        if claimed_hash is not None and claimed_hash != entry_hash:
            return EntryFailure.HASH_MISMATCH, "the stored hash is not the hash of the body"
        return None

    def _signature_problem(
        self, entry: LogEntry, leaf: bytes, signature_hex: str | None
    ) -> tuple[str, str] | None:
        if entry.v == LEGACY_VERSION:
            if signature_hex is not None:
                return EntryFailure.MALFORMED, "a format-1 entry carries no signature"
            self.report.legacy_entries += 1
            return None
        self._signed_seen = True
        signature = _hex_bytes(signature_hex, SIGNATURE_HEX)
        if signature is None or entry.key_id is None or entry.signer is None:
            return EntryFailure.MALFORMED, "the signature is missing or not lower-case hex"
        key = self.keys.get(entry.key_id)
        if key is None:
            try:
                key = self.keys.bootstrap(entry, self._payload_of(entry.seq))
            except KeyRuleError as error:
                return error.kind, error.message
        problem: tuple[str, str] | None = None
        if key is None:
            problem = EntryFailure.UNKNOWN_KEY, f"key {entry.key_id} was never introduced"
        elif key.owner != entry.signer:
            problem = (
                EntryFailure.WRONG_SIGNER,
                f"key {key.key_id} belongs to {key.owner}, not {entry.signer}",
            )
        elif not key.valid_at(entry.seq):
            span = f"{key.valid_from}..{key.valid_until}"
            problem = EntryFailure.KEY_NOT_VALID, f"key {key.key_id} signs entries {span}, not {entry.seq}"
        elif not self._verify(key, SIGNATURE_DOMAIN + leaf, signature):
            problem = EntryFailure.BAD_SIGNATURE, "the signature does not verify"
        else:
            self.report.signatures_checked += 1
        return problem

    def _payload_problem(self, entry: LogEntry) -> tuple[str, str] | None:
        payload = self._payloads.get(entry.seq)
        if payload is not None:
            self.report.payloads_checked += 1
            if commitment(payload[0], payload[1]) != entry.commitment:
                return EntryFailure.COMMITMENT_MISMATCH, "the payload does not match its commitment"
        try:
            self.keys.apply(entry, payload[1] if payload else None)
        except KeyRuleError as error:
            return error.kind, error.message
        return None

    def _payload_of(self, seq: int) -> Mapping[str, Any] | None:
        found = self._payloads.get(seq)
        return found[1] if found else None

    def _verify(self, key: KeyRecord, message: bytes, signature: bytes) -> bool:
        memo = key.public_key + signature + message if self._verified is not None else b""
        if self._verified is not None and memo in self._verified:
            return True
        verifier = self._verifiers.get(key.key_id)
        if verifier is None:
            verifier = self._verifiers[key.key_id] = VerifyingKey(key.public_key)
        ok = verifier.verify(message, signature)
        if ok and self._verified is not None:
            self._verified.add(memo)
        return ok

    # -- the log as a whole -----------------------------------------------------------------------------

    def finish(
        self,
        *,
        manifest: Manifest | None = None,
        claimed_keys: Sequence[KeyRecord] | None = None,
        checkpoints: Sequence[Checkpoint] = (),
        origin: str | None = None,
        consistency: Sequence[ConsistencyProof] = (),
        inclusion: Sequence[InclusionProof] = (),
        state: SavedState | None = None,
    ) -> AuditReport:
        report = self.report
        report.keys = self.keys.records()
        report.root_hash = self.tree.root()
        if self.failed:
            return report
        steps: tuple[Callable[[], bool], ...] = (
            lambda: self._check_manifest(manifest),
            self._check_orphans,
            lambda: self._check_key_set(claimed_keys),
            lambda: self._check_checkpoints(checkpoints, origin),
            lambda: self._record(
                proof_problem(self.tree, consistency, inclusion), len(consistency) + len(inclusion)
            ),
            lambda: self._record(state_problem(self.tree, state, origin, self.report.final_checkpoint)),
        )
        for step in steps:
            if not step():
                break
        return report

    def _record(self, problem: Problem | None, proofs: int = 0) -> bool:
        if problem is None:
            self.report.proofs_checked += proofs
            return True
        return self._fail(problem.kind, problem.seq, problem.where, problem.message)

    def _check_manifest(self, manifest: Manifest | None) -> bool:
        if manifest is None:
            return True
        count = self.report.entries_checked
        if manifest.tree_size > count:
            return self._fail(
                LogFailure.TRUNCATED,
                count,
                "manifest",
                f"the manifest lists {manifest.tree_size} entries, found {count}",
            )
        if manifest.tree_size < count or manifest.head_hash != self.report.head_hash:
            return self._fail(
                LogFailure.MANIFEST_MISMATCH, count, "manifest", "the manifest describes another log"
            )
        if manifest.origin != origin_of(self._first_hash):
            # The origin is the log's name, fixed by its first entry: an edited one would let the export
            # pass for another log's (and its checkpoints be checked against the wrong name).
            return self._fail(
                LogFailure.MANIFEST_MISMATCH, count, "manifest", "the manifest names another log's origin"
            )
        return True

    def _check_orphans(self) -> bool:
        count = self.report.entries_checked
        orphans = sorted(seq for seq in self._payloads if not 1 <= seq <= count)
        if orphans:
            return self._fail(
                LogFailure.PAYLOAD_ORPHAN, orphans[0], "payloads", f"payload for absent entry {orphans[0]}"
            )
        return True

    def _check_key_set(self, claimed: Sequence[KeyRecord] | None) -> bool:
        if claimed is None:
            return True
        differ = differences(self.keys.records(), claimed)
        if differ:
            return self._fail(
                KeyFailure.MISMATCH, 0, "keys", f"the key set and the log disagree on key {differ[0]}"
            )
        return True

    def _check_checkpoints(self, checkpoints: Sequence[Checkpoint], origin: str | None) -> bool:
        previous: Checkpoint | None = None
        for number, head in enumerate(checkpoints, start=1):
            where = f"checkpoint {number} (size {head.tree_size})"
            problem = self._checkpoint_problem(head, previous, origin)
            if problem is not None:
                return self._fail(problem[0], head.tree_size, where, problem[1])
            self.report.checkpoints_checked += 1
            if is_final(head, self.keys.records()):
                self.report.final_checkpoint = head
            previous = head
        return True

    def _checkpoint_problem(
        self, head: Checkpoint, previous: Checkpoint | None, origin: str | None
    ) -> tuple[str, str] | None:
        count = self.report.entries_checked
        problem: tuple[str, str] | None = None
        if origin is not None and head.origin != origin:
            problem = CheckpointFailure.WRONG_ORIGIN, f"origin {head.origin!r}, expected {origin!r}"
        elif head.tree_size < 1:
            problem = CheckpointFailure.MALFORMED, "a checkpoint covers at least one entry"
        elif previous is not None and (
            head.timestamp_ms <= previous.timestamp_ms or head.tree_size < previous.tree_size
        ):
            problem = CheckpointFailure.STALE, "older or smaller than the checkpoint before it"
        elif head.tree_size > count:
            problem = LogFailure.TRUNCATED, f"vouches for {head.tree_size} entries, found {count}"
        else:
            problem = signature_problem(head, self.keys.get, self._verify)
        if problem is None and self.tree.root(head.tree_size) != head.root_hash:
            problem = LogFailure.FORK, "the entries do not reproduce the root this checkpoint signs"
        return problem


_SAFE_INT = 2**53 - 1
# The module's own decoder and encoder: json.loads and json.dumps rebuild them on every call.
_decode = json.JSONDecoder().decode
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def _flat_canonical(value: dict[str, Any]) -> bytes:
    """RFC 8785 bytes of an entry body. Bodies are flat objects of ASCII keys, strings, small integers and
    nulls, for which sorted compact `json.dumps` is RFC 8785; anything else takes the general path."""
    for key, item in value.items():
        kind = type(item)
        if not key.isascii() or not (
            kind is str or item is None or (kind is int and -_SAFE_INT <= item <= _SAFE_INT)
        ):
            return canonical(value)
    return _encode(value).encode("utf-8")


def _form_problem(value: Any, leaf: bytes) -> tuple[str, str] | None:
    """Is the parsed `value` an object whose RFC 8785 bytes are exactly `leaf`, in a known format?"""
    if not isinstance(value, dict):
        return EntryFailure.MALFORMED, "not a JSON object"
    try:
        same = _flat_canonical(value) == leaf
    except (ValueError, TypeError):
        same = False
    if not same:
        # A repeated key is the one edit the round trip cannot tell from reordering: name it apart.
        try:
            parse_json_strict(leaf)
        except DuplicateKeyError:
            return EntryFailure.DUPLICATE_KEY, "a JSON key appears twice"
        except ValueError:
            pass  # it parsed once already; nothing else can fail here, and it is not canonical either way
        return EntryFailure.NON_CANONICAL, "the bytes are not the RFC 8785 form of the entry"
    version = value.get("v")
    if version not in (LEGACY_VERSION, FORMAT_VERSION) or isinstance(version, bool):
        return EntryFailure.UNSUPPORTED_VERSION, f"entry format {version!r} is not known"
    return None


def _hex_bytes(text: str | None, length: int) -> bytes | None:
    """Lower-case hex of exactly `length` digits, else None: one spelling per value, so no edit hides."""
    if text is None or len(text) != length or text.lower() != text:
        return None
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        return None
    return raw if len(raw) * 2 == length else None
