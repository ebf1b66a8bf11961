"""Ed25519 keys, key ids and signatures over bytes, for log entries and checkpoints.

Keys travel as raw bytes: a private key is its 32-byte seed, a public key its 32-byte encoding (RFC 8032),
shown to people and files as base64. A key id is the hex of the first 16 bytes of SHA-256 over the raw
public key.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from hashlib import sha256

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

KEY_SIZE = 32


@dataclass(frozen=True)
class KeyPair:
    """One signer's Ed25519 key pair; the private half stays out of repr and logs."""

    private_key: bytes = field(repr=False)
    public_key: bytes

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)


class SigningKey:
    """A private key loaded once for many signatures (loading costs more than signing a short message)."""

    __slots__ = ("_private", "key_id", "public_key")

    def __init__(self, private_key: bytes) -> None:
        self._private = Ed25519PrivateKey.from_private_bytes(private_key)
        self.public_key = _raw_public(self._private)
        self.key_id = key_id(self.public_key)

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id!r})"

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)


class VerifyingKey:
    """A public key loaded once for many verifications."""

    __slots__ = ("_public", "public_key")

    def __init__(self, public_key: bytes) -> None:
        _check_public_key(public_key)
        self.public_key = public_key
        self._public = Ed25519PublicKey.from_public_bytes(public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self._public.verify(signature, message)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True


def generate_key_pair() -> KeyPair:
    """A fresh key pair from the operating system's randomness."""
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return KeyPair(private_key=seed, public_key=_raw_public(private))


def public_key_of(private_key: bytes) -> bytes:
    """The raw public key that belongs to a raw private key; `ValueError` if the latter is not 32 bytes."""
    return _raw_public(Ed25519PrivateKey.from_private_bytes(private_key))


def public_key_to_text(public_key: bytes) -> str:
    """Base64 of the raw public key, as it appears in key files and exports."""
    _check_public_key(public_key)
    return base64.b64encode(public_key).decode("ascii")


def public_key_from_text(text: str) -> bytes:
    """The raw public key from its base64 text; `ValueError` on bad base64 or a wrong length."""
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise ValueError(f"public key is not base64: {error}") from error
    _check_public_key(raw)
    return raw


def key_id(public_key: bytes) -> str:
    """Stable short name of a public key: hex of the first 16 bytes of SHA-256(raw public key)."""
    _check_public_key(public_key)
    return sha256(public_key).digest()[:16].hex()


def sign(private_key: bytes, message: bytes) -> bytes:
    """The 64-byte Ed25519 signature of `message`."""
    return Ed25519PrivateKey.from_private_bytes(private_key).sign(message)


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True only if `signature` is `public_key`'s valid signature of `message`; never raises on bad input."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _raw_public(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _check_public_key(public_key: bytes) -> None:
    if len(public_key) != KEY_SIZE:
        raise ValueError(f"an Ed25519 public key has {KEY_SIZE} bytes, not {len(public_key)}")
