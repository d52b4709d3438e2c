"""Free and busy intervals of rooms between two instants: the read path residents use most.

One indexed query per call (room, start, end); busy intervals carry only public titles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.errors import InvalidInput, NotFound
from booking.models import HOLDING_STATUS, Booking, BookingKind, Occurrence, Offer, Room
from booking.permissions import Actor
from booking.timeutil import EARLIEST, LATEST, require_aware

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


def check_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start, end = require_aware(start, "start"), require_aware(end, "end")
    if not (EARLIEST <= start < LATEST and EARLIEST < end <= LATEST):
        raise InvalidInput("The time lies outside the years 2000–2099.")
    if end <= start:
        raise InvalidInput("The end must be after the start.")
    if end - start > MAX_SPAN:
        raise InvalidInput("Ask for at most 62 days at once.")
    return start, end


def busy_and_free(session: Session, actor: Actor, room_ids: Sequence[int], start: datetime,
                  end: datetime) -> tuple[list[Busy], list[Free]]:
    start, end = check_window(start, end)
    rows = session.execute(
        select(Occurrence.room_id, Occurrence.starts_at, Occurrence.ends_at, Booking.kind,
               Booking.title, Booking.id, Booking.centre_id, Offer.public)
        .join(Booking, Occurrence.booking_id == Booking.id)
        .outerjoin(Offer, Booking.offer_id == Offer.id)
        .where(Occurrence.room_id.in_(room_ids), Occurrence.status == HOLDING_STATUS,
               Occurrence.starts_at < end, Occurrence.ends_at > start)
        .order_by(Occurrence.room_id, Occurrence.starts_at)
    ).all()
    busy: list[Busy] = []
    for room_id, s, e, kind, title, booking_id, centre_id, offer_public in rows:
        staff = actor.is_staff_of(centre_id)
        if staff:
            shown = title
        elif kind == BookingKind.RENTAL:
            shown = "Raumvermietung"
        elif offer_public is False:
            shown = "Interne Nutzung"
        else:
            shown = title
        busy.append(Busy(room_id, s, e, shown, kind, booking_id if staff else None))
    free: list[Free] = []
    by_room: dict[int, list[Busy]] = {rid: [] for rid in room_ids}
    for b in busy:
        by_room[b.room_id].append(b)
    for rid in room_ids:
        cursor = start
        for b in by_room[rid]:
            if b.starts_at > cursor:
                free.append(Free(rid, cursor, b.starts_at))
            cursor = max(cursor, b.ends_at)
        if cursor < end:
            free.append(Free(rid, cursor, end))
    return busy, free


def room_ids_of_centre(session: Session, centre_id: int) -> list[int]:
    ids = list(session.scalars(select(Room.id).where(Room.centre_id == centre_id,
                                                     Room.active.is_(True)).order_by(Room.id)))
    if not ids:
        raise NotFound(f"There is no centre {centre_id} with rooms.")
    return ids
