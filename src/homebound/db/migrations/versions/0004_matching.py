"""Matching: the review queue of proposed pairs (sought record, held record) with their explanations.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_candidate",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("mediator_id", sa.String(length=36), nullable=False),
        sa.Column("sought_party_id", sa.String(length=36), nullable=False),
        sa.Column("held_party_id", sa.String(length=36), nullable=False),
        sa.Column("sought_person_id", sa.String(length=36), nullable=False),
        sa.Column("held_person_id", sa.String(length=36), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=16), nullable=False),
        sa.Column(
            "explanation",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=36), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mediator_id"], ["organisation.id"], name=op.f("fk_match_candidate_mediator_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["sought_party_id"],
            ["organisation.id"],
            name=op.f("fk_match_candidate_sought_party_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["held_party_id"], ["organisation.id"], name=op.f("fk_match_candidate_held_party_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["sought_person_id"], ["person.id"], name=op.f("fk_match_candidate_sought_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["held_person_id"], ["person.id"], name=op.f("fk_match_candidate_held_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_candidate")),
        sa.UniqueConstraint("sought_person_id", "held_person_id", name="uq_match_candidate_pair"),
    )
    with op.batch_alter_table("match_candidate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_candidate_run_id"), ["run_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_match_candidate_held_person_id"), ["held_person_id"], unique=False
        )
        batch_op.create_index("ix_match_candidate_queue", ["mediator_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("match_candidate", schema=None) as batch_op:
        batch_op.drop_index("ix_match_candidate_queue")
        batch_op.drop_index(batch_op.f("ix_match_candidate_held_person_id"))
        batch_op.drop_index(batch_op.f("ix_match_candidate_run_id"))

    op.drop_table("match_candidate")
