"""Personal data sealed at rest: person and inquiry columns become AES-256-GCM bytes under each party's data
key (bound to table, column and row id), the family-name key becomes a blind index (HMAC under the party's
search key), and a party's log payloads are sealed under its key (public ones, keys and checkpoints, stay
in clear). Existing rows are sealed here; keys come from the key custody `homebound db upgrade` hands over
(the settings' key directory or data secret), made on first need. The downgrade opens them again (it needs
every party's key).

Revision ID: 0006_encrypt_personal_data
Revises: 0005_row_level_security
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import rfc8785
import sqlalchemy as sa
from alembic import op

from homebound.core.log.entries import PUBLIC_PAYLOAD_TAGS
from homebound.db.custody import KeyCustody
from homebound.db.sealed import decode, encode, fold
from homebound.db.sealing import PartyKeys, SealingError, associated_data

revision = "0006_encrypt_personal_data"
down_revision = "0005_row_level_security"
branch_labels = None
depends_on = None

_TEXT = sa.String(length=200)
# column -> (kind, old type, nullable)
PERSON: dict[str, tuple[str, sa.types.TypeEngine[Any], bool]] = {
    "family_name": ("text", _TEXT, False),
    "given_name": ("text", _TEXT, True),
    "patronymic": ("text", _TEXT, True),
    "father_given_name": ("text", _TEXT, True),
    "mother_maiden_name": ("text", _TEXT, True),
    "birth_year": ("int", sa.SmallInteger(), True),
    "birth_month": ("int", sa.SmallInteger(), True),
    "birth_day": ("int", sa.SmallInteger(), True),
    "place_of_birth": ("text", _TEXT, True),
    "service_number": ("text", _TEXT, True),
    "unit": ("text", _TEXT, True),
    "health": ("text", sa.String(length=32), False),
    "legal_hold_note": ("text", _TEXT, True),
    "will_verified_by": ("text", _TEXT, True),
    "capture_place": ("text", _TEXT, True),
    "detention_place": ("text", _TEXT, True),
    "last_seen_place": ("text", _TEXT, True),
}
_JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(astext_type=sa.Text()), "postgresql")
INQUIRY: dict[str, tuple[str, sa.types.TypeEngine[Any], bool]] = {
    "inquirer_name": ("text", _TEXT, False),
    "inquirer_contact": ("text", _TEXT, False),
    "relationship": ("text", sa.String(length=100), True),
    "sought_details": ("json", _JSON, False),
}
_BATCH = 2000
_NEW = "{}__new"


def _table(name: str, columns: Sequence[str]) -> sa.Table:
    cols: list[sa.Column[Any]] = [sa.Column(c) for c in columns]
    cols += [sa.Column(_NEW.format(c)) for c in columns]
    extra: list[sa.Column[Any]] = [sa.Column("family_name_key")] if name == "person" else []
    return sa.Table(name, sa.MetaData(), sa.Column("id"), sa.Column("party_id"), *extra, *cols)


def _batches(connection: sa.Connection, table: sa.Table, columns: Sequence[str]) -> Iterator[list[Any]]:
    last = ""
    while True:
        query = (
            sa.select(table.c.id, table.c.party_id, *(table.c[c] for c in columns))
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(_BATCH)
        )
        rows = list(connection.execute(query))
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _seal_table(name: str, spec: dict[str, tuple[str, Any, bool]], provider: _HandedOver) -> None:
    connection = op.get_bind()
    columns = list(spec)
    with op.batch_alter_table(name) as batch:
        for column in columns:
            batch.add_column(sa.Column(_NEW.format(column), sa.LargeBinary(), nullable=True))
    table = _table(name, columns)
    for rows in _batches(connection, table, columns):
        updates = []
        for row in rows:
            keys = provider.keys(row[1], create=True)
            values: dict[str, Any] = {"b_id": row[0]}
            for column, stored in zip(columns, row[2:], strict=True):
                kind = spec[column][0]
                value = json.loads(stored) if kind == "json" and isinstance(stored, str) else stored
                values[_NEW.format(column)] = (
                    None
                    if value is None
                    else keys.seal(encode(value, kind), associated_data(name, column, row[0]))
                )
                if name == "person" and column == "family_name":
                    values["family_name_key"] = keys.blind("family_name", fold(value or ""))
            updates.append(values)
        statement = table.update().where(table.c.id == sa.bindparam("b_id"))
        connection.execute(statement, updates)
    with op.batch_alter_table(name) as batch:
        for column in columns:
            batch.drop_column(column)
        for column, (_kind, _type, nullable) in spec.items():
            batch.alter_column(
                _NEW.format(column), new_column_name=column, existing_type=sa.LargeBinary(), nullable=nullable
            )


def _open_table(name: str, spec: dict[str, tuple[str, Any, bool]], provider: _HandedOver) -> None:
    connection = op.get_bind()
    columns = list(spec)
    with op.batch_alter_table(name) as batch:
        for column, (_kind, old_type, _nullable) in spec.items():
            batch.add_column(sa.Column(_NEW.format(column), old_type, nullable=True))
    table = _table(name, columns)
    extra: list[sa.Column[Any]] = [sa.Column("family_name_key")] if name == "person" else []
    typed = sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id"),
        *extra,
        *(sa.Column(_NEW.format(c), t) for c, (_k, t, _n) in spec.items()),
    )
    for rows in _batches(connection, table, columns):
        updates = []
        for row in rows:
            keys = provider.keys(row[1])  # KeyUnavailable names the party: an erased party cannot go back
            values: dict[str, Any] = {"b_id": row[0]}
            for column, blob in zip(columns, row[2:], strict=True):
                ad = associated_data(name, column, row[0])
                values[_NEW.format(column)] = (
                    None
                    if blob is None
                    else decode(keys.open(bytes(blob), ad, f"{name}.{column}"), spec[column][0])
                )
                if name == "person" and column == "family_name":
                    values["family_name_key"] = fold(values[_NEW.format(column)] or "")
            updates.append(values)
        connection.execute(typed.update().where(typed.c.id == sa.bindparam("b_id")), updates)
    with op.batch_alter_table(name) as batch:
        for column in columns:
            batch.drop_column(column)
        for column, (_kind, old_type, nullable) in spec.items():
            batch.alter_column(
                _NEW.format(column), new_column_name=column, existing_type=old_type, nullable=nullable
            )


def _payloads(provider: _HandedOver, *, seal: bool) -> None:
    connection = op.get_bind()
    payload = sa.table(
        "log_payload", sa.column("seq"), sa.column("payload", _JSON), sa.column("sealed", sa.LargeBinary())
    )
    entry = sa.table("log_entry", sa.column("seq"), sa.column("party"), sa.column("tag"))
    query = (
        sa.select(payload.c.seq, payload.c.payload, payload.c.sealed, entry.c.party)
        .join(entry, entry.c.seq == payload.c.seq)
        .where(entry.c.party.is_not(None), entry.c.tag.not_in(sorted(PUBLIC_PAYLOAD_TAGS)))
        .order_by(payload.c.seq)
    )
    updates = []
    for seq, plain, sealed, party in connection.execute(query):
        ad = associated_data("log_payload", "payload", str(seq))
        if seal and plain is not None:
            value = json.loads(plain) if isinstance(plain, str) else plain
            sealed_value = provider.keys(party, create=True).seal(rfc8785.dumps(value), ad)
            updates.append({"b_seq": seq, "payload": None, "sealed": sealed_value})
        elif not seal and sealed is not None:
            opened = json.loads(provider.keys(party).open(bytes(sealed), ad, f"payload of entry {seq}"))
            updates.append({"b_seq": seq, "payload": opened, "sealed": None})
    if updates:
        statement = payload.update().where(payload.c.seq == sa.bindparam("b_seq"))
        connection.execute(statement, updates)


class _HandedOver:
    """The data keys of the custody handed to the migration; asked only when a row has something to seal."""

    def keys(self, party: str, *, create: bool = False) -> PartyKeys:
        config = op.get_context().config
        custody = config.attributes.get("keys") if config is not None else None
        if not isinstance(custody, KeyCustody):
            raise SealingError("rows to seal or open but no keys: migrate with `homebound db upgrade`")
        return custody.data.keys(party, create=create)


def upgrade() -> None:
    provider = _HandedOver()
    with op.batch_alter_table("log_payload") as batch:
        batch.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
        batch.alter_column("payload", existing_type=_JSON, nullable=True)
    _payloads(provider, seal=True)
    _seal_table("person", PERSON, provider)
    _seal_table("inquiry", INQUIRY, provider)


def downgrade() -> None:
    provider = _HandedOver()
    _open_table("inquiry", INQUIRY, provider)
    _open_table("person", PERSON, provider)
    _payloads(provider, seal=False)
    with op.batch_alter_table("log_payload") as batch:
        batch.drop_column("sealed")
        batch.alter_column("payload", existing_type=_JSON, nullable=False)
