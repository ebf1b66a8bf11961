"""A second, deliberately naive RFC 9162 Merkle tree: the RFC's recursive definitions, nothing cached.

Used only to cross-check `homebound.core.log.merkle`. It shares no code with it (not even the hash helpers),
works on entries rather than leaf hashes, and its verifiers rebuild the roots by walking the same recursion on
the sizes instead of the RFC's bit arithmetic, so the two can only agree by both being right.
"""

from __future__ import annotations

from hashlib import sha256


def _largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


def mth(entries: list[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 §2.1.1."""
    if not entries:
        return sha256(b"").digest()
    if len(entries) == 1:
        return sha256(b"\x00" + entries[0]).digest()
    k = _largest_power_of_two_below(len(entries))
    return _node(mth(entries[:k]), mth(entries[k:]))


def path(m: int, entries: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1."""
    if len(entries) == 1:
        return []
    k = _largest_power_of_two_below(len(entries))
    if m < k:
        return [*path(m, entries[:k]), mth(entries[k:])]
    return [*path(m - k, entries[k:]), mth(entries[:k])]


def proof(m: int, entries: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1."""
    return _subproof(m, entries, whole=True)


def _subproof(m: int, entries: list[bytes], *, whole: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if whole else [mth(entries)]
    k = _largest_power_of_two_below(n)
    if m <= k:
        return [*_subproof(m, entries[:k], whole=whole), mth(entries[k:])]
    return [*_subproof(m - k, entries[k:], whole=False), mth(entries[:k])]


def inclusion_holds(leaf: bytes, index: int, size: int, audit_path: list[bytes], root: bytes) -> bool:
    """True when `audit_path` rebuilds `root` from `leaf` along PATH's recursion, using every hash once."""
    if not 0 <= index < size:
        return False
    remaining = list(audit_path)

    def rebuild(m: int, n: int) -> bytes | None:
        if n == 1:
            return leaf
        if not remaining:
            return None
        sibling = remaining.pop()  # PATH puts the outermost sibling last
        k = _largest_power_of_two_below(n)
        inner = rebuild(m, k) if m < k else rebuild(m - k, n - k)
        if inner is None:
            return None
        return _node(inner, sibling) if m < k else _node(sibling, inner)

    rebuilt = rebuild(index, size)
    return rebuilt is not None and not remaining and rebuilt == root


def consistency_holds(
    old_size: int, new_size: int, hashes: list[bytes], old_root: bytes, new_root: bytes
) -> bool:
    """True when `hashes` rebuild both roots along SUBPROOF's recursion, using every hash once."""
    if not 0 < old_size <= new_size:
        return False
    remaining = list(hashes)

    def rebuild(m: int, n: int, whole: bool) -> tuple[bytes, bytes] | None:
        if m == n:
            if whole:
                return old_root, old_root
            if not remaining:
                return None
            subtree = remaining.pop()
            return subtree, subtree
        if not remaining:
            return None
        sibling = remaining.pop()
        k = _largest_power_of_two_below(n)
        if m <= k:
            inner = rebuild(m, k, whole)
            return None if inner is None else (inner[0], _node(inner[1], sibling))
        inner = rebuild(m - k, n - k, False)
        return None if inner is None else (_node(sibling, inner[0]), _node(sibling, inner[1]))

    rebuilt = rebuild(old_size, new_size, True)
    return rebuilt is not None and not remaining and rebuilt == (old_root, new_root)
