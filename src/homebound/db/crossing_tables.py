"""Tables of the offline crossing: the manifest of a concluded agreement as the crossing needs it, the lines
devices recorded (never edited; a line recorded on two devices is two rows), the handover acts issued or
received, and the parties' countersignatures over them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from homebound.db.tables import Base, JsonType, utcnow


class CrossingManifestRow(Base):
    """A concluded agreement's tranches and lines, persons by the releasing party's record ids."""

    __tablename__ = "crossing_manifest"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agreement_id: Mapped[str] = mapped_column(String(36))
    party_a: Mapped[str] = mapped_column(String(32))  # organisation codes
    party_b: Mapped[str] = mapped_column(String(32))
    mediator: Mapped[str] = mapped_column(String(32))
    document: Mapped[dict[str, Any]] = mapped_column(JsonType)
    installed_by: Mapped[str] = mapped_column(String(36))
    installed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CrossingLineRow(Base):
    """One device's account of one manifest line, by its hash; `source` names the act it came in with."""

    __tablename__ = "crossing_line"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    tranche: Mapped[int] = mapped_column(Integer)
    line_no: Mapped[int] = mapped_column(Integer)
    device: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column(JsonType)
    source: Mapped[str | None] = mapped_column(String(64))  # None: recorded on this node
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class HandoverActRow(Base):
    """A signed handover act, issued here or received in a `handover-act` package."""

    __tablename__ = "handover_act"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    tranche: Mapped[int] = mapped_column(Integer)
    issuer: Mapped[str] = mapped_column(String(32))
    complete: Mapped[bool] = mapped_column(Boolean)
    document: Mapped[bytes] = mapped_column(LargeBinary)  # the signed act, RFC 8785 JSON
    package: Mapped[str | None] = mapped_column(String(64))  # the package it came in, if received
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ActCountersignatureRow(Base):
    """A party's signature over an act's hash, made on its own node (here, or received)."""

    __tablename__ = "act_countersignature"

    act: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(String(32), primary_key=True)
    document: Mapped[bytes] = mapped_column(LargeBinary)  # the signed countersignature, RFC 8785 JSON
    package: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
