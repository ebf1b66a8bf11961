"""Review queue filters: each person record remembers the import (list) that last wrote it, so the mediator
can work through the pairs of one list.

Revision ID: 0009_m14_person_import_batch
Revises: 0008_federation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_m14_person_import_batch"
down_revision = "0008_federation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("import_batch_id", sa.String(length=36), nullable=True))
        batch.create_index("ix_person_import_batch_id", ["import_batch_id"])


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_index("ix_person_import_batch_id")
        batch.drop_column("import_batch_id")
