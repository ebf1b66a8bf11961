"""The unit of work: one session, one transaction per command; only it commits."""

from __future__ import annotations

import copy
from collections.abc import Callable
from types import TracebackType

from sqlalchemy import Connection, Engine, NestedTransaction, RootTransaction, event, text
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from homebound.core.access import Actor
from homebound.db.custody import SESSION_INFO as KEYS_INFO
from homebound.db.custody import KeyCustody
from homebound.db.engine import WRITE_OPTION
from homebound.db.log_store import flush_log

# The transaction's party for PostgreSQL's row-level security (migration 0005_row_level_security).
PARTY_SETTING = "homebound.party_id"
_SET_PARTY = text(f"SELECT set_config('{PARTY_SETTING}', :party, true)")
# Set on a connection once a scoped unit of work has run on it inside an outer transaction (tests, a
# request's shared transaction): later units of work on it reset the setting instead of inheriting it.
_SCOPED_MARK = "homebound_party_scoped"
_PARTY_INFO = "homebound_party"
MATCH_ON_ARRIVAL_INFO = "homebound.match_on_arrival"  # Settings.match_on_arrival, read by services.arrival

PartySource = Callable[[], str | None]


def _scope(session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
    """On PostgreSQL, name the party of each transaction the session begins (SET LOCAL: it ends with it)."""
    if connection.dialect.name != "postgresql" or _PARTY_INFO not in session.info:
        return
    source: PartySource | None = session.info[_PARTY_INFO]
    party = source() if source is not None else None
    nested = connection.in_nested_transaction()
    if party is None and not (nested and connection.info.get(_SCOPED_MARK)):
        return  # a transaction of its own starts without the setting: unscoped
    connection.execute(_SET_PARTY, {"party": party or ""})
    if nested and party is not None:
        connection.info[_SCOPED_MARK] = True


class UnitOfWork:
    """`with uow:` opens a transaction; `uow.commit()` ends it; leaving without commit rolls back."""

    def __init__(
        self, factory: sessionmaker[Session], info: dict[str, object], party: PartySource | None = None
    ) -> None:
        self._factory = factory
        self._info = info
        self._party = party
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._factory(info={**self._info, _PARTY_INFO: self._party})
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
    unit of work becomes a savepoint and the test rolls everything back at the end. Built at start-up from
    the settings: `keys` says where the private keys are, `match_on_arrival` whether writes score new
    records against the other side; every session it opens carries both.
    """

    def __init__(self, bind: Engine | Connection, keys: KeyCustody, *, match_on_arrival: bool = True) -> None:
        self.bind = bind
        self.keys = keys
        self.match_on_arrival = match_on_arrival
        self._info: dict[str, object] = {KEYS_INFO: keys, MATCH_ON_ARRIVAL_INFO: match_on_arrival}
        self._party: PartySource | None = None
        if isinstance(bind, Engine):
            self._writer = sessionmaker(
                bind=bind.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False, autoflush=False
            )
            self._reader = sessionmaker(bind=bind, expire_on_commit=False, autoflush=False)
        else:
            self._writer = self._reader = sessionmaker(
                bind=bind, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
            )
        for maker in {self._writer, self._reader}:
            event.listen(maker, "after_begin", _scope)

    @property
    def dialect(self) -> str:
        return self.bind.dialect.name

    def writer(self) -> UnitOfWork:
        # Unscoped on purpose: a party's write can have effects the exchange protocol gives it on the other
        # party's records (concluding an agreement lists both sides' people; a crossing moves both
        # registries), decided by the services after their permission checks (docs/reliability.md).
        return UnitOfWork(self._writer, self._info, None if self._party is None else _unscoped)

    def reader(self) -> UnitOfWork:
        return UnitOfWork(self._reader, self._info, self._party)

    def writer_for(self, actor: Actor) -> UnitOfWork:
        """A writer whose transactions name the actor's party for row-level security (none for the
        mediator's office): for a party's writes that touch only what its party may (sharing its own
        record, attaching its inquiry), so a filter forgotten in the service cannot reach another party's
        rows. Writes with effects on the other side (arrival matching, agreements, crossings) use `writer`."""
        return UnitOfWork(self._writer, self._info, lambda: actor.party_id)

    def scoped(self, party: PartySource) -> UnitOfWorkFactory:
        """The same factory whose read-only units of work run as `party()` under row-level security.

        `party` is asked at the start of each transaction (None: no party, every row; the services'
        permissions decide), so a request can hand out the factory before it has resolved its caller.
        """
        clone = copy.copy(self)
        clone._party = party
        return clone

    def for_actor(self, actor: Actor) -> UnitOfWorkFactory:
        return self.scoped(lambda: actor.party_id)

    def shared_transaction(self) -> SharedTransaction:
        """One outer (writing) transaction that the units of work of one request join as savepoints."""
        return SharedTransaction(self.bind, self.keys, match_on_arrival=self.match_on_arrival)


def _unscoped() -> None:
    return None


class SharedTransaction:
    """Several units of work inside one transaction that their owner commits once, with its own rows.

    The HTTP layer uses it to store an idempotent request's answer in the same commit as the change the
    request made: each unit of work's `commit()` only releases its savepoint; nothing is durable until
    `commit()` here. On an Engine it opens its own writing connection; on a Connection (tests) it nests.
    """

    def __init__(self, bind: Engine | Connection, keys: KeyCustody, *, match_on_arrival: bool = True) -> None:
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
        self.uows = UnitOfWorkFactory(self.connection, keys, match_on_arrival=match_on_arrival)

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
