"""Engine, the one session factory, and the column type for instants.

SQLite is the embedded default, PostgreSQL the production database. Two things differ and are
handled here so that no other module needs to care:

* SQLite: every transaction starts with ``BEGIN IMMEDIATE`` (it takes the write lock at once,
  so a check-then-write inside one transaction cannot interleave with another writer), WAL
  journal for readers beside the writer, a generous busy timeout, and foreign keys on.
* Instants: stored as UTC; a naive datetime raises instead of being silently read as UTC.

PostgreSQL connections per process: the ORM pool holds at most ``pool_size`` (setting
``RAUMPLAN_DB_POOL_SIZE``, default :data:`DEFAULT_POOL_SIZE`), the event loop's reader
:data:`LOOP_READER_SIZE` more (a :class:`PlainReader` opens its connections only when used: the
service uses it on SQLite). A deployment keeps ``workers × (pool_size + LOOP_READER_SIZE)``
plus the background worker's few below the server's ``max_connections`` (100 by default: four
workers at the default use 76).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import select as _select
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, create_engine, event, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from booking.changes import ChangeClock, clock_beside, clock_for


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


class DatabaseUnavailable(Exception):
    """No connection to the database could be opened: the server is full (``max_connections``),
    restarting, refusing this database, or down. Nothing was read or written on it, so the
    request may run again; callers answer 503 with ``Retry-After`` (``booking.api.retry``)."""


def _refused(open_connection: Callable[..., Any], driver_error: type[Exception]) -> Any:
    """``open_connection`` as it is, but a connection the database refuses raises
    :class:`DatabaseUnavailable` (with the driver's reason), not the driver's own error that
    could also mean a failed statement."""

    def connect(*args: Any, **kwargs: Any) -> Any:
        try:
            return open_connection(*args, **kwargs)
        except driver_error as error:
            raise DatabaseUnavailable(str(error).strip()) from error

    return connect


# Connections of the ORM pool per process on PostgreSQL (RAUMPLAN_DB_POOL_SIZE); see the module
# docstring for how it adds up across workers. Requests beyond it wait for a free connection.
DEFAULT_POOL_SIZE = 15
# A pooled connection idle for longer than this is pinged before use (see _check_on_checkout).
IDLE_PING_SECONDS = 30.0


def make_engine(url: str, *, pool_size: int = DEFAULT_POOL_SIZE, **kwargs: Any) -> Engine:
    """The engine for ``url``; ``pool_size`` bounds PostgreSQL's pool (an SQLite file keeps
    its own small pool: it has one writer anyway)."""
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
        database = engine.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            file = Path(database)
            _advance_clock_after_commit(engine, lambda _connection: clock_beside(file))
        return engine
    if pool_size < 1:
        raise ValueError("the database pool needs at least one connection")
    # All of the pool's connections stay open once made (no overflow ones that are opened and
    # closed again under load), and a checkout costs no round trip (no pre-ping).
    engine = create_engine(url, pool_size=pool_size, max_overflow=0, **kwargs)
    _check_on_checkout(engine)
    _connect = _refused(engine.dialect.connect, engine.dialect.loaded_dbapi.OperationalError)

    @event.listens_for(engine, "do_connect")
    def _open(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        return _connect(*cargs, **cparams)

    _advance_clock_after_commit(engine, _clock_of_database)
    return engine


# The commit clock of each PostgreSQL engine (booking.changes), once its first connection knows
# which database it is.
_COMMIT_CLOCKS: weakref.WeakKeyDictionary[Engine, list[ChangeClock]] = weakref.WeakKeyDictionary()


def _advance_clock_after_commit(engine: Engine,
                                find: Callable[[Any], ChangeClock | None]) -> None:
    """Every commit on this engine advances the database's commit clock (:mod:`booking.changes`)
    once the database holds it, before the caller can answer anyone. ``find`` gives the clock,
    from the first connection."""
    clock: list[ChangeClock] = []
    _COMMIT_CLOCKS[engine] = clock

    asked: list[bool] = []
    asking = threading.Lock()  # a second connection made meanwhile waits for the answer

    @event.listens_for(engine.pool, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with asking:
            if not asked:
                asked.append(True)
                found = find(dbapi_connection)
                if found is not None:
                    clock.append(found)

    commit = engine.dialect.do_commit

    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            # Also when the commit failed: it may have happened all the same (a connection
            # lost on the way back), and one clock tick too many only costs a check.
            if clock:
                clock[0].advance()

    # SQLAlchemy has no event after a commit on a Connection (``commit`` runs before it); the
    # dialect's own commit is the one place every transaction of this engine passes through.
    setattr(engine.dialect, "do_commit", do_commit)  # noqa: B010


def _clock_of_database(dbapi_connection: Any) -> ChangeClock | None:
    """A PostgreSQL database's clock, named after the database itself (the cluster's system
    identifier and the database's name), not the URL, so that ``localhost`` and ``127.0.0.1``
    share one."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT system_identifier::text || '/' || current_database() "
                       "FROM pg_control_system()")
        identity = str(cursor.fetchone()[0])
    except Exception as error:
        # Without a clock every availability read asks the database, as it always did.
        logging.getLogger(__name__).warning("no commit clock: %s", error)
        return None
    finally:
        cursor.close()
        dbapi_connection.rollback()
    return clock_for(identity)


def commit_clock(engine: Engine) -> ChangeClock | None:
    """The commit clock of an engine (connecting once if none is open yet); ``None`` for an
    SQLite database in memory, or where none can be kept privately."""
    clock = _COMMIT_CLOCKS.get(engine)
    if clock is None:
        return None
    if not clock:
        with engine.connect():
            pass
    return clock[0] if clock else None


def _check_on_checkout(engine: Engine) -> None:
    """Hand out only live connections, without a round trip for each checkout.

    ``pool_pre_ping`` cost a round trip per transaction, one of a confirmation's fourteen. An
    idle PostgreSQL connection receives nothing unless its server ends it (a restart, an
    administrator, an idle timeout): then the ending is readable on its socket. So a checkout
    looks at the socket (one system call); only a readable socket, or a connection idle for
    longer than :data:`IDLE_PING_SECONDS` (a network that drops idle connections silently),
    costs a ping, and a failed ping makes the pool replace the connection
    (``DisconnectionError``) before anyone uses it."""
    returned = "raumplan.returned_at"

    @event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[returned] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(returned)
        if idle_since is None:
            return  # just connected
        try:
            readable = bool(_select.select([dbapi_connection.fileno()], [], [], 0)[0])
        except (OSError, ValueError):
            readable = True
        if not readable and time.monotonic() - idle_since <= IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError("the database closed this connection") from error


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
    from booking.errors import commits_despite

    lock = _sqlite_write_lock(factory)
    with lock, factory() as session:
        try:
            yield session
        except BaseException as exc:
            if commits_despite(exc):
                session.commit()
            else:
                session.rollback()
            raise
        else:
            session.commit()


@contextmanager
def core_transaction(factory: sessionmaker[Session]) -> Iterator[Connection]:
    """:func:`transaction` for a hot path written in Core alone: one of the engine's
    connections in a transaction, committed on success and rolled back on any exception, with
    the same SQLite write lock, and none of an ORM session's set-up, bookkeeping and events
    (a door validation spent a fifth of its own CPU time on them). ORM work that a rare branch
    needs runs in ``Session(bind=connection)``, which joins this transaction."""
    bind = factory.kw["bind"]
    with _sqlite_write_lock(factory), bind.connect() as connection, connection.begin():
        yield connection


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


# Connections per process of the plain reader (PlainReader).
PLAIN_READER_SIZE = 4
# Connections per process of the event loop's reader (LoopReader, PostgreSQL): as many
# statements on their way at once. On a busy machine a round trip waits for the backend to be
# scheduled, and throughput follows how many are in flight; with fewer requests waiting, each
# statement answers more of them.
LOOP_READER_SIZE = 4


class PlainReader:
    """Single-statement reads on a few plain driver connections in autocommit mode, for the
    hottest read paths (availability counters, API token lookup): the ORM session's begin,
    execute and close cost several times the query there. On PostgreSQL a pooled connection
    also costs a ping at checkout, a ``BEGIN`` and a ``ROLLBACK`` at return: three round trips
    besides the query (py-spy, bench/booking.py). Here a read is one round trip of a prepared
    statement. SQL is written with ``?`` placeholders (SQLite's), turned into psycopg's ``%s``.

    At most ``size`` connections per process (a read waits for a free one): one per thread
    made four workers' reader threads exceed PostgreSQL's ``max_connections``."""

    def __init__(self, engine: Engine, size: int | None = None) -> None:
        size = PLAIN_READER_SIZE if size is None else size
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
            self._connect = partial(_refused(psycopg.connect, psycopg.OperationalError),
                                    conninfo, autocommit=True, prepare_threshold=0)
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


class LoopReader:
    """Single-statement reads on autocommit psycopg connections driven by the calling event
    loop (PostgreSQL only): no hop to a worker thread, which cost more than the read itself.

    Up to ``size`` connections per event loop (uvicorn runs one loop per worker process), one
    statement at a time on each: callers that want throughput batch their reads and keep at
    most ``size`` statements on their way (:class:`booking.services.availability.
    CoalescedReads`). SQL uses psycopg's ``%s``."""

    def __init__(self, engine: Engine, size: int | None = None) -> None:
        if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
            raise ValueError(f"no event-loop reader for {engine.dialect.name}+"
                             f"{engine.dialect.driver}")
        self.size = LOOP_READER_SIZE if size is None else size
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False)
        # Per loop: the idle connections and how many exist.
        self._idle: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[Any]] = (
            weakref.WeakKeyDictionary())
        self._count: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, int] = (
            weakref.WeakKeyDictionary())

    async def rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The statement's rows; the caller keeps at most ``size`` of these running at once."""
        import psycopg

        loop = asyncio.get_running_loop()
        idle = self._idle.setdefault(loop, [])
        for attempt in (1, 2):
            if idle:
                conn = idle.pop()
            else:
                if self._count.get(loop, 0) >= self.size:
                    raise RuntimeError("more statements at once than the reader's connections")
                self._count[loop] = self._count.get(loop, 0) + 1
                try:
                    conn = await psycopg.AsyncConnection.connect(
                        self._conninfo, autocommit=True, prepare_threshold=0)
                except psycopg.OperationalError as error:
                    self._count[loop] -= 1
                    raise DatabaseUnavailable(str(error).strip()) from error
                except BaseException:
                    self._count[loop] -= 1
                    raise
            try:
                cursor = await conn.execute(sql, params)
                result = list(await cursor.fetchall())
            except BaseException as error:
                self._count[loop] -= 1
                await conn.close()
                # A connection the server closed (a restart) is replaced once, like a pool's
                # ping would; a read is safe to repeat.
                if attempt == 2 or not isinstance(error, psycopg.OperationalError):
                    raise
                continue
            idle.append(conn)
            return result
        raise AssertionError("unreachable")

    async def close(self) -> None:
        """Close the calling loop's connections (at shutdown)."""
        loop = asyncio.get_running_loop()
        for conn in self._idle.pop(loop, []):
            await conn.close()
        self._count.pop(loop, None)
