"""Request dependencies: the unit-of-work factory and the authenticated actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from homebound.core.access import PUBLIC_ACTOR, Actor
from homebound.core.errors import NotAuthenticated
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.accounts import actor_for_token
from homebound.services.passwords import PasswordCost
from homebound.services.sign_in import SignInThrottle

_bearer = HTTPBearer(auto_error=False)


# Set by the idempotency middleware for a state-changing request (web/idempotency.py).
UOWS_STATE = "homebound_uows"
ACTOR_STATE = "homebound_actor"


def get_uows(request: Request) -> UnitOfWorkFactory:
    """The request's shared transaction when it has one (idempotent writes), else the app's factory, whose
    read-only transactions run as the caller's party under PostgreSQL's row-level security.
    """
    shared: UnitOfWorkFactory | None = getattr(request.state, UOWS_STATE, None)
    if shared is not None:
        return shared
    app_uows: UnitOfWorkFactory = request.app.state.uows
    return app_uows.scoped(lambda: _caller_party(request))


def caller(request: Request) -> Actor | None:
    """The caller resolved so far (API token or browser session); None before that."""
    actor: Actor | None = getattr(request.state, ACTOR_STATE, None)
    visit = getattr(request.state, "ui_visit", None)
    if actor is None and visit is not None:
        actor = visit.actor
    return actor


def _caller_party(request: Request) -> str | None:
    actor = caller(request)
    return actor.party_id if actor is not None else None


Uows = Annotated[UnitOfWorkFactory, Depends(get_uows)]


def sign_in_throttle(request: Request) -> SignInThrottle:
    """The app's one throttle on password checks: sign-in and the binding steps that re-enter it."""
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    return throttle


Throttle = Annotated[SignInThrottle, Depends(sign_in_throttle)]


def password_cost(request: Request) -> PasswordCost:
    """The Argon2 cost of the hashes this app makes (config.Settings), and of its timing dummies."""
    cost: PasswordCost = request.app.state.password_cost
    return cost


Hashing = Annotated[PasswordCost, Depends(password_cost)]


def optional_actor(
    request: Request,
    uows: Uows,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    known: Actor | None = getattr(request.state, ACTOR_STATE, None)
    if known is not None:  # already resolved from this request's own Authorization header
        return known
    if credentials is None:
        return PUBLIC_ACTOR
    actor = actor_for_token(uows, credentials.credentials)
    setattr(request.state, ACTOR_STATE, actor)
    return actor


def signed_in_actor(actor: Annotated[Actor, Depends(optional_actor)]) -> Actor:
    if actor.is_public:
        raise NotAuthenticated("sign in or present an API token", code="auth.required")
    return actor


AnyActor = Annotated[Actor, Depends(optional_actor)]
SignedIn = Annotated[Actor, Depends(signed_in_actor)]


def public_min_count(request: Request) -> int:
    """The smallest count above zero the public ledger shows exactly (config.Settings.public_min_count)."""
    return int(request.app.state.settings.public_min_count)


PublicMinCount = Annotated[int, Depends(public_min_count)]
