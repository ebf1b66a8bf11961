"""A node's identity: set up once (organisation, signing key, encryption key, first admin), its public card,
and the peers it pins after comparing fingerprints in person.

A node keeps its own private keys only (signing and data keys in the key directory, the age identity beside
them); a pinned peer is an organisation row here with no key of its own and no users, standing for the
records that peer discloses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import OrganisationKind, Role
from homebound.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from homebound.core.log.entries import ActionTag
from homebound.core.log.keys import Custody
from homebound.core.log.signing import SigningKey
from homebound.core.packages.body import check_org_code
from homebound.core.packages.cards import NodeCard, NodeKind, encryption_key_id, read_card
from homebound.core.packages.errors import CardRefused, PackageRefused
from homebound.db.federation_tables import NodeIdentityRow, NodePeerRow
from homebound.db.log_store import LogWriter, key_store_of, log_action
from homebound.db.node_keys import new_age_identity, remove_age_identity
from homebound.db.tables import OrganisationRow, SigningKeyRow, UserRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.accounts import MIN_PASSWORD
from homebound.services.keys import create_organisation_key
from homebound.services.passwords import PRODUCTION_COST, PasswordCost, hash_password

NODE_ACTOR = "cli"  # set-up and pinning are done by whoever runs the node, at its console
ADMIN_ROLE: dict[NodeKind, Role] = {
    NodeKind.PARTY: Role.PARTY_ADMIN,
    NodeKind.MEDIATOR: Role.MEDIATOR,
    NodeKind.OBSERVER: Role.OBSERVER,
}


@dataclass(frozen=True)
class OwnNode:
    organisation_id: str
    code: str
    name: str
    kind: NodeKind
    encryption_key: str
    inbox_url: str | None


@dataclass(frozen=True)
class PinnedPeer:
    card: NodeCard
    replaced: str | None  # the fingerprint pinned before, when this pin replaced another card


def now_text() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def own_node(session: Session) -> OwnNode:
    """This node's organisation; Conflict until `homebound node init` has run."""
    found = session.execute(
        select(NodeIdentityRow, OrganisationRow).join(
            OrganisationRow, OrganisationRow.id == NodeIdentityRow.organisation_id
        )
    ).first()
    if found is None:
        raise Conflict("this node is not set up yet (homebound node init)", code="node.not_initialised")
    identity, org = found
    return OwnNode(
        org.id,
        org.code,
        org.name,
        NodeKind(identity.kind),
        identity.encryption_public_key,
        identity.inbox_url,
    )


def own_signing_key(session: Session, organisation_id: str) -> SigningKey:
    """The organisation's current signing key (server custody: the file in this node's key directory)."""
    key_id = session.execute(
        select(SigningKeyRow.key_id)
        .where(
            SigningKeyRow.owner == organisation_id,
            SigningKeyRow.custody == Custody.SERVER.value,
            SigningKeyRow.valid_until.is_(None),
        )
        .order_by(SigningKeyRow.valid_from.desc())
        .limit(1)
    ).scalar_one_or_none()
    if key_id is None:
        raise Conflict("this node's organisation has no signing key", code="node.no_key")
    return key_store_of(session).signing_key(key_id)


def init_node(
    uows: UnitOfWorkFactory,
    *,
    code: str,
    kind: NodeKind,
    name: str,
    admin: str,
    password: str,
    inbox_url: str | None = None,
    cost: PasswordCost = PRODUCTION_COST,
) -> NodeCard:
    """One transaction: the organisation with its signing key, the encryption key, the first admin."""
    try:
        check_org_code(code, "org")
    except PackageRefused as error:
        raise ValidationFailed(
            [FieldProblem("org", "invalid_value", "a-z, 0-9, - and _, 1 to 32")]
        ) from error
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed([FieldProblem("password", "too_short", f"at least {MIN_PASSWORD} characters")])
    recipient: str | None = None
    try:
        with uows.writer() as uow:
            session = uow.session
            if session.execute(select(NodeIdentityRow.id)).first() is not None:
                raise Conflict("this database is a node already", code="node.exists")
            if session.execute(select(OrganisationRow.id).where(OrganisationRow.code == code)).first():
                raise Conflict(
                    "an organisation with this code exists", code="organisation.exists", field="org"
                )
            org = OrganisationRow(code=code, name=name, kind=OrganisationKind(kind.value).value)
            session.add(org)
            session.flush()
            log_action(session, NODE_ACTOR, ActionTag.ORGANISATION_CREATE, "organisation", org.id,
                       {"code": code, "kind": kind.value})  # fmt: skip
            create_organisation_key(session, NODE_ACTOR, org.id, OrganisationKind(kind.value))
            recipient = new_age_identity(key_store_of(session))
            identity = NodeIdentityRow(
                id=1,
                organisation_id=org.id,
                kind=kind.value,
                encryption_key_id=encryption_key_id(recipient),
                encryption_public_key=recipient,
                inbox_url=inbox_url,
            )
            user = UserRow(
                username=admin,
                display_name=admin,
                organisation_id=org.id,
                role=ADMIN_ROLE[kind].value,
                password_hash=hash_password(password, cost),
            )
            session.add_all([identity, user])
            session.flush()
            party = org.id if kind is NodeKind.PARTY else None
            log_action(session, NODE_ACTOR, ActionTag.USER_CREATE, "user", user.id,
                       {"role": ADMIN_ROLE[kind].value}, party=party)  # fmt: skip
            log_action(session, NODE_ACTOR, ActionTag.NODE_INIT, "node", org.id,
                       {"code": code, "kind": kind.value, "encryption_key": recipient})  # fmt: skip
            signing = LogWriter.for_session(session).signing_key(org.id)  # made just above
            card = _card_of(own_node(session), signing)
            uow.commit()
    except BaseException:
        if recipient is not None:  # nothing committed: the key file would name a node that does not exist
            with uows.reader() as check:
                if check.session.execute(select(NodeIdentityRow.id)).first() is None:
                    remove_age_identity(key_store_of(check.session), recipient)
        raise
    return card


def card_file(uows: UnitOfWorkFactory) -> tuple[NodeCard, bytes]:
    """This node's card, self-signed, ready to hand over."""
    with uows.reader() as uow:
        node = own_node(uow.session)
        key = own_signing_key(uow.session, node.organisation_id)
        card = _card_of(node, key)
        return card, card.signed(key)


def own_card(session: Session) -> NodeCard:
    """This node's card as its peers pin it (not signed: for checking this node's own signatures)."""
    node = own_node(session)
    return _card_of(node, own_signing_key(session, node.organisation_id))


def _card_of(node: OwnNode, key: SigningKey) -> NodeCard:
    return NodeCard(node.code, node.kind, node.name, key.public_key, node.encryption_key, now_text(),
                    node.inbox_url)  # fmt: skip


def trust_peer(uows: UnitOfWorkFactory, data: bytes, *, replace: bool = False) -> PinnedPeer:
    """Pin a peer's card (its self-signature checked). A card with another fingerprint than the one pinned
    for the same organisation is refused unless `replace` (a key rotation, compared again in person)."""
    card = read_card(data)
    with uows.writer() as uow:
        session = uow.session
        node = own_node(session)
        if card.org == node.code:
            raise CardRefused("this is this node's own card", code="card.own", field="org")
        peer = session.execute(select(NodePeerRow).where(NodePeerRow.code == card.org)).scalar_one_or_none()
        replaced: str | None = None
        if peer is None:
            org = session.execute(select(OrganisationRow).where(OrganisationRow.code == card.org)).scalar()
            if org is None:
                org = OrganisationRow(code=card.org, name=card.name, kind=card.kind.value)
                session.add(org)
                session.flush()
            elif org.kind != card.kind.value:
                raise CardRefused(f"{card.org} is a {org.kind} here, the card says {card.kind.value}",
                                  code="card.kind_changed", field="kind")  # fmt: skip
            peer = NodePeerRow(organisation_id=org.id, code=card.org, pinned_by=NODE_ACTOR)
            session.add(peer)
        elif peer.fingerprint != card.fingerprint:
            if not replace:
                raise CardRefused(
                    f"{card.org} is pinned with another fingerprint; compare the new one in person and pin it"
                    " with --replace",
                    code="card.fingerprint_changed",
                    field="fingerprint",
                )
            if peer.kind != card.kind.value:
                raise CardRefused("a peer does not change kind", code="card.kind_changed", field="kind")
            replaced = peer.fingerprint
        peer.kind = card.kind.value
        peer.signing_key_id = card.signing_key_id
        peer.encryption_key_id = card.encryption_key_id
        peer.fingerprint = card.fingerprint
        peer.card = data
        peer.pinned_at = dt.datetime.now(dt.UTC)
        session.flush()
        log_action(
            session,
            NODE_ACTOR,
            ActionTag.PEER_TRUST,
            "node_peer",
            peer.organisation_id,
            {"code": card.org, "kind": card.kind.value, "fingerprint": card.fingerprint,
             "replaced": replaced or ""},
        )  # fmt: skip
        uow.commit()
    return PinnedPeer(card, replaced)


def pinned_cards(session: Session) -> dict[str, NodeCard]:
    """Every pinned peer's card by organisation code (read back from the stored, signed card files)."""
    rows = session.execute(select(NodePeerRow.card)).scalars()
    cards = (read_card(bytes(data)) for data in rows)
    return {card.org: card for card in cards}


def peer_organisation(session: Session, code: str) -> str:
    found = session.execute(select(NodePeerRow.organisation_id).where(NodePeerRow.code == code)).scalar()
    if found is None:
        raise NotFound(f"no pinned peer {code} (homebound node trust CARD)", field="to")
    return found
