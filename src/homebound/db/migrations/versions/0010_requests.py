"""Requests: a party's requests for its own people (issue 17 item 6), one row per sought record asked for,
with its status, the held record the mediator linked it to, and its sealed reason, note, refusal and history.

Row-level security (PostgreSQL): a party member reads its own party's requests, and the requests forwarded
to its party as the holder; it writes only its own. The mediator (unscoped) reads and writes every row.

Revision ID: 0010_requests
Revises: 0010_intake_arrival
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_requests"
down_revision = "0010_intake_arrival"
branch_labels = None
depends_on = None

TABLE = "exchange_request"
PARTY = "coalesce(current_setting('homebound.party_id', true), '')"
UNSCOPED = f"{PARTY} = ''"
READ = f"{UNSCOPED} OR party_id = {PARTY} OR holding_party_id = {PARTY}"
WRITE = f"{UNSCOPED} OR party_id = {PARTY}"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("party_id", sa.String(length=36), nullable=False),
        sa.Column("sought_person_id", sa.String(length=36), nullable=False),
        sa.Column("mediator_id", sa.String(length=36), nullable=False),
        sa.Column("agreement_id", sa.String(length=36), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("held_person_id", sa.String(length=36), nullable=True),
        sa.Column("holding_party_id", sa.String(length=36), nullable=True),
        sa.Column("listed_version", sa.Integer(), nullable=True),
        sa.Column("tabled_by", sa.String(length=36), nullable=False),
        sa.Column("tabled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.LargeBinary(), nullable=True),
        sa.Column("private_note", sa.LargeBinary(), nullable=True),
        sa.Column("refusal_reason", sa.LargeBinary(), nullable=True),
        sa.Column("history", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["party_id"], ["organisation.id"], name=op.f("fk_exchange_request_party_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["sought_person_id"], ["person.id"], name=op.f("fk_exchange_request_sought_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["mediator_id"], ["organisation.id"], name=op.f("fk_exchange_request_mediator_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreement.id"], name=op.f("fk_exchange_request_agreement_id_agreement")
        ),
        sa.ForeignKeyConstraint(
            ["held_person_id"], ["person.id"], name=op.f("fk_exchange_request_held_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["holding_party_id"],
            ["organisation.id"],
            name=op.f("fk_exchange_request_holding_party_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_request")),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index("ix_exchange_request_party_status", ["party_id", "status"], unique=False)
        for column in (
            "sought_person_id",
            "mediator_id",
            "agreement_id",
            "held_person_id",
            "holding_party_id",
        ):
            batch_op.create_index(batch_op.f(f"ix_exchange_request_{column}"), [column], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {TABLE}_read ON {TABLE} FOR SELECT USING ({READ})")
        op.execute(f"CREATE POLICY {TABLE}_insert ON {TABLE} FOR INSERT WITH CHECK ({WRITE})")
        op.execute(f"CREATE POLICY {TABLE}_update ON {TABLE} FOR UPDATE USING ({WRITE}) WITH CHECK ({WRITE})")
        op.execute(f"CREATE POLICY {TABLE}_delete ON {TABLE} FOR DELETE USING ({WRITE})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for policy in ("read", "insert", "update", "delete"):
            op.execute(f"DROP POLICY IF EXISTS {TABLE}_{policy} ON {TABLE}")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for column in (
            "holding_party_id",
            "held_person_id",
            "agreement_id",
            "mediator_id",
            "sought_person_id",
        ):
            batch_op.drop_index(batch_op.f(f"ix_exchange_request_{column}"))
        batch_op.drop_index("ix_exchange_request_party_status")
    op.drop_table(TABLE)
