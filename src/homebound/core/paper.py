"""Printable documents as data: their kinds, what the Geneva Convention models ask for, and the content hash
that a document's QR code carries, tying the paper to the records and log entries it was printed from.

A document's content is plain JSON (strings, integers, lists, objects, null): the facts, never the labels or
the language they are printed in, so the uk | ru and the uk | ru | en prints of one act carry one hash. The
time of printing is not content: printing the same records twice gives the same hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from homebound.core.log.entries import canonical

FORMAT = 1


class DocumentKind(StrEnum):
    """The names scripts use (`homebound documents KIND`)."""

    HANDOVER_ACT = "handover-act"
    LIST = "list"
    CAPTURE_CARD = "capture-card"
    DEATH_CERTIFICATE = "death-certificate"
    REPATRIATION_CERTIFICATE = "repatriation-certificate"


# What each GC III model asks for that Homebound has no field for yet: printed as "not recorded in Homebound",
# never left blank as if the bureau had forgotten it.
NOT_IN_DATA_MODEL: Mapping[DocumentKind, tuple[str, ...]] = {
    DocumentKind.CAPTURE_CARD: ("family_address",),
    # The death record (services/deaths.py) holds the rest; the account of the last moments is a statement
    # of its own that Homebound does not keep.
    DocumentKind.DEATH_CERTIFICATE: ("last_moments_account",),
    DocumentKind.REPATRIATION_CERTIFICATE: ("commission_decision",),
    DocumentKind.HANDOVER_ACT: (),
    DocumentKind.LIST: (),
}


def content_hash(kind: DocumentKind, content: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the RFC 8785 canonical JSON of {"document": kind, "format": 1, "content": content}."""
    body = {"document": kind.value, "format": FORMAT, "content": dict(content)}
    return hashlib.sha256(canonical(body)).hexdigest()


@dataclass(frozen=True)
class Paper:
    """One document ready to print: its kind, its content and what the model asks for that is missing."""

    kind: DocumentKind
    content: Mapping[str, Any]
    missing: tuple[str, ...] = ()  # fields of the model the record leaves empty
    not_in_model: tuple[str, ...] = field(default=())  # fields of the model Homebound cannot record yet

    @property
    def content_hash(self) -> str:
        return content_hash(self.kind, self.content)


def missing_fields(values: Mapping[str, Any], wanted: tuple[str, ...]) -> tuple[str, ...]:
    """The wanted fields with no value (None or empty text), in the model's order."""
    return tuple(name for name in wanted if values.get(name) in (None, ""))
