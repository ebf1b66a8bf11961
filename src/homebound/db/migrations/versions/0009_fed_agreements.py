"""Federation, agreements over the wire: the agreement versions a mediator sent a party's node (read-only),
the signed acceptances and conclusions (as signed), the outbox's next push time and last failure, and the
receipt a node gave for a package (a re-push gets the same bytes).

Node-level tables, none of them a party's: no row-level security policy. Portable types only.

Revision ID: 0009_fed_agreements
Revises: 0009_witness_checkpoints
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_fed_agreements"
down_revision = "0009_witness_checkpoints"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "federated_version",
        sa.Column("agreement_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("mediator", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("document", _JSON, nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("own_records", _JSON, nullable=False),
        sa.Column("package", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("agreement_id", "number", name=op.f("pk_federated_version")),
    )
    op.create_table(
        "agreement_signature",
        sa.Column("agreement_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("signer", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("statement", sa.LargeBinary(), nullable=False),
        sa.Column("package", sa.String(length=64), nullable=True),
        sa.Column("signed_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("agreement_id", "version", "signer", name=op.f("pk_agreement_signature")),
    )
    with op.batch_alter_table("package_sent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.String(length=200), nullable=True))
    with op.batch_alter_table("package_received", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("package_received", schema=None) as batch_op:
        batch_op.drop_column("receipt")
    with op.batch_alter_table("package_sent", schema=None) as batch_op:
        batch_op.drop_column("last_error")
        batch_op.drop_column("next_attempt_at")
    op.drop_table("agreement_signature")
    op.drop_table("federated_version")
