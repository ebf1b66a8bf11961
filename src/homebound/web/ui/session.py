"""Browser sessions for the UI: the cookies, CSRF tokens, the idle timeout and the reader's language."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, Request, Response

from homebound.core.access import PUBLIC_ACTOR, Actor
from homebound.core.errors import NotAuthenticated
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts
from homebound.web.deps import get_uows
from homebound.web.ui.i18n import Translator, negotiate

SESSION_COOKIE = "__Host-hb_session"
# Anonymous visitors (sign-in, family inquiry) get a random secret of their own, for their CSRF tokens.
VISITOR_COOKIE = "__Host-hb_visitor"
LANGUAGE_COOKIE = "__Host-hb_lang"
CSRF_FIELD = "csrf_token"
_CSRF_LABEL = b"homebound-ui-csrf-v1"
_LANGUAGE_MAX_AGE = 365 * 24 * 3600


class SignInRequiredError(Exception):
    """The page needs a signed-in user; the UI answers with the sign-in page."""


class CsrfRejectedError(Exception):
    """A form arrived without the token its session issued."""


def csrf_token_for(secret: str) -> str:
    # Keyed by the session's own 256-bit secret: nothing to configure, useless to anyone without the cookie.
    return hmac.new(secret.encode(), _CSRF_LABEL, hashlib.sha256).hexdigest()


@dataclass
class Visit:
    """Who is asking and in which language, and which cookies the answer must set or clear."""

    user: accounts.SessionUser | None
    session_token: str | None
    visitor_secret: str
    language: str
    new_visitor: bool = False
    drop_session: bool = False
    session_ended_idle: bool = False

    @property
    def actor(self) -> Actor:
        return self.user.actor if self.user else PUBLIC_ACTOR

    @property
    def csrf_token(self) -> str:
        return csrf_token_for(self.session_token or self.visitor_secret)

    @property
    def t(self) -> Translator:
        return Translator(self.language)

    def signed_in(self) -> accounts.SessionUser:
        if self.user is None:
            raise SignInRequiredError
        return self.user


def read_visit(request: Request) -> Visit:
    """Resolve the cookies once per request (cached on request.state for error pages)."""
    cached: Visit | None = getattr(request.state, "ui_visit", None)
    if cached is not None:
        return cached
    uows: UnitOfWorkFactory = get_uows(request)
    token = request.cookies.get(SESSION_COOKIE)
    user, drop, idle = None, False, False
    if token:
        try:
            user = accounts.resolve_session(uows, token)
        except NotAuthenticated as exc:
            drop, idle = True, exc.code == "auth.session_idle"
    visitor = request.cookies.get(VISITOR_COOKIE) or ""
    new_visitor = len(visitor) < 32
    if new_visitor:
        visitor = secrets.token_urlsafe(32)
    visit = Visit(
        user=user,
        session_token=token if user else None,
        visitor_secret=visitor,
        language=_language(request, user),
        new_visitor=new_visitor,
        drop_session=drop,
        session_ended_idle=idle,
    )
    request.state.ui_visit = visit
    return visit


def _language(request: Request, user: accounts.SessionUser | None) -> str:
    if user is not None and user.language in accounts.LANGUAGES:
        return user.language
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in accounts.LANGUAGES:
        return str(chosen)
    return negotiate(request.headers.get("accept-language"))


def check_csrf(request: Request, csrf_token: Annotated[str, Form(max_length=128)] = "") -> Visit:
    """Every POST of the UI depends on this: the hidden field must be the token of this browser's session."""
    visit = read_visit(request)
    if not csrf_token or not hmac.compare_digest(csrf_token, visit.csrf_token):
        raise CsrfRejectedError
    return visit


def apply_cookies(response: Response, visit: Visit) -> Response:
    if visit.new_visitor and visit.user is None:
        _set(response, VISITOR_COOKIE, visit.visitor_secret, max_age=None)
        visit.new_visitor = False
    if visit.drop_session:
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


def start_session(response: Response, token: str, language: str) -> None:
    # No Max-Age: the cookie ends with the browser; the server ends the session after idling or SESSION_TTL.
    _set(response, SESSION_COOKIE, token, max_age=None)
    remember_language(response, language)


def end_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")


def remember_language(response: Response, language: str) -> None:
    _set(response, LANGUAGE_COOKIE, language, max_age=_LANGUAGE_MAX_AGE)


def _set(response: Response, name: str, value: str, *, max_age: int | None) -> None:
    # __Host- cookies must be Secure, Path=/ and without Domain; browsers refuse them otherwise.
    response.set_cookie(name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="strict")


CurrentVisit = Annotated[Visit, Depends(read_visit)]
PostedVisit = Annotated[Visit, Depends(check_csrf)]
