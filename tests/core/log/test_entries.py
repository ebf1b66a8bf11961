"""Log entries: canonical JSON equals RFC 8785, duplicate keys are refused, the chain catches every edit."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from homebound.core.log.entries import (
    DuplicateKeyError,
    canonical,
    parse_json_strict,
)

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
