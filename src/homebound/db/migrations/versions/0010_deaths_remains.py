"""Deaths in captivity (GC III Art. 120-121) and remains person by person: `death_record` (one per person)
and `remains_record` (one per body or set of remains), personal fields sealed like a person record's.

Revision ID: 0010_deaths_remains
Revises: 0010_reader_languages
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010_deaths_remains"
down_revision = "0010_reader_languages"
branch_labels = None
depends_on = None

DEATH_SEALED = (
    "place_of_death",
    "cause",
    "circumstances",
    "inquiry_by",
    "inquiry_outcome",
    "burial_place",
    "grave_location",
    "grave_marking",
    "effects",
    "notice_reference",
)
REMAINS_SEALED = ("found_place", "dna_case_reference", "note")

# Row-level security as in 0005_row_level_security: a party member's transaction sees its own party's rows
# (and the death records of persons shared with it); a transaction of no party (the services' own) sees all.
PARTY = "coalesce(current_setting('homebound.party_id', true), '')"
UNSCOPED = f"{PARTY} = ''"
POLICIES: dict[str, tuple[str, str]] = {
    "death_record": (
        f"{UNSCOPED} OR party_id = {PARTY} OR homebound_shared_with(person_id, {PARTY})",
        f"{UNSCOPED} OR party_id = {PARTY}",
    ),
    "remains_record": (f"{UNSCOPED} OR party_id = {PARTY}", f"{UNSCOPED} OR party_id = {PARTY}"),
}


def upgrade() -> None:
    op.create_table(
        "death_record",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("party_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("date_of_death", sa.Date(), nullable=False),
        sa.Column("cause_unclear", sa.Boolean(), nullable=False),
        sa.Column("inquiry_opened_on", sa.Date(), nullable=True),
        sa.Column("notice_sent_on", sa.Date(), nullable=True),
        sa.Column("notice_through", sa.String(length=24), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *(sa.Column(name, sa.LargeBinary(), nullable=True) for name in DEATH_SEALED),
        sa.ForeignKeyConstraint(
            ["party_id"], ["organisation.id"], name="fk_death_record_party_id_organisation"
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name="fk_death_record_person_id_person"),
        sa.PrimaryKeyConstraint("id", name="pk_death_record"),
        sa.UniqueConstraint("person_id", name="uq_death_record_person_id"),
    )
    op.create_index("ix_death_record_party_id", "death_record", ["party_id"])
    op.create_table(
        "remains_record",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("party_id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=True),
        sa.Column("batch_id", sa.String(length=64), nullable=True),
        sa.Column("agreement_id", sa.String(length=36), nullable=True),
        sa.Column("identification", sa.String(length=16), nullable=False),
        sa.Column("identified_on", sa.Date(), nullable=True),
        sa.Column("sought_person_id", sa.String(length=36), nullable=True),
        sa.Column(
            "mixed_with",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *(sa.Column(name, sa.LargeBinary(), nullable=True) for name in REMAINS_SEALED),
        sa.ForeignKeyConstraint(
            ["party_id"], ["organisation.id"], name="fk_remains_record_party_id_organisation"
        ),
        sa.ForeignKeyConstraint(
            ["sought_person_id"], ["person.id"], name="fk_remains_record_sought_person_id_person"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_remains_record"),
        sa.UniqueConstraint("party_id", "reference", name="uq_remains_record_reference"),
    )
    op.create_index("ix_remains_record_party_id", "remains_record", ["party_id"])
    op.create_index("ix_remains_record_batch_id", "remains_record", ["batch_id"])
    op.create_index("ix_remains_record_sought_person_id", "remains_record", ["sought_person_id"])
    if op.get_bind().dialect.name == "postgresql":
        for table, (read, write) in POLICIES.items():
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT USING ({read})")
            op.execute(f"CREATE POLICY {table}_write ON {table} USING ({write}) WITH CHECK ({write})")


def downgrade() -> None:
    op.drop_table("remains_record")
    op.drop_table("death_record")
