"""The reasons of a composition: for every candidate of both pools, why they are in or out of the version
the mediator composed (code, sentence, priority rank, basis), kept with that version."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from homebound.db.tables import Base


class CompositionDecisionRow(Base):
    """Written in the composing transaction before the version row it explains (no foreign key: both
    commit or neither)."""

    __tablename__ = "composition_decision"

    agreement_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    candidate_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    side: Mapped[str] = mapped_column(String(1))
    code: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    priority_rank: Mapped[int | None] = mapped_column(Integer)
    basis: Mapped[str | None] = mapped_column(String(16))
