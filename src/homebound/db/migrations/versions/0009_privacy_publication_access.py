"""Privacy: publication acts (the only source of the public ledger's figures), the record of reads,
searches and exports of personal data, and an agreement's public label (separate from its title and venue).

Node-level tables read through the services' permissions (the owning party's rows, or the mediator's):
no row-level security policy, like the federation tables. Portable types only (SQLite and PostgreSQL).

Revision ID: 0009_privacy_publication_access
Revises: 0009_m14_person_import_batch
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_privacy_publication_access"
down_revision = "0009_m14_person_import_batch"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "publication",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("published_by", sa.String(length=36), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("figures", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_publication_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication")),
    )
    op.create_index("ix_publication_kind_subject", "publication", ["kind", "subject_id", "published_at"])
    op.create_table(
        "data_access",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_party_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=True),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=120), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("record_ids", JSON, nullable=False),
        sa.Column("fields", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_access")),
    )
    op.create_index("ix_data_access_party_at", "data_access", ["owner_party_id", "at"])
    op.create_index(op.f("ix_data_access_user_id"), "data_access", ["user_id"])
    with op.batch_alter_table("agreement") as batch_op:
        batch_op.add_column(sa.Column("public_label", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agreement") as batch_op:
        batch_op.drop_column("public_label")
    op.drop_index(op.f("ix_data_access_user_id"), table_name="data_access")
    op.drop_index("ix_data_access_party_at", table_name="data_access")
    op.drop_table("data_access")
    op.drop_index("ix_publication_kind_subject", table_name="publication")
    op.drop_table("publication")
