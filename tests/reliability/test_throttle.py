"""The throttles cannot be turned against users: per address, per (address, target) and per target with
exponential back-off; X-Forwarded-For believed only from configured proxies; family status look-ups
throttled; and every worker sharing the counts and the spent second-factor codes through the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from typer.testing import CliRunner

from homebound.cli.main import app as cli
from homebound.config import Settings
from homebound.db.guard_tables import ThrottleRow
from homebound.db.tables import UserRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import second_factor
from homebound.web.app import create_app
from homebound.web.client_address import resolve, trusted_networks
from tests.clock import SetClock
from tests.conftest import Backend
from tests.keys import key_custody_of_tests
from tests.reliability.conftest import LiveDatabase
from tests.world import PASSWORD, World, idempotent

SIGN_IN = "/api/v1/auth/sign-in"
VICTIM, ATTACKER = "10.1.0.7", "10.66.0.1"


@pytest.fixture
def clock() -> SetClock:
    return SetClock()


@pytest.fixture
def app(backend: Backend, connection: Connection, clock: SetClock) -> FastAPI:
    settings = Settings(environment="test", database_url=backend.url, trusted_proxies="10.9.0.1")
    return create_app(settings, bind=connection, clock=clock)


def _from(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(address, 40000))


def _sign_in(client: TestClient, username: str, password: str, **headers: str) -> Any:
    return client.post(SIGN_IN, json={"username": username, "password": password}, headers=headers)


def test_an_attacker_cannot_keep_the_holder_out(app: FastAPI, world: World, clock: SetClock) -> None:
    attacker, victim = _from(app, ATTACKER), _from(app, VICTIM)
    answers = [_sign_in(attacker, "mediator", "guess guess guess").status_code for _ in range(12)]
    assert answers == [401] * 5 + [429] * 7  # held back from the sixth: not heard, no hash paid
    assert _sign_in(attacker, "mediator", PASSWORD).status_code == 429  # even the right password
    assert _sign_in(victim, "mediator", PASSWORD).status_code == 200  # the holder, from their desk
    clock.advance(30)
    assert _sign_in(attacker, "mediator", "guess guess guess").status_code == 429  # still held


def test_the_target_back_off_holds_only_the_addresses_that_failed(app: FastAPI, world: World) -> None:
    spread = [_from(app, f"10.2.0.{n}") for n in range(1, 6)]
    assert [_sign_in(c, "a_admin", "guess guess guess").status_code for c in spread] == [401] * 5
    # Five failures on the username from five addresses: its back-off has started. Each address that
    # failed is held; a new address is heard once, and its failure lengthens the back-off.
    assert _sign_in(spread[0], "a_admin", PASSWORD).status_code == 429
    fresh = _from(app, "10.2.0.99")
    assert _sign_in(fresh, "a_admin", "guess guess guess").status_code == 401
    again = _sign_in(fresh, "a_admin", "guess guess guess")
    assert again.status_code == 429 and int(again.headers["Retry-After"]) == 120  # doubled
    assert _sign_in(_from(app, VICTIM), "a_admin", PASSWORD).status_code == 200
    # The holder's success clears the username's back-off: the addresses that failed are heard again.
    assert _sign_in(spread[1], "a_admin", PASSWORD).status_code == 200


def test_one_address_guessing_many_usernames_is_held(app: FastAPI, world: World) -> None:
    guesser = _from(app, ATTACKER)
    assert [_sign_in(guesser, f"guess-{n}", "guess guess guess").status_code for n in range(20)] == [401] * 20
    assert _sign_in(guesser, "a_admin", PASSWORD).status_code == 429  # the address, on any username
    assert _sign_in(_from(app, VICTIM), "a_admin", PASSWORD).status_code == 200  # others are not


def test_holds_double_and_end(app: FastAPI, world: World, clock: SetClock) -> None:
    attacker = _from(app, ATTACKER)
    for _ in range(5):
        _sign_in(attacker, "b_admin", "guess guess guess")
    assert _sign_in(attacker, "b_admin", "guess").headers["Retry-After"] == "60"
    clock.advance(61)
    assert _sign_in(attacker, "b_admin", "guess guess guess").status_code == 401  # heard again, failed
    assert _sign_in(attacker, "b_admin", "guess").headers["Retry-After"] == "120"
    clock.advance(121)
    assert _sign_in(attacker, "b_admin", PASSWORD).status_code == 200


def test_rotated_forwarded_for_from_an_untrusted_client_is_ignored(app: FastAPI, world: World) -> None:
    client = _from(app, ATTACKER)
    answers = [
        _sign_in(client, f"guess-{n}", "guess guess guess", **{"X-Forwarded-For": f"192.0.2.{n}"}).status_code
        for n in range(22)
    ]
    assert answers == [401] * 20 + [429] * 2  # one address, whatever it claims


def test_forwarded_for_from_a_trusted_proxy_is_honoured(app: FastAPI, world: World) -> None:
    proxy = _from(app, "10.9.0.1")
    rotated = [
        _sign_in(proxy, f"guess-{n}", "guess guess guess", **{"X-Forwarded-For": f"192.0.2.{n}"}).status_code
        for n in range(22)
    ]
    assert rotated == [401] * 22  # 22 clients behind the proxy, one failure each
    one = {"X-Forwarded-For": "198.51.100.4"}
    same = [_sign_in(proxy, f"other-{n}", "guess guess guess", **one).status_code for n in range(21)]
    assert same == [401] * 20 + [429]  # the client the proxy names is held, not the proxy
    assert _sign_in(proxy, "a_admin", PASSWORD, **{"X-Forwarded-For": "198.51.100.5"}).status_code == 200
    # What the client wrote before the proxy appended its peer does not choose the address.
    spoofed = {"X-Forwarded-For": "203.0.113.1, 198.51.100.4"}
    assert _sign_in(proxy, "a_admin", PASSWORD, **spoofed).status_code == 429


def test_resolving_the_client_address() -> None:
    proxies = trusted_networks(["10.9.0.0/24", "fd00::/8"])
    assert resolve("10.66.0.1", ["192.0.2.1"], proxies) == "10.66.0.1"
    assert resolve("10.9.0.1", ["192.0.2.1"], proxies) == "192.0.2.1"
    assert resolve("10.9.0.1", ["203.0.113.9, 192.0.2.1, 10.9.0.2"], proxies) == "192.0.2.1"
    assert resolve("10.9.0.1", ["not an address"], proxies) == "10.9.0.1"
    assert resolve("10.9.0.1", [], proxies) == "10.9.0.1"
    assert resolve("testclient", ["192.0.2.1"], proxies) == "testclient"
    assert resolve("10.9.0.1", ["192.0.2.1"], ()) == "10.9.0.1"
    with pytest.raises(ValueError, match="not an address"):
        Settings(trusted_proxies="10.9.0.1, proxy.example")


def _file_inquiry(client: TestClient) -> tuple[str, str]:
    filed = client.post(
        "/api/v1/inquiries",
        headers=idempotent(),
        json={
            "party": "pa",
            "inquirer_name": "Марія Коваленко",
            "inquirer_contact": "+380 00 000 0000",
            "relationship": "mother",
            "consent": True,
            "sought": {"family_name": "Коваленко", "given_name": "Олександр"},
        },
    )
    assert filed.status_code == 201
    return filed.json()["case_code"], filed.json()["secret"]


def test_family_status_look_ups_are_throttled(app: FastAPI, world: World) -> None:
    family, guesser = _from(app, VICTIM), _from(app, ATTACKER)
    code, secret = _file_inquiry(family)

    def look_up(client: TestClient, case_code: str, case_secret: str) -> int:
        body = {"case_code": case_code, "secret": case_secret}
        return client.post("/api/v1/inquiries/status", json=body).status_code

    assert [look_up(guesser, code, "guessing-it") for _ in range(6)] == [401] * 5 + [429]
    assert look_up(family, code, secret) == 200  # the family, from elsewhere
    # Other case codes from the same address: held once the address has failed ten times in all.
    others = [look_up(guesser, f"AAAA-BBBB-CC{n:02d}", "guessing-it") for n in range(6)]
    assert others == [401] * 5 + [429]


def test_right_answers_count_too_for_family_look_ups(app: FastAPI, world: World) -> None:
    """Anyone can file an inquiry and so hold a valid secret: each look-up costs an Argon2 hash, so one
    address gets 30 in 15 minutes, right or wrong; another address is not held."""
    family = _from(app, VICTIM)
    code, secret = _file_inquiry(family)
    body = {"case_code": code, "secret": secret}
    hammer = _from(app, ATTACKER)
    answers = [hammer.post("/api/v1/inquiries/status", json=body).status_code for _ in range(31)]
    assert answers == [200] * 30 + [429]
    assert family.post("/api/v1/inquiries/status", json=body).status_code == 200


def test_the_throttle_keeps_no_username_or_address(
    app: FastAPI, uows: UnitOfWorkFactory, world: World
) -> None:
    _sign_in(_from(app, ATTACKER), "a_operator", "guess guess guess")
    with uows.reader() as uow:
        rows = uow.session.execute(select(ThrottleRow)).scalars().all()
    assert len(rows) == 3  # the address, the pair and the username (sign-in counts failures only)
    stored = " ".join(f"{r.key_digest} {r.failures}" for r in rows)
    assert "a_operator" not in stored and ATTACKER not in stored


# Two app instances (two workers) over one database, as deployed: real engines, real commits.


@pytest.fixture
def workers(live: LiveDatabase) -> Iterator[tuple[TestClient, TestClient, SetClock]]:
    clock = SetClock()
    first = create_app(live.settings(), clock=clock)
    second = create_app(live.settings(), clock=clock)
    with TestClient(first, client=("10.3.0.1", 1)) as a, TestClient(second, client=("10.3.0.1", 2)) as b:
        yield a, b, clock
    for app in (first, second):
        app.state.uows.bind.dispose()


def test_two_workers_share_the_throttle(
    workers: tuple[TestClient, TestClient, SetClock], live: LiveDatabase
) -> None:
    first, second, _clock = workers
    for worker in (first, second, first, second, first):
        assert _sign_in(worker, "med_observer", "guess guess guess").status_code == 401
    assert _sign_in(second, "med_observer", PASSWORD).status_code == 429
    assert _sign_in(first, "med_observer", PASSWORD).status_code == 429


def test_two_workers_share_the_spent_codes(
    workers: tuple[TestClient, TestClient, SetClock], live: LiveDatabase
) -> None:
    first, second, clock = workers
    uows = UnitOfWorkFactory(live.engine, key_custody_of_tests())
    second_factor.enrol(uows, "b_operator")
    with uows.reader() as uow:
        secret = uow.session.execute(select(UserRow.totp_secret).where(UserRow.username == "b_operator"))
        totp_secret = secret.scalar_one()
    assert totp_secret is not None
    code = second_factor.current_code(totp_secret, now=clock())
    body = {"username": "b_operator", "password": PASSWORD, "totp_code": code}
    assert first.post(SIGN_IN, json=body).status_code == 200
    assert second.post(SIGN_IN, json=body).status_code == 401  # spent on the other worker
    clock.advance(second_factor.STEP_SECONDS)
    fresh = {**body, "totp_code": second_factor.current_code(totp_secret, now=clock())}
    assert second.post(SIGN_IN, json=fresh).status_code == 200


def test_serve_leaves_forwarded_headers_to_the_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """uvicorn's own proxy headers would believe X-Forwarded-For from any local peer; `homebound serve`
    turns them off, so only HOMEBOUND_TRUSTED_PROXIES decides."""
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    env = {"HOMEBOUND_DATABASE_URL": f"sqlite:///{tmp_path / 'hb.sqlite3'}"}
    assert CliRunner().invoke(cli, ["serve"], env=env).exit_code == 0
    assert seen["proxy_headers"] is False
