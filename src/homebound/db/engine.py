"""Engine factory: SQLite with WAL, foreign keys and BEGIN IMMEDIATE for writes; PostgreSQL via psycopg 3."""

from __future__ import annotations

import socket
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

WRITE_OPTION = "homebound_write"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL unless a driver is named (`postgresql+pg8000://` still works)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo)
    engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)
    if engine.dialect.driver == "pg8000":
        # pg8000 has no fast executemany: let SQLAlchemy batch plain INSERTs into multi-row VALUES
        # statements. psycopg 3 pipelines executemany itself, and libpq already turns Nagle off.
        engine.dialect.use_insertmanyvalues_wo_returning = True
        event.listen(engine, "connect", _no_delay)
    return engine


def _no_delay(dbapi_conn: Any, _record: Any) -> None:
    # pg8000 leaves Nagle's algorithm on: a COPY's small closing messages then wait for the server's
    # delayed ACK (~40 ms each), which made every logged write ~90 ms slower on PostgreSQL.
    sock = getattr(dbapi_conn, "_usock", None)
    if isinstance(sock, socket.socket) and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _sqlite_engine(url: str, echo: bool) -> Engine:
    engine = create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions start (pysqlite's legacy mode).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if ":memory:" not in url:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the write lock up front, so two writers never deadlock upgrading a read lock.
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
