"""Request dependencies: the unit-of-work factory and the authenticated actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from homebound.core.access import PUBLIC_ACTOR, Actor
from homebound.core.errors import NotAuthenticated
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.accounts import actor_for_token

_bearer = HTTPBearer(auto_error=False)


# Set by the idempotency middleware for a state-changing request (web/idempotency.py).
UOWS_STATE = "homebound_uows"
ACTOR_STATE = "homebound_actor"


def get_uows(request: Request) -> UnitOfWorkFactory:
    """The request's shared transaction when it has one (idempotent writes), else the app's factory."""
    uows: UnitOfWorkFactory = getattr(request.state, UOWS_STATE, None) or request.app.state.uows
    return uows


Uows = Annotated[UnitOfWorkFactory, Depends(get_uows)]


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
    return actor_for_token(uows, credentials.credentials)


def signed_in_actor(actor: Annotated[Actor, Depends(optional_actor)]) -> Actor:
    if actor.is_public:
        raise NotAuthenticated("sign in or present an API token", code="auth.required")
    return actor


AnyActor = Annotated[Actor, Depends(optional_actor)]
SignedIn = Annotated[Actor, Depends(signed_in_actor)]
