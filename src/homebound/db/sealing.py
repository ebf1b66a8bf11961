"""Personal data sealed at rest: AES-256-GCM per party, keys outside the database.

A sealed value is `version (1 byte) ‖ key id (8 bytes) ‖ nonce (12 bytes) ‖ ciphertext and tag`, encrypted
under the data key of the party the row belongs to, with the table, the column and the row id as associated
data: a value copied to another row or column, or altered, fails to open. The key id names which of the
party's keys sealed it, so keys can rotate (new writes under the current key, old values open under theirs).

Every party also has a search key: equality searches run on a blind index, HMAC-SHA-256 of the folded value
under that key, computed before encryption and not reversible to the value without the key.

Keys come from a `KeyProvider`: `FileKeyProvider` keeps one JSON file per party in the key directory
(`Settings.key_dir`, next to the signing keys); `SecretKeyProvider` derives every party's keys from one
secret (`Settings.data_secret`, for embedded use); `db.custody` picks one as the settings say. A KMS would
be a third provider: the same three calls (`keys`, `rotate`, `erase`), with the key file holding data keys
wrapped by the KMS. Erasing a
party's keys (end of retention) makes its sealed values unreadable for good; the log stays verifiable,
because entries hold commitments, not the payloads.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = 1
KEY_ID_BYTES = 8
NONCE_BYTES = 12
HEADER_BYTES = 1 + KEY_ID_BYTES + NONCE_BYTES
KEY_BYTES = 32
FILE_FORMAT = "homebound.data-keys.v1"
RECHECK_SECONDS = 1.0  # how stale a process's view of a key file may be
_AD_TAG = b"homebound.sealed.v1\x00"
_BLIND_TAG = b"homebound.blind-index.v1\x00"


class SealingError(RuntimeError):
    """A sealed value could not be opened or written. Messages name keys, tables and columns, never values."""


class KeyUnavailable(SealingError):
    """The party's data key is not here: erased at the end of retention, or missing from the key directory."""


class KeysErased(KeyUnavailable):
    """The party's data keys were erased at the end of retention: its sealed records are gone for good."""


class SealBroken(SealingError):
    """The value does not open under its key with this row and column: altered, moved or not sealed."""


def key_id_of(key: bytes) -> str:
    """Hex of 8 bytes of SHA-256 over the key: names a key without revealing it."""
    return hashlib.sha256(b"homebound.data-key.id\x00" + key).digest()[:KEY_ID_BYTES].hex()


def associated_data(table: str, column: str, row_id: str) -> bytes:
    return _AD_TAG + f"{table}.{column}".encode() + b"\x00" + row_id.encode()


def sealed_key_id(blob: bytes) -> str:
    """The key id in a sealed value's header (for errors and re-encryption)."""
    if len(blob) < HEADER_BYTES or blob[0] != VERSION:
        raise SealBroken("not a sealed value of a known version")
    return blob[1 : 1 + KEY_ID_BYTES].hex()


@dataclass
class PartyKeys:
    """One party's keys in memory: the data keys by id (one current for new writes) and the search key."""

    party: str
    current: str
    data_keys: Mapping[str, bytes]
    search_key: bytes
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, repr=False)
    _head: bytes | None = field(default=None, repr=False)

    def _cipher(self, kid: str) -> AESGCM:
        cipher = self._ciphers.get(kid)
        if cipher is None:
            key = self.data_keys.get(kid)
            if key is None:
                raise KeyUnavailable(
                    f"data key {kid} of party {self.party} is not available "
                    "(erased, or not in the key directory)"
                )
            cipher = self._ciphers[kid] = AESGCM(key)
        return cipher

    def seal(self, plain: bytes, ad: bytes) -> bytes:
        if self._head is None:
            self._head = bytes([VERSION]) + bytes.fromhex(self.current)
        nonce = os.urandom(NONCE_BYTES)
        return self._head + nonce + self._cipher(self.current).encrypt(nonce, plain, ad)

    def open(self, blob: bytes, ad: bytes, where: str = "value") -> bytes:
        kid = sealed_key_id(blob)
        cipher = self._cipher(kid)
        try:
            return cipher.decrypt(blob[1 + KEY_ID_BYTES : HEADER_BYTES], blob[HEADER_BYTES:], ad)
        except InvalidTag as error:
            raise SealBroken(
                f"sealed {where} does not open under data key {kid} of party {self.party}: "
                "altered, moved to another row or column, or sealed under another key"
            ) from error

    def blind(self, purpose: str, folded: str) -> str:
        """Blind index: hex of 16 bytes of HMAC-SHA-256 under the search key; equal values, equal index."""
        message = _BLIND_TAG + purpose.encode() + b"\x00" + folded.encode()
        return hmac.new(self.search_key, message, hashlib.sha256).digest()[:16].hex()


class KeyProvider(Protocol):
    """Where parties' data keys live. A KMS-backed provider implements the same three calls."""

    def keys(self, party: str, *, create: bool = False) -> PartyKeys:
        """The party's keys; `create` makes them on first need. Raises KeyUnavailable (naming the party)."""
        ...

    def rotate(self, party: str) -> str:
        """A new current data key for the party's new writes; old keys stay for reading. Returns its id."""
        ...

    def erase(self, party: str) -> None:
        """Destroy the party's keys for good (end of retention): its sealed values become unreadable."""
        ...


def _check_party(party: str) -> str:
    if not party or party.strip("0123456789abcdefABCDEF-") or len(party) > 64:  # ids: never a path elsewhere
        raise SealingError("not a party id")
    return party


class FileKeyProvider:
    """One file per party in the key directory: `data-{party}.json`, mode 0600, written atomically.

    Erasure deletes the file and leaves `data-{party}.erased`, so no fresh key is made for that party
    afterwards by mistake (new writes for it are refused).
    """

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._cache: dict[str, PartyKeys] = {}
        self._seen: dict[str, tuple[float, tuple[int, int]]] = {}  # party -> (when checked, file identity)
        self._lock = threading.Lock()

    def path(self, party: str) -> Path:
        return self.directory / f"data-{_check_party(party)}.json"

    def tombstone(self, party: str) -> Path:
        return self.directory / f"data-{_check_party(party)}.erased"

    def keys(self, party: str, *, create: bool = False) -> PartyKeys:
        """Cached per process; the file is looked at again at most once a second, so an erasure or a
        rotation made by another process (the command line) takes effect here within a second.
        """
        with self._lock:
            found = self._cache.get(party)
            if found is not None and self._still_current(party):
                return found
            self._cache.pop(party, None)
            keys = self._read(party)
            if keys is None:
                if not create:
                    raise KeyUnavailable(
                        f"no data key of party {party} in {self.directory} (the key directory)"
                    )
                keys = self._create(party)
            self._remember(keys)
            return keys

    def _still_current(self, party: str) -> bool:
        checked, identity = self._seen.get(party, (0.0, (-1, -1)))
        now = time.monotonic()
        if now - checked < RECHECK_SECONDS:
            return True
        if self._identity(party) != identity:  # gone, or replaced (a rotation writes a new file)
            return False
        self._seen[party] = (now, identity)
        return True

    def _identity(self, party: str) -> tuple[int, int]:
        try:
            found = self.path(party).stat()
        except FileNotFoundError:
            return (-1, -1)
        return (found.st_ino, found.st_mtime_ns)

    def _remember(self, keys: PartyKeys) -> None:
        self._cache[keys.party] = keys
        self._seen[keys.party] = (time.monotonic(), self._identity(keys.party))

    def _read(self, party: str) -> PartyKeys | None:
        if self.tombstone(party).exists():
            raise KeysErased(f"the data keys of party {party} were erased at the end of retention")
        path = self.path(party)
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise KeyUnavailable(f"data key file {path} is unreadable: {type(error).__name__}") from error
        try:
            data = {kid: base64.b64decode(text, validate=True) for kid, text in body["data_keys"].items()}
            search = base64.b64decode(body["search_key"], validate=True)
            current = str(body["current"])
        except (KeyError, TypeError, AttributeError, binascii.Error) as error:
            raise KeyUnavailable(f"data key file {path} is malformed: {type(error).__name__}") from error
        mislabelled = any(key_id_of(key) != kid for kid, key in data.items())
        if body.get("party") != party or current not in data or mislabelled:
            raise KeyUnavailable(f"data key file {path} holds other keys than its name says")
        return PartyKeys(party, current, data, search)

    def _write(self, keys: PartyKeys, *, replace: bool) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        body = {
            "format": FILE_FORMAT,
            "party": keys.party,
            "current": keys.current,
            "data_keys": {kid: base64.b64encode(key).decode("ascii") for kid, key in keys.data_keys.items()},
            "search_key": base64.b64encode(keys.search_key).decode("ascii"),
        }
        final = self.path(keys.party)
        temporary = final.with_name(f".{final.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(body, handle)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            if replace:
                os.replace(temporary, final)
            else:
                os.link(temporary, final)  # fails if another process made the party's keys first
        finally:
            temporary.unlink(missing_ok=True)

    def _create(self, party: str) -> PartyKeys:
        key = os.urandom(KEY_BYTES)
        keys = PartyKeys(party, key_id_of(key), {key_id_of(key): key}, os.urandom(KEY_BYTES))
        try:
            self._write(keys, replace=False)
        except FileExistsError:
            made = self._read(party)
            if made is None:
                raise KeyUnavailable(f"data key file of party {party} vanished while being made") from None
            return made
        return keys

    def rotate(self, party: str) -> str:
        with self._lock:
            old = self._read(party)
            if old is None:
                raise KeyUnavailable(f"no data key of party {party} in {self.directory} (the key directory)")
            key = os.urandom(KEY_BYTES)
            kid = key_id_of(key)
            keys = PartyKeys(party, kid, {**old.data_keys, kid: key}, old.search_key)
            self._write(keys, replace=True)
            self._remember(keys)
            return kid

    def retire(self, party: str, kid: str) -> None:
        """Drop an old data key once nothing is sealed under it any more (after `keys reencrypt`)."""
        with self._lock:
            old = self._read(party)
            if old is None or kid == old.current:
                raise SealingError(f"data key {kid} of party {party} is current or missing; not retired")
            kept = {k: v for k, v in old.data_keys.items() if k != kid}
            keys = PartyKeys(party, old.current, kept, old.search_key)
            self._write(keys, replace=True)
            self._remember(keys)

    def erase(self, party: str) -> None:
        with self._lock:
            self._cache.pop(party, None)
            self._seen.pop(party, None)
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.tombstone(party).touch(mode=0o600)
            self.path(party).unlink(missing_ok=True)


class SecretKeyProvider:
    """Every party's keys derived (HKDF-SHA-256) from one secret of at least 32 bytes: the embedded default.

    There is one key per party and no per-party erasure: erasing means destroying the secret, for every
    party at once. Use key files (or a KMS) where retention ends party by party.
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) < KEY_BYTES:
            raise SealingError("the data secret must hold at least 32 bytes (base64)")
        self._secret = secret
        self._cache: dict[str, PartyKeys] = {}
        self._lock = threading.Lock()

    def _derive(self, purpose: str, party: str) -> bytes:
        info = f"{purpose}\x00{party}".encode()
        kdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info)
        return kdf.derive(self._secret)

    def keys(self, party: str, *, create: bool = False) -> PartyKeys:  # noqa: ARG002 - derived, always there
        with self._lock:
            found = self._cache.get(party)
            if found is None:
                data = self._derive("homebound.data-key.v1", _check_party(party))
                search = self._derive("homebound.search-key.v1", party)
                found = PartyKeys(party, key_id_of(data), {key_id_of(data): data}, search)
                self._cache[party] = found
            return found

    def rotate(self, party: str) -> str:  # noqa: ARG002 - the protocol's signature
        raise SealingError("keys derived from the data secret do not rotate per party; use key files")

    def erase(self, party: str) -> None:  # noqa: ARG002 - the protocol's signature
        raise SealingError("keys derived from the data secret cannot be erased per party; use key files")


_PROVIDERS: dict[str, KeyProvider] = {}
_PROVIDERS_LOCK = threading.Lock()


def provider_for(directory: Path | str) -> FileKeyProvider:
    resolved = str(Path(directory).resolve())
    with _PROVIDERS_LOCK:
        found = _PROVIDERS.get(resolved)
        if not isinstance(found, FileKeyProvider):
            found = FileKeyProvider(resolved)
            _PROVIDERS[resolved] = found
        return found


def secret_provider(secret: str) -> SecretKeyProvider:
    """The provider deriving every party's keys from `secret` (base64, at least 32 bytes); one per secret."""
    marker = "secret:" + hashlib.sha256(secret.encode()).hexdigest()
    with _PROVIDERS_LOCK:
        found = _PROVIDERS.get(marker)
        if not isinstance(found, SecretKeyProvider):
            try:
                raw = base64.b64decode(secret, validate=True)
            except binascii.Error as error:
                raise SealingError("the data secret (Settings.data_secret) is not base64") from error
            found = _PROVIDERS[marker] = SecretKeyProvider(raw)
        return found
