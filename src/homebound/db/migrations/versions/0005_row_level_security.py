"""Row-level security by party on PostgreSQL, a second wall under the services' own filter; the application
role. SQLite: nothing to do (no roles, no policies).

A party member's transaction carries `homebound.party_id` (set by the unit of work with
`set_config(..., true)`); the policies then show that party's rows and rows shared with it. An empty or
missing setting (the mediator, an observer of no party, the system, the migration itself) sees every row:
those callers' permissions are enforced by the services above.

`homebound_app` is a NOLOGIN group role holding the application's table privileges (never ownership): the
server connects as a LOGIN role that is a member of it (docs/operations.md), the tables stay owned by the
role that runs the migrations. Roles are cluster-wide, so the role is created only if missing (several
databases, and parallel test runs, share it) and never dropped by a downgrade.

Revision ID: 0005_row_level_security
Revises: 0004
"""

# Every statement here is built from the constants below, never from input.
# ruff: noqa: S608

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0005_row_level_security"
down_revision = "0004"
branch_labels = None
depends_on = None

APP_ROLE = "homebound_app"

# The party of the transaction; '' when unset (a fresh session gives NULL, a reset placeholder '').
PARTY = "coalesce(current_setting('homebound.party_id', true), '')"
UNSCOPED = f"{PARTY} = ''"

# table -> (the rows a party member reads, the rows it may insert, update or delete, FORCE for the owner)
POLICIES: dict[str, tuple[str, str, bool]] = {
    # Not forced (yet): list imports load it with COPY (db/bulk.py), which PostgreSQL refuses for any role
    # under row-level security, a forced table's owner included; forcing it would break imports where the
    # server still runs as the owner. The application role is held by the policy all the same.
    "person": (
        f"{UNSCOPED} OR party_id = {PARTY} OR homebound_shared_with(id, {PARTY})",
        f"{UNSCOPED} OR party_id = {PARTY}",
        False,
    ),
    # Not forced: homebound_shared_with() reads it as the owner (SECURITY DEFINER), which breaks the cycle
    # person -> person_share -> person that PostgreSQL refuses as infinite recursion. The application role
    # is held by the policy all the same.
    "person_share": (
        f"{UNSCOPED} OR party_id = {PARTY} OR person_id IN (SELECT id FROM person WHERE party_id = {PARTY})",
        f"{UNSCOPED} OR person_id IN (SELECT id FROM person WHERE party_id = {PARTY})",
        False,
    ),
    "inquiry": (f"{UNSCOPED} OR party_id = {PARTY}", f"{UNSCOPED} OR party_id = {PARTY}", True),
    "import_batch": (f"{UNSCOPED} OR party_id = {PARTY}", f"{UNSCOPED} OR party_id = {PARTY}", True),
    "notification_outbox": (
        f"{UNSCOPED} OR inquiry_id IN (SELECT id FROM inquiry WHERE party_id = {PARTY})",
        f"{UNSCOPED} OR inquiry_id IN (SELECT id FROM inquiry WHERE party_id = {PARTY})",
        True,
    ),
    # The mediator's review queue and identity confirmations: no party reads them.
    "match_candidate": (UNSCOPED, UNSCOPED, True),
    "exchange_identity": (UNSCOPED, UNSCOPED, True),
}

SHARED_WITH = """
CREATE OR REPLACE FUNCTION homebound_shared_with(p_person varchar, p_party text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, {schema} AS $$
    SELECT EXISTS (
        SELECT 1 FROM {schema}.person_share s WHERE s.person_id = p_person AND s.party_id = p_party
    )
$$
"""

CREATE_ROLE = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '{APP_ROLE}') THEN
        CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
    END IF;
EXCEPTION
    -- Another session (a parallel test run, another database's migration) created it in the meantime.
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$
"""

CHECK_ROLE = f"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '{APP_ROLE}' AND (rolsuper OR rolbypassrls))
    THEN
        RAISE EXCEPTION 'role {APP_ROLE} is a superuser or bypasses row-level security: refuse to use it';
    END IF;
END
$$
"""


# USAGE on the schema is PUBLIC's by default; granting it needs the schema's owner, which the migration
# role need not be.
GRANT_SCHEMA = f"""
DO $$
BEGIN
    GRANT USAGE ON SCHEMA {{schema}} TO {APP_ROLE};
EXCEPTION
    WHEN insufficient_privilege THEN NULL;
END
$$
"""


def _schema() -> str:
    name = op.get_bind().execute(text("SELECT current_schema()")).scalar_one()
    return '"' + str(name).replace('"', '""') + '"'


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = _schema()
    op.execute(CREATE_ROLE)
    op.execute(CHECK_ROLE)
    op.execute(GRANT_SCHEMA.format(schema=schema))
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {APP_ROLE}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {APP_ROLE}")
    # Tables of later migrations (run by the same owner) are granted as they are created.
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
    )
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}")
    op.execute(SHARED_WITH.format(schema=schema))
    op.execute("REVOKE ALL ON FUNCTION homebound_shared_with(varchar, text) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION homebound_shared_with(varchar, text) TO {APP_ROLE}")
    for table, (read, write, force) in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        if force:
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT USING ({read})")
        op.execute(f"CREATE POLICY {table}_write ON {table} USING ({write}) WITH CHECK ({write})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = _schema()
    for table in POLICIES:
        op.execute(f"DROP POLICY IF EXISTS {table}_read ON {table}")
        op.execute(f"DROP POLICY IF EXISTS {table}_write ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("DROP FUNCTION IF EXISTS homebound_shared_with(varchar, text)")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON SEQUENCES FROM {APP_ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON TABLES FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA {schema} FROM {APP_ROLE}")
    # The role itself stays: it is cluster-wide and other databases may use it.
