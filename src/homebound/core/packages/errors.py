"""Why a package or a node card is refused: one error type, a closed set of stable codes."""

from __future__ import annotations

from enum import StrEnum

from homebound.core.errors import DomainError


class Refusal(StrEnum):
    """Stable machine codes; scripts and the refusal log rely on them (docs/federation.md)."""

    MALFORMED = "package.malformed"  # not a package of this format at all
    BAD_SIGNATURE = "package.bad_signature"  # the sender's key did not sign these bytes
    UNTRUSTED_SENDER = "package.untrusted_sender"  # no pinned card for the sender, or another key
    WRONG_RECIPIENT = "package.wrong_recipient"  # not addressed (or not encrypted) to this node
    REPLAY = "package.replay"  # a sequence number (or a package) this node has received already
    OUT_OF_ORDER = "package.out_of_order"  # a sequence number past the next one expected: one is missing
    TRUNCATED = "package.truncated"  # fewer bytes than the signed header declares
    OVERSIZED = "package.oversized"  # more bytes than this node accepts
    TAMPERED = "package.tampered"  # bytes that differ from what the signature covers
    UNKNOWN_KIND = "package.unknown_kind"  # a kind outside the closed set
    INVALID_CONTENT = "package.invalid_content"  # a signed, readable package whose content breaks a rule
    NOT_ALLOWED = "package.not_allowed"  # this kind does not go from the sender's kind of node to this one
    NOT_HANDLED = "package.not_handled"  # a kind of the set that this version does not process yet
    # Witnessing (core/packages/witness.py): a checkpoint this node will not cosign.
    CHECKPOINT_INCONSISTENT = "checkpoint.inconsistent"  # not the history cosigned before: evidence kept
    CHECKPOINT_ROLLBACK = "checkpoint.rollback"  # a smaller log than the one cosigned: evidence kept
    CHECKPOINT_UNPROVEN = "checkpoint.unproven"  # no consistency proof from the size this witness cosigned


# Process exit codes of `homebound package receive|verify`, one per refusal (2 stays "other error").
EXIT_CODES: dict[Refusal, int] = {refusal: 10 + number for number, refusal in enumerate(Refusal)}


class PackageRefused(DomainError):
    """A package this node will not accept; nothing of it is kept (only the refusal is logged)."""

    status_hint = 422

    def __init__(self, refusal: Refusal, message: str, *, field: str | None = None) -> None:
        super().__init__(message, code=refusal.value, field=field)
        self.refusal = refusal


class CardRefused(DomainError):
    """A node card that is malformed, not signed by its own key, or that contradicts a pinned card."""

    code = "card.refused"
    status_hint = 422
