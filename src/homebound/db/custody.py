"""Where this server's private keys live: its signing keys and its parties' data keys, as the settings say.

Built once at start-up (the app factory, the CLI entry) from `Settings.key_dir` and `Settings.data_secret`
and handed to the unit-of-work factory, which gives it to every session it opens; nothing below reads the
environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from homebound.db.keystore import KeyStore, key_store_for
from homebound.db.sealing import KeyProvider, provider_for, secret_provider

SESSION_INFO = "homebound.keys"  # the session's KeyCustody, set by the unit-of-work factory


class NoKeyCustody(RuntimeError):
    """Keys were needed by a session the unit-of-work factory did not open: a programming error."""


@dataclass(frozen=True)
class KeyCustody:
    signing: KeyStore  # private signing keys, one file each
    data: KeyProvider  # the parties' data keys (sealing and blind indexes)


def key_custody(key_dir: Path | str, data_secret: str | None = None) -> KeyCustody:
    """The stores of `key_dir` (one per directory per process, so keys loaded once serve every unit of work);
    data keys derived from `data_secret` instead of the directory's key files when it is given."""
    data: KeyProvider = secret_provider(data_secret) if data_secret else provider_for(key_dir)
    return KeyCustody(key_store_for(key_dir), data)


def custody_of(session: Session | None) -> KeyCustody:
    found = session.info.get(SESSION_INFO) if session is not None else None
    if not isinstance(found, KeyCustody):
        raise NoKeyCustody("no key custody: open sessions through a UnitOfWorkFactory given one")
    return found
