"""The reasons of a composition, per candidate, kept with the version the mediator composed. They name
candidates of both pools, so on PostgreSQL only an unscoped transaction (the mediator's, the system's)
reads them: a party member's sees none (row-level security, as 0007).

Revision ID: 0010_composition_reasons
Revises: 0009_crossing_acts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_composition_reasons"
down_revision = "0009_crossing_acts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "composition_decision",
        sa.Column("agreement_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("candidate_id", sa.String(length=36), nullable=False),
        sa.Column("side", sa.String(length=1), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("priority_rank", sa.Integer(), nullable=True),
        sa.Column("basis", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint(
            "agreement_id", "version", "candidate_id", name=op.f("pk_composition_decision")
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        rule = "coalesce(current_setting('homebound.party_id', true), '') = ''"
        op.execute("ALTER TABLE composition_decision ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE composition_decision FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY composition_decision_read ON composition_decision FOR SELECT USING ({rule})"
        )
        write = f"USING ({rule}) WITH CHECK ({rule})"
        op.execute(f"CREATE POLICY composition_decision_write ON composition_decision {write}")


def downgrade() -> None:
    op.drop_table("composition_decision")
