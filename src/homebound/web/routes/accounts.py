"""Sign-in, the caller's identity, API tokens, organisations and users."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request, status

from homebound.core.access import Permission, can, permissions_of
from homebound.core.errors import PermissionDenied
from homebound.services import accounts as service
from homebound.services import sign_in as guarded
from homebound.web.client_address import client_address
from homebound.web.deps import Hashing, SignedIn, Throttle, Uows
from homebound.web.schemas.accounts import (
    Me,
    OrganisationOut,
    SignIn,
    TokenCreate,
    TokenInfo,
    TokenOut,
    UserCreate,
)

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post(
    "/auth/sign-in",
    response_model=TokenOut,
    summary="Exchange a password (and the code, for an account with a second factor) for a 12-hour token",
)
def sign_in(request: Request, uows: Uows, cost: Hashing, body: SignIn) -> TokenOut:
    # Throttled per client address and per username (behind a proxy: Settings.trusted_proxies).
    issued = guarded.sign_in(
        uows,
        request.app.state.sign_in_throttle,
        body.username,
        body.password,
        address=client_address(request),
        totp_code=body.totp_code,
        require_second_factor=request.app.state.settings.second_factor_required(),
        cost=cost,
    )
    return TokenOut(id=issued.id, token=issued.token, expires_at=issued.expires_at)


@router.get("/me", response_model=Me)
def me(actor: SignedIn) -> Me:
    assert actor.user_id is not None
    perms = sorted(p.value for p in permissions_of(actor))
    return Me(
        user_id=actor.user_id,
        role=actor.role,
        organisation_id=actor.organisation_id,
        party_id=actor.party_id,
        permissions=perms,
    )


@router.get("/tokens", response_model=list[TokenInfo])
def list_tokens(uows: Uows, actor: SignedIn) -> list[TokenInfo]:
    return [TokenInfo.model_validate(t, from_attributes=True) for t in service.list_tokens(uows, actor)]


@router.post(
    "/tokens",
    response_model=TokenOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create an API token for scripts; the secret is shown only in this answer",
)
def create_token(uows: Uows, actor: SignedIn, throttle: Throttle, body: TokenCreate) -> TokenOut:
    ttl = dt.timedelta(days=body.days)
    issued = guarded.mint_token(uows, actor, body.name, ttl, body.proof(), throttle=throttle)
    return TokenOut(id=issued.id, token=issued.token, expires_at=issued.expires_at)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(uows: Uows, actor: SignedIn, token_id: str) -> None:
    service.revoke_token(uows, actor, token_id)


@router.get("/organisations", response_model=list[OrganisationOut])
def organisations(uows: Uows, actor: SignedIn) -> list[OrganisationOut]:
    if not can(actor, Permission.ANY_ORGANISATION_READ):
        raise PermissionDenied("this role may not list organisations")
    return [OrganisationOut.model_validate(o, from_attributes=True) for o in service.list_organisations(uows)]


@router.post(
    "/users", status_code=status.HTTP_201_CREATED, summary="A party admin adds a user to its own party"
)
def create_user(uows: Uows, actor: SignedIn, cost: Hashing, body: UserCreate) -> dict[str, str]:
    code = service.organisation_code_of(uows, actor)
    user_id = service.create_user(
        uows,
        actor,
        username=body.username,
        display_name=body.display_name,
        organisation_code=code,
        role=body.role,
        password=body.password,
        language=body.language,
        cost=cost,
    )
    return {"id": user_id}
