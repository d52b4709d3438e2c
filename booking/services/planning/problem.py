"""The week's Raumnutzungsplan problem, built from the database (the edge between the service and
the pure ``solver``): the centre's week becomes a :class:`solver.Problem` in local wall time with
string ids, and :class:`Source` says, for each demand id, which rows it stands for. What becomes
what is listed in ``booking.services.planning``; this module holds only the building and the
week's time arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import holidays
from dateutil.rrule import rrulestr
from sqlalchemy import select
from sqlalchemy.orm import Session

import solver
from booking.errors import InvalidInput
from booking.models import (
    HOLDING_STATUS,
    Booking,
    BookingKind,
    BookingStatus,
    Centre,
    Occurrence,
    Offer,
    Person,
    PlanRun,
    RecurringRequest,
    Room,
    StaffProfile,
)
from booking.services import week_series
from booking.services.conflicts import RENTAL_TITLE
from booking.services.planning.stored import Source
from booking.timeutil import local_to_utc, to_local
from solver.jsonio import parse_hhmm

GRAIN = 30
HOUSE_OPEN = 8 * 60  # the house may be used 08:00–22:00 local time (Profil: core hours)
HOUSE_CLOSE = 22 * 60

# ------------------------------------------------------------------------------ weeks and time


def parse_week(week: str) -> date:
    """The Monday of an ISO week such as ``2026-W49``."""
    try:
        year_text, week_text = week.upper().split("-W")
        monday = date.fromisocalendar(int(year_text), int(week_text), 1)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("week_not_iso", week=week) from exc
    if not 2000 <= monday.year < 2100:
        raise InvalidInput("time_horizon")
    return monday


def week_span(monday: date, zone_name: str) -> tuple[datetime, datetime]:
    return (local_to_utc(monday, time(0), zone_name),
            local_to_utc(monday + timedelta(days=7), time(0), zone_name))


def instant(monday: date, day: int, minute: int, zone_name: str) -> datetime:
    """The UTC instant of local ``minute`` (0–1440) on day ``day`` of the week."""
    on = monday + timedelta(days=day + minute // (24 * 60))
    minute %= 24 * 60
    return local_to_utc(on, time(minute // 60, minute % 60), zone_name)


def _local_slot(instant_start: datetime, instant_end: datetime, monday: date,
                zone_name: str) -> tuple[int, int, int]:
    """(day index, start minute, end minute) in local time, widened to the grid."""
    s, e = to_local(instant_start, zone_name), to_local(instant_end, zone_name)
    day = (s.date() - monday).days
    start = s.hour * 60 + s.minute
    end = (e.hour * 60 + e.minute) if e.date() == s.date() else 24 * 60
    start = (start // GRAIN) * GRAIN
    end = min(24 * 60, math.ceil(end / GRAIN) * GRAIN)
    return day, start, max(end, start + GRAIN)


def _window(d: dict[str, Any]) -> solver.Window:
    return solver.Window(int(d["day"]), parse_hhmm(d["start"]), parse_hhmm(d["end"]))


# ---------------------------------------------------------------------- problem from the DB


def request_meets_in_week(req: RecurringRequest, monday: date) -> bool:
    sunday = monday + timedelta(days=6)
    if req.valid_from > sunday or (req.valid_until is not None and req.valid_until < monday):
        return False
    rule = rrulestr("RRULE:" + req.rrule.removeprefix("RRULE:"),
                    dtstart=datetime.combine(req.valid_from, time(0)))
    hit = rule.after(datetime.combine(monday, time(0)) - timedelta(seconds=1), inc=True)
    return hit is not None and hit.date() <= sunday and (
        req.valid_until is None or hit.date() <= req.valid_until)


def build_problem(session: Session, centre: Centre, week: str,
                  pins: Sequence[dict[str, Any]] = ()) -> tuple[solver.Problem, dict[str, Source]]:
    monday = parse_week(week)
    zone_name = centre.timezone
    start, end = week_span(monday, zone_name)
    rooms = session.scalars(select(Room).where(Room.centre_id == centre.id,
                                               Room.active.is_(True)).order_by(Room.id)).all()
    room_ids = [r.id for r in rooms]
    sources: dict[str, Source] = {}
    demands: list[solver.Demand] = []
    closures: list[solver.Closure] = []

    # The term's series: each date in the week may move within its group's windows.
    term_dates = week_series.week_dates(
        session, centre.id, monday, house=(HOUSE_OPEN, HOUSE_CLOSE),
        local_slot=lambda b, e, m: _local_slot(b, e, m, zone_name))
    held_by_term = {d.occurrence_id for d in term_dates if d.occurrence_id is not None}
    for item in term_dates:
        sources[item.demand.id] = Source("series_date", booking_id=item.row.series.booking_id,
                                         series_date_id=item.row.id)
        demands.append(item.demand)

    occurrences = session.execute(
        select(Occurrence, Booking, Offer)
        .join(Booking, Occurrence.booking_id == Booking.id)
        .outerjoin(Offer, Booking.offer_id == Offer.id)
        .where(Occurrence.room_id.in_(room_ids), Occurrence.status == HOLDING_STATUS,
               Occurrence.starts_at < end, Occurrence.ends_at > start)
        .order_by(Occurrence.starts_at, Occurrence.id)
    ).all()
    for occ, booking, offer in occurrences:
        if booking.request_id is not None or occ.id in held_by_term:
            continue  # a request's earlier placement or a term's date: planned as a demand
        day, s, e = _local_slot(max(occ.starts_at, start), min(occ.ends_at, end), monday,
                                zone_name)
        if booking.kind == BookingKind.CLOSURE or s < HOUSE_OPEN or e > HOUSE_CLOSE:
            # Outside the house's hours the occurrence only blocks its room.
            closures.append(solver.Closure(solver.Window(day, s, e), str(occ.room_id),
                                           reason=booking.title))
            continue
        staffed = booking.kind == BookingKind.PROGRAMME and not (offer and offer.self_managed)
        demand_id = f"fixed-{occ.id}"
        sources[demand_id] = Source("fixed", booking_id=booking.id)
        demands.append(solver.Demand(
            id=demand_id, title=RENTAL_TITLE if booking.kind == BookingKind.RENTAL
            else booking.title, kind="fixed", duration=e - s,
            windows=(solver.Window(day, s, e),), rooms=(str(occ.room_id),), staffed=staffed,
            consultation=bool(offer and offer.consultation),
            skill="consultation" if offer is not None and offer.consultation else None,
        ))

    for offset in range(7):
        day_date = monday + timedelta(days=offset)
        name = holidays.country_holidays("DE", subdiv=centre.holiday_subdivision,
                                         years=day_date.year).get(day_date)
        if name:
            closures.append(solver.Closure(solver.Window(offset, 0, 24 * 60), None,
                                           reason=f"Feiertag: {name}"))

    requests = session.scalars(select(RecurringRequest).where(
        RecurringRequest.centre_id == centre.id, RecurringRequest.active.is_(True))
        .order_by(RecurringRequest.id)).all()
    for req in requests:
        if not request_meets_in_week(req, monday):
            continue
        # The stability anchor is the request's latest meeting before this week: last week's
        # for a weekly group, last month's for a monthly one.
        last = session.execute(
            select(Occurrence).join(Booking).where(
                Booking.request_id == req.id, Occurrence.status == HOLDING_STATUS,
                Occurrence.starts_at < start, Occurrence.starts_at >= start - timedelta(weeks=9))
            .order_by(Occurrence.starts_at.desc()).limit(1)).scalar_one_or_none()
        last_week = None
        if last is not None:
            local = to_local(last.starts_at, zone_name)
            last_monday = local.date() - timedelta(days=local.weekday())
            day, s, _ = _local_slot(last.starts_at, last.ends_at, last_monday, zone_name)
            last_week = solver.LastWeek(room=str(last.room_id), day=day, start=s)
        demand_id = f"group-{req.id}"
        sources[demand_id] = Source("group", request_id=req.id)
        demands.append(solver.Demand(
            id=demand_id, title=req.title, kind="group", duration=req.duration_minutes,
            windows=tuple(_window(w) for w in req.windows), size=req.size,
            features=frozenset(req.features), priority=req.priority,
            preferred=tuple(_window(w) for w in req.preferred),
            rooms=tuple(str(r) for r in req.room_ids if r in room_ids), staffed=req.staffed,
            last_week=last_week,
        ))

    pending = session.execute(
        select(Occurrence, Booking).join(Booking, Occurrence.booking_id == Booking.id)
        .where(Booking.centre_id == centre.id, Booking.kind == BookingKind.RENTAL,
               Booking.status == BookingStatus.PENDING, Occurrence.room_id.in_(room_ids),
               Occurrence.starts_at >= start, Occurrence.starts_at < end)
        .order_by(Booking.id)).all()
    for occ, booking in pending:
        day, s, e = _local_slot(occ.starts_at, occ.ends_at, monday, zone_name)
        if s < HOUSE_OPEN or e > HOUSE_CLOSE:
            continue
        demand_id = f"rental-{booking.id}"
        sources[demand_id] = Source("rental", booking_id=booking.id)
        demands.append(solver.Demand(
            id=demand_id, title=f"{RENTAL_TITLE} {booking.id}", kind="rental",
            duration=e - s, windows=(solver.Window(day, s, e),),
            size=booking.expected_people or 1, rooms=(str(occ.room_id),), priority=2))

    profiles = session.execute(
        select(StaffProfile, Person).join(Person, StaffProfile.person_id == Person.id)
        .where(StaffProfile.centre_id == centre.id, Person.deleted_at.is_(None))
        .order_by(StaffProfile.person_id)).all()
    staff = [solver.StaffMember(
        id=str(p.person_id), name=person.display_name or f"Staff {p.person_id}",
        availability=tuple(_window(w) for w in p.availability),
        max_week_minutes=p.max_week_minutes, max_day_minutes=p.max_day_minutes,
        skills=frozenset(p.skills)) for p, person in profiles]

    last_plan = _last_published_plan(session, centre.id, monday)
    problem = solver.Problem(
        last_opening=last_plan.figures.opening_hours if last_plan else (),
        last_shifts=last_plan.shifts if last_plan else (),
        rooms=tuple(solver.Room(id=str(r.id), name=r.name, capacity=r.capacity,
                                features=frozenset(r.features)) for r in rooms),
        demands=tuple(demands), staff=tuple(staff),
        days=tuple(solver.Window(d, HOUSE_OPEN, HOUSE_CLOSE) for d in range(7)),
        closures=tuple(closures), pins=tuple(_pin(p) for p in pins), grain=GRAIN, week=week)
    return problem, sources


def _last_published_plan(session: Session, centre_id: int, monday: date) -> solver.Plan | None:
    """The plan published for the week before: its opening hours (on the door and the
    website) and staff shifts are what this week keeps where it can."""
    year, number, _ = (monday - timedelta(days=7)).isocalendar()
    stored = session.scalars(select(PlanRun.plan).where(
        PlanRun.centre_id == centre_id, PlanRun.week == f"{year}-W{number:02d}",
        PlanRun.status == "published").order_by(PlanRun.published_at.desc()).limit(1)).first()
    return solver.plan_from_json(stored) if stored else None


def _pin(p: dict[str, Any]) -> solver.Pin:
    return solver.Pin(demand=p["demand"], room=str(p["room_id"]) if p.get("room_id") else None,
                      day=p.get("day"), start=parse_hhmm(p["start"]) if p.get("start") else None,
                      remove=bool(p.get("remove")))
