"""The one lock order of every write that touches occurrences: the rooms concerned, by id,
before any occurrence row.

Why one order: on PostgreSQL, writing an occurrence locks more than its own row. The trigger of
migration 0003 updates the room's change counter (``bump_room_version``), and a second update of
that counter row in the same transaction checks its foreign key, which takes ``FOR KEY SHARE`` on
the room. A series cancel (several occurrences, no room lock) and a rental confirm (room lock,
then the counter) met each other the other way round and PostgreSQL aborted one of them with
``deadlock detected`` (issue 6 §1). When every writer first locks the rooms it will touch, in
ascending id order, writers of one room queue one behind the other and two writers of several
rooms cannot wait for each other in a circle.

``FOR NO KEY UPDATE`` is enough: it excludes the other writers of the room but not the foreign-key
checks of rows that merely point at the room.

SQLite has one writer at a time (``BEGIN IMMEDIATE``), so there the locks are only recorded. On
both databases a flush that writes an occurrence whose room this transaction has not locked is
refused (:func:`_occurrences_hold_their_rooms`): no code path can forget the order. Only tests
that deliberately write past the services say so with :func:`write_past_the_locks`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import bindparam, event, inspect, select
from sqlalchemy.orm import Session, SessionTransaction

from booking.models import Booking, Occurrence, Room

_HELD = "raumplan.locked_rooms"
_UNGUARDED = "raumplan.unguarded"


def locked_rooms(session: Session) -> frozenset[int]:
    """The rooms this session's transaction holds."""
    return frozenset(session.info.get(_HELD, ()))


def lock_rooms(session: Session, room_ids: Iterable[int]) -> None:
    """Lock the rooms, in ascending id order, for the rest of the transaction.

    Rooms already held are skipped. Call it once with every room the write will touch: a later
    call for a room with a lower id than one held breaks the order (the deadlock retry of the
    API still answers such a rare case, e.g. an occurrence moved while we waited)."""
    held: set[int] = session.info.setdefault(_HELD, set())
    missing = sorted(set(room_ids) - held)
    if not missing:
        return
    if session.get_bind().dialect.name != "sqlite":
        # ORDER BY with FOR ... UPDATE locks the rows in that order.
        session.execute(select(Room.id).where(Room.id.in_(missing)).order_by(Room.id)
                        .with_for_update(key_share=True))
    held.update(missing)


def lock_rooms_of_booking(session: Session, booking_id: int) -> None:
    """Lock the rooms of a booking's occurrences before the booking is read (one statement):
    read after this, the booking is what the last writer of those rooms committed. Cheaper
    than :func:`lock_booking`, which has to read a booking read earlier again; call that one
    after reading too; it only checks then (a move may have committed in between)."""
    held: set[int] = session.info.setdefault(_HELD, set())
    sqlite = session.get_bind().dialect.name == "sqlite"
    statement = _ROOMS_OF_BOOKING if sqlite else _LOCK_ROOMS_OF_BOOKING
    held.update(session.scalars(statement, {"booking_id": booking_id}))


# Built once (Core, on the tables): a confirmation runs this first, and building and keying the
# statement per call cost more CPU than the query (bench/booking.py).
_occ_t, _room_t = Occurrence.__table__, Room.__table__
_ROOMS_OF_BOOKING = (select(_occ_t.c.room_id)
                     .where(_occ_t.c.booking_id == bindparam("booking_id")).distinct())
_LOCK_ROOMS_OF_BOOKING = (
    select(_room_t.c.id)
    .where(_room_t.c.id.in_(select(_occ_t.c.room_id)
                            .where(_occ_t.c.booking_id == bindparam("booking_id"))))
    .order_by(_room_t.c.id).with_for_update(key_share=True))


def lock_bookings(session: Session, bookings: Sequence[Booking], *also: int) -> None:
    """Lock the rooms of loaded bookings' occurrences (and ``also``), then read the bookings
    and their occurrences again: what another writer committed while we waited (a
    confirmation, a move to another room) is what this transaction decides on."""
    ids = [b.id for b in bookings]

    def refresh() -> None:
        session.execute(select(Booking).where(Booking.id.in_(ids))
                        .execution_options(populate_existing=True))
        session.execute(select(Occurrence).where(Occurrence.booking_id.in_(ids))
                        .execution_options(populate_existing=True))

    _lock_until_stable(
        session, lambda: {o.room_id for b in bookings for o in b.occurrences} | set(also),
        refresh)


def lock_booking(session: Session, booking: Booking, *also: int) -> None:
    """:func:`lock_bookings` for one booking (a rental decided, a series cancelled)."""
    lock_bookings(session, [booking], *also)


def lock_occurrence(session: Session, occurrence: Occurrence, *also: int) -> None:
    """:func:`lock_booking` for one occurrence (a move, a date cancelled)."""
    def refresh() -> None:
        session.execute(select(Occurrence).where(Occurrence.id == occurrence.id)
                        .execution_options(populate_existing=True))

    _lock_until_stable(session, lambda: {occurrence.room_id, *also}, refresh)


def _lock_until_stable(session: Session, rooms: Callable[[], set[int]],
                       refresh: Callable[[], None]) -> None:
    # Rooms held already were locked before these rows were read (lock_rooms_of_booking, or
    # a write that locks all its rooms first): nothing to read again then.
    while not rooms() <= locked_rooms(session):
        lock_rooms(session, rooms())
        if session.get_bind().dialect.name == "sqlite":
            return  # BEGIN IMMEDIATE came before the first read: nothing changed since
        refresh()


def write_past_the_locks(session: Session) -> None:
    """For tests that write occurrences past the services on purpose (to show that the
    database itself refuses an overlap): switch the lock check off for this session."""
    session.info[_UNGUARDED] = True


def require_locked(session: Session, room_ids: Iterable[int]) -> None:
    """Refuse writing occurrences of ``room_ids`` unless this transaction holds their locks:
    the flush checks every occurrence it writes (``_occurrences_hold_their_rooms``); a service
    that writes occurrences by statement, past the unit of work, calls it itself."""
    unlocked = set(room_ids) - locked_rooms(session)
    if unlocked and not session.info.get(_UNGUARDED):
        raise RuntimeError(f"an occurrence of room {min(unlocked)} is written without "
                           "lock_rooms(): every write takes the rooms' locks first "
                           "(booking.services.locking)")


def _rooms_written(occurrence: Occurrence) -> set[int]:
    state = inspect(occurrence)
    history = state.attrs.room_id.history
    rooms = {r for r in chain(history.added, history.unchanged, history.deleted) if r is not None}
    if not rooms and occurrence.room is not None:
        rooms.add(occurrence.room.id)
    return rooms


@event.listens_for(Session, "before_flush")
def _occurrences_hold_their_rooms(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(_UNGUARDED):
        return
    written: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if not isinstance(obj, Occurrence):
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        written |= _rooms_written(obj)
    require_locked(session, written)


@event.listens_for(Session, "after_transaction_end")
def _release(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_HELD, None)
