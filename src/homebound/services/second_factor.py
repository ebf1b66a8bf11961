"""The second factor: time-based one-time codes (RFC 6238, via pyotp), enrolled from the CLI.

A code is accepted once: a code seen for a user is refused again until it has aged out of the window, so
one read over a shoulder or from a log cannot be replayed. That memory is per process (see
docs/reliability.md): several API workers need a shared store before they can each accept codes.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pyotp
from sqlalchemy import select

from homebound.core.access import Role
from homebound.core.errors import NotFound
from homebound.core.log.entries import ActionTag
from homebound.db.log_store import log_action
from homebound.db.tables import UserRow
from homebound.db.uow import UnitOfWorkFactory

ISSUER = "Homebound"
STEP_SECONDS = 30
WINDOW_STEPS = 1  # a code from the previous or the next 30 s step is accepted: clocks drift


class _UsedCodes:
    """Time steps already used per user, forgotten once they can no longer verify."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._used: dict[tuple[str, int], float] = {}

    def claim(self, user_id: str, step: int, now: float) -> bool:
        with self._lock:
            horizon = now - STEP_SECONDS * (2 * WINDOW_STEPS + 2)
            for key in [k for k, seen in self._used.items() if seen < horizon]:
                del self._used[key]
            if (user_id, step) in self._used:
                return False
            self._used[(user_id, step)] = now
            return True


_used = _UsedCodes()


def code_accepted(user_id: str, secret: str, code: str | None, *, now: float | None = None) -> bool:
    """Whether `code` is a current code for `secret` that has not been used before."""
    if code is None or not (len(code) == 6 and code.isascii() and code.isdigit()):
        return False
    moment = time.time() if now is None else now
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    for offset in range(-WINDOW_STEPS, WINDOW_STEPS + 1):
        at = moment + offset * STEP_SECONDS
        if totp.verify(code, for_time=at, valid_window=0):
            return _used.claim(user_id, int(at // STEP_SECONDS), moment)
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
