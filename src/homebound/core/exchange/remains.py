"""Remains handed over: counted per side by batch, with their identification status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from homebound.core.exchange.candidate import Side
from homebound.core.exchange.errors import MissingDetail


class IdentificationStatus(StrEnum):
    PENDING_DNA = "pending_dna"
    IDENTIFIED = "identified"
    MIXED_REMAINS = "mixed_remains"  # parts of several persons across bags or batches


@dataclass(frozen=True, slots=True)
class RemainsBatch:
    """A number of bodies released by one side in one batch, all of one identification status."""

    batch_id: str
    releasing_side: Side
    count: int
    status: IdentificationStatus = IdentificationStatus.PENDING_DNA
    note: str = ""

    def __post_init__(self) -> None:
        if self.count < 1:
            raise MissingDetail(f"remains batch {self.batch_id} holds at least one body")


def remains_counts(batches: Iterable[RemainsBatch]) -> dict[Side, dict[IdentificationStatus, int]]:
    """Bodies per releasing side and identification status (every status present, zeros included)."""
    counts = {side: dict.fromkeys(IdentificationStatus, 0) for side in Side}
    for batch in batches:
        counts[batch.releasing_side][batch.status] += batch.count
    return counts
