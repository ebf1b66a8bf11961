"""The request table: a party's requests for its own people, one row per sought record asked for.

The reason, the private note, the refusal's reason and the history are sealed under the requesting party's
key (db/sealed.py); the columns queries filter on (party, status, agreement, holder) stay plain.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from homebound.db.sealed import SealedField, enable_sealing
from homebound.db.tables import Base, new_id, utcnow


class ExchangeRequestRow(Base):
    __tablename__ = "exchange_request"
    __table_args__ = (Index("ix_exchange_request_party_status", "party_id", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    party_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))  # the requesting party
    sought_person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    mediator_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    agreement_id: Mapped[str | None] = mapped_column(ForeignKey("agreement.id"), index=True)
    priority: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    # Set when the mediator links the request to the other side's held record (and so forwards it).
    held_person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), index=True)
    holding_party_id: Mapped[str | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    listed_version: Mapped[int | None] = mapped_column(Integer)
    tabled_by: Mapped[str] = mapped_column(String(36))
    tabled_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    reason_sealed: Mapped[bytes | None] = mapped_column("reason", LargeBinary)
    private_note_sealed: Mapped[bytes | None] = mapped_column("private_note", LargeBinary)
    refusal_reason_sealed: Mapped[bytes | None] = mapped_column("refusal_reason", LargeBinary)
    history_sealed: Mapped[bytes | None] = mapped_column("history", LargeBinary)

    reason = SealedField()
    private_note = SealedField()
    refusal_reason = SealedField()
    history = SealedField("json")  # [{"status", "at", "by", "reason"?}], oldest first

    def history_entries(self) -> list[dict[str, Any]]:
        return list(self.history or [])


enable_sealing(ExchangeRequestRow)
