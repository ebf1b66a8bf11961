"""Row-level security on the exchange tables: a party member's transaction reads only the agreements its
party is a side of, and of their versions only those shared with both sides or written by its own side
(a counter-proposal stays with its author and the mediator until the mediator shares it). SQLite: nothing
to do.

The same setting as 0005_row_level_security (`homebound.party_id`, empty for the mediator, an observer of
no party and the system, who see every row: their permissions are the services'). Policies on the tables
below an agreement name the agreement, whose own policy then applies inside the sub-select.

Not covered, by design: `exchange_record` is the public ledger of aggregates (every caller reads it), and
`exchange_identity` already has its mediator-only policy (0005).

Revision ID: 0007_exchange_row_level_security
Revises: 0006_encrypt_personal_data
"""

# Every statement here is built from the constants below, never from input.
# ruff: noqa: S608

from __future__ import annotations

from alembic import op

revision = "0007_exchange_row_level_security"
down_revision = "0006_encrypt_personal_data"
branch_labels = None
depends_on = None

PARTY = "coalesce(current_setting('homebound.party_id', true), '')"
UNSCOPED = f"{PARTY} = ''"
A_SIDE = f"(SELECT id FROM agreement WHERE party_a_id = {PARTY} OR party_b_id = {PARTY})"


def _version_visible() -> str:
    """Shared with both sides, or written by the reading party's own side."""
    own_side = (
        "SELECT 1 FROM agreement a WHERE a.id = agreement_version.agreement_id AND ("
        f"(a.party_a_id = {PARTY} AND (agreement_version.shared_at IS NOT NULL"
        " OR agreement_version.author_role = 'party_a'))"
        f" OR (a.party_b_id = {PARTY} AND (agreement_version.shared_at IS NOT NULL"
        " OR agreement_version.author_role = 'party_b')))"
    )
    return f"{UNSCOPED} OR EXISTS ({own_side})"


# table -> the rows a party member reads (and may write: the same rule)
POLICIES: dict[str, str] = {
    "agreement": f"{UNSCOPED} OR party_a_id = {PARTY} OR party_b_id = {PARTY}",
    "agreement_version": _version_visible(),
    "agreement_acceptance": f"{UNSCOPED} OR agreement_id IN {A_SIDE}",
    "handover_tranche": f"{UNSCOPED} OR agreement_id IN {A_SIDE}",
    "handover_line": f"{UNSCOPED} OR agreement_id IN {A_SIDE}",
    "remains_batch": f"{UNSCOPED} OR agreement_id IN {A_SIDE}",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, rule in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT USING ({rule})")
        op.execute(f"CREATE POLICY {table}_write ON {table} USING ({rule}) WITH CHECK ({rule})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in POLICIES:
        op.execute(f"DROP POLICY IF EXISTS {table}_read ON {table}")
        op.execute(f"DROP POLICY IF EXISTS {table}_write ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
