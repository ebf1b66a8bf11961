"""Exchanges: agreements, versions, acceptances, identity confirmations, tranches, manifest lines, remains,
the family notification outbox and exchange records for the public ledger.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreement",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("party_a_id", sa.String(length=36), nullable=False),
        sa.Column("party_b_id", sa.String(length=36), nullable=False),
        sa.Column("mediator_id", sa.String(length=36), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("concluded_version", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("concluded_by", sa.String(length=16), nullable=True),
        sa.Column("concluded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mediator_id"], ["organisation.id"], name=op.f("fk_agreement_mediator_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["party_a_id"], ["organisation.id"], name=op.f("fk_agreement_party_a_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["party_b_id"], ["organisation.id"], name=op.f("fk_agreement_party_b_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement")),
    )
    with op.batch_alter_table("agreement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agreement_party_a_id"), ["party_a_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agreement_party_b_id"), ["party_b_id"], unique=False)

    op.create_table(
        "agreement_acceptance",
        sa.Column("agreement_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreement.id"], name=op.f("fk_agreement_acceptance_agreement_id_agreement")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "version", "role", name=op.f("pk_agreement_acceptance")),
    )
    op.create_table(
        "agreement_version",
        sa.Column("agreement_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("author_role", sa.String(length=16), nullable=False),
        sa.Column("author_user", sa.String(length=36), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "changes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shared_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreement.id"], name=op.f("fk_agreement_version_agreement_id_agreement")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "number", name=op.f("pk_agreement_version")),
    )
    op.create_table(
        "exchange_identity",
        sa.Column("held_person_id", sa.String(length=36), nullable=False),
        sa.Column("sought_person_id", sa.String(length=36), nullable=True),
        sa.Column("confirmed_by", sa.String(length=36), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["held_person_id"], ["person.id"], name=op.f("fk_exchange_identity_held_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["sought_person_id"], ["person.id"], name=op.f("fk_exchange_identity_sought_person_id_person")
        ),
        sa.PrimaryKeyConstraint("held_person_id", name=op.f("pk_exchange_identity")),
    )
    with op.batch_alter_table("exchange_identity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_identity_sought_person_id"), ["sought_person_id"], unique=False
        )

    op.create_table(
        "exchange_record",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agreement_id", sa.String(length=36), nullable=True),
        sa.Column("exchange_date", sa.Date(), nullable=False),
        sa.Column("date_label", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("mediator", sa.String(length=200), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("side_a", sa.String(length=64), nullable=False),
        sa.Column("side_b", sa.String(length=64), nullable=False),
        sa.Column("reported", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("persons_to_a", sa.Integer(), nullable=False),
        sa.Column("persons_to_b", sa.Integer(), nullable=False),
        sa.Column("remains_to_a", sa.Integer(), nullable=False),
        sa.Column("remains_to_b", sa.Integer(), nullable=False),
        sa.Column(
            "categories",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "claims",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreement.id"], name=op.f("fk_exchange_record_agreement_id_agreement")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_record")),
        sa.UniqueConstraint("agreement_id", name=op.f("uq_exchange_record_agreement_id")),
    )
    with op.batch_alter_table("exchange_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_record_exchange_date"), ["exchange_date"], unique=False)

    op.create_table(
        "handover_tranche",
        sa.Column("agreement_id", sa.String(length=36), nullable=False),
        sa.Column("tranche_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("scheduled_on", sa.Date(), nullable=True),
        sa.Column(
            "formulas",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column(
            "closure",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("reconciled", sa.Boolean(), nullable=True),
        sa.Column("imbalance", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreement.id"], name=op.f("fk_handover_tranche_agreement_id_agreement")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "tranche_index", name=op.f("pk_handover_tranche")),
    )
    op.create_table(
        "handover_line",
        sa.Column("agreement_id", sa.String(length=36), nullable=False),
        sa.Column("tranche_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("line_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("candidate_id", sa.String(length=36), nullable=False),
        sa.Column("releasing_side", sa.String(length=1), nullable=False),
        sa.Column("rank_class", sa.String(length=64), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id", "tranche_index"],
            ["handover_tranche.agreement_id", "handover_tranche.tranche_index"],
            name="fk_handover_line_tranche",
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["person.id"], name=op.f("fk_handover_line_candidate_id_person")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "tranche_index", "line_no", name=op.f("pk_handover_line")),
    )
    with op.batch_alter_table("handover_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handover_line_candidate_id"), ["candidate_id"], unique=False)

    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("inquiry_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("agreement_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["inquiry_id"], ["inquiry.id"], name=op.f("fk_notification_outbox_inquiry_id_inquiry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
    )
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_outbox_inquiry_id"), ["inquiry_id"], unique=False)
        batch_op.create_index("ix_notification_pending", ["channel", "delivered_at"], unique=False)

    op.create_table(
        "remains_batch",
        sa.Column("agreement_id", sa.String(length=36), nullable=False),
        sa.Column("tranche_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("releasing_side", sa.String(length=1), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id", "tranche_index"],
            ["handover_tranche.agreement_id", "handover_tranche.tranche_index"],
            name="fk_remains_batch_tranche",
        ),
        sa.PrimaryKeyConstraint("agreement_id", "tranche_index", "batch_id", name=op.f("pk_remains_batch")),
    )


def downgrade() -> None:
    op.drop_table("remains_batch")
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_pending")
        batch_op.drop_index(batch_op.f("ix_notification_outbox_inquiry_id"))

    op.drop_table("notification_outbox")
    with op.batch_alter_table("handover_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_line_candidate_id"))

    op.drop_table("handover_line")
    op.drop_table("handover_tranche")
    with op.batch_alter_table("exchange_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_record_exchange_date"))

    op.drop_table("exchange_record")
    with op.batch_alter_table("exchange_identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_identity_sought_person_id"))

    op.drop_table("exchange_identity")
    op.drop_table("agreement_version")
    op.drop_table("agreement_acceptance")
    with op.batch_alter_table("agreement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_party_b_id"))
        batch_op.drop_index(batch_op.f("ix_agreement_party_a_id"))

    op.drop_table("agreement")
