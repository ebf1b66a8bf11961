"""Guarded sign-in and re-authentication: attempts throttled per client address and per username with
back-off (services/throttle.py, shared by every worker through the database), and a fresh proof of the
password (and second factor) before a sensitive action.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor
from homebound.core.errors import NotAuthenticated, PermissionDenied
from homebound.db.tables import UserRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts
from homebound.services.passwords import PRODUCTION_COST, PasswordCost, verify_password
from homebound.services.second_factor import code_accepted
from homebound.services.throttle import SignInThrottle, ThrottlePolicy, TooManyAttempts

__all__ = [
    "Reauthentication",
    "ReauthenticationFailed",
    "SignInThrottle",
    "ThrottlePolicy",
    "TooManyAttempts",
    "confirm_binding",
    "mint_token",
    "sign_in",
]


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
    throttle.check(username, address)
    try:
        issued = accounts.sign_in(
            uows,
            username,
            password,
            totp_code=totp_code,
            require_second_factor=require_second_factor,
            cost=cost,
            kind=kind,
            now=throttle.clock(),
        )
    except NotAuthenticated:
        throttle.failed(username, address)
        raise
    throttle.succeeded(username, address)
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
    counter = throttle.reauthentication if throttle else None
    wait = counter.retry_after(actor.user_id) if counter else None
    if wait is not None:
        raise TooManyAttempts(wait)
    now = throttle.clock() if throttle else time.time()
    user = session.execute(select(UserRow).where(UserRow.id == actor.user_id)).scalar_one_or_none()
    proven = (
        bool(password)
        and user is not None
        and not user.disabled
        and verify_password(user.password_hash, password or "")
        and (
            user.totp_secret is None or code_accepted(session, user.id, user.totp_secret, totp_code, now=now)
        )
    )
    if not proven:
        if counter:
            counter.failed(actor.user_id)
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
