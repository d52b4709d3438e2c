"""Finding and naming what occupies a room: the same functions serve the preview a page shows,
the friendly early refusal, and the 409 after the database refused an overlap."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking.errors import Conflict
from booking.messages import Joined, Message, Span, Word
from booking.models import HOLDING_STATUS, Booking, BookingKind, Occurrence, Offer
from booking.translations import N_

OVERLAP_MARKERS = ("occurrence_overlap", "occurrence_no_overlap", "exclusion")


def is_overlap_error(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return any(marker in text for marker in OVERLAP_MARKERS)


def holding_overlaps(session: Session, room_id: int, start: datetime, end: datetime,
                     exclude_occurrence: int | None = None) -> Sequence[Occurrence]:
    """Confirmed occurrences of the room that overlap the half-open ``[start, end)``."""
    query = (
        select(Occurrence)
        .where(Occurrence.room_id == room_id, Occurrence.status == HOLDING_STATUS,
               Occurrence.starts_at < end, Occurrence.ends_at > start)
        .order_by(Occurrence.starts_at)
    )
    if exclude_occurrence is not None:
        query = query.where(Occurrence.id != exclude_occurrence)
    return session.scalars(query).all()


RENTAL_TITLE = N_("Raumvermietung")
INTERNAL_TITLE = N_("Interne Nutzung")


def shown_title(kind: str, title: str, offer_public: bool | None) -> str:
    """The title anyone may see: a rental is only "Raumvermietung" (never the renter's name
    or purpose), an internal offer only "Interne Nutzung"."""
    if kind == BookingKind.RENTAL:
        return RENTAL_TITLE
    if offer_public is False:
        return INTERNAL_TITLE
    return title


def public_title(session: Session, booking: Booking) -> str:
    """:func:`shown_title` of a loaded booking; closures say that the room is closed."""
    if booking.kind == BookingKind.CLOSURE:
        return f"Geschlossen: {booking.title}"
    offer = session.get(Offer, booking.offer_id) if booking.offer_id is not None else None
    return shown_title(booking.kind, booking.title, offer.public if offer else None)


def describe(session: Session, occurrence: Occurrence, zone_name: str) -> Message:
    return Message("occupant", {
        "title": Word(public_title(session, occurrence.booking)),
        "when": Span(occurrence.starts_at, occurrence.ends_at, zone_name),
        "id": occurrence.booking_id})


def conflict_error(session: Session, room_id: int, start: datetime, end: datetime,
                   zone_name: str, exclude_occurrence: int | None = None) -> Conflict:
    found = holding_overlaps(session, room_id, start, end, exclude_occurrence)
    when = Span(start, end, zone_name)
    if not found:
        return Conflict("room_taken", when=when)
    names = Joined(tuple(describe(session, occ, zone_name) for occ in found[:3]), "; ")
    return Conflict(
        "room_taken_by", when=when, names=names,
        extra={"conflicts": [
            {"booking_id": occ.booking_id, "title": public_title(session, occ.booking),
             "starts_at": occ.starts_at.isoformat(), "ends_at": occ.ends_at.isoformat()}
            for occ in found[:10]]},
    )
