"""Witnessing: checkpoints of this node's log sent to witnesses (with their cosignatures), the newest
checkpoint of each peer's log this node cosigned, and the evidence kept when a peer shows two histories.

Node-level tables, none of them a party's (no row-level security policy). Portable types only.

Revision ID: 0009_witness_checkpoints
Revises: 0009_person_rls
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_witness_checkpoints"
down_revision = "0009_person_rls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "node_checkpoint",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("witness", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("tree_size", sa.Integer(), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("package", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cosignature", sa.Text(), nullable=True),
        sa.Column("cosigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_node_checkpoint")),
        sa.UniqueConstraint("package", "witness", name="uq_node_checkpoint_package_witness"),
    )
    op.create_index(op.f("ix_node_checkpoint_witness"), "node_checkpoint", ["witness"], unique=False)
    op.create_table(
        "witnessed_checkpoint",
        sa.Column("peer_id", sa.String(length=36), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("tree_size", sa.Integer(), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("cosignature", sa.Text(), nullable=False),
        sa.Column("cosigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("package", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"], ["organisation.id"], name=op.f("fk_witnessed_checkpoint_peer_id_organisation")
        ),
        sa.PrimaryKeyConstraint("peer_id", name=op.f("pk_witnessed_checkpoint")),
    )
    op.create_table(
        "witness_evidence",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("peer", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("cosigned_note", sa.Text(), nullable=False),
        sa.Column("offered_note", sa.Text(), nullable=False),
        sa.Column("package", sa.String(length=64), nullable=False),
        sa.Column("package_bytes", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_witness_evidence")),
    )
    op.create_index(op.f("ix_witness_evidence_peer"), "witness_evidence", ["peer"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_witness_evidence_peer"), table_name="witness_evidence")
    op.drop_table("witness_evidence")
    op.drop_table("witnessed_checkpoint")
    op.drop_index(op.f("ix_node_checkpoint_witness"), table_name="node_checkpoint")
    op.drop_table("node_checkpoint")
