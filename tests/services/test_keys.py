"""Signing keys on SQLite and PostgreSQL: made at set-up, kept outside the database, rotated and withdrawn
with the change logged, and every entry signed by the acting organisation's key in force."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import Connection, select, update

from homebound.cli.context import keys_of
from homebound.config import Settings
from homebound.core.access import Actor, OrganisationKind, Role
from homebound.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from homebound.core.log.entries import SYSTEM_SIGNER, ActionTag
from homebound.core.log.keys import Custody, RetireReason
from homebound.core.log.signing import generate_key_pair, public_key_to_text
from homebound.core.persons import Registry
from homebound.db.tables import LogEntryRow, LogPayloadRow, SigningKeyRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts, keys, registry
from homebound.services.log import verify_log
from homebound.web.app import create_app
from tests.settings import TEST_PASSWORD_COST
from tests.world import PASSWORD, World

PERSON = {"record_id": "K-1", "family_name": "Мельник", "given_name": "Тарас"}


def _entries(connection: Connection, **where: str) -> list[LogEntryRow]:
    query = select(LogEntryRow).order_by(LogEntryRow.seq)
    for column, value in where.items():
        query = query.where(getattr(LogEntryRow, column) == value)
    return list(connection.execute(query).all())  # type: ignore[arg-type]


def _new_admin(uows: UnitOfWorkFactory, code: str, kind: OrganisationKind = OrganisationKind.PARTY) -> Actor:
    """A fresh organisation with an admin: its keys can be rotated without touching the shared world."""
    accounts.create_organisation(uows, code, f"Organisation {code}", kind)
    role = Role.PARTY_ADMIN if kind is OrganisationKind.PARTY else Role.MEDIATOR
    accounts.create_user(uows, "test-setup", username=f"{code}-admin", display_name="admin",
                         organisation_code=code, role=role, password=PASSWORD,
                         cost=TEST_PASSWORD_COST)  # fmt: skip
    issued = accounts.create_api_token(uows, "test-setup", f"{code}-admin", "tests")
    return accounts.actor_for_token(uows, issued.token)


def _current_key(connection: Connection, owner: str) -> SigningKeyRow:
    return connection.execute(
        select(SigningKeyRow).where(
            SigningKeyRow.owner == owner,
            SigningKeyRow.valid_until.is_(None),
            SigningKeyRow.custody == "server",
        )
    ).one()  # type: ignore[return-value]


def test_the_app_and_the_cli_keep_keys_where_the_settings_say(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOMEBOUND_KEY_DIR")
    assert Settings().key_dir == Path("var/keys")
    assert keys_of(Settings()).signing.directory == Path.cwd() / "var" / "keys"
    monkeypatch.setenv("HOMEBOUND_KEY_DIR", "/srv/homebound/keys")
    assert keys_of(Settings()).signing.directory == Path("/srv/homebound/keys")
    settings = Settings(environment="test", database_url="sqlite://", key_dir=Path("/srv/other/keys"))
    uows = create_app(settings).state.uows
    assert uows.keys.signing.directory == uows.keys.data.directory == Path("/srv/other/keys")


def test_an_organisation_gets_its_key_at_set_up(uows: UnitOfWorkFactory, connection: Connection) -> None:
    org_id = accounts.create_organisation(uows, "pz", "Party Z", OrganisationKind.PARTY)
    key = _current_key(connection, org_id)
    assert (key.owner_kind, key.custody) == ("party", "server")
    created = _entries(connection, tag=ActionTag.KEY_CREATE.value, object_id=key.key_id)
    assert len(created) == 1 and created[0].seq == key.valid_from
    assert created[0].signer == SYSTEM_SIGNER and created[0].party == org_id  # introduced by the system key
    founding = _entries(connection, tag=ActionTag.ORGANISATION_CREATE.value, object_id=org_id)
    assert founding[0].seq == key.valid_from - 1


def test_the_private_key_is_a_0600_file_and_never_in_the_database(
    uows: UnitOfWorkFactory, connection: Connection
) -> None:
    org_id = accounts.create_organisation(uows, "pz", "Party Z", OrganisationKind.PARTY)
    key = _current_key(connection, org_id)
    path = uows.keys.signing.path(key.key_id)
    assert Path(os.environ["HOMEBOUND_KEY_DIR"]).resolve() in path.parents
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    secret = json.loads(path.read_text())["private_key"]
    stored = [str(value) for row in connection.execute(select(SigningKeyRow)).all() for value in row]
    stored += [str(row.payload) for row in connection.execute(select(LogPayloadRow)).all()]
    assert not any(secret in value for value in stored)


def test_entries_are_signed_by_the_acting_organisation(
    uows: UnitOfWorkFactory, connection: Connection, world: World
) -> None:
    view = registry.create_person(uows, world.actors["a_operator"], Registry.HELD, PERSON)
    entry = _entries(connection, object_id=view.id)[-1]
    assert entry.signer == world.party_ids["pa"]
    assert entry.key_id == _current_key(connection, world.party_ids["pa"]).key_id
    report = verify_log(uows)
    assert report.ok, report.failure
    assert report.signatures_checked == report.entries_checked


def test_rotation_retires_the_old_key_and_logs_both_steps(
    uows: UnitOfWorkFactory, connection: Connection
) -> None:
    admin = _new_admin(uows, "pz")
    assert admin.organisation_id is not None
    old_row = _current_key(connection, admin.organisation_id)
    old_path = uows.keys.signing.path(old_row.key_id)
    retired, new = keys.rotate_key(uows, admin)
    assert retired.key_id == old_row.key_id and old_path.exists()  # until the retirement is durable
    assert retired.key_id in keys.purge_retired_keys(uows) and not old_path.exists()
    create = _entries(connection, tag=ActionTag.KEY_CREATE.value, object_id=new.key_id)[0]
    retire = _entries(connection, tag=ActionTag.KEY_RETIRE.value, object_id=retired.key_id)[0]
    assert (create.key_id, retire.key_id) == (retired.key_id, new.key_id)  # the old key vouches for the new
    assert (create.signer, retire.signer, retire.actor) == (admin.organisation_id,) * 2 + (admin.user_id,)
    rows = {row.key_id: row for row in connection.execute(select(SigningKeyRow)).all()}
    assert rows[retired.key_id].valid_until == retire.seq and rows[retired.key_id].retired_reason == "rotated"
    assert rows[new.key_id].valid_from == create.seq and rows[new.key_id].valid_until is None
    accounts.set_language(uows, admin, "uk")  # signed with the new key from now on
    assert _entries(connection, signer=admin.organisation_id)[-1].key_id == new.key_id
    report = verify_log(uows)
    assert report.ok, report.failure
    assert {k.key_id: k.valid_until for k in report.keys}[retired.key_id] == retire.seq


def test_rotation_on_the_command_line_names_the_organisation(uows: UnitOfWorkFactory) -> None:
    accounts.create_organisation(uows, "mz", "Mediator Z", OrganisationKind.MEDIATOR)
    retired, new = keys.rotate_key(uows, "cli", owner_code="mz", reason=RetireReason.COMPROMISED)
    assert retired.owner == new.owner and retired.key_id != new.key_id
    with pytest.raises(NotFound):
        keys.rotate_key(uows, "cli", owner_code="nowhere")
    assert verify_log(uows).ok


@pytest.mark.parametrize("who", ["a_operator", "a_observer", "med_observer"])
def test_only_admins_and_mediators_manage_keys(uows: UnitOfWorkFactory, world: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        keys.rotate_key(uows, world.actors[who])
    with pytest.raises(PermissionDenied):
        keys.register_external_key(
            uows, world.actors[who], public_key_to_text(generate_key_pair().public_key)
        )


def test_external_key_registered_and_withdrawn(uows: UnitOfWorkFactory, connection: Connection) -> None:
    admin = _new_admin(uows, "pz")
    outside = generate_key_pair()  # held on the party's own machine; the server never sees the private half
    record = keys.register_external_key(uows, admin, public_key_to_text(outside.public_key))
    assert record.custody is Custody.EXTERNAL and not uows.keys.signing.has(record.key_id)
    with pytest.raises(Conflict):
        keys.register_external_key(uows, admin, public_key_to_text(outside.public_key))
    with pytest.raises(ValidationFailed):
        keys.register_external_key(uows, admin, "not base64!")
    keys.withdraw_external_key(uows, admin, record.key_id)
    with pytest.raises(Conflict):
        keys.withdraw_external_key(uows, admin, record.key_id)
    other = _new_admin(uows, "py")
    with pytest.raises(NotFound):
        keys.withdraw_external_key(uows, other, record.key_id)
    assert verify_log(uows).ok


@pytest.mark.parametrize(
    ("column", "kind"),
    [("signature", "entry.bad_signature"), ("tag", "entry.hash_mismatch"), ("key", "key.mismatch"),
     ("payload", "entry.commitment_mismatch")],
)  # fmt: skip
def test_database_verification_names_the_tampering(
    uows: UnitOfWorkFactory, connection: Connection, world: World, column: str, kind: str
) -> None:
    view = registry.create_person(uows, world.actors["a_operator"], Registry.HELD, PERSON)
    entry = _entries(connection, object_id=view.id)[-1]
    if column == "signature":
        signature = entry.signature or ""
        flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
        connection.execute(update(LogEntryRow).where(LogEntryRow.seq == entry.seq).values(signature=flipped))
    elif column == "tag":
        connection.execute(
            update(LogEntryRow).where(LogEntryRow.seq == entry.seq).values(tag="registry:person:share")
        )
    elif column == "key":
        connection.execute(
            update(SigningKeyRow).where(SigningKeyRow.key_id == entry.key_id).values(valid_from=1)
        )
    else:
        connection.execute(
            update(LogPayloadRow)
            .where(LogPayloadRow.seq == entry.seq)
            .values(payload={"person": "someone else"})
        )
    report = verify_log(uows)
    assert report.failure is not None and report.failure.kind == kind
