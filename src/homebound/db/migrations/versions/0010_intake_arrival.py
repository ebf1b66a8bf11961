"""The dates the capture-card week runs from (GC III Art. 70): arrival at a camp, and the latest transfer or
hospitalisation. Plain dates like capture_date, so the overdue list stays one SQL query.

Revision ID: 0010_intake_arrival
Revises: 0010_deaths_remains
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_intake_arrival"
down_revision = "0010_deaths_remains"
branch_labels = None
depends_on = None

COLUMNS = ("arrived_at_camp_on", "last_transfer_on")


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
