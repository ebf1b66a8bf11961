"""The offline crossing: crossing manifests, lines recorded by devices, handover acts, countersignatures.

Node-level tables like the federation's (no row-level security policy); portable types only.

Revision ID: 0009_crossing_acts
Revises: 0009_privacy_publication_access
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0009_crossing_acts"
down_revision = "0009_privacy_publication_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crossing_manifest",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("agreement_id", sa.String(length=36), nullable=False),
        sa.Column("party_a", sa.String(length=32), nullable=False),
        sa.Column("party_b", sa.String(length=32), nullable=False),
        sa.Column("mediator", sa.String(length=32), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("installed_by", sa.String(length=36), nullable=False),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("content_hash", name=op.f("pk_crossing_manifest")),
    )
    op.create_table(
        "crossing_line",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("tranche", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_crossing_line")),
    )
    with op.batch_alter_table("crossing_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crossing_line_content_hash"), ["content_hash"], unique=False)
    op.create_table(
        "handover_act",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("tranche", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=32), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("package", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_handover_act")),
    )
    with op.batch_alter_table("handover_act", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handover_act_content_hash"), ["content_hash"], unique=False)
    op.create_table(
        "act_countersignature",
        sa.Column("act", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=32), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("package", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("act", "party", name=op.f("pk_act_countersignature")),
    )


def downgrade() -> None:
    op.drop_table("act_countersignature")
    with op.batch_alter_table("handover_act", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_act_content_hash"))
    op.drop_table("handover_act")
    with op.batch_alter_table("crossing_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crossing_line_content_hash"))
    op.drop_table("crossing_line")
    op.drop_table("crossing_manifest")
