"""Helpers for the UI's TestClient tests: a browser-like client over https (Secure cookies) and sign-in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2 as httpx  # the client Starlette's TestClient is built on
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from homebound.config import Settings
from homebound.web.app import create_app
from tests.clock import SetClock
from tests.world import PASSWORD

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BASE = "https://testserver"  # httpx only returns Secure cookies over https, like a browser


# The pages' policy as docs/ui.md states it, written out here (not imported from the code under test): only
# our own origin, no inline script or style, no framing, forms post only to us.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def ui_app(url: str, connection: Connection) -> FastAPI:
    """The app on a clock the test sets (`app.state.clock`, a SetClock): codes are taken from it."""
    return create_app(Settings(environment="test", database_url=url), bind=connection, clock=SetClock())


@contextmanager
def ui_client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, follow_redirects=False, raise_server_exceptions=False) as client:
        yield client


def csrf_of(page: httpx.Response) -> str:
    found = _CSRF.search(page.text)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> httpx.Response:
    token = csrf_of(client.get("/sign-in"))
    answer = client.post("/sign-in", data={"csrf_token": token, "username": username, "password": password})
    assert answer.status_code == 303, answer.text
    return answer


def set_cookie_headers(response: httpx.Response, name: str) -> list[str]:
    return [h for h in response.headers.get_list("set-cookie") if h.startswith(name + "=")]
