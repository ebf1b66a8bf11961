"""Offline verification of the hash chain and of payloads against their commitments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from homebound.core.log.entries import GENESIS_HASH, LogEntry, commitment


@dataclass(frozen=True)
class Failure:
    seq: int
    kind: str  # sequence_gap, chain_broken, hash_mismatch, commitment_mismatch
    message: str


@dataclass
class ChainReport:
    entries_checked: int = 0
    payloads_checked: int = 0
    head_hash: str = GENESIS_HASH
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def first_failure(self) -> Failure | None:
        return self.failures[0] if self.failures else None


@dataclass(frozen=True)
class StoredEntry:
    """An entry as a store or an export hands it over: the body plus the hash it claims."""

    entry: LogEntry
    entry_hash: str


def verify_chain(
    stored: Iterable[StoredEntry],
    payloads: Mapping[int, tuple[str, Mapping[str, Any]]] | None = None,
    *,
    stop_at_first: bool = True,
) -> ChainReport:
    """Walk the chain from the genesis; report the first entry whose link, hash or commitment does not
    hold.
    """
    report = ChainReport()
    expected_seq, prev = 1, GENESIS_HASH
    for item in stored:
        entry = item.entry
        problem = _check_link(entry, item.entry_hash, expected_seq, prev)
        if problem is None and payloads is not None and entry.seq in payloads:
            salt, payload = payloads[entry.seq]
            report.payloads_checked += 1
            if commitment(salt, payload) != entry.commitment:
                problem = Failure(entry.seq, "commitment_mismatch", "payload does not match its commitment")
        report.entries_checked += 1
        if problem is not None:
            report.failures.append(problem)
            if stop_at_first:
                return report
        expected_seq, prev = entry.seq + 1, item.entry_hash
    report.head_hash = prev
    return report


def _check_link(entry: LogEntry, claimed_hash: str, expected_seq: int, prev: str) -> Failure | None:
    if entry.seq != expected_seq:
        return Failure(entry.seq, "sequence_gap", f"expected entry {expected_seq}, found {entry.seq}")
    if entry.prev_hash != prev:
        return Failure(entry.seq, "chain_broken", "previous-hash link does not match the entry before")
    if entry.entry_hash() != claimed_hash:
        return Failure(entry.seq, "hash_mismatch", "entry content does not match its hash")
    return None
