"""The closed set of package kinds; anything else is refused before it is read."""

from __future__ import annotations

from enum import StrEnum

from homebound.core.packages.errors import PackageRefused, Refusal


class PackageKind(StrEnum):
    DISCLOSURE = "disclosure"  # records a party hands over (held, with the fields it chooses; sought)
    MATCH_RESULT = "match-result"  # the mediator tells a seeking party which of its sought are confirmed held
    VERSION = "version"  # an agreement version: proposal, counter-proposal, amendment, composition
    ACCEPTANCE = "acceptance"  # a party's signature over a version document's hash
    CONCLUSION = "conclusion"  # the version hash, both acceptances and the mediator's signature
    HANDOVER_ACT = "handover-act"  # a tranche's lines as recorded at the crossing
    COUNTERSIGNATURE = "countersignature"  # a party's signature over a handover act
    REMAINS = "remains"
    NOTIFICATION = "notification"  # relayed towards a party's bureau
    CHECKPOINT = "checkpoint"  # a node's signed tree head
    COSIGNATURE = "cosignature"  # a witness's signature over a peer's checkpoint
    RECEIPT = "receipt"  # a node's signed acknowledgement of a package


def kind_of(text: object) -> PackageKind:
    """The kind named by `text`; `PackageRefused(UNKNOWN_KIND)` for anything outside the set."""
    if isinstance(text, str):
        try:
            return PackageKind(text)
        except ValueError:
            pass
    return_text = text if isinstance(text, str) and len(text) <= 40 else "(not a kind name)"
    raise PackageRefused(Refusal.UNKNOWN_KIND, f"unknown package kind {return_text!r}", field="kind")
