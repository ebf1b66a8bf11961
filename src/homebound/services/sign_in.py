"""Guarded sign-in and re-authentication: attempts throttled per username and per client address, and a
fresh proof of the password (and second factor) before a sensitive action.

The throttle lives in the process (see docs/reliability.md): behind several API workers each counts on
its own, so the effective limit is the per-worker limit times the number of workers until a shared store
(a table or Redis) replaces it.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor
from homebound.core.errors import DomainError, NotAuthenticated, PermissionDenied
from homebound.db.tables import UserRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts
from homebound.services.passwords import PRODUCTION_COST, PasswordCost, verify_password
from homebound.services.second_factor import code_accepted


class TooManyAttempts(DomainError):
    """Sign-in refused without checking the password: too many recent failures."""

    code = "auth.too_many_attempts"
    status_hint = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class ThrottlePolicy:
    per_username: int = 5  # failures per window before that username is refused
    per_address: int = 20  # failures per window before that client address is refused
    window_seconds: float = 15 * 60
    max_keys: int = 100_000  # memory bound: the oldest keys are forgotten first


class SignInThrottle:
    """Failed attempts in a sliding window, per username and per client address; thread-safe."""

    def __init__(self, policy: ThrottlePolicy | None = None) -> None:
        self.policy = policy or ThrottlePolicy()
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        found = self._failures.get(key)
        if found is None:
            return deque()
        while found and found[0] <= now - self.policy.window_seconds:
            found.popleft()
        if not found:
            del self._failures[key]
        return found

    def retry_after(self, username: str, address: str | None, *, now: float | None = None) -> int | None:
        """Seconds until this username and address may try again, or None if they may now."""
        moment = time.monotonic() if now is None else now
        waits = []
        with self._lock:
            for key, limit in self._keys(username, address):
                recent = self._recent(key, moment)
                if len(recent) >= limit:
                    waits.append(recent[len(recent) - limit] + self.policy.window_seconds - moment)
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, username: str, address: str | None, *, now: float | None = None) -> None:
        moment = time.monotonic() if now is None else now
        with self._lock:
            for key, _limit in self._keys(username, address):
                self._failures.setdefault(key, deque()).append(moment)
            while len(self._failures) > self.policy.max_keys:
                del self._failures[next(iter(self._failures))]

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(self._user_key(username), None)

    def _keys(self, username: str, address: str | None) -> list[tuple[str, int]]:
        keys = [(self._user_key(username), self.policy.per_username)]
        if address:
            keys.append(("address:" + address, self.policy.per_address))
        return keys

    @staticmethod
    def _user_key(username: str) -> str:
        return "user:" + username.casefold()


def sign_in(
    uows: UnitOfWorkFactory,
    throttle: SignInThrottle,
    username: str,
    password: str,
    *,
    address: str | None,
    totp_code: str | None = None,
    require_second_factor: bool = False,
    cost: PasswordCost = PRODUCTION_COST,
    kind: str = accounts.API_SESSION,
) -> accounts.IssuedToken:
    """A password (and code) sign-in under the throttle: refused early while throttled, and every failure
    counted alike, whether the user is unknown, the password wrong or the code wrong.
    """
    wait = throttle.retry_after(username, address)
    if wait is not None:
        raise TooManyAttempts(wait)
    try:
        issued = accounts.sign_in(
            uows,
            username,
            password,
            totp_code=totp_code,
            require_second_factor=require_second_factor,
            cost=cost,
            kind=kind,
        )
    except NotAuthenticated:
        throttle.failed(username, address)
        raise
    throttle.succeeded(username)
    return issued


def _reauthenticate(
    session: Session,
    actor: Actor,
    password: str | None,
    totp_code: str | None,
    throttle: SignInThrottle | None,
) -> None:
    """The caller proves, with this request, that the person at the keyboard holds the account: its password
    and, when the account has a second factor, a fresh code. A stolen session token alone is not enough,
    and with `throttle` (the app's) it cannot be used to guess the password either."""
    refused = NotAuthenticated(
        "confirm this action with your password (and code)", code="auth.reauthentication_required"
    )
    if actor.user_id is None:
        raise refused
    subject = "reauthentication:" + actor.user_id
    wait = throttle.retry_after(subject, None) if throttle else None
    if wait is not None:
        raise TooManyAttempts(wait)
    user = session.execute(select(UserRow).where(UserRow.id == actor.user_id)).scalar_one_or_none()
    proven = (
        bool(password)
        and user is not None
        and not user.disabled
        and verify_password(user.password_hash, password or "")
        and (user.totp_secret is None or code_accepted(user.id, user.totp_secret, totp_code))
    )
    if not proven:
        if throttle:
            throttle.failed(subject, None)
        raise refused


@dataclass(frozen=True)
class Reauthentication:
    """What a binding request carries besides the session: the password and, for an account with a second
    factor, a fresh code (accepted once)."""

    password: str = field(repr=False)  # never in a log line or a traceback's repr
    totp_code: str | None = field(default=None, repr=False)


class ReauthenticationFailed(PermissionDenied):
    """The password (or code) sent with a binding request did not prove the account holder; nothing done."""

    code = "auth.reauthentication_failed"


def confirm_binding(
    session: Session,
    actor: Actor,
    proof: Reauthentication,
    *,
    throttle: SignInThrottle | None,
    code: str,
) -> None:
    """The gate of a binding step (accepting an agreement, closing a tranche), whatever the edge: API,
    browser or CLI. Called inside the step's transaction once the object is found, the caller's permission
    checked and the step shown to be possible, so an unknown object still answers 404 and a code is spent
    only on a step that then happens."""
    try:
        _reauthenticate(session, actor, proof.password, proof.totp_code, throttle)
    except NotAuthenticated as exc:
        raise ReauthenticationFailed(
            "the password (or code) re-entered does not prove the account holder; nothing was recorded",
            code=code,
        ) from exc


def mint_token(
    uows: UnitOfWorkFactory,
    actor: Actor,
    name: str,
    ttl: dt.timedelta,
    proof: Reauthentication,
    *,
    throttle: SignInThrottle | None,
) -> accounts.IssuedToken:
    """A script token for the signed-in account. A session alone cannot mint one (a stolen session token
    would otherwise become a lasting credential): the password, and the code if enrolled, must prove it."""
    with uows.writer() as uow:
        confirm_binding(uow.session, actor, proof, throttle=throttle, code="auth.reauthentication_failed")
        uow.commit()
    return accounts.create_api_token(uows, actor, accounts.username_of(uows, actor), name, ttl)
