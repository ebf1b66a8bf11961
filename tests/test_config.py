"""Settings: production refuses what is only safe in a test (cheap password hashing, the demo)."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters
from pydantic import ValidationError

from homebound.config import Settings
from homebound.services.passwords import PasswordCost, hash_password, verify_password

# RFC 9106, section 4, second recommended option: t=3, 64 MiB, 4 lanes; nothing weaker in production.
RFC_9106 = {"password_time_cost": 3, "password_memory_kib": 65536, "password_parallelism": 4}


@pytest.fixture
def unconfigured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the tests' cheap hashing in the environment (tests/conftest.py), as a server starts."""
    for name in (
        "HOMEBOUND_PASSWORD_TIME_COST",
        "HOMEBOUND_PASSWORD_MEMORY_KIB",
        "HOMEBOUND_PASSWORD_PARALLELISM",
    ):
        monkeypatch.delenv(name)


def test_the_default_cost_is_rfc_9106_and_production_accepts_it(unconfigured: None) -> None:
    settings = Settings(environment="production", allow_demo=False)
    assert settings.password_cost() == PasswordCost(time_cost=3, memory_kib=65536, parallelism=4)


@pytest.mark.parametrize(
    "weaker",
    [{"password_time_cost": 2}, {"password_memory_kib": 65535}, {"password_parallelism": 1}],
    ids=["time", "memory", "lanes"],
)
def test_production_refuses_cheaper_password_hashing(weaker: dict[str, int]) -> None:
    with pytest.raises(ValidationError, match="HOMEBOUND_PASSWORD_TIME_COST"):
        Settings(environment="production", allow_demo=False, **{**RFC_9106, **weaker})


def test_production_refuses_the_tests_own_settings() -> None:
    # The environment here is the tests' (tests/settings.py): production must not start with it.
    with pytest.raises(ValidationError, match="RFC 9106"):
        Settings(environment="production", allow_demo=False)
    assert Settings(environment="test").password_cost() == PasswordCost(1, 8, 1)


def test_stronger_than_the_floor_is_accepted() -> None:
    stronger = {**RFC_9106, "password_time_cost": 4, "password_memory_kib": 131072}
    assert Settings(environment="production", allow_demo=False, **stronger).password_cost().time_cost == 4


def test_a_hash_carries_its_cost_and_any_setting_checks_it() -> None:
    cheap = hash_password("correct horse battery", PasswordCost(1, 8, 1))
    parameters = extract_parameters(cheap)
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (1, 8, 1)
    assert verify_password(cheap, "correct horse battery")
    assert not verify_password(cheap, "correct horse battery!")
    assert not verify_password("not a hash", "correct horse battery")
