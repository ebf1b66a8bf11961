"""Sessions and headers: one answer for every failed sign-in, the TOTP second factor (on the app's clock,
set by the tests), re-authentication, and the security headers. The throttles: test_throttle.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from typer.testing import CliRunner

from homebound.cli.main import app as cli
from homebound.config import Settings
from homebound.core.access import Actor, OrganisationKind, Role
from homebound.core.errors import ValidationFailed
from homebound.db.engine import make_engine
from homebound.db.tables import ApiTokenRow, UserRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts, second_factor
from homebound.services.sign_in import (
    Reauthentication,
    ReauthenticationFailed,
    SignInThrottle,
    ThrottlePolicy,
    TooManyAttempts,
    confirm_binding,
)
from homebound.web.app import create_app
from tests.clock import SetClock
from tests.conftest import Backend
from tests.keys import key_custody_of_tests
from tests.settings import TEST_PASSWORD_COST
from tests.world import PASSWORD, World

SIGN_IN = "/api/v1/auth/sign-in"


def _client(backend: Backend, connection: Connection, clock: SetClock, **settings: Any) -> TestClient:
    built = Settings(environment="test", database_url=backend.url, **settings)
    return TestClient(create_app(built, bind=connection, clock=clock), raise_server_exceptions=False)


@pytest.fixture
def clock() -> SetClock:
    return SetClock()


@pytest.fixture
def client(backend: Backend, connection: Connection, clock: SetClock) -> Iterator[TestClient]:
    with _client(backend, connection, clock) as test_client:
        yield test_client


def _attempt(client: TestClient, username: str, password: str, code: str | None = None) -> Any:
    body = {"username": username, "password": password}
    if code is not None:
        body["totp_code"] = code
    return client.post(SIGN_IN, json=body)


def _secret(uows: UnitOfWorkFactory, username: str) -> str:
    with uows.reader() as uow:
        secret = uow.session.execute(
            select(UserRow.totp_secret).where(UserRow.username == username)
        ).scalar_one()
    assert secret is not None
    return secret


@pytest.mark.parametrize("username", ["a_operator", "nobody-at-all"])
def test_failures_are_throttled_alike_for_known_and_unknown_users(
    client: TestClient, world: World, username: str
) -> None:
    answers = [_attempt(client, username, "wrong password!") for _ in range(5)]
    assert [a.status_code for a in answers] == [401] * 5
    assert len({a.text for a in answers}) == 1
    refused = _attempt(client, username, PASSWORD)  # even the right password, from this address
    assert refused.status_code == 429 and refused.json()["code"] == "auth.too_many_attempts"
    assert int(refused.headers["Retry-After"]) == 60  # the first hold of the back-off
    assert _attempt(client, "b_operator", PASSWORD).status_code == 200


def _code_of_no_step_near(secret: str, now: float) -> str:
    """A well-formed code that is wrong for certain: no step the server could check shows it."""
    near = {second_factor.current_code(secret, now=now + 30 * k) for k in range(-3, 4)}
    return next(code for code in (f"{n:06d}" for n in range(10)) if code not in near)


def test_second_factor_codes(
    client: TestClient, uows: UnitOfWorkFactory, world: World, clock: SetClock
) -> None:
    enrolment = second_factor.enrol(uows, "a_admin")
    assert enrolment.provisioning_uri.startswith("otpauth://totp/Homebound:a_admin?secret=")
    secret = _secret(uows, "a_admin")
    wrong_password = _attempt(client, "a_admin", "wrong password!")
    without_code = _attempt(client, "a_admin", PASSWORD)
    wrong_code = _attempt(client, "a_admin", PASSWORD, _code_of_no_step_near(secret, clock()))
    assert without_code.status_code == wrong_code.status_code == 401
    assert without_code.json() == wrong_code.json() == wrong_password.json()  # no password oracle
    code = second_factor.current_code(secret, now=clock())
    assert _attempt(client, "a_admin", PASSWORD, code).status_code == 200
    assert _attempt(client, "a_admin", PASSWORD, code).status_code == 401  # a code is good once
    clock.advance(second_factor.STEP_SECONDS)  # the next step, without waiting for it
    assert _attempt(client, "a_admin", PASSWORD, code).status_code == 401  # still spent one step later
    following = second_factor.current_code(secret, now=clock())
    assert following != code
    assert _attempt(client, "a_admin", PASSWORD, following).status_code == 200
    clock.advance(3 * second_factor.STEP_SECONDS)
    stale = second_factor.current_code(secret, now=clock() - 2 * second_factor.STEP_SECONDS)
    assert _attempt(client, "a_admin", PASSWORD, stale).status_code == 401  # two steps old: too old


def test_production_refuses_accounts_without_a_second_factor(
    backend: Backend, connection: Connection, uows: UnitOfWorkFactory, world: World, clock: SetClock
) -> None:
    with _client(backend, connection, clock, require_second_factor=True) as client:
        refused = _attempt(client, "b_admin", PASSWORD)
        assert refused.status_code == 401 and refused.json()["code"] == "auth.second_factor_required"
        second_factor.enrol(uows, "b_admin")
        code = second_factor.current_code(_secret(uows, "b_admin"), now=clock())
        assert _attempt(client, "b_admin", PASSWORD, code).status_code == 200
    production = {"password_time_cost": 3, "password_memory_kib": 65536, "password_parallelism": 4}
    assert Settings(environment="production", allow_demo=False, **production).second_factor_required()
    assert not Settings(environment="development").second_factor_required()


def test_codes_from_the_neighbouring_steps_only(uows: UnitOfWorkFactory) -> None:
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    now = 1_800_000_000.0
    with uows.writer() as uow:
        accepted = second_factor.code_accepted(
            uow.session, "u1", secret, second_factor.current_code(secret, now=now - 30), now=now
        )
        too_old = second_factor.code_accepted(
            uow.session, "u2", secret, second_factor.current_code(secret, now=now - 90), now=now
        )
        short = second_factor.code_accepted(uow.session, "u3", secret, "12345", now=now)
        missing = second_factor.code_accepted(uow.session, "u3", secret, None, now=now)
    assert (accepted, too_old, short, missing) == (True, False, False, False)


def _confirm(
    uows: UnitOfWorkFactory,
    actor: Actor,
    password: str,
    code: str | None = None,
    throttle: SignInThrottle | None = None,
) -> None:
    with uows.writer() as uow:
        proof = Reauthentication(password, code)
        confirm_binding(uow.session, actor, proof, throttle=throttle, code="test.reauthentication_failed")
        uow.commit()


def test_reauthentication(uows: UnitOfWorkFactory, world: World, clock: SetClock) -> None:
    throttle = SignInThrottle(uows, clock=clock)
    actor = world.actors["a_operator"]
    _confirm(uows, actor, PASSWORD, throttle=throttle)
    for password in ("", "wrong password!"):
        with pytest.raises(ReauthenticationFailed) as refused:
            _confirm(uows, actor, password, throttle=throttle)
        assert refused.value.code == "test.reauthentication_failed"  # the step's own code, a 403
    second_factor.enrol(uows, "a_operator")
    with pytest.raises(ReauthenticationFailed):
        _confirm(uows, actor, PASSWORD, throttle=throttle)
    code = second_factor.current_code(_secret(uows, "a_operator"), now=clock())
    _confirm(uows, actor, PASSWORD, code, throttle=throttle)
    with pytest.raises(ReauthenticationFailed):
        _confirm(uows, actor, PASSWORD, code, throttle=throttle)  # a code is accepted once


def test_a_binding_proof_does_not_show_its_secrets() -> None:
    proof = Reauthentication("correct horse battery", "123456")
    assert "correct horse" not in repr(proof) and "123456" not in repr(proof) and "123456" not in str(proof)


def test_reauthentication_cannot_be_used_to_guess(
    uows: UnitOfWorkFactory, world: World, clock: SetClock
) -> None:
    throttle = SignInThrottle(uows, ThrottlePolicy(per_target=3), clock=clock)
    actor = world.actors["b_admin"]
    for _ in range(3):
        with pytest.raises(ReauthenticationFailed):
            _confirm(uows, actor, "guess guess guess", throttle=throttle)
    with pytest.raises(TooManyAttempts):
        _confirm(uows, actor, PASSWORD, throttle=throttle)


def test_cli_enrols_a_second_factor(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/hb.sqlite3"
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"], env={"HOMEBOUND_DATABASE_URL": url}).exit_code == 0
    engine = make_engine(url)
    try:
        uows = UnitOfWorkFactory(engine, key_custody_of_tests())
        accounts.create_organisation(uows, "pa", "Party A", OrganisationKind.PARTY)
        accounts.create_user(
            uows,
            "test",
            username="olena",
            display_name="Olena",
            organisation_code="pa",
            role=Role.PARTY_OPERATOR,
            password=PASSWORD,
            cost=TEST_PASSWORD_COST,
        )
    finally:
        engine.dispose()
    enrolled = runner.invoke(cli, ["users", "totp", "olena"], env={"HOMEBOUND_DATABASE_URL": url})
    assert enrolled.exit_code == 0, enrolled.output
    assert "otpauth://totp/Homebound:olena?secret=" in enrolled.output
    assert runner.invoke(cli, ["users", "totp", "nobody"], env={"HOMEBOUND_DATABASE_URL": url}).exit_code == 2


@pytest.mark.parametrize(
    ("path", "personal"),
    [
        ("/api/v1/persons?registry=held", True),
        ("/api/v1/nowhere", True),
        ("/sign-in", True),
        ("/api/v1/public/ledger", False),
        ("/static/ui.css", False),
    ],
)
def test_security_headers(client: TestClient, world: World, path: str, personal: bool) -> None:
    answer = client.get(path, headers=world.headers("a_operator"))
    headers = answer.headers
    policy = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["X-Frame-Options"] == "DENY"
    assert (headers.get("Cache-Control") == "no-store") is personal


def test_every_token_expires_whatever_mints_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/hb.sqlite3"
    env = {"HOMEBOUND_DATABASE_URL": url}
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    engine = make_engine(url)
    try:
        uows = UnitOfWorkFactory(engine, key_custody_of_tests())
        accounts.create_organisation(uows, "pa", "Party A", OrganisationKind.PARTY)
        accounts.create_user(
            uows,
            "test",
            username="olena",
            display_name="Olena",
            organisation_code="pa",
            role=Role.PARTY_OPERATOR,
            password=PASSWORD,
            cost=TEST_PASSWORD_COST,
        )
        minted = runner.invoke(cli, ["users", "token", "olena", "--name", "nightly"], env=env)
        assert minted.exit_code == 0, minted.output
        forever = runner.invoke(cli, ["users", "token", "olena", "--days", "0"], env=env)
        assert forever.exit_code == 2 and "days" in forever.output
        too_long = dt.timedelta(days=3661)
        with pytest.raises(ValidationFailed) as refused:
            accounts.create_api_token(uows, "test", "olena", "decade", too_long)
        assert refused.value.problems[0].field == "days"
        with uows.reader() as uow:
            rows = uow.session.execute(select(ApiTokenRow.created_at, ApiTokenRow.expires_at)).all()
    finally:
        engine.dispose()
    assert len(rows) == 1  # the refused ones made nothing
    ((created, expires),) = rows
    assert expires is not None
    assert abs(expires - created - dt.timedelta(days=90)) < dt.timedelta(minutes=1)
