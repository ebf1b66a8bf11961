"""The reader's language: an organisation's name in each UI language, and the language a family filed in (its
e-mail is written in it).

Both nullable: an organisation without translated names shows its one name; an inquiry filed before this
revision is answered in English, as before. Portable types only.

Revision ID: 0010_reader_languages
Revises: 0009_console_vehicle
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010_reader_languages"
down_revision = "0009_console_vehicle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(
            sa.Column(
                "names",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
    with op.batch_alter_table("inquiry") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inquiry") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("names")
