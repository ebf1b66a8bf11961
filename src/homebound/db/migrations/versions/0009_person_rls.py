"""Row-level security forced on `person` and `person_share` too, so the tables' owner is held by it as the
application role is (0005 left them unforced).

- `person`: list imports no longer need COPY under row-level security (db/bulk.py falls back to a
  multi-row INSERT wherever `row_security_active` says so, the owner of a forced table included).
- `person_share`: its policies looked up `person`, whose own policy reads `person_share` (through
  `homebound_shared_with`, as the owner): forced, that is a cycle. A share now carries its record's owner
  (`owner_party_id`, filled from `person` here), so reading needs no look-up; a write is still checked
  against `person`, so no party can claim another's record as its own to share it.

Revision ID: 0009_person_rls
Revises: 0009_throttle
"""

# Every statement here is built from the constants below, never from input.
# ruff: noqa: S608

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_person_rls"
down_revision = "0009_throttle"
branch_labels = None
depends_on = None

PARTY = "coalesce(current_setting('homebound.party_id', true), '')"
UNSCOPED = f"{PARTY} = ''"
SHARE_READ = f"{UNSCOPED} OR party_id = {PARTY} OR owner_party_id = {PARTY}"
OWNED = f"person_id IN (SELECT id FROM person WHERE party_id = {PARTY})"
SHARE_WRITE = f"{UNSCOPED} OR (owner_party_id = {PARTY} AND {OWNED})"
# As 0005 had them, for the downgrade.
OLD_SHARE_READ = (
    f"{UNSCOPED} OR party_id = {PARTY} OR person_id IN (SELECT id FROM person WHERE party_id = {PARTY})"
)
OLD_SHARE_WRITE = f"{UNSCOPED} OR person_id IN (SELECT id FROM person WHERE party_id = {PARTY})"


def upgrade() -> None:
    op.add_column("person_share", sa.Column("owner_party_id", sa.String(length=36), nullable=True))
    op.execute(
        "UPDATE person_share SET owner_party_id = "
        "(SELECT person.party_id FROM person WHERE person.id = person_share.person_id)"
    )
    with op.batch_alter_table("person_share") as batch:
        batch.alter_column("owner_party_id", existing_type=sa.String(length=36), nullable=False)
        batch.create_index(batch.f("ix_person_share_owner_party_id"), ["owner_party_id"], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP POLICY IF EXISTS person_share_read ON person_share")
    op.execute("DROP POLICY IF EXISTS person_share_write ON person_share")
    op.execute(f"CREATE POLICY person_share_read ON person_share FOR SELECT USING ({SHARE_READ})")
    op.execute(
        f"CREATE POLICY person_share_write ON person_share USING ({SHARE_WRITE}) WITH CHECK ({SHARE_WRITE})"
    )
    op.execute("ALTER TABLE person FORCE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE person_share FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE person_share NO FORCE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE person NO FORCE ROW LEVEL SECURITY")
        op.execute("DROP POLICY IF EXISTS person_share_read ON person_share")
        op.execute("DROP POLICY IF EXISTS person_share_write ON person_share")
        op.execute(f"CREATE POLICY person_share_read ON person_share FOR SELECT USING ({OLD_SHARE_READ})")
        op.execute(
            f"CREATE POLICY person_share_write ON person_share"
            f" USING ({OLD_SHARE_WRITE}) WITH CHECK ({OLD_SHARE_WRITE})"
        )
    with op.batch_alter_table("person_share") as batch:
        batch.drop_index(batch.f("ix_person_share_owner_party_id"))
        batch.drop_column("owner_party_id")
