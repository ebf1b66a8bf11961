"""Sealed columns on ORM rows: services read and write plain values; the database holds only sealed bytes.

`SealedField` is a descriptor on a row class: `row.family_name` is the plain text, opened on first read and
kept in the row object (memory only); assigning it seals the value under the row's party key with the table,
the column and the row id as associated data, into the mapped attribute `family_name_sealed` (column
`family_name`). A new row without an id gets one before insert, and is sealed then. Bulk writes that bypass
the ORM (COPY, executemany, bulk UPDATE by primary key) go through `seal_values`.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, object_session

from homebound.db.custody import NoKeyCustody, custody_of
from homebound.db.sealing import KeyProvider, KeyUnavailable, PartyKeys, associated_data, sealed_key_id

_PLAIN = "_homebound_plain"
_PENDING = "_homebound_pending"
# The key provider of the session a row was read or written in, so a row read after its unit of work ended
# still opens its sealed fields.
_PROVIDER = "_homebound_provider"


def fold(text: str) -> str:
    """Case- and form-insensitive key; the blind index is computed over it."""
    return unicodedata.normalize("NFKC", text).casefold().replace("ё", "е").strip()


def provider_of(session: Session | None) -> KeyProvider:
    return custody_of(session).data


def _row_provider(obj: Any, *, required: bool = True) -> KeyProvider | None:
    session = object_session(obj)
    if session is not None:
        obj.__dict__[_PROVIDER] = provider_of(session)
    found: KeyProvider | None = obj.__dict__.get(_PROVIDER)
    if found is None and required:
        raise NoKeyCustody(f"a sealed field of a {type(obj).__name__} read before any session held it")
    return found


def encode(value: Any, kind: str) -> bytes:
    if kind == "int":
        return str(int(value)).encode()
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return str(value).encode()


def decode(data: bytes, kind: str) -> Any:
    if kind == "int":
        return int(data)
    return json.loads(data) if kind == "json" else data.decode()


@dataclass
class TableSeal:
    """A table's sealed fields: name -> kind ("text", "int" or "json"); blind indexes: field -> column."""

    table: str
    kinds: dict[str, str] = field(default_factory=dict)
    blind: dict[str, str] = field(default_factory=dict)

    def seal(self, keys: PartyKeys, name: str, row_id: str, value: Any) -> bytes | None:
        if value is None:
            return None
        return keys.seal(encode(value, self.kinds[name]), associated_data(self.table, name, row_id))

    def open(self, keys: PartyKeys, name: str, row_id: str, blob: bytes | None) -> Any:
        if blob is None:
            return None
        ad = associated_data(self.table, name, row_id)
        return decode(keys.open(bytes(blob), ad, f"{self.table}.{name} of row {row_id}"), self.kinds[name])


TABLES: dict[str, TableSeal] = {}


class SealedField:
    """A plain attribute over a sealed mapped attribute `{name}_sealed` (see the module docstring)."""

    def __init__(self, kind: str = "text", *, blind: str | None = None) -> None:
        self.kind = kind
        self.blind = blind
        self.name = ""
        self.attr = ""
        self.table: TableSeal | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.attr = name, f"{name}_sealed"
        table_name = owner.__dict__["__tablename__"]
        self.table = TABLES.setdefault(table_name, TableSeal(table_name))
        self.table.kinds[name] = self.kind
        if self.blind:
            self.table.blind[name] = self.blind

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            # In SQL a sealed field with a blind index stands for that index (equality with a blind_index()
            # value, grouping, a stable order); any other sealed field has no SQL meaning at all.
            return getattr(owner, self.blind) if self.blind else self
        plain: dict[str, Any] = obj.__dict__.setdefault(_PLAIN, {})
        if self.name not in plain:
            assert self.table is not None
            blob = getattr(obj, self.attr)
            keys = _keys_to_open(
                lambda: _row_provider(obj), obj.party_id, blob, f"{self.table.table}.{self.name}", obj.id
            )
            plain[self.name] = self.table.open(keys, self.name, obj.id, blob) if keys else None
        return plain[self.name]

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__.setdefault(_PLAIN, {})[self.name] = value
        obj.__dict__.setdefault(_PENDING, set()).add(self.name)
        if obj.__dict__.get("id") and obj.__dict__.get("party_id"):
            _seal_pending(obj)


def party_keys_for(
    session: Session | None, party: str, blob: Any, where: str, row_id: str
) -> PartyKeys | None:
    """The keys to open `blob` with (None for no value); a missing key is named by its id and the place."""
    return _keys_to_open(lambda: provider_of(session), party, blob, where, row_id)


def _keys_to_open(
    provider: Callable[[], KeyProvider | None], party: str, blob: Any, where: str, row_id: str
) -> PartyKeys | None:
    if blob is None:
        return None
    found = provider()
    assert found is not None
    try:
        return found.keys(party)
    except KeyUnavailable as error:
        kid = sealed_key_id(bytes(blob))
        # The same kind (an erasure stays an erasure: the API answers it 410), with the place named.
        raise type(error)(f"{where} of row {row_id} is sealed under data key {kid}: {error}") from error


def _seal_pending(obj: Any) -> None:
    pending: set[str] = obj.__dict__.get(_PENDING) or set()
    if not pending:
        return
    provider = _row_provider(obj, required=False)
    if provider is None:
        return  # a row not in a session yet: sealed before its insert
    table = TABLES[obj.__tablename__]
    keys = provider.keys(obj.party_id, create=True)
    plain = obj.__dict__[_PLAIN]
    for name in sorted(pending):
        setattr(obj, f"{name}_sealed", table.seal(keys, name, obj.id, plain[name]))
        if name in table.blind:
            setattr(obj, table.blind[name], blind_index(keys, name, plain[name]))
    pending.clear()


def blind_index(keys: PartyKeys, name: str, value: str | None) -> str:
    return keys.blind(name, fold(value or ""))


def _before_write(mapper: Mapper[Any], connection: Any, target: Any) -> None:  # noqa: ARG001
    if target.id is None:
        target.id = str(uuid.uuid4())
    _seal_pending(target)


def _remember_provider(target: Any, context: Any) -> None:
    target.__dict__[_PROVIDER] = provider_of(context.session)


def _forget(target: Any, *args: Any) -> None:  # noqa: ARG001
    target.__dict__.pop(_PLAIN, None)
    target.__dict__.pop(_PENDING, None)


def enable_sealing(cls: type) -> None:
    """Seal pending values before insert or update, forget opened values when the row is expired."""
    event.listen(cls, "before_insert", _before_write)
    event.listen(cls, "before_update", _before_write)
    event.listen(cls, "load", _remember_provider)
    event.listen(cls, "expire", _forget)
    event.listen(cls, "refresh", _forget)


def seal_values(
    session: Session | None,
    table_name: str,
    values: Mapping[str, Any],
    *,
    party: str,
    row_id: str,
    attribute_keys: bool = False,
) -> dict[str, Any]:
    """A row's values (plain, by field name) with sealed fields sealed and blind indexes added; keys are
    column names (Core inserts) or, with `attribute_keys`, mapped attribute names (ORM bulk updates).
    """
    table = TABLES[table_name]
    if not any(name in table.kinds for name in values):
        return dict(values)
    keys = provider_of(session).keys(party, create=True)
    result: dict[str, Any] = {}
    for name, value in values.items():
        if name not in table.kinds:
            result[name] = value
            continue
        result[f"{name}_sealed" if attribute_keys else name] = table.seal(keys, name, row_id, value)
        if name in table.blind:
            result[table.blind[name]] = blind_index(keys, name, value)
    return result


def _seal_bulk_update(state: ORMExecuteState) -> Any:
    """ORM bulk UPDATE by primary key (`session.execute(update(Row), [{"id": ..., field: plain}])`): seal."""
    parameters = state.parameters
    if not state.is_update or not isinstance(parameters, list) or not parameters:
        return None
    table = TABLES.get(getattr(getattr(state.statement, "table", None), "name", ""))
    if table is None or not any(name in table.kinds for values in parameters for name in values):
        return None
    mapper = state.bind_mapper
    assert mapper is not None
    sealed = []
    for values in parameters:
        row = state.session.get(mapper.class_, values["id"])  # the identity map first: rows just read
        if row is None:
            sealed.append(dict(values))
            continue
        sealed.append(
            seal_values(
                state.session,
                table.table,
                values,
                party=row.party_id,
                row_id=values["id"],
                attribute_keys=True,
            )
        )
    state.parameters = sealed
    return state.invoke_statement()


event.listen(Session, "do_orm_execute", _seal_bulk_update)
