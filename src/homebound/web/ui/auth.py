"""Pages for signing in and out, the landing page, and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from homebound.core.errors import FieldProblem, NotAuthenticated, ValidationFailed
from homebound.services import accounts
from homebound.services import sign_in as guarded
from homebound.web.client_address import client_address
from homebound.web.deps import Uows
from homebound.web.ui.nav import workspace_url
from homebound.web.ui.render import UiRoute, redirect, render
from homebound.web.ui.session import (
    CurrentVisit,
    PostedVisit,
    end_session_cookie,
    remember_language,
    start_session,
)

router = APIRouter(route_class=UiRoute, include_in_schema=False)


@router.get("/")
def home(request: Request, visit: CurrentVisit) -> Response:
    return render(request, visit, "home.html", workspace=workspace_url(visit.actor))


@router.get("/sign-in")
def sign_in_page(
    request: Request, visit: CurrentVisit, signed_out: bool = False, idle: bool = False
) -> Response:
    if visit.user is not None:
        return redirect(visit, workspace_url(visit.actor))
    visit.session_ended_idle = (
        visit.session_ended_idle or idle
    )  # the notice, after the redirect that ended it
    return render(request, visit, "sign_in.html", failed=False, signed_out=signed_out)


@router.post("/sign-in")
def sign_in(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    totp_code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """The same guarded sign-in as the API: throttled, and the code of an enrolled account checked."""
    name = username.strip()
    try:
        issued = guarded.sign_in(
            uows,
            request.app.state.sign_in_throttle,
            name,
            password,
            address=client_address(request),
            totp_code=one_time_code(totp_code),
            require_second_factor=request.app.state.settings.second_factor_required(),
            cost=request.app.state.password_cost,
            kind=accounts.BROWSER_SESSION,
        )
    except guarded.TooManyAttempts as exc:
        throttled = render(
            request, visit, "sign_in.html", status=429, failed="throttled", signed_out=False, username=name
        )
        throttled.headers["Retry-After"] = str(exc.retry_after)
        return throttled
    except NotAuthenticated as exc:
        failed = "no_second_factor" if exc.code == "auth.second_factor_required" else "credentials"
        return render(request, visit, "sign_in.html", failed=failed, signed_out=False, username=name)
    user = accounts.resolve_session(uows, issued.token)
    response = redirect(visit, workspace_url(user.actor))
    start_session(response, issued.token, user.language)
    return response


def one_time_code(text: str) -> str | None:
    """Authenticator apps show '123 456'; spaces are dropped, an empty field is no code."""
    code = "".join(text.split())
    return code or None


@router.post("/sign-out")
def sign_out(uows: Uows, visit: PostedVisit) -> Response:
    if visit.session_token is not None:
        accounts.end_session(uows, visit.session_token)
    response = redirect(visit, "/sign-in?signed_out=true")
    end_session_cookie(response)
    return response


def safe_next(target: str) -> str:
    """Only a path on this site: never another host (no open redirect)."""
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(c < " " for c in target)
    ):
        return "/"
    return target


@router.post("/language")
def change_language(
    uows: Uows,
    visit: PostedVisit,
    language: Annotated[str, Form(max_length=8)] = "",
    next_page: Annotated[str, Form(alias="next", max_length=500)] = "/",
) -> Response:
    if language not in accounts.LANGUAGES:
        raise ValidationFailed([FieldProblem("language", "invalid_value", "not a language of this site")])
    if visit.user is not None:
        accounts.set_language(uows, visit.user.actor, language)
    response = redirect(visit, safe_next(next_page))
    remember_language(response, language)
    return response
