"""Bulk inserts: COPY on PostgreSQL, executemany elsewhere; sealed columns sealed on the way."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from homebound.db.sealed import TABLES, seal_values


def _cell(value: Any) -> str:
    """One CSV cell for COPY: unquoted empty means NULL, everything else is quoted text."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return '"\\x' + value.hex() + '"'  # bytea, hex form
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dt.datetime | dt.date):
        text = value.isoformat()
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = str(value)
    return '"' + text.replace('"', '""') + '"'


def bulk_insert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows (all with the same keys) inside the session's current transaction.

    Rows of a table with sealed columns (db/sealed.py) come with plain values and are sealed here, each under
    its party's key and bound to its id.
    """
    if not rows:
        return
    if table.name in TABLES:
        rows = [
            seal_values(session, table.name, row, party=row["party_id"], row_id=row["id"]) for row in rows
        ]
    connection = session.connection()
    driver = connection.dialect.driver
    if (
        connection.dialect.name != "postgresql"
        or driver not in ("psycopg", "pg8000")
        or _row_security_active(session, table)
    ):
        session.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    buffer = io.StringIO()
    for row in rows:
        buffer.write(",".join(_cell(row[name]) for name in columns))
        buffer.write("\n")
    names = ", ".join(table.c[name].name for name in columns)  # our own column names, never input
    statement = f"COPY {table.name} ({names}) FROM STDIN WITH (FORMAT csv)"
    data = buffer.getvalue().encode("utf-8")
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if driver == "psycopg":
            with cursor.copy(statement) as copy:
                copy.write(data)
        else:  # pg8000, kept for the side-by-side benchmark (bench/postgres_driver.py)
            cursor.execute(statement, stream=io.BytesIO(data))
    finally:
        cursor.close()


def _row_security_active(session: Session, table: Table) -> bool:
    """Whether row-level security applies to this connection's role on the table (migration 0005).

    PostgreSQL refuses COPY FROM into such a table (the role `homebound_app`, or a forced owner), so
    the rows go in as a multi-row INSERT instead, checked by the policies like any other write.
    """
    return bool(session.execute(select(func.row_security_active(table.name))).scalar())
