"""Review queue filters: each person record remembers the import (list) that last wrote it, so the mediator
can work through the pairs of one list; and a date of birth that is no date (31 April, an unreadable digit)
is kept as written (sealed, as the other personal fields), so an imported row is linked on the rest instead
of refused.

Revision ID: 0009_m14_person_import_batch
Revises: 0009_bureau_fields
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_m14_person_import_batch"
down_revision = "0009_bureau_fields"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("import_batch_id", sa.String(length=36), nullable=True))
        batch.create_index("ix_person_import_batch_id", ["import_batch_id"])
        batch.add_column(sa.Column("date_of_birth_written", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("date_of_birth_written")
        batch.drop_index("ix_person_import_batch_id")
        batch.drop_column("import_batch_id")
