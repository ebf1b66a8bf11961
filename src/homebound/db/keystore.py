"""Private signing keys kept outside the database: one file per key in the key directory, readable by the
server's user only.

The database holds public keys (table `signing_key`); whoever reads a database dump cannot sign. A key file is
JSON: `{"format", "key_id", "private_key"}` with the 32-byte Ed25519 seed in base64. Files are created with
O_EXCL and mode 0600 in a directory made with mode 0700; a retired key's file is deleted after the retirement
commits, so a retired key cannot sign again even on this server. Back the directory up apart from the
database (see docs/security.md); a KMS or HSM would replace this class behind the same three methods.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
from pathlib import Path

from homebound.core.log.signing import KeyPair, SigningKey, key_id, public_key_of

KEY_FILE_FORMAT = "homebound.ed25519-private.v1"
SUFFIX = ".key"


class KeyStoreError(RuntimeError):
    """A private key that should be there is not, or is not what its name says: an operations problem."""


class KeyStore:
    """Saves, loads (once, then from memory) and destroys private keys by key id."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._loaded: dict[str, SigningKey] = {}
        self._lock = threading.Lock()

    def path(self, key: str) -> Path:
        if not key or key.strip("0123456789abcdef"):  # key ids are hex: never a path elsewhere
            raise KeyStoreError(f"not a key id: {key!r}")
        return self.directory / f"{key}{SUFFIX}"

    def save(self, pair: KeyPair) -> SigningKey:
        """Write a new key's file (never overwriting one) and return it ready to sign."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        body = {
            "format": KEY_FILE_FORMAT,
            "key_id": pair.key_id,
            "private_key": base64.b64encode(pair.private_key).decode("ascii"),
        }
        descriptor = os.open(self.path(pair.key_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(body, handle)
            handle.write("\n")
        signing = SigningKey(pair.private_key)
        with self._lock:
            self._loaded[pair.key_id] = signing
        return signing

    def signing_key(self, key: str) -> SigningKey:
        with self._lock:
            found = self._loaded.get(key)
        if found is not None:
            return found
        path = self.path(key)
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            seed = base64.b64decode(body["private_key"], validate=True)
            derived = key_id(public_key_of(seed))
        except FileNotFoundError as error:
            raise KeyStoreError(
                f"private key {key} is not in {self.directory} (the key directory, Settings.key_dir)"
            ) from error
        except (OSError, ValueError, KeyError, TypeError, binascii.Error) as error:
            raise KeyStoreError(f"key file {path} is unreadable: {type(error).__name__}") from error
        if derived != key or body.get("key_id") != key:
            raise KeyStoreError(f"key file {path} holds another key than its name says")
        signing = SigningKey(seed)
        with self._lock:
            self._loaded[key] = signing
        return signing

    def has(self, key: str) -> bool:
        return self.path(key).exists()

    def destroy(self, key: str) -> None:
        """Delete a retired key's file; a missing file is not an error (destroying twice is fine)."""
        with self._lock:
            self._loaded.pop(key, None)
        self.path(key).unlink(missing_ok=True)


_DEFAULT: dict[Path, KeyStore] = {}
_DEFAULT_LOCK = threading.Lock()


def key_store_for(directory: Path | str) -> KeyStore:
    """One store per directory per process, so loaded keys are shared by every unit of work."""
    resolved = Path(directory).resolve()
    with _DEFAULT_LOCK:
        store = _DEFAULT.get(resolved)
        if store is None:
            store = _DEFAULT[resolved] = KeyStore(resolved)
        return store
