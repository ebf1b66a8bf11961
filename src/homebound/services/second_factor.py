"""The second factor: time-based one-time codes (RFC 6238, via pyotp), enrolled from the CLI.

A code is accepted once: a code seen for a user is refused again until it has aged out of the window, so
one read over a shoulder or from a log cannot be replayed. The spent codes are rows of the database
(db/guard_tables.py), claimed in the transaction that checks the code: every API worker sees them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Role
from homebound.core.errors import NotFound
from homebound.core.log.entries import ActionTag
from homebound.db import guard_store
from homebound.db.log_store import log_action
from homebound.db.tables import UserRow
from homebound.db.uow import UnitOfWorkFactory

ISSUER = "Homebound"
STEP_SECONDS = 30
WINDOW_STEPS = 1  # a code from the previous or the next 30 s step is accepted: clocks drift
# A spent step is kept while any clock within the window could still accept it, with a margin.
_REMEMBERED_SECONDS = STEP_SECONDS * (2 * WINDOW_STEPS + 2)


def code_accepted(session: Session, user_id: str, secret: str, code: str | None, *, now: float) -> bool:
    """Whether `code` is a current code for `secret` (at `now`, the app's clock) not used before; a code
    that is accepted is spent in `session`'s transaction (so a step that then fails leaves it unspent)."""
    if code is None or not (len(code) == 6 and code.isascii() and code.isdigit()):
        return False
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    for offset in range(-WINDOW_STEPS, WINDOW_STEPS + 1):
        at = now + offset * STEP_SECONDS
        if totp.verify(code, for_time=at, valid_window=0):
            step = int(at // STEP_SECONDS)
            forget_before = now - _REMEMBERED_SECONDS
            return guard_store.claim_code(session, user_id, step, now, forget_before=forget_before)
    return False


def needs_second_factor(role: Role) -> bool:
    """Every account that can see or change anything beyond the public pages."""
    return role is not Role.PUBLIC


@dataclass(frozen=True)
class Enrolment:
    username: str
    provisioning_uri: str  # shown once, as text or a QR code for an authenticator app


def enrol(uows: UnitOfWorkFactory, username: str, *, actor: str = "system") -> Enrolment:
    """Give the account a fresh TOTP secret (replacing any previous one); logged without the secret."""
    with uows.writer() as uow:
        user = uow.session.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none()
        if user is None:
            raise NotFound("no such user", field="username")
        secret = pyotp.random_base32()
        user.totp_secret = secret
        log_action(uow.session, actor, ActionTag.USER_UPDATE, "user", user.id, {"change": "totp_enrolled"})
        uow.commit()
    uri = pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=username, issuer_name=ISSUER)
    return Enrolment(username, uri)


def current_code(secret: str, *, now: float | None = None) -> str:
    """The code an authenticator shows now (for the CLI's check and for tests)."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).at(time.time() if now is None else now)
