"""The UI's stash (web/ui/stash.py): per session, per-party quotas of count and bytes, expiry."""

from __future__ import annotations

from homebound.web.ui.stash import QuotaStash


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_party_over_its_quota_loses_its_own_oldest_items_only() -> None:
    stash: QuotaStash[str] = QuotaStash(per_party_items=2, per_party_bytes=100)
    kept_a = stash.put("party-a", "session-a", "a's file", 10)
    b_keys = [stash.put("party-b", "session-b", f"b's file {n}", 10) for n in range(5)]
    assert stash.get(kept_a, "session-a") == "a's file"
    assert [stash.get(k, "session-b") for k in b_keys] == [None, None, None, "b's file 3", "b's file 4"]
    assert stash.usage("party-b") == (2, 20)


def test_bytes_count_too_and_items_are_for_their_session_once() -> None:
    stash: QuotaStash[str] = QuotaStash(per_party_items=10, per_party_bytes=100)
    first = stash.put("party-a", "session-a", "first", 60)
    second = stash.put("party-a", "session-a", "second", 60)  # 120 bytes: the first goes
    assert stash.get(first, "session-a") is None
    assert stash.get(second, "another session") is None
    assert stash.take(second, "session-a") == "second"
    assert stash.take(second, "session-a") is None
    assert stash.usage("party-a") == (0, 0)


def test_items_expire() -> None:
    clock = _Clock()
    stash: QuotaStash[str] = QuotaStash(per_party_items=4, per_party_bytes=100, ttl_seconds=60, clock=clock)
    key = stash.put("party-a", "session-a", "file", 1)
    clock.now = 59.0
    assert stash.get(key, "session-a") == "file"
    clock.now = 61.0
    assert stash.get(key, "session-a") is None
