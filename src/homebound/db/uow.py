"""The unit of work: one session, one transaction per command; only it commits."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine, NestedTransaction, RootTransaction
from sqlalchemy.orm import Session, sessionmaker

from homebound.db.engine import WRITE_OPTION
from homebound.db.log_store import flush_log


class UnitOfWork:
    """`with uow:` opens a transaction; `uow.commit()` ends it; leaving without commit rolls back."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._factory()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._session is not None
        try:
            # close() discards uncommitted work without expiring what the command returns (rollback would).
            if exc_type is not None:
                self._session.rollback()
        finally:
            self._session.close()
            self._session = None

    def commit(self) -> None:
        # Log entries are buffered per transaction; they land in the same commit as the change.
        flush_log(self.session)
        self.session.commit()


class UnitOfWorkFactory:
    """Hands out units of work; services receive this, never an engine.

    Bound to an Engine in production. Tests bind it to one Connection inside an outer transaction, so each
    unit of work becomes a savepoint and the test rolls everything back at the end.
    """

    def __init__(self, bind: Engine | Connection) -> None:
        self.bind = bind
        if isinstance(bind, Engine):
            self._writer = sessionmaker(
                bind=bind.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False, autoflush=False
            )
            self._reader = sessionmaker(bind=bind, expire_on_commit=False, autoflush=False)
        else:
            self._writer = self._reader = sessionmaker(
                bind=bind, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
            )

    @property
    def dialect(self) -> str:
        return self.bind.dialect.name

    def writer(self) -> UnitOfWork:
        return UnitOfWork(self._writer)

    def reader(self) -> UnitOfWork:
        return UnitOfWork(self._reader)

    def shared_transaction(self) -> SharedTransaction:
        """One outer (writing) transaction that the units of work of one request join as savepoints."""
        return SharedTransaction(self.bind)


class SharedTransaction:
    """Several units of work inside one transaction that their owner commits once, with its own rows.

    The HTTP layer uses it to store an idempotent request's answer in the same commit as the change the
    request made: each unit of work's `commit()` only releases its savepoint; nothing is durable until
    `commit()` here. On an Engine it opens its own writing connection; on a Connection (tests) it nests.
    """

    def __init__(self, bind: Engine | Connection) -> None:
        self._owned = isinstance(bind, Engine)
        self.connection = (
            bind.execution_options(**{WRITE_OPTION: True}).connect() if isinstance(bind, Engine) else bind
        )
        self._tx: RootTransaction | NestedTransaction
        try:
            self._tx = self.connection.begin() if self._owned else self.connection.begin_nested()
        except BaseException:
            self._close()
            raise
        self.uows = UnitOfWorkFactory(self.connection)

    def commit(self) -> None:
        try:
            self._tx.commit()
        finally:
            self._close()

    def rollback(self) -> None:
        try:
            if self._tx.is_active:
                self._tx.rollback()
        finally:
            self._close()

    def _close(self) -> None:
        if self._owned:
            self.connection.close()
