"""Log entries: canonical JSON equals RFC 8785, duplicate keys are refused, the chain catches every edit."""

from __future__ import annotations

import dataclasses

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from homebound.core.log.entries import (
    GENESIS_HASH,
    DuplicateKeyError,
    LogEntry,
    canonical,
    commitment,
    new_salt,
    parse_json_strict,
)
from homebound.core.log.verify import StoredEntry, verify_chain

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_equals_rfc8785(value: object) -> None:
    try:
        expected = bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        with pytest.raises((rfc8785.CanonicalizationError, UnicodeEncodeError, ValueError)):
            canonical(value)
        return
    assert canonical(value) == expected


def test_duplicate_keys_rejected() -> None:
    with pytest.raises(DuplicateKeyError):
        parse_json_strict('{"a": 1, "a": 2}')
    assert parse_json_strict('{"a": 1}') == {"a": 1}


def _chain(n: int) -> tuple[list[StoredEntry], dict[int, tuple[str, dict[str, object]]]]:
    stored, payloads, prev = [], {}, GENESIS_HASH
    for seq in range(1, n + 1):
        salt, payload = new_salt(), {"person": f"p{seq}", "status": "held"}
        entry = LogEntry(
            seq,
            "2023-01-08T00:00:00.000Z",
            "u1",
            "party-a",
            "registry:person:create",
            "person",
            f"p{seq}",
            commitment(salt, payload),
            prev,
        )
        stored.append(StoredEntry(entry, entry.entry_hash()))
        payloads[seq] = (salt, payload)
        prev = entry.entry_hash()
    return stored, payloads


def test_untampered_chain_verifies() -> None:
    stored, payloads = _chain(20)
    report = verify_chain(stored, payloads)
    assert report.ok and report.entries_checked == 20 and report.payloads_checked == 20


@pytest.mark.parametrize(
    ("mutate", "kind", "seq"),
    [
        (
            lambda s, p: s.__setitem__(
                5, StoredEntry(dataclasses.replace(s[5].entry, tag="x"), s[5].entry_hash)
            ),
            "hash_mismatch",
            6,
        ),
        (lambda s, p: s.pop(3), "sequence_gap", 5),
        (lambda s, p: s.insert(4, s[4]), "sequence_gap", 5),
        (
            lambda s, p: p.__setitem__(7, (p[7][0], {"person": "p7", "status": "released"})),
            "commitment_mismatch",
            7,
        ),
        (
            lambda s, p: s.__setitem__(
                9, StoredEntry(dataclasses.replace(s[9].entry, prev_hash="0" * 64), s[9].entry_hash)
            ),
            "chain_broken",
            10,
        ),
    ],
    ids=["edited", "deleted", "replayed", "payload", "relinked"],
)
def test_first_broken_entry_is_named(mutate: object, kind: str, seq: int) -> None:
    stored, payloads = _chain(20)
    mutate(stored, payloads)  # type: ignore[operator]
    report = verify_chain(stored, payloads)
    assert not report.ok
    assert report.first_failure is not None
    assert (report.first_failure.kind, report.first_failure.seq) == (kind, seq)
