"""The rental workflow (Raumvermietung): request → confirm or decline → cancel.

Pending requests do not hold the room (a request may wait days for staff); the room is taken
at confirmation, where the database refuses an overlap whatever the Python code checked before.
Confirming declines the pending requests that overlap it, with a reason. All checks a resident
can trip are in :func:`quote`, which the form shows before the request is sent and which the
save runs again, so the preview and the save cannot disagree.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import cast

import holidays
from sqlalchemy import Select, String, Table, bindparam, literal, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from booking import mailer
from booking.audit import INSERT_EVENT, event_values, record
from booking.errors import Conflict, Forbidden, InvalidInput, NotFound, PolicyViolation
from booking.messages import Joined, Message, Money, Span, StaffText, status_word
from booking.models import (
    Booking,
    BookingKind,
    BookingStatus,
    Centre,
    Closure,
    Occurrence,
    Person,
    PersonRole,
    Role,
    Room,
)
from booking.permissions import Actor, require_login, require_resident, require_staff
from booking.services import access as door_access
from booking.services import series
from booking.services.conflicts import (
    RENTAL_TITLE,
    conflict_error,
    holding_overlaps,
    is_overlap_error,
)
from booking.services.locking import (
    lock_booking,
    lock_rooms,
    lock_rooms_of_booking,
    require_locked,
)
from booking.timeutil import (
    check_span,
    minutes_of_day,
    to_local,
)
from booking.translations import N_


def format_eur(cents: int) -> str:
    euros, rest = divmod(cents, 100)
    return f"{euros:,}".replace(",", ".") + f",{rest:02d} €"


def is_holiday(day: date, subdivision: str) -> bool:
    return day in holidays.country_holidays("DE", subdiv=subdivision, years=day.year)


@dataclass
class Quote:
    """What a request would cost and which rules it breaks, before it is sent."""

    fee_cents: int
    hours_charged: int
    hourly_rate_cents: int
    # The rules the request breaks, each a message with its parameters (``booking.messages``).
    problems: list[Message] = field(default_factory=list)
    # The room's house rules (:func:`house_rules`), said in the reader's language at the edge.
    rules: list[Message] = field(default_factory=list)

    @property
    def fee(self) -> str:
        return format_eur(self.fee_cents)


def clock_time(minute_of_day: int) -> str:
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


def house_rules(room: Room) -> list[Message]:
    """The room's house rules, one message each: the latest end and the quiet hours every room
    has, then its cleaning and house rules as staff wrote them (in the reader's language where
    staff translated them, else in German). The one source for the room page, the quote (page
    and API) and the confirmation mail."""
    rules = [Message("rule_latest_end", {"t": clock_time(room.latest_end_minute)}),
             Message("rule_quiet_from", {"t": clock_time(room.quiet_from_minute)})]
    if room.cleaning_rules:
        rules.append(Message("rule_cleaning", {"text": StaffText.of(room, "cleaning_rules")}))
    if room.house_rules:
        rules.append(Message("rule_house", {"text": StaffText.of(room, "house_rules")}))
    return rules


def compute_fee(room: Room, start: datetime, end: datetime, centre: Centre) -> tuple[int, int, int]:
    """(fee, hours charged, hourly rate): each started hour counts; the weekend rate holds on
    Friday to Sunday and on public holidays (rental-rules research: Bielefeld practice)."""
    local_start = to_local(start, centre.timezone)
    weekend = local_start.weekday() >= 4 or is_holiday(local_start.date(),
                                                       centre.holiday_subdivision)
    rate = room.weekend_price_per_hour_cents if weekend else room.price_per_hour_cents
    hours = math.ceil((end - start).total_seconds() / 3600)
    fee = max(room.min_fee_cents, hours * rate) + room.cleaning_fee_cents
    return fee, hours, rate


def quote(session: Session, *, room: Room, start: datetime, end: datetime, people: int,
          now: datetime, exclude_booking: int | None = None) -> Quote:
    centre = session.get_one(Centre, room.centre_id)
    zone_name = centre.timezone
    problems: list[Message] = []
    start, end = check_span(start, end)
    if not room.rentable or not room.active:
        problems.append(Message("not_rentable", {"room": room.name}))
    if people < 1:
        problems.append(Message("people_none"))
    elif people > room.capacity:
        problems.append(Message("capacity", {"room": room.name, "n": room.capacity,
                                             "people": people}))
    if start < now + timedelta(hours=centre.min_notice_hours):
        problems.append(Message("min_notice", {"n": centre.min_notice_hours}))
    if start > now + timedelta(days=centre.max_days_ahead):
        problems.append(Message("max_days_ahead", {"n": centre.max_days_ahead}))
    minutes = int((end - start).total_seconds() // 60)
    if minutes < room.min_rental_minutes:
        problems.append(Message("min_duration", {"room": room.name,
                                                 "n": room.min_rental_minutes}))
    if minutes > room.max_rental_minutes:
        problems.append(Message("max_duration", {"room": room.name,
                                                 "n": room.max_rental_minutes // 60}))
    local_start, local_end = to_local(start, zone_name), to_local(end, zone_name)
    ends_at_midnight = local_end.date() == local_start.date() + timedelta(days=1) and \
        minutes_of_day(end, zone_name) == 0
    end_minute = 1440 if ends_at_midnight else minutes_of_day(end, zone_name)
    if local_end.date() != local_start.date() and not ends_at_midnight:
        problems.append(Message("same_day"))
    elif end_minute > room.latest_end_minute:
        problems.append(Message("latest_end", {"room": room.name,
                                               "time": clock_time(room.latest_end_minute)}))
    # Closures and public holidays: the one rule series dates follow too.
    shut = series.closed(session, centre, room.id, start, end)
    if shut is not None:
        problems.append(shut.problem(room, centre))
    for occ in holding_overlaps(session, room.id, start, end):
        if occ.booking_id == exclude_booking:
            continue
        if occ.booking.kind == BookingKind.CLOSURE:
            problems.append(Message("room_closed", {"room": room.name,
                                                    "title": occ.booking.title}))
        else:
            problems.append(conflict_error(session, room.id, start, end, zone_name).message)
        break
    fee, hours, rate = compute_fee(room, start, end, centre)
    return Quote(fee_cents=fee, hours_charged=hours, hourly_rate_cents=rate, problems=problems,
                 rules=house_rules(room))


def _room(session: Session, room_id: int) -> Room:
    room = session.get(Room, room_id)
    if room is None:
        raise NotFound("no_room", id=room_id)
    return room


def _rental(session: Session, booking_id: int) -> Booking:
    booking = session.get(Booking, booking_id)
    if booking is None or booking.kind != BookingKind.RENTAL:
        raise NotFound("no_rental", id=booking_id)
    return booking


def house_rules_message(room: Room) -> Joined:
    """The house rules as a mail says them: one per line, in the recipient's language."""
    return Joined(tuple(house_rules(room)), "\n")


def _mail_context(session: Session, booking: Booking, centre: Centre, reason: str = "") -> dict[
        str, object]:
    """What the rental mails say; times and money are written in each recipient's language
    (``booking.mailer.render``)."""
    occ = booking.occurrences[0]
    return {
        "booking_id": booking.id, "room": occ.room.name, "centre": centre.name,
        "when": Span(occ.starts_at, occ.ends_at, centre.timezone),
        "fee": Money(booking.fee_cents), "rules": house_rules_message(occ.room),
        "reason": reason, "purpose": booking.purpose or "", "people": booking.expected_people or 0,
        # The page of the request (the mailer makes it a link on the configured base URL).
        "path": f"/meine-anfragen/{booking.id}",
    }


def _notify(session: Session, booking: Booking, kind: mailer.MailKind, now: datetime,
            reason: str = "", door_code: bool = False, at_once: bool = False) -> None:
    """Mail the requester; ``at_once``: the outbox row is inserted now, by a statement, not
    at the next flush (the confirmation writes past the unit of work)."""
    centre = session.get_one(Centre, booking.centre_id)
    if booking.requested_by_id is not None:
        person = session.get(Person, booking.requested_by_id)
        if person is not None:
            context = {**_mail_context(session, booking, centre, reason), "door_code": door_code}
            if at_once:
                mailer.enqueue_now(session, to=person, kind=kind, now=now, context=context)
            else:
                mailer.enqueue(session, to=person, kind=kind, now=now, context=context)


def staff_of(session: Session, centre_id: int) -> Sequence[Person]:
    return session.scalars(
        select(Person).join(PersonRole)
        .where(PersonRole.role == Role.STAFF, PersonRole.centre_id == centre_id,
               Person.deleted_at.is_(None))
        .order_by(Person.id)
    ).all()


def request_rental(session: Session, actor: Actor, *, room_id: int, start: datetime,
                   end: datetime, people: int, purpose: str, now: datetime) -> Booking:
    person_id = require_resident(actor)
    room = _room(session, room_id)
    if not purpose.strip():
        raise InvalidInput("purpose_missing")
    result = quote(session, room=room, start=start, end=end, people=people, now=now)
    if result.problems:
        raise PolicyViolation("rules_broken", problems=Joined(tuple(result.problems)),
                              extra={"fee": result.fee})
    booking = Booking(
        centre_id=room.centre_id, kind=BookingKind.RENTAL, status=BookingStatus.PENDING,
        title=RENTAL_TITLE, requested_by_id=person_id, responsible_id=person_id,
        purpose=purpose.strip(), expected_people=people, fee_cents=result.fee_cents,
        created_at=now, updated_at=now,
    )
    lock_rooms(session, [room.id])
    booking.occurrences = [Occurrence(room_id=room.id, starts_at=start, ends_at=end,
                                      status=BookingStatus.PENDING)]
    session.add(booking)
    session.flush()
    record(session, now, person_id, "booking", booking.id, "requested", room_id=room.id,
           starts_at=start.isoformat(), ends_at=end.isoformat(), fee_cents=result.fee_cents)
    _notify(session, booking, mailer.MailKind.REQUEST_RECEIVED, now)
    centre = session.get_one(Centre, room.centre_id)
    context = _mail_context(session, booking, centre)
    requester = session.get_one(Person, person_id)
    context["requester"] = requester.display_name or requester.email or ""
    context["path"] = "/verwaltung/anfragen"
    for staff in staff_of(session, room.centre_id):
        mailer.enqueue(session, to=staff, kind=mailer.MailKind.STAFF_NEW_REQUEST, now=now,
                       context=context)
    return booking


def confirm(session: Session, actor: Actor, booking_id: int, now: datetime) -> Booking:
    door_access.prepare_code(session, actor, booking_id)  # argon2 before the room locks (issue 12)
    lock_rooms_of_booking(session, booking_id)
    loaded = _load_for_decision(session, booking_id)  # noqa: F841 (kept in the session)
    # Those who may not see the request get the same 404 as for a missing one.
    booking = get_rental(session, actor, booking_id)
    staff_id = require_staff(actor, booking.centre_id)
    lock_booking(session, booking)
    if booking.status != BookingStatus.PENDING:
        raise Conflict("request_not_confirmable", id=booking.id,
                       status=status_word(booking.status))
    centre = session.get_one(Centre, booking.centre_id)
    occ = booking.occurrences[0]
    # Under the room's lock no other writer changes what overlaps: one read finds a holder
    # (then the confirmation is refused) and the pending requests it declines. The database's
    # constraint or trigger stays the guarantee behind this check. Plain rows, not entities:
    # there are usually none, and an entity query costs its row machinery even then. The same
    # statement finds the closures of the centre on the request's days.
    first_day, last_day = series.local_days(centre, occ.starts_at, occ.ends_at)
    found = session.execute(_OVERLAPPING_OR_CLOSED, {
        "room_id": occ.room_id, "start": occ.starts_at, "end": occ.ends_at,
        "booking_id": booking.id, "centre_id": centre.id, "first_day": first_day,
        "last_day": last_day}).all()
    # A closure made after the request (maintenance, a staff day) or a public holiday refuses
    # the confirmation; staff decline the request with a reason instead. The one rule
    # (series.closed) decides and names the reason whenever one of them may apply.
    if any(status == _CLOSURE_ROW for _, status in found) or \
            series.holiday_between(centre, first_day, last_day):
        series.refuse_if_closed(session, centre, occ.room, occ.starts_at, occ.ends_at)
    others = [(occ_id, status) for occ_id, status in found if status != _CLOSURE_ROW]
    if any(status == BookingStatus.CONFIRMED for _, status in others):
        raise conflict_error(session, occ.room_id, occ.starts_at, occ.ends_at, centre.timezone,
                             exclude_occurrence=occ.id)
    pending = [occ_id for occ_id, status in others if status == BookingStatus.PENDING]
    try:
        # Past the unit of work (its pass cost more CPU than the statements): the date (where
        # the database refuses an overlap), the booking and the audit row, then the mail.
        _write_confirmed(session, booking, occ, staff_id, now)
        # Door access (issue 12): a rental in a room opened by code runs in Eigenregie and
        # gets its door code now; the mail says where to find it only then.
        door_access.booking_confirmed(session, booking, staff_id, now)
        _notify(session, booking, mailer.MailKind.REQUEST_CONFIRMED, now, door_code=(
            door_access.issued_in_this_transaction(session, booking.id) is not None),
            at_once=True)
        # What the door code wrote through the session, if anything; a refused overlap rolls
        # all of it back with the transaction.
        session.flush()
    except IntegrityError as exc:
        if not is_overlap_error(exc):
            raise
        raise Conflict("room_taken_meanwhile") from exc
    if pending:
        _decline(session, session.scalars(select(Occurrence).where(Occurrence.id.in_(pending))
                                           .order_by(Occurrence.id)).all(),
                 booking.id, staff_id, now)
    return booking


def _write_confirmed(session: Session, booking: Booking, occ: Occurrence, staff_id: int,
                     now: datetime) -> None:
    """Mark the request and its date confirmed and audit it, by statements; then the loaded
    objects with what they wrote, as if flushed: the date's status and its calendar SEQUENCE
    (raised as on every change of a date, ``series._raise_sequence``), the booking's status
    and time of change. On PostgreSQL the three writes are one statement (one round trip
    under the room's lock instead of three)."""
    require_locked(session, [occ.room_id])
    confirmed = BookingStatus.CONFIRMED
    # No parameter is named like a column: SQLAlchemy would add it to an UPDATE's SET.
    params = {"date_id": occ.id, "rental_id": booking.id, "new_status": confirmed.value,
              "changed_at": now, **event_values(now, staff_id, "booking", booking.id,
                                                "confirmed", {"status": ["pending", "confirmed"]})}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_CONFIRM_IN_ONE, params)
    else:
        for statement in (_CONFIRM_DATE, _CONFIRM_BOOKING, INSERT_EVENT):
            session.execute(statement, params)
    set_committed_value(occ, "status", confirmed)
    set_committed_value(occ, "sequence", (occ.sequence or 0) + 1)
    set_committed_value(booking, "status", confirmed)
    set_committed_value(booking, "updated_at", now)


_booking_t, _occ_t = cast(Table, Booking.__table__), cast(Table, Occurrence.__table__)
_CONFIRM_DATE = (_occ_t.update().where(_occ_t.c.id == bindparam("date_id"))
                 .values(status=bindparam("new_status"), sequence=_occ_t.c.sequence + 1))
_CONFIRM_BOOKING = (_booking_t.update().where(_booking_t.c.id == bindparam("rental_id"))
                    .values(status=bindparam("new_status"), updated_at=bindparam("changed_at")))
# PostgreSQL runs data-modifying WITH parts (and their rows' triggers and constraints, the
# no-overlap one included) even when the main statement does not read them.
_CONFIRM_IN_ONE = INSERT_EVENT.add_cte(_CONFIRM_DATE.cte("confirmed_date"),
                                       _CONFIRM_BOOKING.cte("confirmed_booking"))


# Built once, on the tables (statement building and keying per call cost more CPU than the
# query): the confirmed and pending dates of a room that overlap a span, except a booking's,
# and (one round trip instead of two) the centre's closures on the span's local days, marked
# with a status no date has.
_occ, _closure = Occurrence.__table__, Closure.__table__
_CLOSURE_ROW = "closure"
_OVERLAPPING_OR_CLOSED = union_all(
    select(_occ.c.id, _occ.c.status)
    .where(_occ.c.room_id == bindparam("room_id"),
           _occ.c.status.in_((BookingStatus.CONFIRMED.value, BookingStatus.PENDING.value)),
           _occ.c.starts_at < bindparam("end"), _occ.c.ends_at > bindparam("start"),
           _occ.c.booking_id != bindparam("booking_id")),
    select(_closure.c.id, literal(_CLOSURE_ROW, String(20)))
    .where(series.closures_touching(_closure, bindparam("centre_id"), bindparam("first_day"),
                                    bindparam("last_day"))))


def _decline(session: Session, losers: Sequence[Occurrence], won: int, staff_id: int,
             now: datetime) -> None:
    """Decline the pending requests that overlap a confirmed one, with a reason."""
    reason = TAKEN_BY_ANOTHER
    for occ in losers:
        booking = occ.booking
        if booking.status != BookingStatus.PENDING:
            continue
        _set_status(booking, BookingStatus.DECLINED, now)
        booking.decision_reason = reason
        record(session, now, staff_id, "booking", booking.id, "declined",
               status=["pending", "declined"], reason=reason, because_of=won)
        _notify(session, booking, mailer.MailKind.REQUEST_DECLINED, now, reason)


# The reason given when another request got the room: a msgid, so each resident's mail says it
# in their language (``booking.mailer.render`` translates a reason that is one).
TAKEN_BY_ANOTHER = N_("Der Raum wurde für diese Zeit bereits an eine andere Anfrage vergeben.")


def _set_status(booking: Booking, status: BookingStatus, now: datetime) -> None:
    booking.status = status
    booking.updated_at = now
    for occ in booking.occurrences:
        occ.status = status


def decline(session: Session, actor: Actor, booking_id: int, reason: str,
            now: datetime) -> Booking:
    lock_rooms_of_booking(session, booking_id)
    loaded = _load_for_decision(session, booking_id)  # noqa: F841 (kept in the session)
    # Those who may not see the request get the same 404 as for a missing one.
    booking = get_rental(session, actor, booking_id)
    staff_id = require_staff(actor, booking.centre_id)
    if not reason.strip():
        raise InvalidInput("decline_reason_missing")
    lock_booking(session, booking)
    if booking.status != BookingStatus.PENDING:
        raise Conflict("request_not_declinable", id=booking.id,
                       status=status_word(booking.status))
    _set_status(booking, BookingStatus.DECLINED, now)
    booking.decision_reason = reason.strip()
    record(session, now, staff_id, "booking", booking.id, "declined",
           status=["pending", "declined"], reason=reason.strip())
    _notify(session, booking, mailer.MailKind.REQUEST_DECLINED, now, reason.strip())
    door_access.booking_ended(session, booking, staff_id, now)  # door access (issue 12)
    return booking


def cancel(session: Session, actor: Actor, booking_id: int, reason: str,
           now: datetime) -> Booking:
    lock_rooms_of_booking(session, booking_id)
    booking = _rental(session, booking_id)
    person_id = require_login(actor)
    is_staff = actor.is_staff_of(booking.centre_id)
    if not is_staff and booking.requested_by_id != person_id:
        # Same answer as for a missing request: residents do not learn of others' requests.
        raise NotFound("no_rental", id=booking_id)
    lock_booking(session, booking)
    if not booking.is_open:
        raise Conflict("request_closed", id=booking.id, status=status_word(booking.status))
    if not is_staff and booking.occurrences[0].starts_at <= now:
        raise Forbidden("rental_begun")
    before = booking.status
    _set_status(booking, BookingStatus.CANCELLED, now)
    booking.decision_reason = reason.strip() or None
    record(session, now, person_id, "booking", booking.id, "cancelled",
           status=[before, "cancelled"], reason=reason.strip())
    _notify(session, booking, mailer.MailKind.REQUEST_CANCELLED, now, reason.strip())
    door_access.booking_ended(session, booking, person_id, now)  # door access (issue 12)
    return booking


def _load_for_decision(session: Session, booking_id: int) -> list[object]:
    """Read a request with all that its decision and its mail use (occurrences, their rooms,
    the centre, the requester, and how each date's room is opened) in one statement, after
    the rooms' locks: the reads that follow find them in the session while the caller holds
    what this returns (the session keeps only weak references). Loaded one by one they were
    six round trips, most of them inside the room's lock, and a fifth of a confirmation's
    CPU."""
    kept: list[object] = []
    methods: list[tuple[int, datetime, str | None]] = []
    for booking, centre, person, room_id, starts_at, method in session.execute(
            _decision_query(), {"booking_id": booking_id}).unique():
        kept += [booking, centre, person]
        methods.append((room_id, starts_at, method))
    # The door-code issue of a confirmation asks for the same dates' methods (issue 12).
    door_access.known_methods(session, methods)
    return kept


@functools.cache
def _decision_query() -> Select[tuple[Booking, Centre, Person, int, datetime, str | None]]:
    """Built once (on first use, when the mappers are configured): building it per call cost
    a quarter of the load."""
    return (select(Booking, Centre, Person, Occurrence.room_id, Occurrence.starts_at,
                   door_access.method_column(Occurrence.__table__))
            .join(Centre, Centre.id == Booking.centre_id)
            .join(Occurrence, Occurrence.booking_id == Booking.id)
            .join(Room, Room.id == Occurrence.room_id)
            .outerjoin(Person, Person.id == Booking.requested_by_id)
            .where(Booking.id == bindparam("booking_id"))
            .options(contains_eager(Booking.occurrences).contains_eager(Occurrence.room)))


def get_rental(session: Session, actor: Actor, booking_id: int) -> Booking:
    booking = _rental(session, booking_id)
    person_id = require_login(actor)
    if booking.requested_by_id != person_id and not actor.is_staff_of(booking.centre_id):
        raise NotFound("no_rental", id=booking_id)
    return booking


def list_rentals(session: Session, actor: Actor, *, centre_id: int | None = None,
                 status: str | None = None, limit: int = 200) -> Sequence[Booking]:
    person_id = require_login(actor)
    query = select(Booking).where(Booking.kind == BookingKind.RENTAL)
    if centre_id is not None:
        query = query.where(Booking.centre_id == centre_id)
    if status is not None:
        query = query.where(Booking.status == status)
    if not actor.is_admin:
        staff_centres = [c for r, c in actor.roles if r == Role.STAFF and c is not None]
        # Residents see their own requests; staff those of their centres.
        query = query.where((Booking.requested_by_id == person_id)
                            | Booking.centre_id.in_(staff_centres))
    return session.scalars(query.order_by(Booking.id.desc()).limit(limit)).all()
