"""Things the browser UI keeps between two requests (an import's file between preview and confirmation, a
reconciliation report between its page and its download): in memory only, for a short time, for the
session that made them, within a quota per party.

The quota is what makes it safe to share: when a party exceeds its count or its bytes, its own oldest
item goes, never another party's, so one party's previews cannot cancel the other's; and memory is
bounded by the number of parties times the per-party bytes.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class _Kept(Generic[T]):
    party: str
    owner: str  # hash of the session token
    item: T
    size: int
    stored_at: float


class QuotaStash(Generic[T]):
    def __init__(
        self,
        *,
        per_party_items: int,
        per_party_bytes: int,
        ttl_seconds: float = 15 * 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_party_items = per_party_items
        self.per_party_bytes = per_party_bytes
        self.ttl = ttl_seconds
        self.clock = clock
        self._items: OrderedDict[str, _Kept[T]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, party: str, owner: str, item: T, size: int) -> str:
        """Keep `item` (of `size` bytes) for `owner`; the party's oldest items make room if needed."""
        key = secrets.token_urlsafe(16)
        with self._lock:
            self._expire()
            self._items[key] = _Kept(party, owner, item, size, self.clock())
            self._within_quota(party, keep=key)
        return key

    def get(self, key: str, owner: str) -> T | None:
        with self._lock:
            self._expire()
            kept = self._items.get(key)
            return kept.item if kept is not None and kept.owner == owner else None

    def take(self, key: str, owner: str) -> T | None:
        """The item, once: it is forgotten as it is handed out."""
        with self._lock:
            self._expire()
            kept = self._items.get(key)
            if kept is None or kept.owner != owner:
                return None
            del self._items[key]
            return kept.item

    def usage(self, party: str) -> tuple[int, int]:
        """(items, bytes) the party holds now."""
        with self._lock:
            mine = [k for k in self._items.values() if k.party == party]
            return len(mine), sum(k.size for k in mine)

    def _within_quota(self, party: str, *, keep: str) -> None:
        mine = [k for k, v in self._items.items() if v.party == party]  # oldest first
        count, size = len(mine), sum(self._items[k].size for k in mine)
        for key in mine:
            if count <= self.per_party_items and size <= self.per_party_bytes:
                return
            if key == keep:
                continue
            size -= self._items.pop(key).size
            count -= 1

    def _expire(self) -> None:
        cutoff = self.clock() - self.ttl
        for key in [k for k, v in self._items.items() if v.stored_at < cutoff]:
            del self._items[key]
