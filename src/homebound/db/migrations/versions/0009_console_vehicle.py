"""Handover console: the vehicle (bus) each manifest line travels in, and when the person actually crossed.

Both nullable: lines of tranches planned before this revision have no vehicle (the console shows them as
"no vehicle yet") and no crossing time (they were recorded before it was kept). Portable types only.

Revision ID: 0009_console_vehicle
Revises: 0010_composition_reasons
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_console_vehicle"
down_revision = "0010_composition_reasons"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handover_line") as batch:
        batch.add_column(sa.Column("vehicle", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("crossed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_handover_line_vehicle", ["agreement_id", "tranche_index", "vehicle"])


def downgrade() -> None:
    with op.batch_alter_table("handover_line") as batch:
        batch.drop_index("ix_handover_line_vehicle")
        batch.drop_column("crossed_at")
        batch.drop_column("vehicle")
