"""The sign-in guard in the database: failed-attempt counters (the throttle) and spent second-factor codes,
shared by every API worker. Node-level tables, no party's rows: no row-level security policy (the
application role is granted them by the default privileges of 0005). Portable types only.

Every API token now expires: a token made before without an end (the CLI's default was "never") is given
90 days from this migration, so scripts keep working while their owners replace them.

Revision ID: 0009_throttle
Revises: 0008_federation
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0009_throttle"
down_revision = "0008_federation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttle",
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.Float(), nullable=False),
        sa.Column("blocked_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key_digest", name=op.f("pk_throttle")),
    )
    op.create_index("ix_throttle_last_failed_at", "throttle", ["last_failed_at"], unique=False)
    op.create_table(
        "spent_code",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.Column("spent_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "step", name=op.f("pk_spent_code")),
    )
    op.create_index("ix_spent_code_spent_at", "spent_code", ["spent_at"], unique=False)
    tokens = sa.table("api_token", sa.column("expires_at", sa.DateTime(timezone=True)))
    grace = dt.datetime.now(dt.UTC) + dt.timedelta(days=90)
    op.execute(tokens.update().where(tokens.c.expires_at.is_(None)).values(expires_at=grace))


def downgrade() -> None:
    op.drop_index("ix_spent_code_spent_at", table_name="spent_code")
    op.drop_table("spent_code")
    op.drop_index("ix_throttle_last_failed_at", table_name="throttle")
    op.drop_table("throttle")
