"""Signed log: public signing keys, entry signatures and leaf hashes, checkpoints and their cosignatures.

Existing format-1 entries keep null signature columns: verification accepts them as an unsigned prefix.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_key",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=36), nullable=False),
        sa.Column("owner_kind", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("custody", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.Integer(), nullable=True),
        sa.Column("retired_reason", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_signing_key")),
    )
    with op.batch_alter_table("signing_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signing_key_owner"), ["owner"], unique=False)

    op.create_table(
        "log_checkpoint",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("tree_size", sa.Integer(), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("published_by", sa.String(length=36), nullable=False),
        sa.Column("final_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_checkpoint")),
    )
    with op.batch_alter_table("log_checkpoint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log_checkpoint_tree_size"), ["tree_size"], unique=False)

    op.create_table(
        "log_checkpoint_signature",
        sa.Column("checkpoint_id", sa.String(length=36), nullable=False),
        sa.Column("signer", sa.String(length=36), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("computed_by", sa.String(length=16), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["log_checkpoint.id"],
            name=op.f("fk_log_checkpoint_signature_checkpoint_id_log_checkpoint"),
        ),
        sa.PrimaryKeyConstraint("checkpoint_id", "signer", name=op.f("pk_log_checkpoint_signature")),
    )
    with op.batch_alter_table("log_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signer", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("signature", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("leaf_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("log_entry", schema=None) as batch_op:
        batch_op.drop_column("leaf_hash")
        batch_op.drop_column("signature")
        batch_op.drop_column("key_id")
        batch_op.drop_column("signer")
    op.drop_table("log_checkpoint_signature")
    with op.batch_alter_table("log_checkpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_checkpoint_tree_size"))
    op.drop_table("log_checkpoint")
    with op.batch_alter_table("signing_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signing_key_owner"))
    op.drop_table("signing_key")
