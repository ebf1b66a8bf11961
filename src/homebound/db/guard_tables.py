"""Tables that several API workers share to guard sign-in: failed-attempt counters (the throttle) and the
second-factor codes already spent (the replay memory).

Neither holds a username, an address or a case code in clear: a throttle row is keyed by a SHA-256 of
what it counts; a spent code by the user's id and the 30 s step it belonged to. Moments are seconds
since the epoch (the app's clock, which tests set), so the same arithmetic runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from homebound.db.tables import Base


class ThrottleRow(Base):
    """Recent failures of one key (an address, a target, or the pair) and how long it is held back."""

    __tablename__ = "throttle"
    __table_args__ = (Index("ix_throttle_last_failed_at", "last_failed_at"),)

    key_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[float] = mapped_column(Float)
    blocked_until: Mapped[float] = mapped_column(Float)  # 0 when not held back


class SpentCodeRow(Base):
    """A one-time code's step, used once by one user; forgotten when it can no longer verify."""

    __tablename__ = "spent_code"
    __table_args__ = (Index("ix_spent_code_spent_at", "spent_at"),)

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    step: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    spent_at: Mapped[float] = mapped_column(Float)
