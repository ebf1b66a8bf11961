"""Tables of a federation node: its own identity, the peers it pinned, packages sent (the outbox) and
received, the records a peer disclosed to it, the agreement versions a mediator sent it and the signed
statements (acceptances, conclusions) about them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from homebound.db.tables import Base, JsonType, new_id, utcnow


class NodeIdentityRow(Base):
    """The one organisation this node is (a single row); its private keys are files in the key directory."""

    __tablename__ = "node_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # party, mediator or observer
    encryption_key_id: Mapped[str] = mapped_column(String(32))
    encryption_public_key: Mapped[str] = mapped_column(String(100))  # age recipient (age1...)
    inbox_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NodePeerRow(Base):
    """A peer's card as pinned here after its fingerprint was compared; one current card per peer."""

    __tablename__ = "node_peer"

    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    signing_key_id: Mapped[str] = mapped_column(String(32))
    encryption_key_id: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(64))
    card: Mapped[bytes] = mapped_column(LargeBinary)  # the signed card file as received
    pinned_by: Mapped[str] = mapped_column(String(36))
    pinned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PackageSentRow(Base):
    """The outbox: one row per package and addressee, kept until the addressee acknowledges it."""

    __tablename__ = "package_sent"
    __table_args__ = (UniqueConstraint("recipient", "seq", name="uq_package_sent_recipient_seq"),)

    name: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the package bytes
    recipient: Mapped[str] = mapped_column(String(32), primary_key=True)  # organisation code
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    size: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # pending (not yet acknowledged) or acknowledged
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    package: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted to the addressees: nothing in clear
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None]
    next_attempt_at: Mapped[dt.datetime | None]  # the pusher's next try at the addressee's inbox
    last_error: Mapped[str | None] = mapped_column(String(200))  # the last push's failure (a code)


class PackageReceivedRow(Base):
    """A package this node accepted, by name; (sender, seq) once each, in order."""

    __tablename__ = "package_received"
    __table_args__ = (UniqueConstraint("sender", "seq", name="uq_package_received_sender_seq"),)

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    sender: Mapped[str] = mapped_column(String(32))  # organisation code
    seq: Mapped[int] = mapped_column(Integer)  # this node's number in the sender's sequence to it
    kind: Mapped[str] = mapped_column(String(24))
    size: Mapped[int] = mapped_column(Integer)
    package: Mapped[bytes] = mapped_column(LargeBinary)  # as received: encrypted to this node's key
    received_by: Mapped[str] = mapped_column(String(36))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    receipt: Mapped[bytes | None] = mapped_column(LargeBinary)  # the signed receipt given: a re-push gets it


class DisclosedRecordRow(Base):
    """A record a peer disclosed: the person row it stands in (in the peer's registry here, read-only) and
    the package that last set it; a later full disclosure that leaves it out withdraws it."""

    __tablename__ = "disclosed_record"
    __table_args__ = (
        UniqueConstraint("party_id", "registry", "source_id", name="uq_disclosed_record_source"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    party_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    registry_kind: Mapped[str] = mapped_column("registry", String(8))
    source_id: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    package: Mapped[str] = mapped_column(String(64))  # name of the disclosure that last set it
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class NodeCheckpointRow(Base):
    """A checkpoint of this node's own log, signed and sent to one witness; the witness's cosignature once
    it comes back. The sizes sent since the last cosignature are those the next proofs start from."""

    __tablename__ = "node_checkpoint"
    __table_args__ = (UniqueConstraint("package", "witness", name="uq_node_checkpoint_package_witness"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    witness: Mapped[str] = mapped_column(String(32), index=True)  # organisation code
    origin: Mapped[str] = mapped_column(String(200))
    tree_size: Mapped[int] = mapped_column(Integer)
    root_hash: Mapped[str] = mapped_column(String(64))  # hex
    note: Mapped[str] = mapped_column(Text)  # the signed checkpoint as sent
    package: Mapped[str] = mapped_column(String(64))  # the checkpoint package's name
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    cosignature: Mapped[str | None] = mapped_column(Text)  # the witness's signature line
    cosigned_at: Mapped[dt.datetime | None]  # the time the witness put in its cosignature


class WitnessedCheckpointRow(Base):
    """The newest checkpoint of a peer's log that this node cosigned (one row per peer): what the peer's
    next checkpoint must extend."""

    __tablename__ = "witnessed_checkpoint"

    peer_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    origin: Mapped[str] = mapped_column(String(200))
    tree_size: Mapped[int] = mapped_column(Integer)
    root_hash: Mapped[str] = mapped_column(String(64))  # hex
    note: Mapped[str] = mapped_column(Text)  # the peer's signed checkpoint
    cosignature: Mapped[str] = mapped_column(Text)  # this node's signature line over it
    cosigned_at: Mapped[dt.datetime]
    package: Mapped[str] = mapped_column(String(64))  # the checkpoint package it came in


class WitnessEvidenceRow(Base):
    """A peer that showed two histories (or a smaller log): both signed checkpoints, kept as evidence."""

    __tablename__ = "witness_evidence"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    peer: Mapped[str] = mapped_column(String(32), index=True)  # organisation code
    code: Mapped[str] = mapped_column(String(32))  # checkpoint.inconsistent or checkpoint.rollback
    cosigned_note: Mapped[str] = mapped_column(Text)  # the checkpoint this node cosigned before
    offered_note: Mapped[str] = mapped_column(Text)  # the one it refused
    package: Mapped[str] = mapped_column(String(64))  # the refused package's name
    package_bytes: Mapped[bytes] = mapped_column(LargeBinary)  # as received (encrypted to this node)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FederatedVersionRow(Base):
    """An agreement version the mediator sent to this party's node, kept read-only as received: the version
    document (whose SHA-256 an acceptance signs) and which of the listed candidates are this party's own
    records."""

    __tablename__ = "federated_version"

    agreement_id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the mediator's agreement id
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    mediator: Mapped[str] = mapped_column(String(32))  # organisation code
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))  # proposal, counter_proposal, amendment
    note: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any]] = mapped_column(JsonType)
    content_hash: Mapped[str] = mapped_column(String(64))
    own_records: Mapped[dict[str, Any]] = mapped_column(JsonType)  # candidate id -> own record id
    package: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AgreementSignatureRow(Base):
    """A signed statement about an agreement version, as signed: a party's acceptance or the mediator's
    conclusion. Anyone holding the version document and the signers' cards can check it offline."""

    __tablename__ = "agreement_signature"

    agreement_id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the mediator's agreement id
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    signer: Mapped[str] = mapped_column(String(32), primary_key=True)  # organisation code
    kind: Mapped[str] = mapped_column(String(16))  # acceptance or conclusion
    content_hash: Mapped[str] = mapped_column(String(64))
    statement: Mapped[bytes] = mapped_column(LargeBinary)  # RFC 8785 JSON with its signature
    package: Mapped[str | None] = mapped_column(String(64))  # the package that brought it, if received
    signed_by: Mapped[str] = mapped_column(String(36))  # the user who signed here, or the sender's code
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
