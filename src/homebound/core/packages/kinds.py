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


# Who sends which kind to whom (sender's node kind, receiver's node kind); kinds not listed are not
# processed yet. Parties never address each other: what one party sends the other goes through the mediator.
_ANY_NODE = frozenset({"party", "mediator", "observer"})
ROUTES: dict[PackageKind, tuple[frozenset[str], frozenset[str]]] = {
    PackageKind.DISCLOSURE: (frozenset({"party"}), frozenset({"mediator", "observer"})),
    PackageKind.MATCH_RESULT: (frozenset({"mediator"}), frozenset({"party"})),
    # The crossing node (a mediator's) sends its act to both parties, the mediator's other nodes and an
    # observer; each party countersigns on its own node and sends the countersignature back to the mediator.
    PackageKind.HANDOVER_ACT: (frozenset({"mediator"}), frozenset({"party", "mediator", "observer"})),
    PackageKind.COUNTERSIGNATURE: (frozenset({"party"}), frozenset({"mediator"})),
    # Any node's log is witnessed by any peer it talks to (never a party by the other party).
    PackageKind.CHECKPOINT: (_ANY_NODE, _ANY_NODE),
    PackageKind.COSIGNATURE: (_ANY_NODE, _ANY_NODE),
    PackageKind.VERSION: (frozenset({"mediator"}), frozenset({"party"})),
    PackageKind.ACCEPTANCE: (frozenset({"party"}), frozenset({"mediator"})),
    PackageKind.CONCLUSION: (frozenset({"mediator"}), frozenset({"party"})),
}


def check_route(kind: PackageKind, sender_kind: str, receiver_kind: str) -> None:
    """`PackageRefused` unless a `sender_kind` node may send `kind` to a `receiver_kind` node."""
    route = ROUTES.get(kind)
    if route is None:
        raise PackageRefused(
            Refusal.NOT_HANDLED, f"{kind.value} packages are not processed by this version yet"
        )
    senders, receivers = route
    between_parties = sender_kind == receiver_kind == "party"
    if sender_kind not in senders or receiver_kind not in receivers or between_parties:
        raise PackageRefused(
            Refusal.NOT_ALLOWED, f"a {sender_kind} does not send {kind.value} packages to a {receiver_kind}"
        )
