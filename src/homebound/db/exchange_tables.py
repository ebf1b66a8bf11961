"""Tables of exchanges: agreements and their versions, acceptances, identity confirmations, tranches and
manifest lines, remains, the family notification outbox, and exchange records for the public ledger.

Versions keep the canonical version document of core (`version_document`) as JSON, so a stored concluded
version reproduces its content hash; lines keep their substitute, custody and history as JSON beside the
columns that queries filter on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from homebound.db.tables import Base, JsonType, new_id, utcnow


class AgreementRow(Base):
    __tablename__ = "agreement"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    party_a_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    party_b_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    mediator_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    venue: Mapped[str] = mapped_column(String(200))
    # The only name the public ledger ever shows; title and venue are the parties' and mediator's own.
    public_label: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16))  # draft, negotiating, concluded
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    concluded_version: Mapped[int | None] = mapped_column(Integer)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    concluded_by: Mapped[str | None] = mapped_column(String(16))
    concluded_at: Mapped[dt.datetime | None]
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AgreementVersionRow(Base):
    """One version: the canonical document (terms and both lists), its diff against the previous one."""

    __tablename__ = "agreement_version"

    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreement.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(24))
    author_role: Mapped[str] = mapped_column(String(16))  # party_a, party_b, mediator
    author_user: Mapped[str] = mapped_column(String(36))
    note: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any]] = mapped_column(JsonType)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    # Until the mediator shares a version, only its author's side and the mediator see it.
    shared_at: Mapped[dt.datetime | None]
    shared_by: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AgreementAcceptanceRow(Base):
    __tablename__ = "agreement_acceptance"

    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreement.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36))
    accepted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IdentityConfirmationRow(Base):
    """The mediator's confirmation that a held record is who it claims, and which sought record it answers.

    Stands in for the matching module's confirmed match until that has a table of its own.
    """

    __tablename__ = "exchange_identity"

    held_person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), primary_key=True)
    sought_person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), index=True)
    confirmed_by: Mapped[str] = mapped_column(String(36))
    note: Mapped[str | None] = mapped_column(String(200))
    confirmed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class HandoverTrancheRow(Base):
    __tablename__ = "handover_tranche"

    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreement.id"), primary_key=True)
    tranche_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    scheduled_on: Mapped[dt.date | None] = mapped_column(Date)
    formulas: Mapped[dict[str, Any]] = mapped_column(JsonType)  # {"parity": ..., "remains": ...}
    state: Mapped[str] = mapped_column(String(16))  # open, closed
    closure: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    reconciled: Mapped[bool | None] = mapped_column(Boolean)
    imbalance: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[dt.datetime | None]


class HandoverLineRow(Base):
    """One person on a tranche's manifest and what happened at the crossing."""

    __tablename__ = "handover_line"
    __table_args__ = (
        ForeignKeyConstraint(
            ["agreement_id", "tranche_index"],
            ["handover_tranche.agreement_id", "handover_tranche.tranche_index"],
            name="fk_handover_line_tranche",
        ),
    )

    agreement_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tranche_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    candidate_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    releasing_side: Mapped[str] = mapped_column(String(1))
    rank_class: Mapped[str] = mapped_column(String(64))
    basis: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(24))
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType)  # substitute, third party, refusal, history
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RemainsBatchRow(Base):
    __tablename__ = "remains_batch"
    __table_args__ = (
        ForeignKeyConstraint(
            ["agreement_id", "tranche_index"],
            ["handover_tranche.agreement_id", "handover_tranche.tranche_index"],
            name="fk_remains_batch_tranche",
        ),
    )

    agreement_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tranche_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    releasing_side: Mapped[str] = mapped_column(String(1))
    count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # pending_dna, identified, mixed_remains
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NotificationRow(Base):
    """A message owed to a family, written in the same transaction as the change it announces."""

    __tablename__ = "notification_outbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    inquiry_id: Mapped[str] = mapped_column(ForeignKey("inquiry.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # returned, third_party_custody
    channel: Mapped[str] = mapped_column(String(16))  # email, status_page
    agreement_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))


Index("ix_notification_pending", NotificationRow.channel, NotificationRow.delivered_at)


class ExchangeRecordRow(Base):
    """An exchange as the public ledger shows it: aggregates only, recorded here or as publicly reported.

    `persons_to_a` counts persons who came home to side A. `claims` holds what each side announced, so the
    ledger can show where the announcements differ.
    """

    __tablename__ = "exchange_record"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agreement_id: Mapped[str | None] = mapped_column(ForeignKey("agreement.id"), unique=True)
    exchange_date: Mapped[dt.date] = mapped_column(Date, index=True)
    date_label: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    mediator: Mapped[str] = mapped_column(String(200))
    venue: Mapped[str] = mapped_column(String(200))
    side_a: Mapped[str] = mapped_column(String(64))
    side_b: Mapped[str] = mapped_column(String(64))
    reported: Mapped[bool] = mapped_column(Boolean)  # figures from public reports, not recorded here
    source: Mapped[str | None] = mapped_column(String(300))
    persons_to_a: Mapped[int] = mapped_column(Integer)
    persons_to_b: Mapped[int] = mapped_column(Integer)
    remains_to_a: Mapped[int] = mapped_column(Integer)
    remains_to_b: Mapped[int] = mapped_column(Integer)
    categories: Mapped[dict[str, Any]] = mapped_column(JsonType)  # {"a": {category: n}, "b": {...}}
    claims: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
