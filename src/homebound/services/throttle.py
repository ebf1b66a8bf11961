"""Throttles that slow guessing without handing an attacker a lock on someone else's account.

Failures are counted in the database (db/guard_tables.py), so every API worker sees the same counts, on
three keys for each attempt on a target (a username, a family's case code) from a client address:

- the **address**: too many failures from one address, on any target, hold that address back;
- the **pair** (address, target): too many failures on one target from one address hold that pair back;
- the **target**: too many failures on one target from all addresses start its back-off. While it runs,
  only addresses that have already failed on the target are refused: an address that has not (the
  account holder at their own desk) is still heard, once, and its password (and code) can pass. A failure
  from such an address lengthens the back-off. An attacker therefore never locks the account for
  everybody; spread over many addresses, they get one guess per address per back-off.

Every hold doubles with each further failure (exponential back-off) up to `longest_hold_seconds`; counts
are forgotten after `window_seconds` without failure. A success clears the pair and the target (the holder
proved themselves), never the address: an attacker who signs in to their own account in between guesses
must not reset their address's count. See docs/security.md.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import deque
from dataclasses import dataclass

from sqlalchemy.orm import Session

from homebound.core.errors import DomainError
from homebound.db import guard_store
from homebound.db.guard_tables import ThrottleRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.clock import Clock, system_clock


class TooManyAttempts(DomainError):
    """Refused without checking the password (or secret): too many recent failures."""

    code = "auth.too_many_attempts"
    status_hint = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed attempts; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class ThrottlePolicy:
    per_target: int = 5  # failures on one target (all addresses) before its back-off starts
    per_pair: int = 5  # failures on one target from one address before that pair is held back
    per_address: int = 20  # failures from one address (all targets) before it is held back
    # Every attempt from one address, right or wrong, before it is held back (0: not counted): where each
    # check costs a slow hash and anyone can hold a valid secret (a family files its own inquiry).
    per_address_attempts: int = 0
    window_seconds: float = 15 * 60  # counts forgotten after this long without a failure
    first_hold_seconds: float = 60.0  # the first hold; each further failure doubles it
    longest_hold_seconds: float = 15 * 60

    def hold(self, failures: int, limit: int) -> float:
        """Seconds held back after `failures` failures on a key whose limit is `limit` (0: not held)."""
        if failures < limit:
            return 0.0
        doubled = self.first_hold_seconds * float(2 ** min(failures - limit, 30))
        return min(self.longest_hold_seconds, doubled)


@dataclass(frozen=True)
class _Keys:
    address: str | None
    pair: str | None
    target: str
    attempts: str | None


class SignInThrottle:
    """The database-backed throttle of one kind of secret (`scope`: sign-in, a family's case secret)."""

    def __init__(
        self,
        uows: UnitOfWorkFactory,
        policy: ThrottlePolicy | None = None,
        *,
        clock: Clock = system_clock,
        scope: str = "sign-in",
    ) -> None:
        self.uows = uows
        self.policy = policy or ThrottlePolicy()
        self.clock = clock
        self.scope = scope
        self.reauthentication = ProcessCounter(self.policy, clock)

    def _keys(self, target: str, address: str | None) -> _Keys:
        def digest(*parts: str) -> str:
            return hashlib.sha256("\x00".join((self.scope, *parts)).encode()).hexdigest()

        name = target.strip().casefold()
        return _Keys(
            address=digest("address", address) if address else None,
            pair=digest("pair", address, name) if address else None,
            target=digest("target", name),
            attempts=digest("attempts", address) if address and self.policy.per_address_attempts else None,
        )

    def _live(self, row: ThrottleRow | None, now: float) -> ThrottleRow | None:
        """The row if its count still stands (a hold running, or a failure within the window)."""
        if row is None:
            return None
        if row.blocked_until <= now and row.last_failed_at < now - self.policy.window_seconds:
            return None
        return row

    def retry_after(self, target: str, address: str | None) -> int | None:
        """Seconds until this address may try this target again, or None if it may now."""
        now = self.clock()
        keys = self._keys(target, address)
        with self.uows.reader() as uow:
            digests = [k for k in (keys.address, keys.pair, keys.target, keys.attempts) if k]
            found = guard_store.counters(uow.session, digests)
        by_address = self._live(found.get(keys.address or ""), now)
        pair = self._live(found.get(keys.pair or ""), now)
        on_target = self._live(found.get(keys.target), now)
        attempts = self._live(found.get(keys.attempts or ""), now)
        holds = [row.blocked_until for row in (by_address, pair, attempts) if row is not None]
        # The target's back-off holds only the addresses that already failed on it (or an attempt with no
        # address at all): an address new to this target is still heard.
        if on_target is not None and (keys.pair is None or pair is not None):
            holds.append(on_target.blocked_until)
        wait = max(holds, default=0.0) - now
        return max(1, math.ceil(wait)) if wait > 0 else None

    def check(self, target: str, address: str | None) -> None:
        wait = self.retry_after(target, address)
        if wait is not None:
            raise TooManyAttempts(wait)

    def failed(self, target: str, address: str | None) -> None:
        now = self.clock()
        policy = self.policy
        keys = self._keys(target, address)
        limits = [(keys.target, policy.per_target)]
        if keys.address is not None and keys.pair is not None:
            limits += [(keys.pair, policy.per_pair), (keys.address, policy.per_address)]
        if keys.attempts is not None:
            limits.append((keys.attempts, policy.per_address_attempts))
        with self.uows.writer() as uow:
            self._count(uow.session, limits, now)
            guard_store.prune_counters(
                uow.session, failed_before=now - policy.window_seconds - policy.longest_hold_seconds, now=now
            )
            uow.commit()

    def succeeded(self, target: str, address: str | None) -> None:
        keys = self._keys(target, address)
        with self.uows.writer() as uow:
            guard_store.forget(uow.session, [k for k in (keys.pair, keys.target) if k])
            if keys.attempts is not None:
                self._count(uow.session, [(keys.attempts, self.policy.per_address_attempts)], self.clock())
            uow.commit()

    def _count(self, session: Session, limits: list[tuple[str, int]], now: float) -> None:
        """One more on each key; a key at its limit is held, for longer with each one beyond it."""
        for digest, limit in sorted(limits):  # one lock order for every worker: no deadlock
            row = guard_store.bump(session, digest, now, now - self.policy.window_seconds)
            held = self.policy.hold(row.failures, limit)
            row.blocked_until = max(row.blocked_until, now + held) if held else row.blocked_until


class ProcessCounter:
    """Failed re-authentications of signed-in users, counted in this process.

    A binding step checks the password inside its own writing transaction; recording the failure in the
    database from there would wait on that very transaction (SQLite has one writer) or vanish with its
    rollback. Only a holder of a valid session can try at all, so a count per process (the limit times
    the number of workers, at worst) is kept here; anonymous guessing (sign-in, family look-ups) is
    counted in the database. Bounded: the oldest keys are forgotten first.
    """

    def __init__(self, policy: ThrottlePolicy, clock: Clock, *, max_keys: int = 100_000) -> None:
        self.policy = policy
        self.clock = clock
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        found = self._failures.get(key, deque())
        while found and found[0] <= now - self.policy.window_seconds:
            found.popleft()
        return found

    def retry_after(self, key: str) -> int | None:
        now = self.clock()
        with self._lock:
            recent = self._recent(key, now)
            if len(recent) < self.policy.per_target:
                return None
            wait = recent[len(recent) - self.policy.per_target] + self.policy.window_seconds - now
        return max(1, math.ceil(wait))

    def failed(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            self._failures[key] = self._recent(key, now)
            self._failures[key].append(now)
            while len(self._failures) > self.max_keys:
                del self._failures[next(iter(self._failures))]
