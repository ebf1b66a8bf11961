"""Agreements between nodes: the mediator sends a version, each party accepts it on its own node with its
own key, the mediator concludes and sends both acceptances under its signature.

- `version` (mediator -> party): `{"agreement", "title", "number", "kind", "author", "note", "document",
  "content_hash", "own_records"}`. The document is the version document of core (what the hash covers);
  `own_records` maps the listed candidates that are the addressee's own disclosed records to its record
  ids (nothing of the other party's records). The party keeps it read-only (`federated_version`).
- `acceptance` (party -> mediator): the party's signed acceptance (core.packages.statements), made on
  its node by a user who re-entered the password (and code, if enrolled): that is what guards the key.
  The mediator records it as the party's acceptance of the version (`agreement_acceptance`, with the
  signed statement beside it in `agreement_signature`).
- `conclusion` (mediator -> both parties): the version hash, both signed acceptances and the mediator's
  signature. Each party checks all three against its pinned cards and the version it holds.

The negotiation itself (versions, composition, sharing, conclusion's handover plan) stays on the
mediator's node, in the agreement tables, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import Conflict, NotFound, PermissionDenied
from homebound.core.exchange.agreement import Role, VersionKind
from homebound.core.log.entries import ActionTag, canonical, parse_json_strict
from homebound.core.packages.cards import NodeCard
from homebound.core.packages.envelope import OpenedPackage
from homebound.core.packages.errors import PackageRefused, Refusal
from homebound.core.packages.statements import (
    Acceptance,
    document_hash,
    read_acceptance,
    read_conclusion,
    sign_conclusion,
)
from homebound.db.agreement_store import load_agreement, persist_events
from homebound.db.exchange_tables import AgreementRow, AgreementVersionRow
from homebound.db.federation_tables import AgreementSignatureRow, DisclosedRecordRow, FederatedVersionRow
from homebound.db.log_store import log_action
from homebound.db.tables import OrganisationRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.federation.node import now_text, own_card, own_node, own_signing_key, pinned_cards
from homebound.services.sign_in import Reauthentication, SignInThrottle, confirm_binding

ACCEPTANCE, CONCLUSION = "acceptance", "conclusion"
_VERSION_FIELDS = frozenset(
    {"agreement", "title", "number", "kind", "author", "note", "document", "content_hash", "own_records"}
)


def _content(message: str) -> PackageRefused:
    return PackageRefused(Refusal.INVALID_CONTENT, message, field="payload")


def _mediator_agreement(session: Session, actor: Actor, agreement_id: str) -> AgreementRow:
    if not can(actor, Permission.ANY_AGREEMENT_MANAGE):
        raise PermissionDenied("only the mediator sends agreement versions and conclusions")
    row = session.get(AgreementRow, agreement_id)
    if row is None or row.mediator_id != own_node(session).organisation_id:
        raise NotFound("no such agreement", field="agreement")
    return row


def _code(session: Session, organisation_id: str) -> str:
    return str(session.execute(select(OrganisationRow.code).where(OrganisationRow.id == organisation_id))
               .scalar_one())  # fmt: skip


def _cards(session: Session) -> dict[str, NodeCard]:
    """The pinned cards and this node's own: a party checks its own acceptance inside a conclusion too."""
    cards = pinned_cards(session)
    mine = own_card(session)
    cards[mine.org] = mine
    return cards


# --- the mediator's side --------------------------------------------------------------------------------


def version_payload(
    uows: UnitOfWorkFactory, actor: Actor, agreement_id: str, number: int, to: str
) -> dict[str, Any]:
    """A version of an agreement this node mediates, for one of its two parties. It must be shared."""
    with uows.reader() as uow:
        session = uow.session
        row = _mediator_agreement(session, actor, agreement_id)
        version = session.get(AgreementVersionRow, (row.id, number))
        if version is None:
            raise NotFound("no such version", field="version")
        if version.shared_at is None:
            raise Conflict("share the version first: both parties see the same versions",
                           code="agreement.unshared_version")  # fmt: skip
        party_id = {_code(session, row.party_a_id): row.party_a_id,
                    _code(session, row.party_b_id): row.party_b_id}.get(to)  # fmt: skip
        if party_id is None:
            raise NotFound(f"{to} is not a party to this agreement", field="to")
        listed = [p["candidate_id"] for key in ("list_a", "list_b") for p in version.document[key]]
        own = dict(
            session.execute(
                select(DisclosedRecordRow.person_id, DisclosedRecordRow.source_id).where(
                    DisclosedRecordRow.party_id == party_id, DisclosedRecordRow.person_id.in_(listed)
                )
            ).all()
        )
        return {"agreement": row.id, "title": row.title, "number": number, "kind": version.kind,
                "author": version.author_role, "note": version.note, "document": version.document,
                "content_hash": document_hash(version.document), "own_records": own}  # fmt: skip


def apply_acceptance(session: Session, actor: Actor, opened: OpenedPackage, peer_id: str) -> str:
    """A party's signed acceptance arrives at the mediator: checked against the party's pinned card and the
    version it names, then recorded as that party's acceptance (the core rules apply: latest version only,
    keeps the formula, once)."""
    acceptance = read_acceptance(dict(opened.body.payload), pinned_cards(session))
    if acceptance.party != opened.body.sender:
        raise _content("an acceptance travels in its own party's package")
    row = session.get(AgreementRow, acceptance.agreement, with_for_update=True)
    if row is None or row.mediator_id != own_node(session).organisation_id:
        raise _content("the acceptance names no agreement this node mediates")
    seat = {row.party_a_id: Role.PARTY_A, row.party_b_id: Role.PARTY_B}.get(peer_id)
    if seat is None or seat.value != acceptance.role:
        raise _content("the acceptance's role is not the sender's seat in the agreement")
    version = session.get(AgreementVersionRow, (row.id, acceptance.version))
    if (
        version is None
        or version.shared_at is None
        or document_hash(version.document) != acceptance.content_hash
    ):
        raise _content("the acceptance signs no version this node sent (its hash differs)")
    agreement = load_agreement(session, row)
    updated = agreement.accept(by=seat, version=acceptance.version, accepted_by=peer_id)
    persist_events(session, row, updated, updated.events, user_id=peer_id)
    _keep(session, acceptance.agreement, acceptance.version, acceptance.party, ACCEPTANCE,
          acceptance.content_hash, dict(opened.body.payload), opened.envelope.name,
          acceptance.party)  # fmt: skip
    log_action(session, actor, ActionTag.AGREEMENT_ACCEPT, "agreement", row.id,
               {"agreement": row.id, "version": acceptance.version, "role": seat.value,
                "content_hash": acceptance.content_hash, "package": opened.envelope.name})  # fmt: skip
    return f"{acceptance.party} accepted version {acceptance.version} of agreement {row.id} (signed)"


def conclusion_payload(uows: UnitOfWorkFactory, actor: Actor, agreement_id: str) -> dict[str, Any]:
    """The mediator's signed conclusion of a concluded agreement, with both parties' signed acceptances
    (made on their nodes); kept on this node the first time."""
    with uows.writer() as uow:
        session = uow.session
        row = _mediator_agreement(session, actor, agreement_id)
        if row.concluded_version is None or row.content_hash is None:
            raise Conflict("the agreement is not concluded yet", code="agreement.not_concluded")
        node = own_node(session)
        kept = session.get(AgreementSignatureRow, (row.id, row.concluded_version, node.code))
        if kept is not None:
            return dict(_parsed(kept.statement))
        signed = []
        for party_id in (row.party_a_id, row.party_b_id):
            found = session.get(
                AgreementSignatureRow, (row.id, row.concluded_version, _code(session, party_id))
            )
            if found is None:
                raise Conflict("a party's acceptance was not made on its own node (no signed acceptance):"
                               " the conclusion cannot be proved to the parties",
                               code="agreement.unsigned_acceptance")  # fmt: skip
            signed.append(_parsed(found.statement))
        document = sign_conclusion(row.id, row.concluded_version, row.content_hash, node.code, signed,
                                   now_text(), own_signing_key(session, node.organisation_id))  # fmt: skip
        _keep(session, row.id, row.concluded_version, node.code, CONCLUSION, row.content_hash, document,
              None, actor.user_id or node.code)  # fmt: skip
        uow.commit()
        return document


# --- the party's side -----------------------------------------------------------------------------------


def apply_version(session: Session, _actor: Actor, opened: OpenedPackage, _peer_id: str) -> str:
    """A version from the mediator, kept read-only; its hash recomputed from its document."""
    payload = opened.body.payload
    if set(payload) != _VERSION_FIELDS:
        raise _content(f"a version has exactly {sorted(_VERSION_FIELDS)}")
    document, number, agreement = payload["document"], payload["number"], payload["agreement"]
    own_records = payload["own_records"]
    if not isinstance(document, dict) or not isinstance(own_records, dict):
        raise _content("document and own_records are objects")
    if not all(isinstance(v, str) and len(v) <= 200 for v in own_records.values()):
        raise _content("own_records maps candidates to this party's record ids")
    if not isinstance(agreement, str) or not 0 < len(agreement) <= 36 or type(number) is not int:
        raise _content("agreement is an id and number a whole number")
    if payload["kind"] not in {k.value for k in VersionKind} or document.get("version") != number:
        raise _content("not a version of a known kind, or its number is not the document's")
    if document.get("agreement_id") != agreement or document_hash(document) != payload["content_hash"]:
        raise _content("the version's hash is not its document's")
    participants = document.get("participants")
    me = own_node(session).code
    if not isinstance(participants, dict) or participants.get("mediator") != opened.body.sender:
        raise _content("the version is not of an agreement its sender mediates")
    if me not in (participants.get("party_a"), participants.get("party_b")):
        raise _content("this node is not a party to the agreement")
    title, note = payload["title"], payload["note"]
    if not isinstance(title, str) or not isinstance(note, str) or len(title) > 200:
        raise _content("title and note are text")
    existing = session.get(FederatedVersionRow, (agreement, number))
    if existing is not None:
        if existing.content_hash != payload["content_hash"]:
            raise _content(f"version {number} of this agreement was received with other content")
        return f"version {number} of agreement {agreement} received before: unchanged"
    session.add(FederatedVersionRow(agreement_id=agreement, number=number, mediator=opened.body.sender,
                                    title=title, kind=payload["kind"], note=note, document=document,
                                    content_hash=payload["content_hash"], own_records=payload["own_records"],
                                    package=opened.envelope.name))  # fmt: skip
    session.flush()
    return f"version {number} of agreement {agreement} kept ({payload['kind']})"


def accept_version(
    uows: UnitOfWorkFactory,
    actor: Actor,
    agreement_id: str,
    number: int,
    proof: Reauthentication,
    *,
    throttle: SignInThrottle | None = None,
) -> dict[str, Any]:
    """The party accepts a version the mediator sent it: the user re-enters the password (and code), and
    this node's key signs the version's hash. Returns the signed acceptance (the `acceptance` payload);
    asked again, the same acceptance (a package lost on the way is sent again, not signed twice)."""
    with uows.writer() as uow:
        session = uow.session
        node = own_node(session)
        if not can(actor, Permission.PARTY_AGREEMENT_ACCEPT) or actor.organisation_id != node.organisation_id:
            raise PermissionDenied("only this party's admin accepts an agreement, on the party's own node")
        version = session.get(FederatedVersionRow, (agreement_id, number))
        if version is None:
            raise NotFound("no such version received from the mediator", field="version")
        latest = session.execute(
            select(FederatedVersionRow.number)
            .where(FederatedVersionRow.agreement_id == agreement_id)
            .order_by(FederatedVersionRow.number.desc())
            .limit(1)
        ).scalar_one()
        if latest != number:
            raise Conflict(f"version {number} was superseded by version {latest}; accept the latest",
                           code="agreement.superseded_version", field="version")  # fmt: skip
        participants = version.document["participants"]
        role = Role.PARTY_A if participants["party_a"] == node.code else Role.PARTY_B
        confirm_binding(session, actor, proof, throttle=throttle, code="agreement.reauthentication_failed")
        kept = session.get(AgreementSignatureRow, (agreement_id, number, node.code))
        if kept is not None:
            uow.commit()  # the throttle's bookkeeping
            return dict(_parsed(kept.statement))
        acceptance = Acceptance(agreement_id, number, version.content_hash, node.code, role.value, now_text())
        signed = acceptance.signed(own_signing_key(session, node.organisation_id))
        _keep(session, agreement_id, number, node.code, ACCEPTANCE, version.content_hash, signed, None,
              actor.user_id or node.code)  # fmt: skip
        log_action(session, actor, ActionTag.AGREEMENT_ACCEPT, "agreement", agreement_id,
                   {"agreement": agreement_id, "version": number, "role": role.value,
                    "content_hash": version.content_hash, "signed_by": node.code})  # fmt: skip
        uow.commit()
        return signed


def apply_conclusion(session: Session, _actor: Actor, opened: OpenedPackage, _peer_id: str) -> str:
    """The mediator's conclusion: all three signatures checked against the pinned cards (this node's own
    for its own acceptance), the hash against the version this node holds."""
    conclusion = read_conclusion(dict(opened.body.payload), _cards(session))
    if conclusion.mediator != opened.body.sender:
        raise _content("a conclusion travels in its mediator's package")
    version = session.get(FederatedVersionRow, (conclusion.agreement, conclusion.version))
    if version is None or version.content_hash != conclusion.content_hash:
        raise _content("the conclusion is of no version this node holds (or of other content)")
    participants = version.document["participants"]
    signers = tuple(a.party for a in conclusion.acceptances)
    if signers != (participants["party_a"], participants["party_b"]):
        raise _content("the acceptances are not those of the agreement's two parties")
    if session.get(AgreementSignatureRow, (conclusion.agreement, conclusion.version, conclusion.mediator)):
        return f"agreement {conclusion.agreement} was concluded before: unchanged"
    _keep(session, conclusion.agreement, conclusion.version, conclusion.mediator, CONCLUSION,
          conclusion.content_hash, dict(opened.body.payload), opened.envelope.name,
          conclusion.mediator)  # fmt: skip
    log_action(session, _actor, ActionTag.AGREEMENT_CONCLUDE, "agreement", conclusion.agreement,
               {"agreement": conclusion.agreement, "version": conclusion.version,
                "content_hash": conclusion.content_hash, "package": opened.envelope.name})  # fmt: skip
    return (
        f"agreement {conclusion.agreement} concluded on version {conclusion.version}:"
        " three signatures checked"
    )


# --- stored statements ----------------------------------------------------------------------------------


def _keep(
    session: Session,
    agreement_id: str,
    version: int,
    signer: str,
    kind: str,
    digest: str,
    document: Mapping[str, Any],
    package: str | None,
    signed_by: str,
) -> None:
    session.add(AgreementSignatureRow(agreement_id=agreement_id, version=version, signer=signer, kind=kind,
                                      content_hash=digest, statement=canonical(dict(document)),
                                      package=package, signed_by=signed_by))  # fmt: skip
    session.flush()


def _parsed(statement: bytes) -> dict[str, Any]:
    parsed = parse_json_strict(bytes(statement))
    assert isinstance(parsed, dict)
    return parsed


def agreement_evidence(uows: UnitOfWorkFactory, agreement_id: str) -> tuple[dict[str, Any], bytes] | None:
    """The concluded version's document and the conclusion as kept on this node (for an offline check by
    anyone holding the cards); None until concluded here."""
    with uows.reader() as uow:
        session = uow.session
        found = session.execute(
            select(AgreementSignatureRow).where(
                AgreementSignatureRow.agreement_id == agreement_id, AgreementSignatureRow.kind == CONCLUSION
            )
        ).scalar_one_or_none()
        if found is None:
            return None
        version = session.get(FederatedVersionRow, (agreement_id, found.version))
        if version is not None:
            return dict(version.document), bytes(found.statement)
        mediated = session.get(AgreementVersionRow, (agreement_id, found.version))
        if mediated is None:
            return None
        return dict(mediated.document), bytes(found.statement)
