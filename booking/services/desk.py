"""The staff desk: what a centre's team needs to see to work through its day, read in one
place for the dashboard and the request inbox.

* the rental requests of the staff member's centres, with the rules each one breaks and its
  fee (the same :func:`booking.services.rentals.quote` the request itself ran), the other
  requests it overlaps, and its history from the audit record;
* today's use of every room, "today" in each centre's own zone;
* plans the solver finished that nobody has published yet;
* alerts: mails that could not be sent, requirements of the Profil that stored plans of the
  coming weeks miss, and whatever later parts register in :data:`ALERT_SOURCES` (door alerts).

Only reads; the decisions go through :mod:`booking.services.rentals`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.errors import Forbidden
from booking.messages import Message
from booking.models import (
    AuditEvent,
    Booking,
    BookingKind,
    Centre,
    Occurrence,
    OutboxMail,
    Person,
    PlanRun,
    RecurringRequest,
    Room,
)
from booking.permissions import Actor
from booking.services import rentals
from booking.services.planning.stored import read_plan
from booking.timeutil import local_date, local_to_utc

STATUSES = ("pending", "confirmed", "declined", "cancelled")
Order = Literal["event", "event_desc", "number"]
# How far ahead stored plans are searched for unmet requirements.
ALERT_WEEKS = 4
MAX_REQUESTS = 300


def require_desk(actor: Actor) -> frozenset[int] | None:
    """The centres whose desk the actor may see (None: all of them); staff only."""
    if not actor.is_any_staff:
        raise Forbidden("not_staff")
    return actor.staff_centres


def desk_centres(session: Session, actor: Actor) -> list[Centre]:
    scope = require_desk(actor)
    query = select(Centre).order_by(Centre.name)
    if scope is not None:
        query = query.where(Centre.id.in_(scope))
    return list(session.scalars(query))


# --- requests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    action: str
    by: str
    reason: str


@dataclass
class Request:
    """One rental request as the desk shows it."""

    booking: Booking
    occurrence: Occurrence
    centre: Centre
    requester_name: str
    requester_email: str
    requester_deleted: bool
    problems: list[Message] = field(default_factory=list)
    quote_fee_cents: int = 0
    overlaps: list[int] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.booking.id

    @property
    def starts_at(self) -> datetime:
        return self.occurrence.starts_at

    @property
    def ends_at(self) -> datetime:
        return self.occurrence.ends_at


def list_requests(session: Session, actor: Actor, now: datetime, *,
                  status: str | None = "pending", room_id: int | None = None,
                  order: Order = "event", with_history: bool = True) -> list[Request]:
    """The rental requests of the actor's centres, filtered and sorted; pending ones carry the
    rules they break, their fee and the other pending requests they overlap."""
    scope = require_desk(actor)
    query = (select(Booking, Occurrence)
             .join(Occurrence, Occurrence.booking_id == Booking.id)
             .where(Booking.kind == BookingKind.RENTAL))
    if scope is not None:
        query = query.where(Booking.centre_id.in_(scope))
    if status is not None:
        query = query.where(Booking.status == status)
    if room_id is not None:
        query = query.where(Occurrence.room_id == room_id)
    query = query.order_by(*{
        "event": (Occurrence.starts_at, Booking.id),
        "event_desc": (Occurrence.starts_at.desc(), Booking.id.desc()),
        "number": (Booking.id.desc(),),
    }[order])
    rows = session.execute(query.limit(MAX_REQUESTS)).all()
    centres = {c.id: c for c in session.scalars(select(Centre))}
    people = _people(session, [b.requested_by_id for b, _ in rows])
    found: list[Request] = []
    for booking, occ in rows:
        person = people.get(booking.requested_by_id or 0)
        item = Request(booking=booking, occurrence=occ, centre=centres[booking.centre_id],
                       requester_name=(person.display_name or "") if person else "",
                       requester_email=(person.email or "") if person else "",
                       requester_deleted=person is not None and not person.email,
                       quote_fee_cents=booking.fee_cents)
        if booking.status == "pending":
            q = rentals.quote(session, room=occ.room, start=occ.starts_at, end=occ.ends_at,
                              people=booking.expected_people or 0, now=now,
                              exclude_booking=booking.id)
            item.problems, item.quote_fee_cents = q.problems, q.fee_cents
        found.append(item)
    _flag_overlaps([r for r in found if r.booking.status == "pending"])
    if with_history and found:
        histories = request_histories(session, [r.id for r in found])
        for r in found:
            r.history = histories.get(r.id, [])
    return found


def _flag_overlaps(pending: Sequence[Request]) -> None:
    """Pending requests that want the same room at the same time: only one can be
    confirmed, and confirming it declines the others (rentals.confirm)."""
    by_room: dict[int, list[Request]] = {}
    for r in pending:
        by_room.setdefault(r.occurrence.room_id, []).append(r)
    for same_room in by_room.values():
        same_room.sort(key=lambda r: r.starts_at)
        for i, a in enumerate(same_room):
            for b in same_room[i + 1:]:
                if b.starts_at >= a.ends_at:
                    break
                a.overlaps.append(b.id)
                b.overlaps.append(a.id)


def _people(session: Session, ids: Iterable[int | None]) -> dict[int, Person]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(wanted)))}


def request_histories(session: Session, booking_ids: Sequence[int]) -> dict[
        int, list[HistoryEntry]]:
    """Each request's audit record, oldest first: requested, confirmed, declined, cancelled."""
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "booking",
                                 AuditEvent.entity_id.in_(booking_ids))
        .order_by(AuditEvent.at, AuditEvent.id)).all()
    people = _people(session, [e.actor_id for e in events])
    out: dict[int, list[HistoryEntry]] = {}
    for e in events:
        who = people.get(e.actor_id or 0)
        out.setdefault(e.entity_id, []).append(HistoryEntry(
            at=e.at, action=e.action,
            by=(who.display_name or who.email or "") if who else "",
            reason=str((e.changes or {}).get("reason") or "")))
    return out


def request_rooms(session: Session, actor: Actor) -> list[Room]:
    """The rooms a filter of the inbox offers: the rentable rooms of the actor's centres."""
    scope = require_desk(actor)
    query = select(Room).order_by(Room.name)
    if scope is not None:
        query = query.where(Room.centre_id.in_(scope))
    return list(session.scalars(query))


# --- today's use of the rooms --------------------------------------------------------------


@dataclass(frozen=True)
class Use:
    starts_at: datetime
    ends_at: datetime
    title: str
    kind: str


@dataclass
class RoomDay:
    room: Room
    uses: list[Use] = field(default_factory=list)


@dataclass
class CentreDay:
    centre: Centre
    day: date
    rooms: list[RoomDay]


def today_in_rooms(session: Session, actor: Actor, now: datetime) -> list[CentreDay]:
    """Every room of the actor's centres with what happens in it today (the centre's day)."""
    days: list[CentreDay] = []
    for centre in desk_centres(session, actor):
        day = local_date(now, centre.timezone)
        start = local_to_utc(day, time(0), centre.timezone)
        end = local_to_utc(day + timedelta(days=1), time(0), centre.timezone)
        rooms = session.scalars(select(Room).where(Room.centre_id == centre.id,
                                                   Room.active.is_(True))
                                .order_by(Room.name)).all()
        by_room = {r.id: RoomDay(r) for r in rooms}
        occs = session.execute(
            select(Occurrence, Booking).join(Booking, Booking.id == Occurrence.booking_id)
            .where(Occurrence.room_id.in_(by_room), Occurrence.status == "confirmed",
                   Occurrence.starts_at < end, Occurrence.ends_at > start)
            .order_by(Occurrence.starts_at)).all()
        for occ, booking in occs:
            by_room[occ.room_id].uses.append(Use(occ.starts_at, occ.ends_at, booking.title,
                                                 booking.kind))
        days.append(CentreDay(centre, day, list(by_room.values())))
    return days


# --- plans waiting to be published ---------------------------------------------------------


def waiting_plans(session: Session, actor: Actor, now: datetime) -> list[tuple[PlanRun,
                                                                                Centre]]:
    """Finished drafts of this week or later that are not published yet."""
    centres = {c.id: c for c in desk_centres(session, actor)}
    if not centres:
        return []
    runs = session.scalars(select(PlanRun).where(PlanRun.centre_id.in_(centres),
                                                 PlanRun.status == "done")
                           .order_by(PlanRun.week, PlanRun.id)).all()
    out = []
    for run in runs:
        this_week = _iso_week(local_date(now, centres[run.centre_id].timezone))
        if run.week >= this_week:
            out.append((run, centres[run.centre_id]))
    return out


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


# --- the recurring demand the planner places --------------------------------------------


def recurring_demand(session: Session, actor: Actor, centre_id: int) -> list[RecurringRequest]:
    """The recurring requests of a centre that the weekly planner places, active first."""
    scope = require_desk(actor)
    if scope is not None and centre_id not in scope:
        raise Forbidden("not_staff")
    return list(session.scalars(select(RecurringRequest)
                                .where(RecurringRequest.centre_id == centre_id)
                                .order_by(RecurringRequest.active.desc(),
                                          RecurringRequest.title)))


# --- alerts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    """Something staff should look at. ``kind`` says which part raised it and the template
    that words it (``mail_failed``, ``requirement``; ``door`` when the access part adds it);
    ``params`` are the values the words need; ``link`` where to act, if anywhere."""

    kind: str
    params: dict[str, Any]
    link: str = ""


AlertSource = Callable[[Session, Actor, datetime, Sequence[Centre]], list[Alert]]


def failed_mails(session: Session, actor: Actor, now: datetime,
                 centres: Sequence[Centre]) -> list[Alert]:
    """Mails that failed at least once and are not sent yet (the outbox keeps trying)."""
    rows = session.scalars(select(OutboxMail).where(OutboxMail.sent_at.is_(None),
                                                    OutboxMail.attempts > 0)
                           .order_by(OutboxMail.created_at).limit(50)).all()
    return [Alert("mail_failed", {"to": m.to_address, "subject": m.subject,
                                  "attempts": m.attempts, "error": m.last_error or "",
                                  "since": m.created_at}) for m in rows]


def unmet_requirements(session: Session, actor: Actor, now: datetime,
                       centres: Sequence[Centre]) -> list[Alert]:
    """Requirements of the Profil the stored plans of the coming weeks miss: the published
    plan of a week, or its newest finished draft when none is published."""
    alerts: list[Alert] = []
    for centre in centres:
        monday = local_date(now, centre.timezone)
        monday -= timedelta(days=monday.weekday())
        weeks = [_iso_week(monday + timedelta(weeks=i)) for i in range(ALERT_WEEKS + 1)]
        runs = session.scalars(select(PlanRun).where(
            PlanRun.centre_id == centre.id, PlanRun.week.in_(weeks),
            PlanRun.status.in_(("done", "published"))).order_by(PlanRun.id)).all()
        chosen: dict[str, PlanRun] = {}
        for run in runs:  # a published plan wins over drafts; else the newest draft
            held = chosen.get(run.week)
            if held is None or held.status != "published" or run.status == "published":
                chosen[run.week] = run
        for week in weeks:
            shown = chosen.get(week)
            plan = read_plan(shown) if shown is not None else None
            if shown is None or plan is None:
                continue
            for failure in plan.requirement_failures:
                alerts.append(Alert("requirement", {
                    "centre": centre.name, "week": week, "rule": failure.rule,
                    "subject": failure.subject, "required": failure.required,
                    "achieved": failure.achieved, "unit": failure.unit,
                    "published": shown.status == "published"}, link="/verwaltung/plan"))
    return alerts


# Every source of alerts the dashboard asks, in order. Later parts append theirs here
# (the access part: doors that report lockouts or brute-force attempts).
ALERT_SOURCES: list[AlertSource] = [failed_mails, unmet_requirements]


def alerts(session: Session, actor: Actor, now: datetime) -> list[Alert]:
    centres = desk_centres(session, actor)
    found: list[Alert] = []
    for source in ALERT_SOURCES:
        found.extend(source(session, actor, now, centres))
    return found
