"""Tables of deaths in captivity and of remains, person by person. Personal fields are sealed under the
owning party's key like a person record's (db/sealed.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from homebound.db.sealed import SealedField, enable_sealing
from homebound.db.tables import Base, JsonType, new_id, utcnow


class DeathRecordRow(Base):
    """The death of one person of a party's registry (held, or sought when the other side notified it)."""

    __tablename__ = "death_record"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    party_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), unique=True)
    date_of_death: Mapped[dt.date] = mapped_column(Date)
    cause_unclear: Mapped[bool] = mapped_column(Boolean)
    inquiry_opened_on: Mapped[dt.date | None] = mapped_column(Date)
    notice_sent_on: Mapped[dt.date | None] = mapped_column(Date)
    notice_through: Mapped[str | None] = mapped_column(String(24))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    place_of_death_sealed: Mapped[bytes | None] = mapped_column("place_of_death", LargeBinary)
    cause_sealed: Mapped[bytes | None] = mapped_column("cause", LargeBinary)
    circumstances_sealed: Mapped[bytes | None] = mapped_column("circumstances", LargeBinary)
    inquiry_by_sealed: Mapped[bytes | None] = mapped_column("inquiry_by", LargeBinary)
    inquiry_outcome_sealed: Mapped[bytes | None] = mapped_column("inquiry_outcome", LargeBinary)
    burial_place_sealed: Mapped[bytes | None] = mapped_column("burial_place", LargeBinary)
    grave_location_sealed: Mapped[bytes | None] = mapped_column("grave_location", LargeBinary)
    grave_marking_sealed: Mapped[bytes | None] = mapped_column("grave_marking", LargeBinary)
    effects_sealed: Mapped[bytes | None] = mapped_column("effects", LargeBinary)
    notice_reference_sealed: Mapped[bytes | None] = mapped_column("notice_reference", LargeBinary)

    place_of_death = SealedField()
    cause = SealedField()
    circumstances = SealedField()
    inquiry_by = SealedField()
    inquiry_outcome = SealedField()
    burial_place = SealedField()
    grave_location = SealedField()
    grave_marking = SealedField()
    effects = SealedField()
    notice_reference = SealedField()


enable_sealing(DeathRecordRow)


class RemainsRecordRow(Base):
    """One body or set of remains a party received or found, and its identification."""

    __tablename__ = "remains_record"
    __table_args__ = (UniqueConstraint("party_id", "reference", name="uq_remains_record_reference"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    party_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    reference: Mapped[str] = mapped_column(String(64))
    found_on: Mapped[dt.date | None] = mapped_column(Date)
    batch_id: Mapped[str | None] = mapped_column(String(64), index=True)
    agreement_id: Mapped[str | None] = mapped_column(String(36))
    identification: Mapped[str] = mapped_column(String(16))
    identified_on: Mapped[dt.date | None] = mapped_column(Date)
    sought_person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), index=True)
    mixed_with: Mapped[list[Any]] = mapped_column(JsonType)  # ids of the other records the remains mix with
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    found_place_sealed: Mapped[bytes | None] = mapped_column("found_place", LargeBinary)
    dna_case_reference_sealed: Mapped[bytes | None] = mapped_column("dna_case_reference", LargeBinary)
    note_sealed: Mapped[bytes | None] = mapped_column("note", LargeBinary)

    found_place = SealedField()
    dna_case_reference = SealedField()
    note = SealedField()


enable_sealing(RemainsRecordRow)
