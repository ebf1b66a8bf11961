"""Sign-in, token and organisation schemas."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from homebound.core.access import Role
from homebound.web.schemas.exchange import ReauthenticationIn


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    totp_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")] | None = Field(
        default=None, description="the 6-digit code of an account with a second factor"
    )


class TokenOut(BaseModel):
    id: str
    token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type name
    expires_at: dt.datetime | None


DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 3660  # ten years: beyond it a lifetime is a mistake (and overflows the date range)


class TokenCreate(ReauthenticationIn):
    """A script's token: minted with the password re-entered (and a code, if enrolled), never for ever."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    days: int = Field(
        default=DEFAULT_TOKEN_DAYS, ge=1, le=MAX_TOKEN_DAYS, description="days until the token expires"
    )


class TokenInfo(BaseModel):
    id: str
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class Me(BaseModel):
    user_id: str
    role: Role
    organisation_id: str | None
    party_id: str | None
    permissions: list[str]


class OrganisationOut(BaseModel):
    id: str
    code: str
    name: str
    kind: str


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")]
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    role: Role
    password: Annotated[str, StringConstraints(min_length=12, max_length=200)]
    language: Annotated[str, StringConstraints(pattern=r"^(en|uk|ru)$")] = "en"
