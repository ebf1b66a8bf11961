"""UI sessions: cookie flags, CSRF on every form, sign-out, the idle timeout and the remembered language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select, update

from homebound.db.tables import ApiTokenRow, UserRow
from homebound.web import ui
from homebound.web.ui.render import UiRoute
from homebound.web.ui.session import LANGUAGE_COOKIE, SESSION_COOKIE, VISITOR_COOKIE
from tests.conftest import Backend
from tests.web.ui_support import csrf_of, set_cookie_headers, sign_in, ui_app, ui_client


@pytest.fixture
def app(backend: Backend, connection: Connection) -> FastAPI:
    return ui_app(backend.url, connection)


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with ui_client(app) as client:
        yield client


def _flags(header: str) -> set[str]:
    return {part.strip().split("=", 1)[0].lower() for part in header.split(";")[1:]}


@pytest.mark.parametrize("cookie", [SESSION_COOKIE, VISITOR_COOKIE, LANGUAGE_COOKIE])
def test_cookie_flags(browser: TestClient, cookie: str) -> None:
    visitor_page = browser.get("/sign-in")
    signed_in = sign_in(browser, "a_operator")
    headers = set_cookie_headers(visitor_page, cookie) + set_cookie_headers(signed_in, cookie)
    assert len(headers) == 1
    header = headers[0]
    assert cookie.startswith("__Host-")
    assert {"secure", "httponly", "samesite", "path"} <= _flags(header)
    assert "samesite=strict" in header.lower()
    assert "path=/;" in header.lower() + ";"
    assert "domain" not in _flags(header)  # a __Host- cookie must not name a domain


def test_session_cookie_ends_with_the_browser(browser: TestClient) -> None:
    header = set_cookie_headers(sign_in(browser, "a_operator"), SESSION_COOKIE)[0]
    assert not {"max-age", "expires"} & _flags(header)


def _ui_routes() -> list[APIRoute]:
    return [r for area in ui.AREAS for r in area.router.routes if isinstance(r, APIRoute)]


def test_every_ui_route_answers_with_pages() -> None:
    assert all(isinstance(r, UiRoute) for r in _ui_routes())


def test_every_ui_form_rejects_a_post_without_its_token(browser: TestClient) -> None:
    sign_in(browser, "a_operator")
    posts = sorted(r.path for r in _ui_routes() if "POST" in (r.methods or ()))
    assert len(posts) >= 9  # sign-in, sign-out, language, search, import x2, attach, family x2
    for path in posts:
        url = path.replace("{registry}", "held")
        missing = browser.post(url, data={"family_name_prefix": "Ко", "language": "uk"})
        forged = browser.post(url, data={"csrf_token": "0" * 64, "language": "uk"})
        assert missing.status_code == forged.status_code == 403, path
        assert "This form has expired" in missing.text


def test_a_visitor_token_is_void_once_signed_in(browser: TestClient) -> None:
    before = csrf_of(browser.get("/sign-in"))
    sign_in(browser, "a_operator")
    after = csrf_of(browser.get("/party/held"))
    assert before != after
    assert browser.post("/language", data={"csrf_token": before, "language": "uk"}).status_code == 403
    assert browser.post("/language", data={"csrf_token": after, "language": "uk"}).status_code == 303


def test_another_sessions_token_is_rejected(app: FastAPI, browser: TestClient) -> None:
    sign_in(browser, "a_operator")
    with ui_client(app) as other:
        sign_in(other, "a_operator")
        foreign = csrf_of(other.get("/party/held"))
    answer = browser.post("/party/held/search", data={"csrf_token": foreign, "family_name_prefix": "Ко"})
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("who", "lands_on"),
    [
        ("a_operator", "/party/held"),
        ("a_observer", "/party/held"),
        ("mediator", "/mediator"),
        ("med_observer", "/mediator"),
    ],
)
def test_sign_in_lands_on_the_workspace(browser: TestClient, who: str, lands_on: str) -> None:
    assert sign_in(browser, who).headers["location"] == lands_on
    assert browser.get(lands_on).status_code == 200


def test_wrong_password_signs_nobody_in(browser: TestClient) -> None:
    token = csrf_of(browser.get("/sign-in"))
    answer = browser.post(
        "/sign-in", data={"csrf_token": token, "username": "a_operator", "password": "x" * 20}
    )
    assert answer.status_code == 200
    assert "Unknown user, wrong password or wrong code." in answer.text
    assert not set_cookie_headers(answer, SESSION_COOKIE)


def test_sign_out_revokes_the_session(app: FastAPI, browser: TestClient) -> None:
    sign_in(browser, "a_operator")
    token = browser.cookies.get(SESSION_COOKIE)
    assert token
    out = browser.post("/sign-out", data={"csrf_token": csrf_of(browser.get("/party/held"))})
    assert out.status_code == 303
    assert set_cookie_headers(out, SESSION_COOKIE)[0].lower().count("max-age=0") == 1
    # The old cookie, replayed, is worth nothing: not in the UI, not on the API.
    with ui_client(app) as replay:
        replay.cookies.set(SESSION_COOKIE, token)
        assert replay.get("/party/held").headers["location"] == "/sign-in"
        assert replay.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_browser_session_is_no_api_bearer_token(app: FastAPI, browser: TestClient) -> None:
    """A signed-in browser's cookie, taken to the API, would escape the 30-minute idle limit there."""
    sign_in(browser, "a_operator")
    token = browser.cookies.get(SESSION_COOKIE)
    assert token and browser.get("/party/held").status_code == 200  # a live session in the UI ...
    with ui_client(app) as script:
        refused = script.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401  # ... and nothing on the API
        assert refused.json()["code"] == "auth.invalid_token"
        listed = script.get("/api/v1/persons", headers={"Authorization": f"Bearer {token}"})
        assert listed.status_code == 401


def _age_sessions(connection: Connection, minutes: int) -> None:
    then = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
    connection.execute(
        update(ApiTokenRow).where(ApiTokenRow.kind == "browser").values(created_at=then, last_used_at=then)
    )


@pytest.mark.parametrize(("idle_minutes", "still_in"), [(29, True), (31, False)])
def test_idle_timeout(browser: TestClient, connection: Connection, idle_minutes: int, still_in: bool) -> None:
    sign_in(browser, "a_operator")
    _age_sessions(connection, idle_minutes)
    page = browser.get("/party/held")
    if still_in:
        assert page.status_code == 200
        return
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?idle=true"
    assert "30 minutes without activity" in browser.get(page.headers["location"]).text
    assert "max-age=0" in set_cookie_headers(page, SESSION_COOKIE)[0].lower()
    revoked = connection.execute(
        select(ApiTokenRow.revoked_at).where(ApiTokenRow.kind == "browser")
    ).scalars()
    assert all(r is not None for r in revoked)


def test_activity_keeps_the_session_alive(browser: TestClient, connection: Connection) -> None:
    sign_in(browser, "a_operator")
    _age_sessions(connection, 20)
    assert browser.get("/party/held").status_code == 200  # touches last_used_at
    used = connection.execute(
        select(ApiTokenRow.last_used_at).where(ApiTokenRow.kind == "browser")
    ).scalar_one()
    assert used is not None
    used = used if used.tzinfo else used.replace(tzinfo=dt.UTC)  # SQLite returns naive UTC
    assert dt.datetime.now(dt.UTC) - used < dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("language", "heading"),
    [("uk", "Реєстр утримуваних"), ("ru", "Реестр удерживаемых"), ("en", "Held registry")],
)
def test_language_is_remembered_per_user(
    app: FastAPI, browser: TestClient, connection: Connection, language: str, heading: str
) -> None:
    sign_in(browser, "a_operator")
    token = csrf_of(browser.get("/party/held"))
    switched = browser.post(
        "/language", data={"csrf_token": token, "language": language, "next": "/party/held"}
    )
    assert switched.headers["location"] == "/party/held"
    assert f"<h1>{heading}</h1>" in browser.get("/party/held").text
    stored = connection.execute(select(UserRow.language).where(UserRow.username == "a_operator")).scalar_one()
    assert stored == language
    with ui_client(app) as elsewhere:  # a fresh browser: no language cookie, the account remembers
        sign_in(elsewhere, "a_operator")
        assert f"<h1>{heading}</h1>" in elsewhere.get("/party/held").text


@pytest.mark.parametrize(
    ("accept", "heading"),
    [
        ("ru-RU,ru;q=0.9,en;q=0.5", "Войти"),
        ("uk", "Увійти"),
        ("de-DE, en;q=0.1", "Sign in"),
        ("", "Sign in"),
        ("en;q=0.2, uk;q=0.8", "Увійти"),
    ],
)
def test_visitors_get_their_browsers_language(browser: TestClient, accept: str, heading: str) -> None:
    page = browser.get("/sign-in", headers={"Accept-Language": accept})
    assert f"<h1>{heading}</h1>" in page.text


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "\\\\evil", "javascript:alert(1)"]
)
def test_language_switch_never_redirects_off_site(browser: TestClient, target: str) -> None:
    token = csrf_of(browser.get("/sign-in"))
    answer = browser.post("/language", data={"csrf_token": token, "language": "uk", "next": target})
    assert answer.headers["location"] == "/"


def test_unknown_language_is_refused(browser: TestClient) -> None:
    token = csrf_of(browser.get("/sign-in"))
    assert browser.post("/language", data={"csrf_token": token, "language": "xx"}).status_code == 422


def test_htmx_requests_are_sent_to_sign_in_too(browser: TestClient, connection: Connection) -> None:
    sign_in(browser, "a_operator")
    _age_sessions(connection, 31)
    swap = browser.get("/party/held?status=held", headers={"HX-Request": "true"})
    assert swap.status_code == 204
    assert swap.headers["hx-redirect"] == "/sign-in?idle=true"
