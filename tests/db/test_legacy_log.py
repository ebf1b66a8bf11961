"""A database from before signing (revision 0001, format-1 entries, a party without a key) upgrades, keeps
its unsigned entries as a verified prefix, and signs everything after them."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import sqlalchemy as sa

from homebound.core.access import Actor, OrganisationKind, Role
from homebound.core.log.entries import GENESIS_HASH, LogEntry, commitment, new_salt
from homebound.db.engine import make_engine
from homebound.db.migrate import upgrade
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts
from homebound.services.log import verify_log
from tests.keys import key_custody_of_tests
from tests.settings import TEST_PASSWORD_COST

# The tables as revision 0001 left them (today's ORM classes carry later columns).
_metadata = sa.MetaData()
log_entry = sa.Table(
    "log_entry",
    _metadata,
    *(
        sa.Column(name)
        for name in (
            "seq",
            "time",
            "actor",
            "party",
            "tag",
            "object_type",
            "object_id",
            "commitment",
            "prev_hash",
            "entry_hash",
            "v",
        )
    ),
)
log_payload = sa.Table(
    "log_payload", _metadata, sa.Column("seq"), sa.Column("salt"), sa.Column("payload", sa.JSON)
)
log_head = sa.Table("log_head", _metadata, sa.Column("id"), sa.Column("seq"), sa.Column("head_hash"))
organisation = sa.Table(
    "organisation", _metadata, *(sa.Column(name) for name in ("id", "code", "name", "kind", "created_at"))
)


def _old_database(path: Path) -> tuple[sa.Engine, str]:
    """Three format-1 entries, written as the first release wrote them, and a party with no key."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0001")
    party = str(uuid.uuid4())
    with engine.begin() as connection:
        connection.execute(
            sa.insert(organisation).values(
                id=party,
                code="old",
                name="Party from before",
                kind="party",
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        prev = GENESIS_HASH
        for seq in (1, 2, 3):
            salt, payload = new_salt(), {"code": "old", "step": seq}
            entry = LogEntry(
                seq,
                "2025-12-01T10:00:00.000Z",
                "system",
                party,
                "account:organisation:create",
                "organisation",
                party,
                commitment(salt, payload),
                prev,
                v=1,
            )
            prev = entry.entry_hash()
            connection.execute(sa.insert(log_entry).values(**entry.body(), entry_hash=prev))
            connection.execute(sa.insert(log_payload).values(seq=seq, salt=salt, payload=payload))
        connection.execute(sa.update(log_head).where(log_head.c.id == 1).values(seq=3, head_hash=prev))
    return engine, party


def test_an_old_log_upgrades_and_continues_signed(tmp_path: Path) -> None:
    engine, party = _old_database(tmp_path / "old.sqlite3")
    upgrade(engine, keys=key_custody_of_tests())
    uows = UnitOfWorkFactory(engine, key_custody_of_tests())
    before = verify_log(uows)
    assert before.ok, before.failure
    assert (before.legacy_entries, before.signatures_checked) == (3, 0)

    accounts.create_organisation(uows, "new", "Party after", OrganisationKind.PARTY)
    accounts.create_user(
        uows,
        "cli",
        username="old-admin",
        display_name="admin",
        organisation_code="old",
        role=Role.PARTY_ADMIN,
        password="correct horse battery",
        cost=TEST_PASSWORD_COST,
    )
    user = accounts.list_users(uows)[0]
    # The old party's first signed action gets it a key, introduced by the system key.
    accounts.set_language(uows, Actor(user.id, Role.PARTY_ADMIN, party, party), "uk")
    after = verify_log(uows)
    assert after.ok, after.failure
    assert after.legacy_entries == 3
    assert after.signatures_checked == after.entries_checked - 3
    assert {record.owner for record in after.keys} >= {"system", party}
    engine.dispose()


def test_an_unsigned_entry_after_signed_ones_is_refused(tmp_path: Path) -> None:
    engine, _ = _old_database(tmp_path / "old.sqlite3")
    upgrade(engine, keys=key_custody_of_tests())
    uows = UnitOfWorkFactory(engine, key_custody_of_tests())
    accounts.create_organisation(uows, "new", "Party after", OrganisationKind.PARTY)
    with engine.begin() as connection:
        head = connection.execute(sa.select(log_head.c.seq, log_head.c.head_hash)).one()
        salt, payload = new_salt(), {"late": True}
        entry = LogEntry(
            head.seq + 1,
            "2026-01-01T00:00:00.000Z",
            "system",
            None,
            "account:user:update",
            "user",
            "u",
            commitment(salt, payload),
            head.head_hash,
            v=1,
        )
        connection.execute(sa.insert(log_entry).values(**entry.body(), entry_hash=entry.entry_hash()))
        connection.execute(sa.update(log_head).values(seq=entry.seq, head_hash=entry.entry_hash()))
    report = verify_log(uows)
    assert report.failure is not None
    assert (report.failure.kind, report.failure.seq) == ("entry.version_downgrade", head.seq + 1)
    engine.dispose()
