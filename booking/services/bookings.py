"""Staff bookings: programme slots, group dates and closures, and moving or cancelling
occurrences.

Recurring dates are always a series (``booking.services.series.create_series``): a booking
asked for with an RRULE is made as one, so there is one way to make a recurring booking. A
one-off date that collides is refused (409, naming the collision); one on a closed day too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking.audit import record
from booking.errors import Conflict, InvalidInput, NotFound
from booking.messages import Joined, Message
from booking.models import (
    Booking,
    BookingKind,
    BookingStatus,
    Centre,
    Group,
    Occurrence,
    Offer,
    Room,
)
from booking.permissions import Actor, require_staff
from booking.services import access as door_access
from booking.services import series
from booking.services.conflicts import conflict_error, holding_overlaps, is_overlap_error
from booking.services.locking import (
    lock_booking,
    lock_occurrence,
    lock_rooms,
    lock_rooms_of_booking,
)
from booking.timeutil import check_instant, check_span, format_range, to_local

STAFF_KINDS = (BookingKind.PROGRAMME, BookingKind.GROUP, BookingKind.CLOSURE)


@dataclass
class SeriesResult:
    booking: Booking
    # The dates left out, with their reasons (taken, closed, a holiday).
    skipped: list[Message] = field(default_factory=list)
    # When the booking recurs: its series (``/api/series/{id}``).
    series_id: int | None = None


def _centre_room(session: Session, room_id: int) -> tuple[Room, Centre]:
    room = session.get(Room, room_id)
    if room is None:
        raise NotFound("no_room", id=room_id)
    return room, session.get_one(Centre, room.centre_id)


def create_booking(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    title: str,
    room_id: int,
    start: datetime,
    end: datetime,
    now: datetime,
    rrule: str | None = None,
    until: date | None = None,
    exdates: Sequence[date] = (),
    offer_id: int | None = None,
    group_id: int | None = None,
    notes: str | None = None,
    skip_conflicts: bool = False,
) -> SeriesResult:
    if kind not in STAFF_KINDS:
        raise InvalidInput("booking_kind")
    room, centre = _centre_room(session, room_id)
    staff_id = require_staff(actor, centre.id)
    if not title.strip():
        raise InvalidInput("title_missing")
    start, end = check_span(start, end)
    if offer_id is not None:
        offer = session.get(Offer, offer_id)
        if offer is None or offer.centre_id != centre.id:
            raise NotFound("no_offer", id=offer_id)
    if group_id is not None:
        group = session.get(Group, group_id)
        if group is None or group.centre_id != centre.id:
            raise NotFound("no_group_in_centre", id=group_id)
    if rrule or until is not None or exdates:
        return _as_series(session, actor, centre, kind=kind, title=title, room=room,
                          start=start, end=end, now=now, rrule=rrule, until=until,
                          exdates=exdates, offer_id=offer_id, group_id=group_id, notes=notes,
                          skip_conflicts=skip_conflicts)
    spans = [(start, end)]
    # A one-off date follows the rule series dates follow: not on a closure of the room or
    # centre, not on a public holiday (a closure itself may of course lie there).
    if kind != BookingKind.CLOSURE:
        series.refuse_if_closed(session, centre, room, start, end)
    lock_rooms(session, [room.id])
    booking = Booking(centre_id=centre.id, kind=kind, status=BookingStatus.CONFIRMED,
                      title=title.strip(), offer_id=offer_id, group_id=group_id, notes=notes,
                      rrule=rrule, created_at=now, updated_at=now, requested_by_id=staff_id,
                      responsible_id=staff_id)
    skipped: list[Message] = []
    collisions: list[Message] = []
    for begin, finish in spans:
        if holding_overlaps(session, room.id, begin, finish):
            label = conflict_error(session, room.id, begin, finish, centre.timezone).message
            (skipped if skip_conflicts else collisions).append(label)
            continue
        booking.occurrences.append(Occurrence(room_id=room.id, starts_at=begin, ends_at=finish,
                                              status=BookingStatus.CONFIRMED))
    if collisions:
        raise Conflict("dates_collide", n=len(collisions), total=len(spans),
                       collisions=Joined(tuple(collisions)))
    if not booking.occurrences:
        raise Conflict("all_dates_collide", collisions=Joined(tuple(skipped)))
    session.add(booking)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        if not is_overlap_error(exc):
            raise
        raise Conflict("room_taken_meanwhile") from exc
    record(session, now, staff_id, "booking", booking.id, "created", kind=kind,
           room_id=room.id, occurrences=len(booking.occurrences), skipped=len(skipped),
           rrule=rrule)
    # Eigenregie (a slot of a self-managed offer): its door code at once (issue 12).
    door_access.booking_confirmed(session, booking, staff_id, now)
    return SeriesResult(booking=booking, skipped=skipped)


def _as_series(session: Session, actor: Actor, centre: Centre, *, kind: str, title: str,
               room: Room, start: datetime, end: datetime, now: datetime, rrule: str | None,
               until: date | None, exdates: Sequence[date], offer_id: int | None,
               group_id: int | None, notes: str | None, skip_conflicts: bool) -> SeriesResult:
    """A booking with an RRULE is a series (:func:`booking.services.series.create_series`):
    one way to make recurring dates, kept in local terms (wall-clock start of ``start`` in the
    centre's zone, ``end - start`` in real time), materialised up to the horizon, skipped on
    closures and holidays, editable later. Conflicts refuse it (409) unless
    ``skip_conflicts``, which stores each such date as skipped with its reason. Exceptions are
    cancelled dates of the series (``/api/occurrences/{id}/cancel``), not an EXDATE list."""
    if exdates:
        raise InvalidInput("booking_exdates_use_series")
    if not rrule:
        raise InvalidInput("series_pattern_incomplete", field="rrule")
    local = to_local(start, centre.timezone)
    spec = series.SeriesSpec(
        kind=kind, title=title, room_id=room.id,
        start=local.time().replace(tzinfo=None, fold=0), duration=end - start,
        first_date=local.date(), pattern=series.Pattern("rrule", rrule=rrule), until=until,
        offer_id=offer_id, group_id=group_id, notes=notes)
    outcome = series.create_series(session, actor, spec, now=now,
                                   on_conflict="skip" if skip_conflicts else "fail")
    assert outcome.series is not None
    return SeriesResult(booking=outcome.series.booking, series_id=outcome.series.id, skipped=[
        Message("series_date_not_free", {"day": v.day, "reason": v.reason})
        for v in outcome.skipped])


def move_occurrence(session: Session, actor: Actor, occurrence_id: int, *, room_id: int,
                    start: datetime, end: datetime, now: datetime) -> Occurrence:
    occ = session.get(Occurrence, occurrence_id)
    if occ is None:
        raise NotFound("no_occurrence", id=occurrence_id)
    staff_id = require_staff(actor, occ.booking.centre_id)
    room, centre = _centre_room(session, room_id)
    if room.centre_id != occ.booking.centre_id:
        raise InvalidInput("move_other_centre")
    start, end = check_span(start, end)
    lock_occurrence(session, occ, room.id)
    if occ.booking.kind != BookingKind.CLOSURE:
        series.refuse_if_closed(session, centre, room, start, end)
    before = {"room_id": occ.room_id, "starts_at": occ.starts_at.isoformat(),
              "ends_at": occ.ends_at.isoformat()}
    try:
        with session.begin_nested():
            # Set the relationship with the key, or the answer names the old room.
            occ.room_id, occ.room, occ.starts_at, occ.ends_at = room.id, room, start, end
            session.flush()
    except IntegrityError as exc:
        if not is_overlap_error(exc):
            raise
        raise conflict_error(session, room.id, start, end, centre.timezone,
                             exclude_occurrence=occ.id) from exc
    occ.booking.updated_at = occ.updated_at = now
    # A date of a series moved on its own stays where it is when the series is edited later.
    series.detach(session, occ, cancelled=False)
    record(session, now, staff_id, "occurrence", occ.id, "moved", before=before,
           after={"room_id": room.id, "starts_at": start.isoformat(),
                  "ends_at": end.isoformat(),
                  "when": format_range(start, end, centre.timezone)})
    return occ


def cancel_booking(session: Session, actor: Actor, booking_id: int, reason: str,
                   now: datetime, from_time: datetime | None = None) -> Booking:
    """Cancel a staff booking, or only its occurrences from ``from_time`` on."""
    lock_rooms_of_booking(session, booking_id)
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("no_booking", id=booking_id)
    staff_id = require_staff(actor, booking.centre_id)
    if booking.kind == BookingKind.RENTAL:
        raise InvalidInput("rental_cancel_elsewhere")
    lock_booking(session, booking)
    if booking.status == BookingStatus.CANCELLED:
        raise Conflict("booking_cancelled", id=booking.id)
    cut = check_instant(from_time, "from_time") if from_time else None
    count = 0
    for occ in booking.occurrences:
        if occ.status == BookingStatus.CONFIRMED and (cut is None or occ.starts_at >= cut):
            occ.status = BookingStatus.CANCELLED
            count += 1
    if all(o.status == BookingStatus.CANCELLED for o in booking.occurrences):
        booking.status = BookingStatus.CANCELLED
    booking.updated_at = now
    for occ in booking.occurrences:
        if occ.status == BookingStatus.CANCELLED and (cut is None or occ.starts_at >= cut):
            occ.updated_at = now
    series.end_with_booking(session, booking, cut)
    if booking.status == BookingStatus.CANCELLED:
        door_access.booking_ended(session, booking, staff_id, now)
    record(session, now, staff_id, "booking", booking.id, "cancelled", occurrences=count,
           reason=reason, from_time=cut.isoformat() if cut else None)
    return booking


def cancel_occurrence(session: Session, actor: Actor, occurrence_id: int,
                      now: datetime) -> Occurrence:
    occ = session.get(Occurrence, occurrence_id)
    if occ is None:
        raise NotFound("no_occurrence", id=occurrence_id)
    staff_id = require_staff(actor, occ.booking.centre_id)
    lock_occurrence(session, occ)
    if occ.status == BookingStatus.CANCELLED:
        raise Conflict("occurrence_cancelled", id=occ.id)
    occ.status = BookingStatus.CANCELLED
    occ.updated_at = occ.booking.updated_at = now
    series.detach(session, occ, cancelled=True)
    record(session, now, staff_id, "occurrence", occ.id, "cancelled")
    return occ

