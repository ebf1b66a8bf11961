"""The tests' key custody: the temporary key directory that tests/conftest.py names in the environment, so
test apps built from `Settings()` and units of work built here use the same keys."""

from __future__ import annotations

from homebound.config import Settings
from homebound.db.custody import KeyCustody, key_custody


def key_custody_of_tests() -> KeyCustody:
    return key_custody(Settings().key_dir)
