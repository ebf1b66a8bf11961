"""A node's own key directory: its signing keys, its data keys and its age identity, all files in one
directory that only this node reads.

A node's units of work carry its own `KeyCustody` (db/custody.py, built from its key directory), so the
log writer and the sealed fields use this node's keys even when several nodes run in one process. The age
identity (the private half of the node's encryption key) is one file `age-{key id}.key`, mode 0600, never
in the database; the public half is on the node's card.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyrage

from homebound.core.packages.cards import encryption_key_id
from homebound.db.keystore import KeyStore, KeyStoreError

AGE_PREFIX = "age-"


def _age_path(directory: Path, key: str) -> Path:
    if not key or key.strip("0123456789abcdef"):
        raise KeyStoreError(f"not a key id: {key!r}")
    return directory / f"{AGE_PREFIX}{key}.key"


def new_age_identity(store: KeyStore) -> str:
    """Make the node's encryption key, write its private file (never overwriting), return the recipient."""
    identity = pyrage.x25519.Identity.generate()
    recipient = str(identity.to_public())
    store.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = _age_path(store.directory, encryption_key_id(recipient))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(str(identity) + "\n")
    return recipient


def load_age_identity(store: KeyStore, recipient: str) -> pyrage.x25519.Identity:
    """The private half of `recipient`, from this node's key directory; KeyStoreError if it is not here."""
    path = _age_path(store.directory, encryption_key_id(recipient))
    try:
        identity = pyrage.x25519.Identity.from_str(path.read_text(encoding="ascii").strip())
    except FileNotFoundError as error:
        raise KeyStoreError(f"the node's encryption key is not in {store.directory}") from error
    except (OSError, ValueError, pyrage.IdentityError) as error:
        raise KeyStoreError(f"key file {path} is unreadable: {type(error).__name__}") from error
    if str(identity.to_public()) != recipient:
        raise KeyStoreError(f"key file {path} holds another key than its name says")
    return identity


def remove_age_identity(store: KeyStore, recipient: str) -> None:
    _age_path(store.directory, encryption_key_id(recipient)).unlink(missing_ok=True)
