"""Rendering pages: the Jinja environment, the security headers, and domain errors shown as pages."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from functools import cache, partial
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from homebound.core.errors import DomainError, ValidationFailed
from homebound.web.ui.details import translate_detail
from homebound.web.ui.i18n import LANGUAGE_NAMES
from homebound.web.ui.nav import navigation, overdue_cards
from homebound.web.ui.paper_i18n import doc_text
from homebound.web.ui.session import CsrfRejectedError, SignInRequiredError, Visit, apply_cookies, read_visit

log = logging.getLogger("homebound.web.ui")

# No inline script or style anywhere: everything comes from /static, so the policy can forbid both.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # Pages carry personal data: never stored by the browser or a proxy.
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("homebound.web.ui", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["doc_text"] = doc_text  # the documents' catalogue, for the pages' Print / PDF links
    return env


def is_htmx(request: Request) -> bool:
    # A history restore asks for the whole page even when htmx sends it.
    return "hx-request" in request.headers and "hx-history-restore-request" not in request.headers


def render(
    request: Request, visit: Visit, template: str, *, status: int = 200, **context: Any
) -> HTMLResponse:
    translator = visit.t
    html = (
        environment()
        .get_template(template)
        .render(
            visit=visit,
            user=visit.user,
            actor=visit.actor,
            _=translator.gettext,
            ngettext=translator.ngettext,
            label=translator.label,
            organisation=translator.organisation,
            decision=translator.decision,
            explain=partial(translate_detail, translator.gettext),
            lang=visit.language,
            languages=LANGUAGE_NAMES,
            nav=navigation(visit.actor, request.url.path),
            overdue_cards=0 if is_htmx(request) else overdue_cards(request, visit.actor),  # a swap has no nav
            here=request.url.path,
            csrf_token=visit.csrf_token,
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)
    return apply_cookies(response, visit)  # type: ignore[return-value]


def redirect(visit: Visit, url: str) -> Response:
    """303 after a POST, so a reload never repeats it."""
    return apply_cookies(RedirectResponse(url, status_code=303, headers=PAGE_HEADERS), visit)


def _sign_in_redirect(request: Request, visit: Visit) -> Response:
    target = "/sign-in?idle=true" if visit.session_ended_idle else "/sign-in"
    if is_htmx(request):
        return apply_cookies(Response(status_code=204, headers={"HX-Redirect": target}), visit)
    return apply_cookies(RedirectResponse(target, status_code=303, headers=PAGE_HEADERS), visit)


def error_page(request: Request, status: int, heading: str, detail: str, problems: Any = ()) -> Response:
    visit = read_visit(request)
    return render(
        request, visit, "error.html", status=status, heading=heading, detail=detail, problems=problems
    )


class UiRoute(APIRoute):
    """Answers our exceptions with pages (the API's problem+json handlers stay for /api)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except SignInRequiredError:
                return _sign_in_redirect(request, read_visit(request))
            except CsrfRejectedError:
                t = read_visit(request).t
                return error_page(
                    request,
                    403,
                    t.gettext("This form has expired"),
                    t.gettext(
                        "The form was not sent from this page, or your session changed. "
                        "Go back, reload the page and try again."
                    ),
                )
            except ValidationFailed as exc:
                t = read_visit(request).t
                return error_page(
                    request, 422, t.gettext("Some values are not valid"), exc.message, exc.problems
                )
            except DomainError as exc:
                return _domain_page(request, exc)
            except RequestValidationError:
                t = read_visit(request).t
                return error_page(
                    request,
                    400,
                    t.gettext("This address is not valid"),
                    t.gettext("A value in the address or the form is not one this page accepts."),
                )

        return handler


def _domain_page(request: Request, exc: DomainError) -> Response:
    t = read_visit(request).t
    headings = {
        401: t.gettext("Please sign in"),
        403: t.gettext("Not allowed"),
        404: t.gettext("Not found"),
        409: t.gettext("This cannot be done now"),
    }
    status = exc.status_hint
    if status == 401:
        return _sign_in_redirect(request, read_visit(request))
    return error_page(request, status, headings.get(status, t.gettext("Something is not right")), exc.message)
