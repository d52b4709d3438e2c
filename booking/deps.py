"""What every handler, page or API, gets injected: the app's state (:class:`Services`), the
request's unit of work (``db``), a read-only session (``read_db``) and the clock's reading
(``now``).

``db`` is one write transaction per request with the rules of :func:`booking.db.transaction`:
committed when the handler returns (before the answer is sent, so a failed commit is an error
answer, never a success the database does not hold), rolled back when it raises, and kept when
a :class:`~booking.errors.DomainError` asks for it (a counted failed login). A page that catches
a domain error to show it in the form calls :func:`discard` first, so nothing half-written is
committed with the re-rendered form.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from litestar import Request
from litestar.di import Provide
from sqlalchemy.orm import Session, sessionmaker

from booking.changes import ChangeClock
from booking.clock import Clock
from booking.db import PlainReader, finish_unit, open_unit
from booking.errors import DomainError, commits_despite
from booking.services.availability import AvailabilityCache, CheckedRows, CoalescedReads
from booking.services.feeds import FeedCache
from booking.settings import Settings

R = TypeVar("R")


@dataclass
class Services:
    settings: Settings
    db: sessionmaker[Session]
    read_db: sessionmaker[Session]
    clock: Clock
    availability_cache: AvailabilityCache[Any]
    plain: PlainReader | None = None
    # PostgreSQL: the caller's token and the rooms' counters read on the event loop, batched
    # across concurrent requests (no worker thread, one statement for many requests).
    coalesced: CoalescedReads | None = None
    # PostgreSQL: the commit clock (booking.changes). While it stands still, cached answers and
    # callers checked against the database at its reading are served without a round trip.
    changes: ChangeClock | None = None
    callers: CheckedRows = field(default_factory=CheckedRows)
    # SQLite reads are local and short: run them on the event loop and skip the hop to a
    # worker thread, which costs more than the read itself. Other databases read in a thread.
    inline_reads: bool = False
    # Rendered public calendar feeds, checked against the database's change counters.
    feed_cache: FeedCache[Any] = field(default_factory=FeedCache)
    # Threads of their own for ending a request's unit of work (made on first use, in the
    # worker's event loop); see :meth:`finish`.
    _finishing: anyio.CapacityLimiter | None = field(default=None, init=False, repr=False)

    async def run_read(self, fn: Callable[..., R], *args: Any) -> R:
        if self.inline_reads:
            return fn(*args)
        return await anyio.to_thread.run_sync(fn, *args)

    async def finish(self, fn: Callable[..., R], *args: Any) -> R:
        """Commit, roll back or close a request's session (``fn``) once its handler is done.

        Until this has run, the session holds one of the pool's connections. So it must never
        wait for a thread behind requests that hold threads while they wait for a connection
        (:meth:`run_unit`, :meth:`run_read`): when both drew on anyio's one pool of threads, a
        burst of confirmations took every thread, waited for connections that only these
        commits would give back, and got the connection pool's timeout after 30 s. Its own
        threads, as many as the pool has connections (at most that many sessions can be
        waiting here), end that circle."""
        if self.inline_reads:
            return fn(*args)
        if self._finishing is None:
            self._finishing = anyio.CapacityLimiter(self.settings.db_pool_size)
        return await anyio.to_thread.run_sync(fn, *args, limiter=self._finishing)

    async def run_unit(self, fn: Callable[..., R], *args: Any) -> R:
        """``fn(session, *args)`` as one unit of work with the rules of ``db``
        (:func:`provide_db`), run and committed in one worker thread. For a hot write (the
        rental confirmation): with ``db``, the handler runs in one thread and the commit in a
        second hop after the event loop has got round to the dependency's cleanup, while the
        transaction still holds the room's lock; the hop cost a twentieth of the request's CPU."""
        def unit() -> R:
            session = open_unit(self.db)
            try:
                result = fn(session, *args)
            except BaseException as exc:
                finish_unit(session, commit=commits_despite(exc))
                raise
            finish_unit(session, commit=True)
            return result

        # Always a thread, SQLite too: the write may wait for the process's write lock.
        return await anyio.to_thread.run_sync(unit)


def services(request: Request[Any, Any, Any]) -> Services:
    svc: Services = request.app.state.services
    return svc


def provide_now(svc: Services) -> datetime:
    """One reading of the clock per request: every rule of the request sees the same instant."""
    return svc.clock.now()


async def provide_db(svc: Services) -> AsyncIterator[Session]:
    """The request's unit of work, committed when the handler returns (rules of
    :func:`commits_despite` when it raises); :meth:`Services.run_unit` keeps the same rules."""
    session = open_unit(svc.db)
    try:
        yield session
    except BaseException as exc:
        await svc.finish(_finish, session, commits_despite(exc))
        raise
    else:
        # SQLite: a short local commit, on the loop like its reads; PostgreSQL: in a thread.
        await svc.finish(_finish, session, True)


def _finish(session: Session, commit: bool) -> None:
    finish_unit(session, commit=commit)


async def provide_read_db(svc: Services) -> AsyncIterator[Session]:
    session = svc.read_db()
    try:
        yield session
    finally:
        await svc.finish(session.close)


def discard(db: Session, exc: DomainError) -> None:
    """What the failed call wrote goes, unless the error asks to keep it; for a page that
    answers a domain error with its form instead of raising it."""
    if commits_despite(exc):
        db.commit()
    else:
        db.rollback()


DEPENDENCIES = {
    "svc": Provide(services, sync_to_thread=False),
    "now": Provide(provide_now, sync_to_thread=False),
    "db": Provide(provide_db),
    "read_db": Provide(provide_read_db),
}
