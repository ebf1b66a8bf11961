"""Nationality and next of kin (the person to inform, and their address) on a person record, sealed like
every other personal field (db/sealed.py): nullable bytes under the party's key.

Revision ID: 0009_bureau_fields
Revises: 0009_fed_agreements
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_bureau_fields"
down_revision = "0009_fed_agreements"
branch_labels = None
depends_on = None

COLUMNS = ("nationality", "next_of_kin", "next_of_kin_address")


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
