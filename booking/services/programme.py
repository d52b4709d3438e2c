"""The public programme (Veranstaltungskalender, Profil §6 II): a centre's public offers of a
week, with their times and rooms.

Only confirmed occurrences of programme and group bookings whose offer is public appear; a
rental never does, and nothing here carries a person: the programme shows what happens, not
who booked it (DSGVO). Filters by theme, target group and language are the offer's own values
(the target group is the German one, the key the translations stand beside).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.errors import InvalidInput
from booking.models import HOLDING_STATUS, Booking, BookingKind, Occurrence, Offer, Room, Theme
from booking.services.availability import check_window

THEMES = tuple(str(t) for t in Theme)


@dataclass(frozen=True)
class Event:
    """One public occurrence of an offer."""

    offer: Offer
    room: Room
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Filters:
    theme: str | None = None
    target_group: str | None = None
    language: str | None = None


def public_offers(session: Session, centre_id: int | None = None) -> list[Offer]:
    """The public offers (of one centre, or all), for the filters' choices."""
    query = select(Offer).where(Offer.public.is_(True))
    if centre_id is not None:
        query = query.where(Offer.centre_id == centre_id)
    return list(session.scalars(query.order_by(Offer.centre_id, Offer.title)))


def week_events(session: Session, *, start: datetime, end: datetime,
                centre_id: int | None = None, filters: Filters = Filters()) -> list[Event]:
    """The public events between ``start`` and ``end``, in time order."""
    start, end = check_window(start, end)
    if filters.theme is not None and filters.theme not in THEMES:
        raise InvalidInput("programme_theme", name=filters.theme)
    query = (
        select(Occurrence, Offer, Room)
        .join(Booking, Occurrence.booking_id == Booking.id)
        .join(Offer, Booking.offer_id == Offer.id)
        .join(Room, Occurrence.room_id == Room.id)
        .where(Offer.public.is_(True), Occurrence.status == HOLDING_STATUS,
               Booking.kind.in_((BookingKind.PROGRAMME, BookingKind.GROUP)),
               Occurrence.starts_at < end, Occurrence.ends_at > start)
        .order_by(Occurrence.starts_at, Offer.title, Occurrence.id)
    )
    if centre_id is not None:
        query = query.where(Booking.centre_id == centre_id)
    if filters.theme is not None:
        query = query.where(Offer.theme == filters.theme)
    events = []
    for occ, offer, room in session.execute(query).all():
        if filters.target_group and filters.target_group not in (offer.target_groups or []):
            continue
        if filters.language and filters.language not in (offer.languages or []):
            continue
        events.append(Event(offer=offer, room=room, starts_at=occ.starts_at,
                            ends_at=occ.ends_at))
    return events


def public_offers_by_title(session: Session, room_id: int, start: datetime,
                           end: datetime) -> dict[str, Offer]:
    """The public offers of the programme and group bookings in a room between two instants,
    by the title their bookings show (what the room's week lists), so a page can show the
    offer's title in its language instead."""
    rows = session.execute(
        select(Booking.title, Offer)
        .join(Offer, Booking.offer_id == Offer.id)
        .join(Occurrence, Occurrence.booking_id == Booking.id)
        .where(Occurrence.room_id == room_id, Occurrence.status == HOLDING_STATUS,
               Occurrence.starts_at < end, Occurrence.ends_at > start,
               Offer.public.is_(True),
               Booking.kind.in_((BookingKind.PROGRAMME, BookingKind.GROUP)))).all()
    # Deduplicated here: PostgreSQL cannot compare the JSON columns a DISTINCT would need.
    return {title: offer for title, offer in rows}
