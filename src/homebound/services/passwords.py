"""Password and secret hashing (Argon2id) at a configured cost; a check reads the cost stored in the hash."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


@dataclass(frozen=True)
class PasswordCost:
    """Argon2id parameters for new hashes. The default is RFC 9106's second recommended option (t=3,
    64 MiB, 4 lanes), argon2-cffi's own default and the least production accepts (config.Settings)."""

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 4

    def weaker_than(self, floor: PasswordCost) -> bool:
        return (
            self.time_cost < floor.time_cost
            or self.memory_kib < floor.memory_kib
            or self.parallelism < floor.parallelism
        )


PRODUCTION_COST = PasswordCost()


@functools.cache
def _hasher(cost: PasswordCost) -> PasswordHasher:
    return PasswordHasher(time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism)


def hash_password(password: str, cost: PasswordCost = PRODUCTION_COST) -> str:
    return _hasher(cost).hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """The hash names its own parameters, so a check costs what the hash cost to make."""
    try:
        return _hasher(PRODUCTION_COST).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def dummy_hash(cost: PasswordCost, purpose: str) -> str:
    """A hash to check when there is nothing to check against (an unknown user, an unknown case code), made
    at the configured cost so the answer takes as long as a wrong password: no oracle by timing."""
    return _hasher(cost).hash(f"homebound-timing-equaliser-{purpose}")
