"""SQLAlchemy 2 tables. Portable types only: the same schema runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from homebound.db.sealed import SealedField, enable_sealing

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonType = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A moment in UTC, read back zone-aware on every database (SQLite keeps no zone; the API must say Z)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:  # noqa: ARG002
        if value is not None and value.tzinfo is not None:
            return value.astimezone(dt.UTC)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:  # noqa: ARG002
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UtcDateTime(),
        dict[str, Any]: JsonType,
    }


class OrganisationRow(Base):
    __tablename__ = "organisation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class UserRow(Base):
    __tablename__ = "user_account"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="en")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ApiTokenRow(Base):
    __tablename__ = "api_token"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # script (long-lived) or session (from a password sign-in)
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]


class PersonRow(Base):
    """A held or sought record of one party; names exactly as the source wrote them.

    Personal fields are sealed (db/sealed.py): `row.family_name` is plain text in memory, the column
    `family_name` holds AES-256-GCM bytes under the party's key, bound to this row and column.
    """

    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("party_id", "registry", "source_id", name="uq_person_source"),
        Index("ix_person_party_registry_status", "party_id", "registry", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    party_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    registry_kind: Mapped[str] = mapped_column("registry", String(8))
    source_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Blind index: HMAC under the party's search key of the folded family name (equality search only).
    family_name_key: Mapped[str] = mapped_column(String(200))
    sex: Mapped[str] = mapped_column(String(8))
    party_depended_on: Mapped[str | None] = mapped_column(String(200))
    rank: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(24))
    capture_date: Mapped[dt.date | None] = mapped_column(Date)
    capture_card_sent_on: Mapped[dt.date | None] = mapped_column(Date)
    legal_hold: Mapped[str] = mapped_column(String(16))
    will_to_return: Mapped[str] = mapped_column(String(16))
    will_verified_on: Mapped[dt.date | None] = mapped_column(Date)
    last_seen_date: Mapped[dt.date | None] = mapped_column(Date)
    # The import (list) that last created or changed the record; None when typed in one by one.
    import_batch_id: Mapped[str | None] = mapped_column(String(36), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    family_name_sealed: Mapped[bytes] = mapped_column("family_name", LargeBinary)
    given_name_sealed: Mapped[bytes | None] = mapped_column("given_name", LargeBinary)
    patronymic_sealed: Mapped[bytes | None] = mapped_column("patronymic", LargeBinary)
    father_given_name_sealed: Mapped[bytes | None] = mapped_column("father_given_name", LargeBinary)
    mother_maiden_name_sealed: Mapped[bytes | None] = mapped_column("mother_maiden_name", LargeBinary)
    birth_year_sealed: Mapped[bytes | None] = mapped_column("birth_year", LargeBinary)
    birth_month_sealed: Mapped[bytes | None] = mapped_column("birth_month", LargeBinary)
    birth_day_sealed: Mapped[bytes | None] = mapped_column("birth_day", LargeBinary)
    # A date of birth that is no date (31 April, an unreadable digit), as an imported list wrote it; the
    # birth_* columns are then empty. Compared digit by digit by the matching, flagged to the reviewer.
    date_of_birth_written_sealed: Mapped[bytes | None] = mapped_column("date_of_birth_written", LargeBinary)
    place_of_birth_sealed: Mapped[bytes | None] = mapped_column("place_of_birth", LargeBinary)
    service_number_sealed: Mapped[bytes | None] = mapped_column("service_number", LargeBinary)
    unit_sealed: Mapped[bytes | None] = mapped_column("unit", LargeBinary)
    health_sealed: Mapped[bytes] = mapped_column("health", LargeBinary)
    legal_hold_note_sealed: Mapped[bytes | None] = mapped_column("legal_hold_note", LargeBinary)
    will_verified_by_sealed: Mapped[bytes | None] = mapped_column("will_verified_by", LargeBinary)
    capture_place_sealed: Mapped[bytes | None] = mapped_column("capture_place", LargeBinary)
    detention_place_sealed: Mapped[bytes | None] = mapped_column("detention_place", LargeBinary)
    last_seen_place_sealed: Mapped[bytes | None] = mapped_column("last_seen_place", LargeBinary)
    nationality_sealed: Mapped[bytes | None] = mapped_column("nationality", LargeBinary)
    next_of_kin_sealed: Mapped[bytes | None] = mapped_column("next_of_kin", LargeBinary)
    next_of_kin_address_sealed: Mapped[bytes | None] = mapped_column("next_of_kin_address", LargeBinary)

    family_name = SealedField(blind="family_name_key")
    given_name = SealedField()
    patronymic = SealedField()
    father_given_name = SealedField()
    mother_maiden_name = SealedField()
    birth_year = SealedField("int")
    birth_month = SealedField("int")
    birth_day = SealedField("int")
    date_of_birth_written = SealedField()
    place_of_birth = SealedField()
    service_number = SealedField()
    unit = SealedField()
    health = SealedField()
    legal_hold_note = SealedField()
    will_verified_by = SealedField()
    capture_place = SealedField()
    detention_place = SealedField()
    last_seen_place = SealedField()
    nationality = SealedField()
    next_of_kin = SealedField()
    next_of_kin_address = SealedField()


enable_sealing(PersonRow)


Index("ix_person_name_key", PersonRow.party_id, PersonRow.family_name_key)
Index("ix_person_overdue", PersonRow.party_id, PersonRow.capture_card_sent_on, PersonRow.capture_date)


class PersonShareRow(Base):
    """A record deliberately made visible to another party (by its owner or the mediator)."""

    __tablename__ = "person_share"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), primary_key=True, index=True)
    # The record's owner, kept here so that row-level security on this table needs no look-up in `person`
    # (whose own policy reads this table: a cycle PostgreSQL cannot evaluate). Writes are checked against
    # `person` all the same (migration 0009_person_rls).
    owner_party_id: Mapped[str] = mapped_column(String(36), index=True)
    shared_by: Mapped[str] = mapped_column(String(36))
    shared_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class InquiryRow(Base):
    """A family's inquiry: contact and consent, looked up by case code and secret, never by name.

    The inquirer's name, contact and relationship and the sought details are sealed under the party's key.
    """

    __tablename__ = "inquiry"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    party_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), index=True)
    case_code: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    consent_given_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    inquirer_name_sealed: Mapped[bytes] = mapped_column("inquirer_name", LargeBinary)
    inquirer_contact_sealed: Mapped[bytes] = mapped_column("inquirer_contact", LargeBinary)
    relationship_sealed: Mapped[bytes | None] = mapped_column("relationship", LargeBinary)
    sought_details_sealed: Mapped[bytes] = mapped_column("sought_details", LargeBinary)

    inquirer_name = SealedField()
    inquirer_contact = SealedField()
    relationship = SealedField()
    sought_details = SealedField("json")


enable_sealing(InquiryRow)


class LogHeadRow(Base):
    """One row holding the chain head; locking it serialises appends on PostgreSQL."""

    __tablename__ = "log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))


class LogEntryRow(Base):
    __tablename__ = "log_entry"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    time: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    party: Mapped[str | None] = mapped_column(String(36), index=True)
    tag: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    commitment: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
    v: Mapped[int] = mapped_column(SmallInteger)
    # Format 2: the organisation whose key signed ("system" for none) and which key; null on format-1 rows.
    signer: Mapped[str | None] = mapped_column(String(36))
    key_id: Mapped[str | None] = mapped_column(String(32))
    signature: Mapped[str | None] = mapped_column(String(128))  # Ed25519, hex; outside the hashed body
    leaf_hash: Mapped[str | None] = mapped_column(String(64))  # RFC 9162 leaf hash of the body, hex


Index("ix_log_entry_object", LogEntryRow.object_type, LogEntryRow.object_id)


class LogPayloadRow(Base):
    """The salt and payload behind a commitment; erasable at the end of retention without breaking the
    chain.
    """

    __tablename__ = "log_payload"

    seq: Mapped[int] = mapped_column(ForeignKey("log_entry.seq"), primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))
    # A party's payload is sealed under its data key (AES-256-GCM, bound to log_payload.payload and seq), so
    # erasing the key ends it while the commitment still verifies; payloads of no party (keys, checkpoints,
    # set-up) are public and stay in clear.
    payload: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)


class SigningKeyRow(Base):
    """A public key and the span of log entries it may sign; the private half is in the key directory."""

    __tablename__ = "signing_key"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(36), index=True)  # organisation id, or "system"
    owner_kind: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[str] = mapped_column(String(64))  # base64 of the raw 32 bytes
    custody: Mapped[str] = mapped_column(String(16))  # server (key file here) or external (owner holds it)
    valid_from: Mapped[int] = mapped_column(Integer)  # seq of the entry that introduced the key
    valid_until: Mapped[int | None] = mapped_column(Integer)  # seq of the entry that retired it
    retired_reason: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None]


class LogCheckpointRow(Base):
    """A signed tree head published by a mediator; final once every required party has cosigned."""

    __tablename__ = "log_checkpoint"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    origin: Mapped[str] = mapped_column(String(200))
    tree_size: Mapped[int] = mapped_column(Integer, index=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    published_by: Mapped[str] = mapped_column(String(36))
    final_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LogCheckpointSignatureRow(Base):
    __tablename__ = "log_checkpoint_signature"

    checkpoint_id: Mapped[str] = mapped_column(ForeignKey("log_checkpoint.id"), primary_key=True)
    signer: Mapped[str] = mapped_column(String(36), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(128))
    computed_by: Mapped[str] = mapped_column(String(16))  # server (on the party's decision) or external
    signed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IdempotencyRow(Base):
    """A retried request with the same key gets the first answer instead of a second change."""

    __tablename__ = "idempotency_key"

    actor_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ImportBatchRow(Base):
    __tablename__ = "import_batch"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    party_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    registry_kind: Mapped[str] = mapped_column("registry", String(8))
    actor_id: Mapped[str] = mapped_column(String(36))
    file_sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
