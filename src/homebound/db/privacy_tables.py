"""Tables of what leaves a party's hands: publication acts (the only source of public figures) and the
record of who read, searched or exported personal data (for the owning party and the mediator, never public).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from homebound.db.tables import Base, JsonType, new_id, utcnow


class PublicationRow(Base):
    """One act of publishing figures: who, when, which figures (as published, before suppression).

    `kind` is `registry_counts` (a party's counts per registry and status, chosen status by status) or
    `exchange` (an agreement's recorded handover days under its public label). The latest act of a kind for
    a party (or agreement) is what the public ledger shows; earlier acts stay as the history of publication.
    """

    __tablename__ = "publication"
    __table_args__ = (Index("ix_publication_kind_subject", "kind", "subject_id", "published_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[str] = mapped_column(String(36))  # the party (registry counts) or the agreement
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))  # the publisher's
    published_by: Mapped[str] = mapped_column(String(36))  # user id
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    figures: Mapped[dict[str, Any]] = mapped_column(JsonType)


class DataAccessRow(Base):
    """A successful read, search or export of one party's personal data: who, when, which records, which
    fields. One row per owning party and request; not in the transparency log (it would make the reads
    public to every party's export), reviewed by the owning party and the mediator."""

    __tablename__ = "data_access"
    __table_args__ = (Index("ix_data_access_party_at", "owner_party_id", "at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    owner_party_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    organisation_id: Mapped[str | None] = mapped_column(String(36))
    role: Mapped[str] = mapped_column(String(24))
    action: Mapped[str] = mapped_column(String(16))  # read, search, list, export
    purpose: Mapped[str] = mapped_column(String(120))  # what was asked for: the use case, never a name
    record_count: Mapped[int] = mapped_column(Integer)
    record_ids: Mapped[list[str]] = mapped_column(JsonType)  # up to MAX_IDS; an export names its selection
    fields: Mapped[list[str]] = mapped_column(JsonType)
