"""Proposed pairs from matching a party's sought list against another party's held list: the review queue.

A row keeps the machine's proposal (probability, band, the levels and weights that explain it) beside the
reviewer's verdict. Only the mediator reads this table: a party learns of a confirmed pair only through its
own sought record's status.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from homebound.db.tables import Base, JsonType, new_id, utcnow


class MatchCandidateRow(Base):
    __tablename__ = "match_candidate"
    __table_args__ = (
        UniqueConstraint("sought_person_id", "held_person_id", name="uq_match_candidate_pair"),
        Index("ix_match_candidate_queue", "mediator_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    run_id: Mapped[str] = mapped_column(String(36), index=True)
    mediator_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    sought_party_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    held_party_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    sought_person_id: Mapped[str] = mapped_column(ForeignKey("person.id"))
    held_person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    match_probability: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(16))  # the machine's proposal: match or review
    # Per comparison: {"comparison", "level", "gamma", "match_weight"}; plus the prior weight.
    explanation: Mapped[dict[str, Any]] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(16))  # pending, not_sure, confirmed, rejected
    note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(36))
    reviewed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
