"""Publishing a week's draft: its placements written as the week's occurrences, in one
transaction. What the draft's demands are comes from the run's stored map
(:func:`booking.services.planning.stored.read_stored`), never from their ids.

The term's dates moved this week are written as exceptions of their series, the week's earlier
placements of recurring requests are cancelled and the new ones inserted, placed rentals are
confirmed. The database guarantee still holds: a rental confirmed meanwhile that collides makes
the publish a 409 naming it, and nothing is written.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking.audit import record
from booking.errors import Conflict
from booking.messages import Joined
from booking.models import (
    HOLDING_STATUS,
    Booking,
    BookingKind,
    BookingStatus,
    Occurrence,
    PlanRun,
    RecurringRequest,
)
from booking.permissions import Actor, require_staff
from booking.services import access as door_access
from booking.services import rentals, series, week_series
from booking.services.conflicts import is_overlap_error
from booking.services.locking import lock_rooms
from booking.services.planning.problem import instant, parse_week, week_span
from booking.services.planning.runs import _centre, get_run
from booking.services.planning.stored import read_stored


def publish(session: Session, actor: Actor, run_id: int, now: datetime, *,
            acknowledge_unmet: bool = False) -> PlanRun:
    """Write the draft as the week's occurrences, in one transaction.

    A draft whose week misses a requirement of the Profil (opening hours, Bürgersprechstunde,
    weekend offer) is published only when staff say so (``acknowledge_unmet``): the centre then
    knowingly falls short of what the city funds it for, and the audit records which
    requirements were acknowledged, by whom."""
    run = get_run(session, actor, run_id)
    staff_id = require_staff(actor, run.centre_id)
    stored = read_stored(run)
    if run.status != "done" or stored is None:
        raise Conflict("plan_not_publishable", id=run.id, status=run.status)
    plan = stored.plan
    if plan.status == "no_plan":
        raise Conflict("plan_incomplete")
    unmet = [f.message for f in plan.requirement_failures]
    if unmet and not acknowledge_unmet:
        raise Conflict("plan_unmet", unmet=Joined(tuple(unmet)))
    centre = _centre(session, run.centre_id)
    monday = parse_week(run.week)
    start, end = week_span(monday, centre.timezone)
    lock_rooms(session, (int(r.id) for r in stored.problem.rooms))

    # The week's earlier placements of recurring requests are replaced by this plan's.
    replaced = session.scalars(
        select(Occurrence).join(Booking).where(
            Booking.centre_id == centre.id, Booking.request_id.is_not(None),
            Occurrence.status == HOLDING_STATUS, Occurrence.starts_at >= start,
            Occurrence.starts_at < end)).all()
    for occ in replaced:
        occ.status = BookingStatus.CANCELLED
    session.flush()

    titles = {d.id: d.title for d in stored.problem.demands}
    sources = stored.sources
    created = confirmed = 0
    created_bookings: list[Booking] = []
    try:
        with session.begin_nested():
            # The term's dates first: a date that makes way for a rental moves before the
            # rental is confirmed into its slot. Each moved date is an exception of its
            # series; the series' pattern and other weeks stay.
            moved = series.move_dates(session, actor, week_series.moves_of(session, [
                (source.series_date_id, int(p.room),
                 instant(monday, p.day, p.start, centre.timezone))
                for p in plan.placements
                if (source := sources.get(p.demand)) is not None
                and source.series_date_id is not None]), now=now)
            for placement in plan.placements:
                source = sources.get(placement.demand)
                if source is None:
                    continue
                s = instant(monday, placement.day, placement.start, centre.timezone)
                e = instant(monday, placement.day, placement.end, centre.timezone)
                if source.kind == "group" and source.request_id is not None:
                    req = session.get(RecurringRequest, source.request_id)
                    if req is None:
                        continue
                    booking = Booking(
                        centre_id=centre.id, kind=BookingKind.GROUP,
                        status=BookingStatus.CONFIRMED, title=titles.get(placement.demand,
                                                                         req.title),
                        group_id=req.group_id, offer_id=req.offer_id, request_id=req.id,
                        plan_run_id=run.id, requested_by_id=staff_id, responsible_id=staff_id,
                        created_at=now, updated_at=now)
                    booking.occurrences = [Occurrence(room_id=int(placement.room), starts_at=s,
                                                      ends_at=e, status=HOLDING_STATUS)]
                    session.add(booking)
                    created_bookings.append(booking)
                    created += 1
                elif source.kind == "rental" and source.booking_id is not None:
                    rental = session.get(Booking, source.booking_id)
                    if rental is not None and rental.status == BookingStatus.PENDING:
                        rentals.confirm(session, actor, rental.id, now)
                        confirmed += 1
            session.flush()
    except IntegrityError as exc:
        if not is_overlap_error(exc):
            raise
        raise Conflict("week_changed") from exc
    except Conflict as exc:
        raise Conflict("week_changed_because", reason=exc.message) from exc
    # Slots of self-managed offers run in Eigenregie: their door codes at once (issue 12);
    # the rentals confirmed above got theirs through rentals.confirm.
    for booking in created_bookings:
        door_access.booking_confirmed(session, booking, staff_id, now)
    for other in session.scalars(select(PlanRun).where(
            PlanRun.centre_id == centre.id, PlanRun.week == run.week,
            PlanRun.status == "published")):
        other.status = "superseded"
    run.status = "published"
    run.published_at = now
    record(session, now, staff_id, "plan_run", run.id, "published", created=created,
           confirmed_rentals=confirmed, replaced=len(replaced), moved_dates=len(moved),
           **({"acknowledged_unmet": unmet} if unmet else {}))
    return run
