"""Engine, the one session factory, and the column type for instants.

SQLite is the embedded default, PostgreSQL the production database. Two things differ and are
handled here so that no other module needs to care:

* SQLite: every transaction starts with ``BEGIN IMMEDIATE`` (it takes the write lock at once,
  so a check-then-write inside one transaction cannot interleave with another writer), WAL
  journal for readers beside the writer, a generous busy timeout, and foreign keys on.
* Instants: stored as UTC; a naive datetime raises instead of being silently read as UTC.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC instant. PostgreSQL: ``timestamptz``. SQLite: ISO text in UTC.

    SQLite's fixed-width text form sorts in time order, which the overlap trigger relies on.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given where an aware instant is needed")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def is_sqlite(url_or_engine: str | Engine) -> bool:
    url = url_or_engine if isinstance(url_or_engine, str) else str(url_or_engine.url)
    return url.startswith("sqlite")


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={"timeout": 60, "check_same_thread": False},
            pool_size=8,
            max_overflow=16,
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (pysqlite's own
        # implicit BEGIN is deferred and would defeat BEGIN IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Read-only sessions begin deferred so that readers never queue behind writers.
        if connection.get_execution_options().get("raumplan_read_only"):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """The session factory; ``read_only`` ones are for pure reads (availability, lists)."""
    bind = engine.execution_options(raumplan_read_only=True) if read_only else engine
    return sessionmaker(bind, expire_on_commit=False)


# A plain lock, not an RLock: the request's unit of work (booking.deps.provide_db) takes it in
# the handler's worker thread at its first statement and gives it back when the dependency
# commits, which may be on another thread.
_WRITE_LOCKS: dict[int, threading.Lock] = {}
_NO_LOCK = nullcontext()


def _sqlite_write_lock(factory: sessionmaker[Session]) -> Any:
    """One writer at a time per SQLite database in this process.

    SQLite admits one writer anyway; without this, threads that wait for its write lock poll in
    its busy handler with growing sleeps, which made a write's p99 about a second under load.
    Queued on a Python lock they run back to back. Writers in other processes still meet the
    busy handler; PostgreSQL needs none of this."""
    bind = factory.kw.get("bind")
    if bind is None or bind.dialect.name != "sqlite":
        return _NO_LOCK
    key = id(bind.engine if hasattr(bind, "engine") else bind)
    return _WRITE_LOCKS.setdefault(key, threading.Lock())


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception (except a domain
    error that asks to keep what was written, such as a counted failed login)."""
    from booking.errors import DomainError

    lock = _sqlite_write_lock(factory)
    with lock, factory() as session:
        try:
            yield session
        except DomainError as exc:
            if exc.keep_changes:
                session.commit()
            else:
                session.rollback()
            raise
        except BaseException:
            session.rollback()
            raise
        else:
            session.commit()


_GATE = "raumplan.write_gate"
_HELD = "raumplan.write_gate_held"


def open_unit(factory: sessionmaker[Session]) -> Session:
    """A session for one unit of work that :func:`finish_unit` ends, with the same rules as
    :func:`transaction`. Nothing happens until its first statement: then (SQLite) the process
    write lock is taken, in whatever thread runs that statement. A request's dependency opens
    it before the handler runs; taking the lock there would queue requests that never write,
    and a second transaction of the same request (the page's language choice) would wait for
    the first."""
    lock = _sqlite_write_lock(factory)
    session = factory()
    if lock is not _NO_LOCK:
        session.info[_GATE] = lock
    return session


def finish_unit(session: Session, *, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


@event.listens_for(Session, "after_transaction_create")
def _take_gate(session: Session, trans: Any) -> None:
    gate = session.info.get(_GATE)
    if gate is not None and trans.parent is None and not session.info.get(_HELD):
        gate.acquire()
        session.info[_HELD] = True


@event.listens_for(Session, "after_transaction_end")
def _give_gate(session: Session, trans: Any) -> None:
    if trans.parent is None and session.info.pop(_HELD, False):
        session.info[_GATE].release()


class PlainReader:
    """Single-statement reads on a few plain driver connections in autocommit mode, for the
    hottest read paths (availability counters, API token lookup): the ORM session's begin,
    execute and close cost several times the query there. On PostgreSQL a pooled connection
    also costs a ping at checkout, a ``BEGIN`` and a ``ROLLBACK`` at return: three round trips
    besides the query (py-spy, bench/booking.py). Here a read is one round trip of a prepared
    statement. SQL is written with ``?`` placeholders (SQLite's), turned into psycopg's ``%s``.

    At most ``size`` connections per process (a read waits for a free one): one per thread
    made four workers' reader threads exceed PostgreSQL's ``max_connections``."""

    def __init__(self, engine: Engine, size: int = 4) -> None:
        url = engine.url
        if engine.dialect.name == "sqlite":
            if not url.database:
                raise ValueError("PlainReader needs an SQLite file database")
            self._connect: Any = partial(_plain_sqlite, url.database)
            self._retry_on: tuple[type[Exception], ...] = ()
            self._paramstyle = "qmark"
        elif engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
            import psycopg

            conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._connect = partial(psycopg.connect, conninfo, autocommit=True,
                                    prepare_threshold=0)
            # A connection the server closed (a restart) is replaced once, like a pool's ping.
            self._retry_on = (psycopg.OperationalError,)
            self._paramstyle = "format"
        else:
            raise ValueError(f"no plain reader for {engine.dialect.name}+"
                             f"{engine.dialect.driver}")
        self._sql: dict[str, str] = {}
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)

    def rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        if self._paramstyle == "format":
            sql = self._sql.get(sql) or self._sql.setdefault(sql, sql.replace("?", "%s"))
        with self._slots:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                conn = self._connect()
            try:
                try:
                    result = list(conn.execute(sql, list(params)).fetchall())
                except self._retry_on:
                    conn.close()
                    conn = self._connect()
                    result = list(conn.execute(sql, list(params)).fetchall())
            except BaseException:
                conn.close()
                raise
            self._idle.put(conn)
            return result


def _plain_sqlite(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=60000")
    return conn
