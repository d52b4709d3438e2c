"""From a term's rows to the term solver's problem, and the map back (issue 11).

The solver (``solver.term``) knows nothing of the database; this module is the one edge that
turns a term into a :class:`solver.term.TermProblem` (local dates and wall-clock minutes,
string ids) and keeps a typed :class:`TermIdMap` from those ids to our rows. The ids are opaque
strings made here (``section-3``) and are never parsed back: everything that reads a plan
reads the map, which is stored with the run, so a worker restart or publishing sees the same.

What becomes what:

* the term's dates → ``start`` (the Monday of its first week) and ``weeks``; days of those
  weeks outside the term are closed (``outside_term``), so no date outside the term is planned;
* NRW public holidays (``holidays`` with the centre's subdivision) → ``Holiday``;
* closures (today: bookings of kind ``closure``) → ``TermClosure`` for whole days, a one-date
  ``Booking`` for a few hours (:func:`closures`, the one place that reads them);
* the centre's programme series (programme bookings with a rule) → ``ProgrammeSlot`` per weekly
  slot; every other confirmed occurrence in the term → ``Booking`` on its date;
* application sections → ``Section``; the class follows from the centre's rules
  (``booking.services.terms.class_of``), withdrawn and rejected ones keep their status so the
  solver explains them and never allocates them;
* staff decisions of the run → ``TermPin``; last term's published slots of the same group and
  title → ``LastSlot``; staff availability (``StaffProfile``) → ``Staffing`` counts.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.models import (
    HOLDING_STATUS,
    Application,
    Booking,
    BookingKind,
    Centre,
    Group,
    Occurrence,
    Offer,
    PriorityClass,
    Room,
    StaffProfile,
    Term,
    TermRun,
)
from booking.services.term_published import read_published
from booking.services.terms import class_of
from booking.timeutil import local_to_utc, to_local
from solver import problem as week_problem
from solver.jsonio import parse_hhmm
from solver.term import Booking as SolverBooking
from solver.term import (
    Holiday,
    LastSlot,
    Preference,
    ProgrammeSlot,
    Section,
    Staffing,
    TermClosure,
    TermPin,
    TermProblem,
    term_plan_from_json,
)

GRAIN = 30
HOUSE_OPEN = 8 * 60  # the house may be used 08:00–22:00 local time, as for the week
HOUSE_CLOSE = 22 * 60
OUTSIDE_TERM = "outside_term"  # the reason of the closure before the first and after the last day


@dataclass(frozen=True)
class SectionRef:
    application_id: int
    section_id: int


@dataclass(frozen=True)
class TermIdMap:
    """The solver's ids → our rows: sections, rooms, programme series and bookings (booking
    ids)."""

    sections: dict[str, SectionRef]
    rooms: dict[str, int]
    programme: dict[str, int]
    bookings: dict[str, int]

    def section_id(self, section_id: int) -> str | None:
        """The solver id of our section ``section_id`` (None: not in the problem)."""
        for key, ref in self.sections.items():
            if ref.section_id == section_id:
                return key
        return None

    def room_key(self, room_id: int) -> str | None:
        for key, value in self.rooms.items():
            if value == room_id:
                return key
        return None

    def to_json(self) -> dict[str, Any]:
        return {"sections": {k: [v.application_id, v.section_id]
                             for k, v in self.sections.items()},
                "rooms": dict(self.rooms), "programme": dict(self.programme),
                "bookings": dict(self.bookings)}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> TermIdMap:
        return TermIdMap(
            sections={k: SectionRef(int(v[0]), int(v[1])) for k, v in data["sections"].items()},
            rooms={k: int(v) for k, v in data["rooms"].items()},
            programme={k: int(v) for k, v in data["programme"].items()},
            bookings={k: int(v) for k, v in data["bookings"].items()})


def term_weeks(term: Term) -> tuple[date, int]:
    """The Monday of the term's first week and the number of weeks up to its last day."""
    start = term.starts_on - timedelta(days=term.starts_on.weekday())
    return start, math.ceil(((term.ends_on - start).days + 1) / 7)


def _window(d: Mapping[str, Any]) -> week_problem.Window:
    return week_problem.Window(int(d["day"]), parse_hhmm(d["start"]), parse_hhmm(d["end"]))


def _day_minutes(day: date, start: datetime, end: datetime, zone: str) -> tuple[int, int]:
    """The part of ``[start, end)`` on local ``day`` as minutes from local midnight."""
    midnight = local_to_utc(day, time(0), zone)
    next_midnight = local_to_utc(day + timedelta(days=1), time(0), zone)
    s, e = max(start, midnight), min(end, next_midnight)
    ls, le = to_local(s, zone), to_local(e, zone)
    first = ls.hour * 60 + ls.minute
    last = 24 * 60 if e == next_midnight else le.hour * 60 + le.minute
    return first, last


def _days_of(start: datetime, end: datetime, zone: str) -> list[date]:
    first = to_local(start, zone).date()
    last = to_local(end - timedelta(microseconds=1), zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass(frozen=True)
class _Use:
    """One confirmed occurrence, clipped to one local day."""

    booking_id: int
    title: str
    room: int
    day: date
    start: int
    end: int


def closures(session: Session, centre: Centre, rooms: Sequence[int], first: date,
             last: date, exclude: set[int]) -> tuple[list[tuple[int, date, str]], list[_Use]]:
    """The closed days per room (whole house hours closed) and the shorter closures, which
    block their hours on one date like a booking. The one reader of closures: today they are
    bookings of kind ``closure``; a closure entity would be read here instead."""
    whole: list[tuple[int, date, str]] = []
    partial: list[_Use] = []
    for occ, booking in _occurrences(session, centre, rooms, first, last, exclude,
                                     kinds=(BookingKind.CLOSURE,)):
        for day in _days_of(occ.starts_at, occ.ends_at, centre.timezone):
            if not first <= day <= last:
                continue
            s, e = _day_minutes(day, occ.starts_at, occ.ends_at, centre.timezone)
            if s <= HOUSE_OPEN and e >= HOUSE_CLOSE:
                whole.append((occ.room_id, day, booking.title))
            elif e > s:
                partial.append(_Use(booking.id, booking.title, occ.room_id, day, s, e))
    return whole, partial


def _occurrences(session: Session, centre: Centre, rooms: Sequence[int], first: date,
                 last: date, exclude: set[int],
                 kinds: Iterable[str]) -> Sequence[Any]:
    begin = local_to_utc(first, time(0), centre.timezone)
    end = local_to_utc(last + timedelta(days=1), time(0), centre.timezone)
    query = (select(Occurrence, Booking).join(Booking, Occurrence.booking_id == Booking.id)
             .where(Occurrence.room_id.in_(list(rooms)), Occurrence.status == HOLDING_STATUS,
                    Occurrence.starts_at < end, Occurrence.ends_at > begin,
                    Booking.kind.in_([str(k) for k in kinds]))
             .order_by(Occurrence.starts_at, Occurrence.id))
    if exclude:
        query = query.where(Booking.id.not_in(sorted(exclude)))
    return session.execute(query).all()


def _closure_ranges(days: Iterable[tuple[str | None, date, str]]) -> list[TermClosure]:
    """Consecutive closed days of one room (and reason) as one closure."""
    out: list[TermClosure] = []
    for room, day, reason in sorted(set(days), key=lambda d: (d[0] or "", d[2], d[1])):
        last = out[-1] if out else None
        if (last is not None and last.room == room and last.reason == reason
                and last.last + timedelta(days=1) == day):
            out[-1] = TermClosure(last.first, day, room, reason)
        else:
            out.append(TermClosure(day, day, room, reason))
    return out


def _staffing(profiles: Sequence[StaffProfile]) -> tuple[Staffing, ...]:
    """How many staff are available at once, per stretch of each weekday."""
    out: list[Staffing] = []
    for day in range(7):
        windows = [_window(w) for p in profiles for w in p.availability if int(w["day"]) == day]
        cuts = sorted({w.start for w in windows} | {w.end for w in windows})
        for s, e in itertools.pairwise(cuts):
            count = sum(1 for w in windows if w.start <= s and e <= w.end)
            if count:
                out.append(Staffing(week_problem.Window(day, s, e), count))
    return tuple(out)


def previous_series(session: Session, term: Term) -> set[int]:
    """The bookings an earlier publication of this term wrote (replaced, not competed with);
    read from each publication's record (``term_published.read_published``)."""
    found: set[int] = set()
    # Every run that was ever published, also one a later publication replaced (its past
    # dates stay as they were held).
    for run in session.scalars(select(TermRun).where(
            TermRun.term_id == term.id, TermRun.published_at.is_not(None))):
        found.update(entry.booking_id for entry in read_published(run).values()
                     if entry.booking_id is not None)
    return found


def _last_slots(session: Session, term: Term) -> dict[tuple[int, str], LastSlot]:
    """Where each (group, title) met last term, from that term's published run."""
    previous = session.scalar(
        select(TermRun).join(Term, TermRun.term_id == Term.id)
        .where(Term.centre_id == term.centre_id, Term.starts_on < term.starts_on,
               TermRun.status == "published")
        .order_by(Term.starts_on.desc(), TermRun.published_at.desc()).limit(1))
    if previous is None or previous.plan is None or previous.id_map is None:
        return {}
    plan = term_plan_from_json(previous.plan)
    ids = TermIdMap.from_json(previous.id_map)
    out: dict[tuple[int, str], LastSlot] = {}
    for allocation in plan.allocations:
        ref = ids.sections.get(allocation.section)
        if ref is None:
            continue
        row = session.get(Application, ref.application_id)
        section = next((x for x in row.sections if x.id == ref.section_id), None) if row else None
        if row is None or row.group_id is None or section is None:
            continue
        out[(row.group_id, section.title)] = LastSlot(
            room=str(ids.rooms[allocation.room]), days=allocation.days, start=allocation.start)
    return out


def build_term_problem(session: Session, term: Term,
                       pins: Sequence[Mapping[str, Any]] = ()) -> tuple[TermProblem, TermIdMap]:
    """The term as the solver's problem, with the map from its ids to our rows."""
    centre = session.get_one(Centre, term.centre_id)
    zone = centre.timezone
    start, weeks = term_weeks(term)
    first, last = start, start + timedelta(days=7 * weeks - 1)
    rooms = session.scalars(select(Room).where(Room.centre_id == centre.id,
                                               Room.active.is_(True)).order_by(Room.id)).all()
    room_key = {r.id: f"room-{n}" for n, r in enumerate(rooms, start=1)}
    ids = TermIdMap(sections={}, rooms={v: k for k, v in room_key.items()}, programme={},
                    bookings={})
    exclude = previous_series(session, term)

    # Closures: whole days per room, shorter ones as bookings; the days of the first and
    # last week outside the term close the house.
    closed, partial = closures(session, centre, [r.id for r in rooms], first, last, exclude)
    closed_days: list[tuple[str | None, date, str]] = [
        (room_key[room], day, reason) for room, day, reason in closed]
    day = first
    while day <= last:
        if not term.starts_on <= day <= term.ends_on:
            closed_days.append((None, day, OUTSIDE_TERM))
        day += timedelta(days=1)

    found: list[Holiday] = []
    for year in range(first.year, last.year + 1):
        calendar = holidays.country_holidays("DE", subdiv=centre.holiday_subdivision,
                                             years=year, language="de")
        found += [Holiday(d, str(name)) for d, name in sorted(calendar.items())
                  if first <= d <= last]

    # The programme's weekly slots and every other confirmed use of a room in the term.
    uses: list[_Use] = list(partial)
    slots: dict[tuple[int, int, int, int, int], list[date]] = defaultdict(list)
    offers = {o.id: o for o in session.scalars(select(Offer).where(
        Offer.centre_id == centre.id))}
    programme_rows: dict[tuple[int, int, int, int, int], Booking] = {}
    for occ, booking in _occurrences(session, centre, [r.id for r in rooms], first, last,
                                     exclude, kinds=(BookingKind.PROGRAMME, BookingKind.GROUP,
                                                     BookingKind.RENTAL)):
        for when in _days_of(occ.starts_at, occ.ends_at, zone):
            if not first <= when <= last:
                continue
            s, e = _day_minutes(when, occ.starts_at, occ.ends_at, zone)
            if e <= s:
                continue
            if booking.kind == BookingKind.PROGRAMME and booking.rrule:
                key = (booking.id, occ.room_id, when.weekday(), s, e)
                slots[key].append(when)
                programme_rows[key] = booking
            else:
                uses.append(_Use(booking.id, booking.title, occ.room_id, when, s, e))
    programme: list[ProgrammeSlot] = []
    for n, (key, dates) in enumerate(sorted(slots.items()), start=1):
        booking_id, room_id, weekday, s, e = key
        booking = programme_rows[key]
        if len(dates) < 2:
            uses += [_Use(booking_id, booking.title, room_id, d, s, e) for d in dates]
            continue
        offer = offers.get(booking.offer_id) if booking.offer_id else None
        slot_id = f"programme-{n}"
        ids.programme[slot_id] = booking_id
        programme.append(ProgrammeSlot(
            id=slot_id, title=booking.title, room=room_key[room_id], day=weekday, start=s,
            end=e, staffed=not (offer is not None and offer.self_managed),
            consultation=bool(offer and offer.consultation),
            offer=bool(offer.public) if offer else True))
    bookings: list[SolverBooking] = []
    for n, use in enumerate(uses, start=1):
        booking_key = f"booking-{n}"
        ids.bookings[booking_key] = use.booking_id
        bookings.append(SolverBooking(id=booking_key, title=use.title, room=room_key[use.room],
                                      date=use.day, start=use.start, end=use.end))

    # The applications' sections, with their class by the centre's rules.
    classes = list(session.scalars(select(PriorityClass).where(
        PriorityClass.centre_id == centre.id).order_by(PriorityClass.rank)))
    applications = session.scalars(select(Application).where(Application.term_id == term.id)
                                   .order_by(Application.id)).all()
    groups = {g.id: g for g in session.scalars(select(Group).where(
        Group.centre_id == centre.id))}
    last_slots = _last_slots(session, term)
    sections: list[Section] = []
    for application in applications:
        for row in application.sections:
            section_key = f"section-{len(sections) + 1}"
            ids.sections[section_key] = SectionRef(application.id, row.id)
            cls = class_of(row, application, classes)
            offer = offers.get(row.offer_id) if row.offer_id else None
            group = groups.get(application.group_id) if application.group_id else None
            status = ("withdrawn" if application.status == "withdrawn"
                      else "rejected" if row.status == "rejected" else "active")
            sections.append(Section(
                id=section_key, title=row.title, applicant=group.name if group else centre.name,
                priority_class=cls.rank if cls else len(classes) + 1,
                min_duration=row.min_minutes, max_duration=row.max_minutes,
                windows=tuple(_window(w) for w in row.allowed_windows),
                frequency=row.frequency,  # type: ignore[arg-type]
                per_week=row.meetings_per_week, nth=tuple(row.month_weeks),
                preferred=tuple(Preference(_window(w), "primary" if w.get("rank", 1) == 1
                                           else "secondary") for w in row.preferred_windows),
                rooms=tuple(room_key[r] for r in row.room_ids if r in room_key),
                other_rooms=True, features=frozenset(row.features), size=row.expected_people,
                staffed=row.staffed and not row.self_managed,
                consultation=bool(offer and offer.consultation),
                offer=bool(offer.public) if offer else True,
                status=status,  # type: ignore[arg-type]
                last_term=_last_term(last_slots, application, row.title, room_key)))

    profiles = session.scalars(select(StaffProfile).where(StaffProfile.centre_id == centre.id)
                               .order_by(StaffProfile.person_id)).all()
    problem = TermProblem(
        start=start, weeks=weeks,
        rooms=tuple(week_problem.Room(id=room_key[r.id], name=r.name, capacity=r.capacity,
                                      features=frozenset(r.features)) for r in rooms),
        sections=tuple(sections), programme=tuple(programme), bookings=tuple(bookings),
        closures=tuple(_closure_ranges(closed_days)), holidays=tuple(found),
        staffing=_staffing(profiles),
        days=tuple(week_problem.Window(d, HOUSE_OPEN, HOUSE_CLOSE) for d in range(7)),
        pins=tuple(_pin(p, ids) for p in pins), grain=GRAIN, name=term.name)
    return problem, ids


def _last_term(last_slots: Mapping[tuple[int, str], LastSlot], application: Application,
               title: str, room_key: Mapping[int, str]) -> LastSlot | None:
    if application.group_id is None:
        return None
    slot = last_slots.get((application.group_id, title))
    if slot is None or int(slot.room) not in room_key:
        return None
    return LastSlot(room=room_key[int(slot.room)], days=slot.days, start=slot.start)


def _pin(p: Mapping[str, Any], ids: TermIdMap) -> TermPin:
    """A stored staff decision (our ids, local HH:MM) as the solver's pin."""
    section = ids.section_id(int(p["section_id"]))
    room = ids.room_key(int(p["room_id"])) if p.get("room_id") is not None else None
    return TermPin(
        section=section or f"unknown-{p['section_id']}", room=room,
        days=tuple(p["days"]) if p.get("days") is not None else None,
        start=parse_hhmm(p["start"]) if p.get("start") is not None else None,
        duration=p.get("minutes"), phase=p.get("phase"), forbid=p.get("action") == "forbid")
