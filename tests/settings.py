"""The tests' settings: the cheapest Argon2 cost (a password check in microseconds, not 0.2 s each).

tests/conftest.py puts them in the environment for the whole session, so every `Settings()` a test, a CLI
run or a server subprocess reads has them; production refuses them (tests/test_config.py).
"""

from __future__ import annotations

from homebound.services.passwords import PasswordCost

TEST_PASSWORD_COST = PasswordCost(time_cost=1, memory_kib=8, parallelism=1)
TEST_PASSWORD_ENV = {
    "HOMEBOUND_PASSWORD_TIME_COST": str(TEST_PASSWORD_COST.time_cost),
    "HOMEBOUND_PASSWORD_MEMORY_KIB": str(TEST_PASSWORD_COST.memory_kib),
    "HOMEBOUND_PASSWORD_PARALLELISM": str(TEST_PASSWORD_COST.parallelism),
}
