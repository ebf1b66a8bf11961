"""Personal data sealed at rest (issue 5 item 6): AES-256-GCM per party, row and column bound, keys outside
the database, a blind index for search, and erasure that leaves the log verifiable and the data unreadable.
All names are synthetic."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, MetaData, Table, insert, select, text, update
from typer.testing import CliRunner

from homebound.cli.main import app
from homebound.config import Settings
from homebound.core.access import PUBLIC_ACTOR
from homebound.core.persons import Registry
from homebound.db.custody import key_custody
from homebound.db.death_tables import DeathRecordRow, RemainsRecordRow
from homebound.db.engine import make_engine
from homebound.db.log_store import load_payloads
from homebound.db.migrate import downgrade, upgrade
from homebound.db.persons import PersonFilter
from homebound.db.sealed import blind_index, fold
from homebound.db.sealing import (
    FileKeyProvider,
    KeyUnavailable,
    SealBroken,
    SecretKeyProvider,
    associated_data,
    provider_for,
    sealed_key_id,
)
from homebound.db.tables import InquiryRow, LogPayloadRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import data_keys, deaths, inquiries, lists, registry, remains
from homebound.services.log_export import export_log
from tests.conftest import _postgres_database
from tests.settings import TEST_PASSWORD_COST
from tests.world import World, build_world

PARTY = "0b6c1c3e-5a8e-4a57-9d2e-6f0c2d1e9a11"
# Synthetic people: invented names, unlikely as substrings of anything else in a database file.
PEOPLE = [
    ("Зарічнюк-Тестовий", "Остромир", "1991-04-17", "Вигадане Село"),
    ("Перепелиця-Синтетична", "Радослава", "1987", "Уявний Хутір"),
    ("Ковальчукевич", "Тихомир", "1979-11", "Місто Небувале"),
]
CONTACT = "synthetic-family-7731@example.org"
INQUIRER = "Вигаданенко Марта"


def _csv() -> bytes:
    lines = ["record_id,family_name,given_name,date_of_birth,place_of_birth,health,service_number"]
    for n, (family, given, born, place) in enumerate(PEOPLE):
        lines.append(f"seal-{n},{family},{given},{born},{place},wounded,СН-{n:04d}-Х")
    return ("\n".join(lines) + "\n").encode()


def _secrets() -> list[str]:
    return [text for person in PEOPLE for text in person if not text[0].isdigit()] + [CONTACT, INQUIRER]


# --- the sealing primitive --------------------------------------------------------------------------------


def test_round_trip_and_format(tmp_path: Path) -> None:
    keys = FileKeyProvider(tmp_path).keys(PARTY, create=True)
    ad = associated_data("person", "family_name", "row-1")
    blob = keys.seal("Зарічнюк".encode(), ad)
    assert blob[0] == 1 and sealed_key_id(blob) == keys.current
    assert len(blob) == 1 + 8 + 12 + len("Зарічнюк".encode()) + 16
    assert keys.open(blob, ad) == "Зарічнюк".encode()
    assert keys.seal(b"x", ad) != keys.seal(b"x", ad)  # a fresh nonce each time
    # A second process reads the same file and opens what the first sealed.
    assert FileKeyProvider(tmp_path).keys(PARTY).open(blob, ad) == "Зарічнюк".encode()
    path = tmp_path / f"data-{PARTY}.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert "Зарічнюк" not in path.read_text()


@pytest.mark.parametrize(
    "where",
    [
        ("person", "family_name", "row-2"),
        ("person", "given_name", "row-1"),
        ("inquiry", "family_name", "row-1"),
    ],
)
def test_a_value_moved_to_another_row_or_column_does_not_open(
    tmp_path: Path, where: tuple[str, str, str]
) -> None:
    keys = FileKeyProvider(tmp_path).keys(PARTY, create=True)
    blob = keys.seal("Перепелиця".encode(), associated_data("person", "family_name", "row-1"))
    with pytest.raises(SealBroken) as raised:
        keys.open(blob, associated_data(*where))
    assert keys.current in str(raised.value) and "Перепелиця" not in str(raised.value)


def test_an_altered_value_does_not_open(tmp_path: Path) -> None:
    keys = FileKeyProvider(tmp_path).keys(PARTY, create=True)
    ad = associated_data("person", "family_name", "row-1")
    blob = bytearray(keys.seal(b"abc", ad))
    blob[-1] ^= 1
    with pytest.raises(SealBroken):
        keys.open(bytes(blob), ad)


def test_a_missing_or_wrong_key_names_the_key_never_the_value(tmp_path: Path) -> None:
    sealed_here = FileKeyProvider(tmp_path / "one").keys(PARTY, create=True)
    ad = associated_data("person", "family_name", "row-1")
    blob = sealed_here.seal("Ковальчукевич".encode(), ad)
    with pytest.raises(KeyUnavailable, match=PARTY):
        FileKeyProvider(tmp_path / "empty").keys(PARTY)
    other = FileKeyProvider(tmp_path / "two").keys(PARTY, create=True)  # another key for the same party
    with pytest.raises(KeyUnavailable) as raised:
        other.open(blob, ad)
    assert sealed_here.current in str(raised.value) and "Ковальчукевич" not in str(raised.value)


def test_rotation_writes_under_the_new_key_and_reads_the_old(tmp_path: Path) -> None:
    provider = FileKeyProvider(tmp_path)
    ad = associated_data("person", "unit", "row-1")
    old = provider.keys(PARTY, create=True).seal(b"old", ad)
    new_id = provider.rotate(PARTY)
    fresh = FileKeyProvider(tmp_path).keys(PARTY)
    assert fresh.current == new_id and sealed_key_id(fresh.seal(b"new", ad)) == new_id
    assert fresh.open(old, ad) == b"old"


def test_erasure_is_final_and_refuses_a_fresh_key(tmp_path: Path) -> None:
    provider = FileKeyProvider(tmp_path)
    blob = provider.keys(PARTY, create=True).seal(b"x", associated_data("person", "unit", "row-1"))
    provider.erase(PARTY)
    assert not (tmp_path / f"data-{PARTY}.json").exists()
    for again in (provider, FileKeyProvider(tmp_path)):
        with pytest.raises(KeyUnavailable, match="erased"):
            again.keys(PARTY, create=True)
    assert sealed_key_id(blob)  # the bytes are still there; nothing opens them


def test_another_process_erasing_or_rotating_is_seen_within_the_recheck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, command_line = FileKeyProvider(tmp_path), FileKeyProvider(tmp_path)
    first = server.keys(PARTY, create=True).current
    rotated = command_line.rotate(PARTY)
    assert server.keys(PARTY).current == first  # cached, for less than a second
    monkeypatch.setattr("homebound.db.sealing.RECHECK_SECONDS", 0.0)
    assert server.keys(PARTY).current == rotated
    command_line.erase(PARTY)
    with pytest.raises(KeyUnavailable, match="erased"):
        server.keys(PARTY, create=True)


def test_the_environment_secret_derives_stable_party_keys() -> None:
    secret = bytes(range(32))
    one, two = SecretKeyProvider(secret), SecretKeyProvider(secret)
    ad = associated_data("inquiry", "inquirer_contact", "row-1")
    assert two.keys(PARTY).open(one.keys(PARTY).seal(b"c", ad), ad) == b"c"
    assert one.keys(PARTY).current != one.keys("1" + PARTY[1:]).current


def test_the_data_secret_is_chosen_when_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = base64.b64encode(bytes(range(32))).decode()
    monkeypatch.setenv("HOMEBOUND_DATA_SECRET", secret)
    settings = Settings(key_dir=tmp_path)
    assert isinstance(key_custody(settings.key_dir, settings.data_secret_text()).data, SecretKeyProvider)
    assert secret not in repr(settings)
    assert isinstance(key_custody(tmp_path).data, FileKeyProvider)


def test_the_blind_index_is_keyed_and_folds_case(tmp_path: Path) -> None:
    keys = FileKeyProvider(tmp_path).keys(PARTY, create=True)
    other = FileKeyProvider(tmp_path / "other").keys(PARTY, create=True)
    token = blind_index(keys, "family_name", "Зарічнюк")
    assert token == blind_index(keys, "family_name", " ЗАРІЧНЮК ")
    assert token != blind_index(other, "family_name", "Зарічнюк")  # not computable without the party's key
    assert fold("Зарічнюк") not in token and len(token) == 32


# --- in the database ---------------------------------------------------------------------------------------


def _stored_text(connection: Connection) -> str:
    """Every value of the person, inquiry and log payload tables as the database returns it."""
    parts: list[str] = []
    for table in (PersonRow.__table__, InquiryRow.__table__, LogPayloadRow.__table__):
        for row in connection.execute(select(table)):  # type: ignore[call-overload]
            for value in row:
                if isinstance(value, bytes | memoryview):
                    parts.append(bytes(value).decode("utf-8", "replace"))
                elif isinstance(value, dict | list):
                    parts.append(json.dumps(value, ensure_ascii=False))
                else:
                    parts.append(str(value))
    return "\n".join(parts)


def _import_and_file(uows: UnitOfWorkFactory, world: World) -> None:
    lists.import_list(uows, world.actors["a_operator"], Registry.SOUGHT, _csv(), "sealed.csv")
    inquiries.file_inquiry(
        uows,
        PUBLIC_ACTOR,
        party_code="pa",
        inquirer_name=INQUIRER,
        inquirer_contact=CONTACT,
        relationship="sister",
        consent=True,
        sought_details={"family_name": PEOPLE[0][0], "given_name": PEOPLE[0][1]},
        cost=TEST_PASSWORD_COST,
    )


def test_the_database_holds_no_name_in_clear(
    uows: UnitOfWorkFactory, world: World, connection: Connection
) -> None:
    _import_and_file(uows, world)
    stored = _stored_text(connection)
    assert "seal-0" in stored  # the rows are there
    for secret in _secrets():
        assert secret not in stored
        assert fold(secret) not in stored
    # Services still see plain values.
    page = registry.list_persons(uows, world.actors["a_operator"], PersonFilter(registry=Registry.SOUGHT))
    found = {p.source_id: p.fields for p in page.items if p.source_id.startswith("seal-")}
    assert found["seal-0"].family_name == PEOPLE[0][0] and found["seal-0"].date_of_birth is not None
    assert found["seal-0"].date_of_birth.iso() == "1991-04-17"
    listed = inquiries.list_inquiries(uows, world.actors["a_operator"])
    assert any(
        i.inquirer_contact == CONTACT and i.sought_details["given_name"] == PEOPLE[0][1] for i in listed
    )


def test_search_runs_on_the_blind_index(
    uows: UnitOfWorkFactory, world: World, connection: Connection
) -> None:
    _import_and_file(uows, world)
    actor = world.actors["a_operator"]
    for prefix, expected in (
        ("зарічнюк", {"seal-0"}),
        ("ПЕРЕПЕЛ", {"seal-1"}),
        ("Ковальчукевич", {"seal-2"}),
    ):
        page = registry.list_persons(uows, actor, PersonFilter(family_name_prefix=prefix))
        assert {p.source_id for p in page.items} == expected and page.total == len(expected)
    assert registry.list_persons(uows, actor, PersonFilter(family_name_prefix="Зарічнюкк")).total == 0
    # The other party cannot find them (not shared), and the stored key is the HMAC, not the folded name.
    assert (
        registry.list_persons(uows, world.actors["b_operator"], PersonFilter(family_name_prefix="Зар")).total
        == 0
    )
    stored = connection.execute(
        select(PersonRow.family_name_key).where(PersonRow.source_id == "seal-0")
    ).scalar_one()
    assert stored == blind_index(uows.keys.data.keys(world.party_ids["pa"]), "family_name", PEOPLE[0][0])


def test_a_ciphertext_moved_between_rows_or_columns_fails_loudly(
    uows: UnitOfWorkFactory, world: World, connection: Connection
) -> None:
    _import_and_file(uows, world)
    rows = dict(
        connection.execute(
            select(PersonRow.source_id, PersonRow.id).where(PersonRow.source_id.in_(["seal-0", "seal-1"]))
        ).all()
    )
    table = PersonRow.__table__
    blob = connection.execute(select(table.c.family_name).where(table.c.id == rows["seal-0"])).scalar_one()
    connection.execute(update(table).where(table.c.id == rows["seal-1"]).values(family_name=blob))
    connection.execute(update(table).where(table.c.id == rows["seal-0"]).values(given_name=blob))
    for source in ("seal-0", "seal-1"):
        with pytest.raises(SealBroken) as raised:
            registry.get_person(uows, world.actors["a_operator"], rows[source])
        assert rows[source] in str(raised.value)
        assert all(secret not in str(raised.value) for secret in _secrets())


# --- erasure at the end of retention ------------------------------------------------------------------------


@pytest.fixture
def own_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[UnitOfWorkFactory, World, Path]]:
    """A SQLite file and a key directory of its own (erasing a key must not touch other tests' parties)."""
    monkeypatch.setenv("HOMEBOUND_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.delenv("HOMEBOUND_DATA_SECRET", raising=False)
    path = tmp_path / "sealed.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        uows = UnitOfWorkFactory(engine, key_custody(tmp_path / "keys"))
        yield uows, build_world(uows), path
    finally:
        engine.dispose()


def _export(uows: UnitOfWorkFactory, world: World, directory: Path) -> Path:
    directory.mkdir()
    for name, content in export_log(uows, world.actors["mediator"]).items():
        (directory / name).write_bytes(content)
    return directory


def test_the_database_file_holds_no_name_in_clear(own_keys: tuple[UnitOfWorkFactory, World, Path]) -> None:
    uows, world, path = own_keys
    _import_and_file(uows, world)
    data = b"".join(p.read_bytes() for p in path.parent.glob("sealed.sqlite3*"))
    assert b"seal-0" in data
    for secret in _secrets():
        assert secret.encode() not in data and fold(secret).encode() not in data


def test_erasing_a_party_key_keeps_the_log_verifiable_and_the_data_unreadable(
    own_keys: tuple[UnitOfWorkFactory, World, Path], tmp_path: Path
) -> None:
    uows, world, _ = own_keys
    _import_and_file(uows, world)
    lists.import_list(
        uows, world.actors["b_operator"], Registry.HELD, b"record_id,family_name\nb-1,Untouched\n", "b.csv"
    )
    party_a, party_b = world.party_ids["pa"], world.party_ids["pb"]
    with uows.reader() as uow:
        before = load_payloads(uow.session)
        a_person = uow.session.execute(
            select(PersonRow.id).where(PersonRow.source_id == "seal-0")
        ).scalar_one()
    runner = CliRunner()
    assert (
        runner.invoke(app, ["log", "verify", str(_export(uows, world, tmp_path / "before"))]).exit_code == 0
    )

    provider = provider_for(tmp_path / "keys")
    key_id = provider.keys(party_a).current
    provider.erase(party_a)

    # The log still verifies, from an export and in the database.
    after = _export(uows, world, tmp_path / "after")
    result = runner.invoke(app, ["log", "verify", str(after)])
    assert result.exit_code == 0, result.output
    assert (
        runner.invoke(app, ["log", "verify"], env={"HOMEBOUND_DATABASE_URL": str(uows.bind.url)}).exit_code
        == 0
    )
    # Party A's payloads are gone from exports; B's and the public ones are still there.
    with uows.reader() as uow:
        remaining = load_payloads(uow.session)
        parties = dict(uow.session.execute(select(LogPayloadRow.seq, LogPayloadRow.sealed)).all())
    assert set(remaining) < set(before)
    exported = [json.loads(line)["seq"] for line in (after / "payloads.jsonl").read_text().splitlines()]
    assert set(exported) == set(remaining)
    assert all(parties[seq] is not None for seq in set(before) - set(remaining))
    # Records and inquiries of A: a clear error naming the party (and no garbage); B unaffected.
    with pytest.raises(KeyUnavailable, match=party_a) as raised:
        registry.get_person(uows, world.actors["a_operator"], a_person)
    assert "erased" in str(raised.value) and key_id in str(raised.value)
    assert all(s not in str(raised.value) for s in _secrets())
    with pytest.raises(KeyUnavailable):
        inquiries.list_inquiries(uows, world.actors["a_operator"])
    b_page = registry.list_persons(uows, world.actors["b_operator"], PersonFilter(registry=Registry.HELD))
    assert [p.fields.family_name for p in b_page.items] == ["Untouched"]
    assert provider.keys(party_b)
    with pytest.raises(KeyUnavailable, match="erased"):
        lists.import_list(uows, world.actors["a_operator"], Registry.SOUGHT, _csv(), "again.csv")


# --- the migration ------------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
        yield engine
        engine.dispose()
        return
    databases = _postgres_database()
    engine = make_engine(next(databases))
    try:
        yield engine
    finally:
        engine.dispose()
        next(databases, None)


def test_the_migration_seals_existing_rows_and_the_downgrade_opens_them(
    empty_engine: Engine, tmp_path: Path
) -> None:
    custody = key_custody(tmp_path / "keys")
    upgrade(empty_engine, "0005_row_level_security")
    now = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    family, given = PEOPLE[0][0], PEOPLE[0][1]
    payload = {"person": "p-1", "fields": {"family_name": family}}
    with empty_engine.begin() as conn:
        meta = MetaData()
        table = {
            name: Table(name, meta, autoload_with=conn) for name in ("organisation", "person", "inquiry")
        }
        table.update({name: Table(name, meta, autoload_with=conn) for name in ("log_entry", "log_payload")})
        conn.execute(
            insert(table["organisation"]).values(id=PARTY, code="pa", name="A", kind="party", created_at=now)
        )
        conn.execute(
            insert(table["person"]).values(
                id="p-1",
                party_id=PARTY,
                registry="sought",
                source_id="s-1",
                status="missing",
                version=1,
                family_name=family,
                family_name_key=fold(family),
                given_name=given,
                birth_year=1991,
                sex="male",
                category="military",
                health="wounded",
                legal_hold="none",
                will_to_return="unknown",
                created_at=now,
                updated_at=now,
            )
        )
        conn.execute(
            insert(table["inquiry"]).values(
                id="i-1",
                party_id=PARTY,
                case_code="AAAA-BBBB-CCCC",
                secret_hash="x",
                inquirer_name=INQUIRER,
                inquirer_contact=CONTACT,
                sought_details={"family_name": family},
                consent_given_at=now,
                created_at=now,
                updated_at=now,
            )
        )
        conn.execute(
            insert(table["log_entry"]).values(
                seq=1,
                time="t",
                actor="a",
                party=PARTY,
                tag="registry:person:create",
                object_type="person",
                object_id="p-1",
                commitment="0" * 64,
                prev_hash="0" * 64,
                entry_hash="1" * 64,
                v=2,
            )
        )
        conn.execute(insert(table["log_payload"]).values(seq=1, salt="00", payload=payload))

    upgrade(empty_engine, keys=custody)
    with empty_engine.connect() as conn:
        stored = _stored_text(conn)
        assert all(secret not in stored for secret in (family, given, INQUIRER, CONTACT))
    uows = UnitOfWorkFactory(empty_engine, custody)
    with uows.reader() as uow:
        person = uow.session.get(PersonRow, "p-1")
        assert person is not None and (person.family_name, person.given_name, person.birth_year) == (
            family,
            given,
            1991,
        )
        keys = custody.data.keys(PARTY)
        assert person.family_name_key == blind_index(keys, "family_name", family)
        inquiry = uow.session.get(InquiryRow, "i-1")
        assert inquiry is not None and inquiry.sought_details == {"family_name": family}
        assert load_payloads(uow.session)[1] == ("00", payload)

    downgrade(empty_engine, "0005_row_level_security", keys=custody)
    with empty_engine.connect() as conn:
        row = conn.execute(text("SELECT family_name, family_name_key, birth_year FROM person")).one()
        assert tuple(row) == (family, fold(family), 1991)
        assert conn.execute(text("SELECT inquirer_contact FROM inquiry")).scalar_one() == CONTACT


def test_keys_rotate_reencrypt_and_erase_from_the_command_line(
    own_keys: tuple[UnitOfWorkFactory, World, Path], tmp_path: Path
) -> None:
    uows, world, path = own_keys
    _import_and_file(uows, world)
    env = {"HOMEBOUND_DATABASE_URL": f"sqlite:///{path}", "HOMEBOUND_KEY_DIR": str(tmp_path / "keys")}
    runner = CliRunner()
    provider = provider_for(tmp_path / "keys")
    old = provider.keys(world.party_ids["pa"]).current
    rotated = runner.invoke(app, ["keys", "rotate", "pa"], env=env)
    assert rotated.exit_code == 0, rotated.output
    new = provider.keys(world.party_ids["pa"]).current
    assert new != old and new in rotated.output
    moved = runner.invoke(app, ["keys", "reencrypt", "pa"], env=env)
    assert moved.exit_code == 0, moved.output
    with uows.reader() as uow:
        blobs = [b for (b,) in uow.session.execute(select(PersonRow.family_name_sealed)) if b is not None]
        blobs += [b for (b,) in uow.session.execute(select(LogPayloadRow.sealed)) if b is not None]
        party_a_blobs = [b for b in blobs if sealed_key_id(bytes(b)) in (old, new)]
    assert party_a_blobs and all(sealed_key_id(bytes(b)) == new for b in party_a_blobs)
    provider.retire(world.party_ids["pa"], old)  # nothing needs the old key any more
    page = registry.list_persons(
        uows, world.actors["a_operator"], PersonFilter(family_name_prefix="Зарічнюк")
    )
    assert [p.fields.given_name for p in page.items] == [PEOPLE[0][1]]
    assert runner.invoke(app, ["keys", "erase", "pa"], env=env).exit_code == 2  # needs --yes
    assert runner.invoke(app, ["keys", "erase", "pa", "--yes"], env=env).exit_code == 0
    listed = runner.invoke(app, ["keys", "list"], env=env)
    assert "erased" in listed.output and new not in listed.output


def test_death_and_remains_records_are_resealed_with_the_current_key(
    own_keys: tuple[UnitOfWorkFactory, World, Path],
) -> None:
    uows, world, _path = own_keys
    held = registry.create_person(
        uows, world.actors["a_operator"], Registry.HELD, {"record_id": "D-1", "family_name": "Синтетичний"}
    ).id
    deaths.record_death(uows, world.actors["a_operator"], held, {"date_of_death": "2024-01-02", "cause": "x"})
    remains.record_remains(uows, world.actors["a_operator"], {"reference": "bag-1", "note": "y"})
    new = data_keys.rotate_key(uows, "pa")
    counts = data_keys.reencrypt(uows, "pa")
    assert counts["death_record"] == 1 and counts["remains_record"] == 1
    with uows.reader() as uow:
        cause = uow.session.execute(select(DeathRecordRow.cause_sealed)).scalar_one()
        note = uow.session.execute(select(RemainsRecordRow.note_sealed)).scalar_one()
    assert sealed_key_id(bytes(cause)) == sealed_key_id(bytes(note)) == new
    assert deaths.get_death(uows, world.actors["a_operator"], held).record.cause == "x"  # type: ignore[union-attr]
