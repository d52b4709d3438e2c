"""Free and busy intervals of rooms between two instants: the read path residents use most.

One indexed query per call (room, start, end); busy intervals carry only public titles.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time as time_module
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.orm import Session

from booking.changes import TRUST_SECONDS
from booking.db import LoopReader, PlainReader
from booking.errors import InvalidInput, NotFound
from booking.messages import Message
from booking.models import (
    HOLDING_STATUS,
    Booking,
    Centre,
    Occurrence,
    Offer,
    Room,
)
from booking.permissions import Actor
from booking.services.conflicts import shown_title
from booking.services.series import closed_days_of_rooms
from booking.timeutil import check_span, local_to_utc, to_local

MAX_SPAN = timedelta(days=62)


@dataclass(frozen=True)
class Busy:
    room_id: int
    starts_at: datetime
    ends_at: datetime
    title: str
    kind: str
    booking_id: int | None  # only for staff


@dataclass(frozen=True)
class Free:
    room_id: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ClosedDay:
    """A local day on which the room is closed (a closure of the room or the centre, or a
    public holiday), from its local midnight to the next: never free, whatever is booked."""

    room_id: int
    day: date
    starts_at: datetime
    ends_at: datetime
    cause: str  # "closure" or "holiday"
    reason: Message  # the sentence a rental request on that day would be refused with


def check_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start, end = check_span(start, end)
    if end - start > MAX_SPAN:
        raise InvalidInput("days_too_many", n=MAX_SPAN.days)
    return start, end


# Built once, on the tables rather than the mapped classes: executing it skips the ORM's
# per-call statement construction and compile-state work, which cost more than the query itself
# (bench/booking.py). Same columns, same rows, same order as the ORM form.
_occ, _booking, _offer = Occurrence.__table__, Booking.__table__, Offer.__table__
_BUSY_QUERY = (
    select(_occ.c.room_id, _occ.c.starts_at, _occ.c.ends_at, _booking.c.kind, _booking.c.title,
           _booking.c.id, _booking.c.centre_id, _offer.c.public)
    .select_from(_occ.join(_booking, _occ.c.booking_id == _booking.c.id)
                 .outerjoin(_offer, _booking.c.offer_id == _offer.c.id))
    .where(_occ.c.room_id.in_(bindparam("room_ids", expanding=True)),
           _occ.c.status == HOLDING_STATUS,
           _occ.c.starts_at < bindparam("end"), _occ.c.ends_at > bindparam("start"))
    .order_by(_occ.c.room_id, _occ.c.starts_at)
)
def busy_and_free(session: Session, actor: Actor, room_ids: Sequence[int], start: datetime,
                  end: datetime) -> tuple[list[Busy], list[Free]]:
    busy, free, _closed = busy_free_closed(session, actor, room_ids, start, end)
    return busy, free


def busy_free_closed(session: Session, actor: Actor, room_ids: Sequence[int], start: datetime,
                     end: datetime) -> tuple[list[Busy], list[Free], list[ClosedDay]]:
    """Busy intervals, free intervals and closed days of the rooms in the window. A closed day
    is never free: a resident looking for a slot sees the closure and its reason instead."""
    start, end = check_window(start, end)
    rows = session.execute(_BUSY_QUERY, {"room_ids": list(room_ids), "start": start,
                                         "end": end}).all()
    busy: list[Busy] = []
    for room_id, s, e, kind, title, booking_id, centre_id, offer_public in rows:
        staff = actor.is_staff_of(centre_id)
        shown = title if staff else shown_title(kind, title, offer_public)
        busy.append(Busy(room_id, s, e, shown, kind, booking_id if staff else None))
    closed = closed_days(session, room_ids, start, end)
    blocked: dict[int, list[tuple[datetime, datetime]]] = {rid: [] for rid in room_ids}
    for b in busy:
        blocked[b.room_id].append((b.starts_at, b.ends_at))
    for c in closed:
        blocked[c.room_id].append((c.starts_at, c.ends_at))
    free: list[Free] = []
    for rid in room_ids:
        cursor = start
        for s, e in sorted(blocked[rid]):
            if s > cursor:
                free.append(Free(rid, cursor, s))
            cursor = max(cursor, e)
        if cursor < end:
            free.append(Free(rid, cursor, end))
    return busy, free, closed


def closed_days(session: Session, room_ids: Sequence[int], start: datetime,
                end: datetime) -> list[ClosedDay]:
    """The local days of ``[start, end)`` on which each room is closed, by the one rule of
    closures (``booking.services.series.closed``)."""
    result: list[ClosedDay] = []
    by_centre: dict[int, list[Room]] = defaultdict(list)
    for room in session.scalars(select(Room).where(Room.id.in_(room_ids))):
        by_centre[room.centre_id].append(room)
    for centre_id, rooms in by_centre.items():
        centre = session.get_one(Centre, centre_id)
        zone = centre.timezone
        lo = to_local(start, zone).date()
        hi = to_local(end - timedelta(microseconds=1), zone).date()
        days = closed_days_of_rooms(session, centre, [r.id for r in rooms], lo, hi)
        for room in rooms:
            for day, shut in sorted(days[room.id].items()):
                result.append(ClosedDay(
                    room.id, day, local_to_utc(day, time(0), zone),
                    local_to_utc(day + timedelta(days=1), time(0), zone),
                    "closure" if shut.closure is not None else "holiday",
                    shut.problem(room, centre)))
    order = {rid: n for n, rid in enumerate(room_ids)}
    result.sort(key=lambda c: (order[c.room_id], c.day))
    return result


T = TypeVar("T")


@functools.lru_cache(maxsize=1024)
def view_of(actor: Actor) -> tuple[object, ...]:
    """What decides how busy intervals are shown: public, or staff of which centres."""
    if actor.is_admin:
        return ("admin",)
    return tuple(sorted(c for r, c in actor.roles if r == "staff" and c is not None))


class VersionReader:
    """Reads the rooms' change counters with as little machinery as possible: on a cache hit
    this is all the database work of the read path (one statement on a plain driver
    connection, :class:`booking.db.PlainReader`)."""

    _SQL = ("SELECT r.id, v.version FROM room r LEFT JOIN room_version v ON v.room_id = r.id "
            "WHERE r.id IN ({}) ORDER BY r.id")

    def __init__(self, engine: Engine) -> None:
        self._plain = PlainReader(engine)

    def __call__(self, room_ids: Sequence[int]) -> tuple[tuple[int, int | None], ...]:
        sql = self._SQL.format(",".join("?" * len(room_ids)))
        return tuple((r[0], r[1]) for r in self._plain.rows(sql, room_ids))

    def with_rows(self, room_ids: Sequence[int], sql: str, params: Sequence[Any]) -> tuple[
            tuple[tuple[int, int | None], ...], list[tuple[Any, ...]]]:
        """The counters and the rows of another query of six columns (the caller's token),
        in one round trip: on PostgreSQL the round trip, not the query, is the cost."""
        both = self._SQL_WITH.format(",".join("?" * len(room_ids)), sql)
        rows = self._plain.rows(both, [*room_ids, *params])
        return (tuple((r[1], r[2]) for r in rows if r[0] == 0),
                [tuple(r[3:]) for r in rows if r[0] == 1])

    _SQL_WITH = ("SELECT 0, r.id, v.version, NULL, NULL, NULL, NULL, NULL, NULL FROM room r "
                 "LEFT JOIN room_version v ON v.room_id = r.id WHERE r.id IN ({}) "
                 "UNION ALL SELECT 1, NULL, NULL, c.* FROM ({}) c ORDER BY 1, 2")


class AvailabilityCache(Generic[T]):
    """Answers of the availability read path, served again while the rooms' change counters
    (``room_version``, kept by database triggers on every relevant write) stand still.

    The counters are read before the answer is built; a write that lands in between makes the
    stored counters older than the answer, which only costs a recompute, never a stale answer.

    An answer also remembers the reading of the commit clock
    (:mod:`booking.changes`) taken before its counters were last read: while the clock still
    shows that value, nothing has been committed since, and the answer is served without
    asking the database (:meth:`unchanged`), for at most ``trust_seconds``.
    """

    def __init__(self, versions: VersionReader, size: int = 4096,
                 trust_seconds: float = TRUST_SECONDS,
                 monotonic: Callable[[], float] = time_module.monotonic) -> None:
        self.versions = versions
        self._size = size
        self._trust = trust_seconds
        self.monotonic = monotonic
        self._data: OrderedDict[tuple[object, ...], _Entry[T]] = OrderedDict()
        self._lock = threading.Lock()

    def unchanged(self, actor: Actor, room_ids: Sequence[int], start: datetime, end: datetime,
                  seen: int) -> T | None:
        """The stored answer if it was checked against the database at the commit clock's
        reading ``seen`` (taken by the caller before anything else) less than the trusted time
        ago; ``None``: ask the database (:meth:`lookup`)."""
        key = (tuple(room_ids), start, end, view_of(actor))
        with self._lock:
            hit = self._data.get(key)
            if hit is None or hit.seen != seen:
                return None
            if not 0.0 <= self.monotonic() - hit.checked_at < self._trust:
                return None
            self._data.move_to_end(key)
            return hit.value

    def lookup(self, actor: Actor, room_ids: Sequence[int], start: datetime, end: datetime,
               versions: tuple[object, ...], seen: int | None = None) -> T | None:
        """The stored answer if the rooms' counters, read before this call, still match it;
        ``None`` if it has to be built (then :meth:`store` it with the same counters). A room
        that does not exist has no counter: 404. ``seen``: the commit clock's reading taken
        before the counters were read; a hit is trusted at that reading from now on."""
        if len(versions) != len(set(room_ids)):
            raise (NotFound("no_room", id=room_ids[0]) if len(room_ids) == 1
                   else NotFound("no_rooms"))
        key = (tuple(room_ids), start, end, view_of(actor))
        with self._lock:
            hit = self._data.get(key)
            if hit is not None and hit.versions == versions:
                self._data.move_to_end(key)
                if seen is not None:
                    hit.seen, hit.checked_at = seen, self.monotonic()
                return hit.value
        return None

    def store(self, actor: Actor, room_ids: Sequence[int], start: datetime, end: datetime,
              versions: tuple[object, ...], value: T, seen: int | None = None) -> None:
        key = (tuple(room_ids), start, end, view_of(actor))
        with self._lock:
            self._data[key] = _Entry(versions, value, seen, self.monotonic())
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)


@dataclass(slots=True)
class _Entry(Generic[T]):
    versions: tuple[object, ...]
    value: T
    seen: int | None  # the commit clock's reading when the counters were last read
    checked_at: float  # monotonic time of that reading


class CheckedRows:
    """Rows read by a key (the API caller's token digest), trusted like
    :class:`AvailabilityCache`'s answers: while the commit clock still shows the reading taken
    before they were read, and for at most ``trust_seconds``. A revoked token, a role taken
    away or an account erased is a commit: the next request reads the rows again."""

    def __init__(self, size: int = 1024, trust_seconds: float = TRUST_SECONDS,
                 monotonic: Callable[[], float] = time_module.monotonic) -> None:
        self._size = size
        self._trust = trust_seconds
        self.monotonic = monotonic
        self._data: dict[str, tuple[int, float, list[tuple[Any, ...]]]] = {}

    def get(self, key: str, seen: int) -> list[tuple[Any, ...]] | None:
        hit = self._data.get(key)
        if hit is None or hit[0] != seen or not 0.0 <= self.monotonic() - hit[1] < self._trust:
            return None
        return hit[2]

    def put(self, key: str, seen: int, rows: list[tuple[Any, ...]]) -> None:
        if len(self._data) >= self._size:
            self._data.clear()
        self._data[key] = (seen, self.monotonic(), rows)


Counters = tuple[tuple[int, int | None], ...]


class CoalescedReads:
    """The rooms' change counters and rows looked up by a key (the API caller's token), for
    all the requests of an event loop that wait at the same moment, in one statement on the
    loop's own connections (PostgreSQL, :class:`booking.db.LoopReader`).

    Why: on PostgreSQL a read on the availability path cost a hop to a worker thread and a
    round trip for each request, several times what the cached answer costs to send. Here a
    request waits on the event loop; while the reader's connections each have a statement on
    its way, the requests that arrive meanwhile gather and the next statement answers them
    all. Server CPU per cached read fell from 0.33 to 0.11 ms (bench/booking.py).

    Never stale: a request joins a batch before that batch's statement is sent, so the
    statement's snapshot is taken after the request arrived and sees every write committed
    before it, in whichever process. ``keyed_sql`` selects rows whose first column is the key
    and six more columns, for the keys in a ``%s`` text array."""

    _SQL = ("SELECT r.id, v.version, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM room r "
            "LEFT JOIN room_version v ON v.room_id = r.id WHERE r.id = ANY(%s::integer[]) "
            "UNION ALL SELECT NULL, NULL, c.* FROM ({}) c")

    def __init__(self, reader: LoopReader, keyed_sql: str) -> None:
        self._reader = reader
        self._sql = self._SQL.format(keyed_sql)
        self._batches: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, _Batches] = weakref.WeakKeyDictionary()
        self._tasks: set[asyncio.Task[None]] = set()

    async def read(self, room_ids: Sequence[int], key: str | None) -> tuple[
            Counters, list[tuple[Any, ...]]]:
        """The counters of those of ``room_ids`` that exist (by id) and the rows of ``key``."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[Counters, list[tuple[Any, ...]]]] = loop.create_future()
        batch = self._batches.setdefault(loop, _Batches())
        batch.waiting.append((tuple(room_ids), key, future))
        if batch.running < self._reader.size:
            # A connection is free: this request starts a statement (the requests that come
            # while it runs join the next one).
            batch.running += 1
            task = loop.create_task(self._answer(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _answer(self, batches: _Batches) -> None:
        try:
            while batches.waiting:
                batch = batches.waiting[:]
                del batches.waiting[:]
                rooms = sorted({r for ids, _, _ in batch for r in ids})
                keys = sorted({k for _, k, _ in batch if k is not None})
                try:
                    rows = await self._reader.rows(self._sql, [rooms, keys])
                    counters: dict[int, int | None] = {}
                    keyed: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
                    for row in rows:
                        if row[0] is not None:
                            counters[row[0]] = row[1]
                        else:
                            keyed[row[2]].append(tuple(row[3:]))
                    for ids, key, future in batch:
                        if not future.done():  # its request may have been cancelled
                            future.set_result((
                                tuple((r, counters[r]) for r in sorted(set(ids))
                                      if r in counters),
                                keyed.get(key, []) if key is not None else []))
                except BaseException as error:
                    # No request of the batch is left waiting, whatever went wrong.
                    for _, _, future in batch:
                        if future.done():
                            continue
                        if isinstance(error, asyncio.CancelledError):
                            future.cancel()
                        else:
                            future.set_exception(error)
                    if not isinstance(error, Exception):
                        raise
        finally:
            batches.running -= 1


_Waiter = tuple[tuple[int, ...], str | None,
                "asyncio.Future[tuple[Counters, list[tuple[Any, ...]]]]"]


@dataclass
class _Batches:
    """One event loop's requests waiting for the next statement, and the statements running."""

    waiting: list[_Waiter] = field(default_factory=list)
    running: int = 0


def room_ids_of_centre(session: Session, centre_id: int) -> list[int]:
    ids = list(session.scalars(select(Room.id).where(Room.centre_id == centre_id,
                                                     Room.active.is_(True)).order_by(Room.id)))
    if not ids:
        raise NotFound("no_centre_rooms", id=centre_id)
    return ids
