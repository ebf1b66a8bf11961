"""Row-level security by party on PostgreSQL (migration 0005_row_level_security): a second wall under the
services' own filter. Queries here go around the services on purpose (raw SQL, or an unfiltered select
through a unit of work) as the application role `homebound_app`, the way a bug in a filter would.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import DBAPIError

from homebound.core.access import PUBLIC_ACTOR, OrganisationKind
from homebound.core.errors import NotFound
from homebound.core.exchange.agreement import ReplacePerson
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.formula import ListedPerson, NForN
from homebound.core.exchange.terms import Terms
from homebound.core.persons import Registry
from homebound.db.tables import ImportBatchRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts, agreement_views, agreements, inquiries, registry
from homebound.services.composition import compose_version
from tests.conftest import Backend
from tests.exchange_support import seed_registries
from tests.keys import key_custody_of_tests
from tests.settings import TEST_PASSWORD_COST
from tests.world import World

APP_ROLE = "homebound_app"
# Every table holding one party's data, with the column that names the party.
PARTY_TABLES = ("person", "person_share", "inquiry", "import_batch", "notification_outbox")
EXCHANGE_TABLES = (
    "agreement",
    "agreement_version",
    "agreement_acceptance",
    "handover_tranche",
    "handover_line",
    "remains_batch",
)
MEDIATOR_ONLY = ("match_candidate", "exchange_identity")
EXCHANGE_TERMS = Terms(date(2023, 1, 8), formulas=(NForN(),), max_persons=6)


@pytest.fixture
def pg(backend: Backend) -> Backend:
    """Row-level security is PostgreSQL's (SQLite has no roles): the tests that use this are only_on it."""
    assert backend.name == "postgresql"
    return backend


@contextmanager
def as_app(connection: Connection, party: str | None) -> Iterator[Connection]:
    """The application role inside a savepoint, with the transaction's party set (or not)."""
    savepoint = connection.begin_nested()
    try:
        connection.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
        if party is not None:
            connection.execute(text("SELECT set_config('homebound.party_id', :p, true)"), {"p": party})
        yield connection
    finally:
        savepoint.rollback()  # also undoes SET LOCAL ROLE and the setting


def _fill(uows: UnitOfWorkFactory, world: World) -> dict[str, str]:
    a, b = world.actors["a_operator"], world.actors["b_operator"]
    ids = {
        "a_unshared": registry.create_person(
            uows, a, Registry.HELD, {"record_id": "A-1", "family_name": "Коваленко"}
        ).id,
        "a_shared": registry.create_person(
            uows, a, Registry.HELD, {"record_id": "A-2", "family_name": "Шевченко"}
        ).id,
        "b_own": registry.create_person(
            uows, b, Registry.SOUGHT, {"record_id": "B-1", "family_name": "Petrov"}
        ).id,
    }
    registry.share_person(uows, world.actors["a_admin"], ids["a_shared"], "pb")
    with uows.writer() as uow:  # an import's batch row (the rows themselves are persons like the above)
        uow.session.add(
            ImportBatchRow(
                party_id=world.party_ids["pa"],
                registry_kind="held",
                actor_id=a.user_id or "",
                file_sha256="0" * 64,
                rows=0,
                created=0,
                updated=0,
                unchanged=0,
            )
        )
        uow.commit()
    for code, name in (("pa", "Family of A"), ("pb", "Family of B")):
        filed = inquiries.file_inquiry(
            uows,
            PUBLIC_ACTOR,
            party_code=code,
            inquirer_name=name,
            inquirer_contact="+10000000000",
            relationship=None,
            consent=True,
            sought_details={"family_name": "X"},
            cost=TEST_PASSWORD_COST,
        )
        ids[f"inquiry_{code}"] = filed.id
    return ids


def _ids(conn: Connection, table: str, column: str = "id") -> set[str]:
    return {str(v) for v in conn.execute(text(f"SELECT {column} FROM {table}")).scalars()}  # noqa: S608


@pytest.mark.only_on("postgresql")
def test_party_b_reads_none_of_party_a_unshared_rows(
    pg: Backend, connection: Connection, uows: UnitOfWorkFactory, world: World
) -> None:
    ids = _fill(uows, world)
    party_a, party_b = world.party_ids["pa"], world.party_ids["pb"]
    with as_app(connection, party_b) as conn:
        persons = _ids(conn, "person")
        assert ids["a_unshared"] not in persons
        assert ids["a_shared"] in persons and ids["b_own"] in persons
        assert (
            conn.execute(text("SELECT count(*) FROM person WHERE party_id = :a"), {"a": party_a}).scalar()
            == 1
        )
        assert _ids(conn, "person_share", "person_id") == {ids["a_shared"]}
        assert _ids(conn, "inquiry") == {ids["inquiry_pb"]}
        assert _ids(conn, "import_batch", "party_id") == set()  # B imported nothing
        for table in MEDIATOR_ONLY:
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0  # noqa: S608
    with as_app(connection, party_a) as conn:
        persons = _ids(conn, "person")
        assert ids["b_own"] not in persons
        assert {ids["a_unshared"], ids["a_shared"]} <= persons
        assert _ids(conn, "person_share", "person_id") == {ids["a_shared"]}  # its own record's share
        assert _ids(conn, "inquiry") == {ids["inquiry_pa"]}
        assert _ids(conn, "import_batch", "party_id") == {party_a}
    with as_app(connection, None) as conn:  # mediator, observer, system: every row; services decide
        assert {ids["a_unshared"], ids["a_shared"], ids["b_own"]} <= _ids(conn, "person")
        assert {ids["inquiry_pa"], ids["inquiry_pb"]} <= _ids(conn, "inquiry")


@pytest.mark.only_on("postgresql")
def test_unit_of_work_scopes_a_party_members_reads(
    pg: Backend, connection: Connection, uows: UnitOfWorkFactory, world: World
) -> None:
    ids = _fill(uows, world)
    with as_app(connection, None):
        # An unfiltered select, as a service whose own filter was forgotten would run it.
        with uows.for_actor(world.actors["b_operator"]).reader() as uow:
            seen = set(uow.session.execute(select(PersonRow.id)).scalars())
        assert ids["a_unshared"] not in seen and ids["a_shared"] in seen
        with uows.for_actor(world.actors["mediator"]).reader() as uow:
            assert ids["a_unshared"] in set(uow.session.execute(select(PersonRow.id)).scalars())
        # A party's setting does not linger into the next unit of work on the same connection.
        with uows.reader() as uow:
            assert ids["a_unshared"] in set(uow.session.execute(select(PersonRow.id)).scalars())
        # The services still answer as before under the application role.
        assert registry.get_person(uows, world.actors["b_operator"], ids["a_shared"]).id == ids["a_shared"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE person SET party_id = :a WHERE id = :own",  # B's own record handed to A
        "INSERT INTO person_share (person_id, party_id, owner_party_id, shared_by, shared_at)"
        " VALUES (:unshared, :b, :a, 'x', now())",
        # Nor by naming itself the owner of A's record: writes are checked against `person`.
        "INSERT INTO person_share (person_id, party_id, owner_party_id, shared_by, shared_at)"
        " VALUES (:unshared, :b, :b, 'x', now())",
    ],
)
@pytest.mark.only_on("postgresql")
def test_party_b_cannot_write_party_a_rows(
    pg: Backend, connection: Connection, uows: UnitOfWorkFactory, world: World, statement: str
) -> None:
    ids = _fill(uows, world)
    params = {
        "unshared": ids["a_unshared"],
        "own": ids["b_own"],
        "a": world.party_ids["pa"],
        "b": world.party_ids["pb"],
    }
    with as_app(connection, world.party_ids["pb"]) as conn, pytest.raises(DBAPIError) as refused:
        conn.execute(text(statement), params)
    assert "row-level security" in str(refused.value)


@pytest.mark.only_on("postgresql")
def test_party_b_changes_none_of_party_a_rows_even_shared(
    pg: Backend, connection: Connection, uows: UnitOfWorkFactory, world: World
) -> None:
    ids = _fill(uows, world)
    with as_app(connection, world.party_ids["pb"]) as conn:
        for person in (ids["a_unshared"], ids["a_shared"]):
            changed = conn.execute(text("UPDATE person SET rank = 'x' WHERE id = :i"), {"i": person})
            assert changed.rowcount == 0
        assert conn.execute(text("DELETE FROM person_share")).rowcount == 0  # A's share is not B's to drop
        assert conn.execute(text("UPDATE inquiry SET relationship = 'x'")).rowcount == 1  # its own only
    with as_app(connection, world.party_ids["pa"]) as conn:  # the owner still can
        changed = conn.execute(text("UPDATE person SET rank = 'x' WHERE id = :i"), {"i": ids["a_shared"]})
        assert changed.rowcount == 1


@pytest.mark.only_on("postgresql")
def test_a_partys_own_writes_run_under_the_wall(
    pg: Backend, connection: Connection, uows: UnitOfWorkFactory, world: World
) -> None:
    """A party's writer (sharing its record, attaching its inquiry) names the party: a statement that forgot
    its filter reaches only the party's own rows; the services work as before."""
    ids = _fill(uows, world)
    with as_app(connection, None):
        with uows.writer_for(world.actors["b_admin"]) as uow:
            touched = uow.session.execute(text("UPDATE person SET rank = 'x'")).rowcount
            mine = uow.session.execute(
                text("SELECT count(*) FROM person WHERE party_id = :b"), {"b": world.party_ids["pb"]}
            ).scalar_one()
            assert touched == mine  # B's records only, not A's (shared with B or not)
            inquiries = uow.session.execute(text("UPDATE inquiry SET relationship = 'x'")).rowcount
            assert inquiries == 1  # its own inquiry, not A's
        with uows.writer_for(world.actors["mediator"]) as uow:  # the mediator's office names no party
            assert uow.session.execute(text("UPDATE person SET rank = 'y'")).rowcount > touched
        with pytest.raises(NotFound):  # B cannot pass on A's record: not even found under the wall
            registry.share_person(uows, world.actors["b_admin"], ids["a_unshared"], "pb")
        shared = registry.share_person(uows, world.actors["a_admin"], ids["a_unshared"], "pb")
        assert world.party_ids["pb"] in shared.shared_with  # the owner shares, under the wall too


def _negotiation(uows: UnitOfWorkFactory, world: World) -> dict[str, str]:
    """An agreement of A and B whose version 2 is B's unshared amendment, and one of A and a party C."""
    seed_registries(uows, world, held_a=12, held_b=12, seed=7)
    mediator = world.actors["mediator"]
    ab = agreements.create_agreement(uows, mediator, title="ab", party_a="pa", party_b="pb", venue="v").id
    composed = compose_version(uows, mediator, ab, EXCHANGE_TERMS, share=True)
    assert composed.version.document is not None
    with uows.reader() as uow:  # not a seriously wounded man: he is replaced only by another
        listed = next(
            p["candidate_id"]
            for p in composed.version.document["list_b"]
            if uow.session.get(PersonRow, p["candidate_id"]).health != "seriously_wounded_sick"  # type: ignore[union-attr]
        )
    spare = next(
        d["candidate_id"] for d in composed.decisions if d["side"] == "b" and d["code"] == "out.below_cutoff"
    )
    amended = agreements.amend(
        uows,
        world.actors["b_admin"],
        ab,
        [ReplacePerson(Side.B, listed, ListedPerson(spare), "not this one")],
        expected_version=1,
    )
    assert amended.number == 2 and not amended.shared
    accounts.create_organisation(uows, "pc", "Party C", OrganisationKind.PARTY)
    ac = agreements.create_agreement(uows, mediator, title="ac", party_a="pa", party_b="pc", venue="v").id
    return {"ab": ab, "ac": ac}


def _versions(conn: Connection) -> set[tuple[str, int]]:
    rows = conn.execute(text("SELECT agreement_id, number FROM agreement_version")).all()
    return {(str(a), int(n)) for a, n in rows}


@pytest.mark.only_on("postgresql")
def test_exchange_tables_are_scoped_by_party(
    pg: Backend, connection: Connection, uows: UnitOfWorkFactory, world: World
) -> None:
    """Migration 0007: an agreement a party is no side of, and the other side's unshared version, are not
    in its rows; the tables below an agreement follow the agreement."""
    ids = _negotiation(uows, world)
    with as_app(connection, world.party_ids["pb"]) as conn:
        assert _ids(conn, "agreement") == {ids["ab"]}  # not A's agreement with C
        assert _versions(conn) == {(ids["ab"], 1), (ids["ab"], 2)}  # its own unshared amendment included
        assert _ids(conn, "handover_tranche", "agreement_id") <= {ids["ab"]}
    with as_app(connection, world.party_ids["pa"]) as conn:
        assert _ids(conn, "agreement") == {ids["ab"], ids["ac"]}
        assert _versions(conn) == {(ids["ab"], 1)}  # B's amendment is not shared yet
        changed = conn.execute(
            text("UPDATE agreement_version SET shared_at = now() WHERE agreement_id = :a"), {"a": ids["ab"]}
        )
        assert changed.rowcount == 1  # only the row it sees
    with as_app(connection, None) as conn:  # the mediator: every row; its permissions are the services'
        assert {ids["ab"], ids["ac"]} <= _ids(conn, "agreement")
        assert {(ids["ab"], 1), (ids["ab"], 2)} <= _versions(conn)
    # Through the services, under the application role: A still reads its agreement, without version 2.
    with as_app(connection, None):
        views = agreement_views.list_versions(
            uows.for_actor(world.actors["a_admin"]), world.actors["a_admin"], ids["ab"]
        )
        assert [v.number for v in views] == [1]


@pytest.mark.only_on("postgresql")
def test_application_role_is_no_superuser_and_owns_nothing(pg: Backend, connection: Connection) -> None:
    role = connection.execute(
        text("SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = :r"),
        {"r": APP_ROLE},
    ).one()
    assert tuple(role) == (False, False, False, False)
    owned = connection.execute(
        text("SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = :r"),
        {"r": APP_ROLE},
    ).all()
    assert owned == []
    assert (
        connection.execute(
            text("SELECT count(*) FROM pg_tables WHERE tableowner = :r"), {"r": APP_ROLE}
        ).scalar()
        == 0
    )
    # RLS is on (and forced for the owner) on every party table; the app may not touch the schema version.
    flags: dict[str, bool] = dict(
        connection.execute(
            text("SELECT relname, relforcerowsecurity FROM pg_class WHERE relrowsecurity AND relkind = 'r'")
        ).all()
    )
    assert set(PARTY_TABLES + MEDIATOR_ONLY + EXCHANGE_TABLES) <= set(flags)
    # Every one forced, person and person_share included (migration 0009_person_rls): the tables' owner is
    # held by the policies too, should the server connect as it.
    forced = PARTY_TABLES + MEDIATOR_ONLY + EXCHANGE_TABLES
    assert {t for t in forced if not flags[t]} == set()
    with as_app(connection, None) as conn, pytest.raises(DBAPIError, match="permission denied"):
        conn.execute(text("DELETE FROM alembic_version"))


@pytest.mark.only_on("postgresql")
def test_role_creation_is_idempotent(pg: Backend, connection: Connection) -> None:
    """Roles are cluster-wide: a second database migrated on the same cluster reuses the role."""
    script = importlib.import_module("homebound.db.migrations.versions.0005_row_level_security")
    savepoint = connection.begin_nested()
    try:
        connection.execute(text(script.CREATE_ROLE))
        connection.execute(text(script.CREATE_ROLE))
        connection.execute(text(script.CHECK_ROLE))
    finally:
        savepoint.rollback()
    assert (
        connection.execute(text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}).scalar()
        == 1
    )


@pytest.mark.only_on("sqlite")
def test_sqlite_ignores_the_party(backend: Backend, connection: Connection, world: World) -> None:
    uows = UnitOfWorkFactory(connection, key_custody_of_tests())
    created = registry.create_person(
        uows, world.actors["a_operator"], Registry.HELD, {"record_id": "A-9", "family_name": "Ткаченко"}
    )
    with uows.for_actor(world.actors["b_operator"]).reader() as uow:
        # No second wall on SQLite: an unfiltered select sees everything; the services' filter is the wall.
        assert created.id in set(uow.session.execute(select(PersonRow.id)).scalars())


def test_db_upgrade_runs_as_the_owner_url(tmp_path: Path) -> None:
    """`homebound db upgrade` migrates HOMEBOUND_MIGRATION_DATABASE_URL (the owner's) when it is set."""
    from typer.testing import CliRunner

    from homebound.cli.main import app

    owner = tmp_path / "owner.sqlite3"
    env = {
        "HOMEBOUND_DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
        "HOMEBOUND_MIGRATION_DATABASE_URL": f"sqlite:///{owner}",
        "HOMEBOUND_KEY_DIR": str(tmp_path / "keys"),
    }
    result = CliRunner().invoke(app, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert owner.exists() and not (tmp_path / "app.sqlite3").exists()


@pytest.mark.only_on("postgresql")
def test_list_import_as_the_application_role(
    pg: Backend, connection: Connection, uows: UnitOfWorkFactory, world: World
) -> None:
    from homebound.services import lists

    with as_app(connection, None):
        report = lists.import_list(
            uows,
            world.actors["a_operator"],
            Registry.HELD,
            b"record_id,family_name\nA-7,Bondarenko\n",
            "a.csv",
        )
    assert report.created == 1
