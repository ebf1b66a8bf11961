"""Organisations, users, passwords (Argon2) and API tokens (shown once, stored hashed, revocable)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select, update

from homebound.core.access import ROLES_BY_KIND, Actor, OrganisationKind, Permission, Role, can
from homebound.core.errors import (
    Conflict,
    FieldProblem,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from homebound.core.log.entries import ActionTag
from homebound.db.log_store import log_action
from homebound.db.tables import ApiTokenRow, OrganisationRow, UserRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import second_factor
from homebound.services.keys import create_organisation_key
from homebound.services.password_policy import MIN_PASSWORD as MIN_PASSWORD  # noqa: PLC0414 - for callers
from homebound.services.password_policy import password_problem
from homebound.services.passwords import (
    PRODUCTION_COST,
    PasswordCost,
    dummy_hash,
    hash_password,
    verify_password,
)

SYSTEM_ACTOR = "system"
SESSION_TTL = dt.timedelta(hours=12)
TOKEN_PREFIX = "hb_"  # noqa: S105 - marks our tokens in logs and secret scanners
# Every script token expires: 90 days unless fewer (or more, up to ten years) are asked for.
DEFAULT_TOKEN_TTL = dt.timedelta(days=90)
MAX_TOKEN_TTL = dt.timedelta(days=3660)


def hash_token(token: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is enough; passwords get Argon2.
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    id: str
    token: str  # the only time the secret is seen
    expires_at: dt.datetime | None


def create_organisation(
    uows: UnitOfWorkFactory,
    code: str,
    name: str,
    kind: OrganisationKind,
    *,
    actor: Actor | str = SYSTEM_ACTOR,
    names: Mapping[str, str] | None = None,
) -> str:
    """A new organisation with its signing key; `names` gives its name in other UI languages."""
    with uows.writer() as uow:
        if uow.session.execute(select(OrganisationRow.id).where(OrganisationRow.code == code)).first():
            raise Conflict("an organisation with this code exists", code="organisation.exists", field="code")
        org = OrganisationRow(code=code, name=name, names=_names(names), kind=kind.value)
        uow.session.add(org)
        uow.session.flush()
        log_action(
            uow.session,
            actor,
            ActionTag.ORGANISATION_CREATE,
            "organisation",
            org.id,
            {"code": code, "kind": kind.value},
        )
        create_organisation_key(uow.session, actor, org.id, kind)  # its signing key, logged too
        uow.commit()
        return org.id


def _names(names: Mapping[str, str] | None) -> dict[str, str] | None:
    kept = {lang: " ".join(text.split())[:200] for lang, text in (names or {}).items() if lang in LANGUAGES}
    unknown = sorted(set(names or {}) - set(LANGUAGES))
    if unknown:
        raise ValidationFailed(
            [FieldProblem("names", "invalid_value", f"expected one of {', '.join(LANGUAGES)}")]
        )
    return {lang: text for lang, text in kept.items() if text} or None


def name_organisation(
    uows: UnitOfWorkFactory, code: str, names: Mapping[str, str], *, actor: Actor | str = SYSTEM_ACTOR
) -> None:
    """Set an organisation's name in the UI languages (each reader sees it in theirs); logged."""
    with uows.writer() as uow:
        org = uow.session.execute(
            select(OrganisationRow).where(OrganisationRow.code == code)
        ).scalar_one_or_none()
        if org is None:
            raise NotFound("no such organisation", field="code")
        org.names = _names(names)
        log_action(
            uow.session,
            actor,
            ActionTag.ORGANISATION_UPDATE,
            "organisation",
            org.id,
            {"code": code, "names": org.names},
        )
        uow.commit()


def create_user(
    uows: UnitOfWorkFactory,
    actor: Actor | str,
    *,
    username: str,
    display_name: str,
    organisation_code: str,
    role: Role,
    password: str,
    language: str = "en",
    cost: PasswordCost = PRODUCTION_COST,
) -> str:
    weak = password_problem(password, context=(username, display_name, organisation_code))
    if weak is not None:
        raise ValidationFailed([weak])
    with uows.writer() as uow:
        org = uow.session.execute(
            select(OrganisationRow).where(OrganisationRow.code == organisation_code)
        ).scalar_one_or_none()
        if org is None:
            raise NotFound("no such organisation", field="organisation")
        if isinstance(actor, Actor) and not (
            can(actor, Permission.PARTY_USER_ADMIN) and actor.party_id == org.id
        ):
            raise PermissionDenied("only an admin of the same party may add its users")
        if isinstance(actor, Actor) and not username.startswith(org.code + "."):
            # A party admin names users inside its organisation's namespace, so "taken" can only ever be
            # said of its own users: no answer tells whether another organisation has a user of that name.
            expected = f"usernames of this organisation begin with '{org.code}.'"
            raise ValidationFailed([FieldProblem("username", "outside_namespace", expected)])
        if role not in ROLES_BY_KIND[OrganisationKind(org.kind)]:
            raise ValidationFailed(
                [FieldProblem("role", "invalid_value", f"a {org.kind} cannot have this role")]
            )
        if uow.session.execute(select(UserRow.id).where(UserRow.username == username)).first():
            raise Conflict("this username is taken", code="user.exists", field="username")
        user = UserRow(
            username=username,
            display_name=display_name,
            organisation_id=org.id,
            role=role.value,
            password_hash=hash_password(password, cost),
            language=language,
        )
        uow.session.add(user)
        uow.session.flush()
        party = org.id if org.kind == OrganisationKind.PARTY else None
        log_action(
            uow.session, actor, ActionTag.USER_CREATE, "user", user.id, {"role": role.value}, party=party
        )
        uow.commit()
        return user.id


# Token kinds: a script token (named, listed, revocable), an API sign-in's session, and a browser's session
# (a cookie only, under the idle limit; never accepted as a bearer token).
SCRIPT, API_SESSION, BROWSER_SESSION = "script", "session", "browser"


def _issue(user: UserRow, name: str, kind: str, ttl: dt.timedelta) -> tuple[ApiTokenRow, str]:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = dt.datetime.now(dt.UTC) + ttl
    row = ApiTokenRow(
        user_id=user.id,
        name=name,
        kind=kind,
        prefix=secret[:10],
        token_hash=hash_token(secret),
        expires_at=expires,
    )
    return row, secret


def sign_in(
    uows: UnitOfWorkFactory,
    username: str,
    password: str,
    *,
    totp_code: str | None = None,
    require_second_factor: bool = False,
    cost: PasswordCost = PRODUCTION_COST,
    kind: str = API_SESSION,
    now: float | None = None,
) -> IssuedToken:
    """Password sign-in, plus the one-time code for an account with a second factor (checked at `now`,
    the app's clock; unset: the system's).

    The same answer for an unknown user, a wrong password and a missing or wrong code: no answer tells
    whether the password alone was right. With `require_second_factor` (production), an account that
    has none is refused after its password checks.
    """
    with uows.writer() as uow:
        user = uow.session.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none()
        # An unknown user is checked against a hash of the same cost: as slow as a wrong password.
        ok = verify_password(user.password_hash if user else dummy_hash(cost, "sign-in"), password)
        if user is None or not ok or user.disabled:
            raise NotAuthenticated("unknown user or wrong password", code="auth.invalid_credentials")
        moment = time.time() if now is None else now
        if user.totp_secret is not None and not second_factor.code_accepted(
            uow.session, user.id, user.totp_secret, totp_code, now=moment
        ):
            raise NotAuthenticated("unknown user or wrong password", code="auth.invalid_credentials")
        if (
            require_second_factor
            and user.totp_secret is None
            and second_factor.needs_second_factor(Role(user.role))
        ):
            raise NotAuthenticated(
                "this account has no second factor yet; an administrator enrols it (homebound users totp)",
                code="auth.second_factor_required",
            )
        row, secret = _issue(user, "session", kind, SESSION_TTL)
        uow.session.add(row)
        uow.session.flush()
        uow.commit()
        return IssuedToken(row.id, secret, row.expires_at)


def create_api_token(
    uows: UnitOfWorkFactory,
    actor: Actor | str,
    username: str,
    name: str,
    ttl: dt.timedelta = DEFAULT_TOKEN_TTL,
) -> IssuedToken:
    """A script token, whatever the edge (API, CLI): it always expires, after `ttl` (a day to ten years)."""
    if not dt.timedelta(days=1) <= ttl <= MAX_TOKEN_TTL:
        limits = f"a token lives from 1 to {MAX_TOKEN_TTL.days} days"
        raise ValidationFailed([FieldProblem("days", "out_of_range", limits)])
    with uows.writer() as uow:
        user = uow.session.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none()
        if user is None or (isinstance(actor, Actor) and actor.user_id != user.id):
            raise NotFound("no such user", field="username")
        row, secret = _issue(user, name, "script", ttl)
        uow.session.add(row)
        uow.session.flush()
        log_action(
            uow.session,
            actor if isinstance(actor, Actor) else SYSTEM_ACTOR,
            ActionTag.TOKEN_CREATE,
            "token",
            row.id,
            {"user": user.id, "name": name},
            party=None,
        )
        uow.commit()
        return IssuedToken(row.id, secret, row.expires_at)


def revoke_token(uows: UnitOfWorkFactory, actor: Actor | str, token_id: str) -> None:
    with uows.writer() as uow:
        row = uow.session.get(ApiTokenRow, token_id)
        if row is None or (isinstance(actor, Actor) and row.user_id != actor.user_id):
            raise NotFound("no such token", field="token_id")
        if row.revoked_at is None:
            row.revoked_at = dt.datetime.now(dt.UTC)
            log_action(uow.session, actor, ActionTag.TOKEN_REVOKE, "token", row.id, {"user": row.user_id})
        uow.commit()


def list_tokens(uows: UnitOfWorkFactory, actor: Actor) -> list[ApiTokenRow]:
    with uows.reader() as uow:
        rows = uow.session.execute(
            select(ApiTokenRow)
            .where(ApiTokenRow.user_id == actor.user_id, ApiTokenRow.kind == "script")
            .order_by(ApiTokenRow.created_at)
        ).scalars()
        return list(rows)


def actor_for_token(uows: UnitOfWorkFactory, token: str) -> Actor:
    """Resolve a bearer token to its actor; expired, revoked and unknown tokens all fail the same way."""
    now = dt.datetime.now(dt.UTC)
    with uows.reader() as uow:
        found = uow.session.execute(
            select(ApiTokenRow, UserRow, OrganisationRow)
            .join(UserRow, UserRow.id == ApiTokenRow.user_id)
            .join(OrganisationRow, OrganisationRow.id == UserRow.organisation_id)
            .where(ApiTokenRow.token_hash == hash_token(token), ApiTokenRow.kind != BROWSER_SESSION)
        ).first()
    if found is None:  # a browser's session is no bearer token: it would escape the idle limit there
        raise NotAuthenticated("invalid or expired token", code="auth.invalid_token")
    tok, user, org = found
    expires = _aware(tok.expires_at)
    if tok.revoked_at is not None or (expires is not None and expires <= now) or user.disabled:
        raise NotAuthenticated("invalid or expired token", code="auth.invalid_token")
    party = org.id if org.kind == OrganisationKind.PARTY else None
    return Actor(
        user_id=user.id,
        role=Role(user.role),
        organisation_id=org.id,
        party_id=party,
        organisation_kind=OrganisationKind(org.kind),
    )


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; everything we store is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


@dataclass(frozen=True)
class UserView:
    id: str
    username: str
    display_name: str
    role: str
    organisation_code: str
    language: str
    disabled: bool


def list_users(uows: UnitOfWorkFactory) -> list[UserView]:
    with uows.reader() as uow:
        rows = uow.session.execute(
            select(UserRow, OrganisationRow.code)
            .join(OrganisationRow)
            .order_by(OrganisationRow.code, UserRow.username)
        ).all()
        return [
            UserView(u.id, u.username, u.display_name, u.role, code, u.language, u.disabled)
            for u, code in rows
        ]


def organisation_by_code(uows: UnitOfWorkFactory, code: str) -> OrganisationRow:
    with uows.reader() as uow:
        org = uow.session.execute(
            select(OrganisationRow).where(OrganisationRow.code == code)
        ).scalar_one_or_none()
    if org is None:
        raise NotFound("no such organisation", field="party")
    return org


def list_organisations(uows: UnitOfWorkFactory) -> list[OrganisationRow]:
    with uows.reader() as uow:
        return list(uow.session.execute(select(OrganisationRow).order_by(OrganisationRow.code)).scalars())


def username_of(uows: UnitOfWorkFactory, actor: Actor) -> str:
    with uows.reader() as uow:
        user = uow.session.get(UserRow, actor.user_id) if actor.user_id else None
    if user is None:
        raise NotAuthenticated("sign in first", code="auth.required")
    return user.username


def organisation_code_of(uows: UnitOfWorkFactory, actor: Actor) -> str:
    with uows.reader() as uow:
        org = uow.session.get(OrganisationRow, actor.organisation_id) if actor.organisation_id else None
    if org is None:
        raise PermissionDenied("this account belongs to no organisation")
    return org.code


# Browser sessions (the web UI): idle timeout, sign-out and the language each user reads in.
# Session tokens are not logged when issued (see sign_in), so ending one is not logged either.

SESSION_IDLE = dt.timedelta(minutes=30)
# last_used_at is written at most once a minute: one small write per minute of use, not one per page.
_SESSION_TOUCH = dt.timedelta(minutes=1)
LANGUAGES = ("en", "uk", "ru")


@dataclass(frozen=True)
class SessionUser:
    actor: Actor
    display_name: str
    language: str
    organisation_code: str
    organisation_name: str
    second_factor: bool = False  # enrolled: re-authentication asks for a code too
    organisation_names: Mapping[str, str] = field(default_factory=dict)  # the name in other UI languages


def resolve_session(
    uows: UnitOfWorkFactory, token: str, *, idle: dt.timedelta = SESSION_IDLE, now: dt.datetime | None = None
) -> SessionUser:
    """A password sign-in's token, checked for expiry, revocation and idleness; an idle session is revoked."""
    now = now or dt.datetime.now(dt.UTC)
    with uows.reader() as uow:
        found = uow.session.execute(
            select(ApiTokenRow, UserRow, OrganisationRow)
            .join(UserRow, UserRow.id == ApiTokenRow.user_id)
            .join(OrganisationRow, OrganisationRow.id == UserRow.organisation_id)
            .where(ApiTokenRow.token_hash == hash_token(token), ApiTokenRow.kind == BROWSER_SESSION)
        ).first()
    if found is None:
        raise NotAuthenticated("invalid or expired session", code="auth.invalid_session")
    tok, user, org = found
    expires = _aware(tok.expires_at)
    if tok.revoked_at is not None or (expires is not None and expires <= now) or user.disabled:
        raise NotAuthenticated("invalid or expired session", code="auth.invalid_session")
    last = _aware(tok.last_used_at) or _aware(tok.created_at) or now
    if now - last > idle:
        _mark_session(uows, tok.id, revoked_at=now)
        raise NotAuthenticated("the session ended after a period of inactivity", code="auth.session_idle")
    if now - last > _SESSION_TOUCH:
        _mark_session(uows, tok.id, last_used_at=now)
    party = org.id if org.kind == OrganisationKind.PARTY else None
    actor = Actor(
        user_id=user.id,
        role=Role(user.role),
        organisation_id=org.id,
        party_id=party,
        organisation_kind=OrganisationKind(org.kind),
    )
    enrolled = user.totp_secret is not None
    names = dict(org.names or {})
    return SessionUser(actor, user.display_name, user.language, org.code, org.name, enrolled, names)


def _mark_session(uows: UnitOfWorkFactory, token_id: str, **values: dt.datetime) -> None:
    with uows.writer() as uow:
        uow.session.execute(
            update(ApiTokenRow)
            .where(ApiTokenRow.id == token_id, ApiTokenRow.revoked_at.is_(None))
            .values(**values)
        )
        uow.commit()


def end_session(uows: UnitOfWorkFactory, token: str) -> None:
    """Sign-out: revoke the session token; an unknown or already ended session is not an error."""
    with uows.writer() as uow:
        uow.session.execute(
            update(ApiTokenRow)
            .where(
                ApiTokenRow.token_hash == hash_token(token),
                ApiTokenRow.kind == BROWSER_SESSION,
                ApiTokenRow.revoked_at.is_(None),
            )
            .values(revoked_at=dt.datetime.now(dt.UTC))
        )
        uow.commit()


def set_language(uows: UnitOfWorkFactory, actor: Actor, language: str) -> None:
    """Remember the language a user reads the UI in."""
    if language not in LANGUAGES:
        expected = f"expected one of {', '.join(LANGUAGES)}"
        raise ValidationFailed([FieldProblem("language", "invalid_value", expected)])
    with uows.writer() as uow:
        user = uow.session.get(UserRow, actor.user_id) if actor.user_id else None
        if user is None:
            raise NotAuthenticated("sign in first", code="auth.required")
        if user.language != language:
            user.language = language
            log_action(
                uow.session,
                actor,
                ActionTag.USER_UPDATE,
                "user",
                user.id,
                {"change": "language"},
                party=actor.party_id,
            )
        uow.commit()
