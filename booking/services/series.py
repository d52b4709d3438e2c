"""Series: a programme slot's or group's dates, kept in local terms and materialised as
occurrences up to a rolling horizon; closures and public holidays that skip their dates.

How it fits together:

- A :class:`~booking.models.Series` stores the rule in the centre's local terms (wall-clock
  start, real-time duration, zone, RRULE or explicit dates, first date, end). Its dates are
  materialised up to :data:`HORIZON_MONTHS` ahead (:func:`extend`, run by ``raumplan extend``
  and by the background worker; idempotent: a date already there is left alone).
- Every date becomes a :class:`~booking.models.SeriesDate`. A free date holds an ordinary
  :class:`~booking.models.Occurrence`, so the database's no-overlap guarantee holds for series
  exactly as for every other booking. A date that is not free is *skipped* with its reason.
- :func:`assess` is the one conflict preview: for each candidate date it says free, conflicts
  with *title* at *time*, or closed for *reason*. The previews of the API and every save
  (create, edit, restore, closures) run it, so what staff were shown is what happens.
- A date changed on its own (moved, cancelled, other room) is ``detached``; later edits of the
  series leave it alone and their preview says so (MRBS #659).
- Closures (:func:`create_closure`, …) skip the dates they cover, and give them back when they
  are removed or moved and the room is free again; the people responsible are mailed about the
  dates they lose.

Times follow the service's one daylight-saving rule (``booking.timeutil``).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

import holidays
from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule, rrulestr
from sqlalchemy import and_, event, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking import mailer
from booking.audit import record
from booking.errors import Conflict, InvalidInput, NotFound
from booking.messages import Holiday, Message, Span
from booking.models import (
    HOLDING_STATUS,
    Booking,
    BookingKind,
    BookingStatus,
    Centre,
    Closure,
    DateState,
    Group,
    Occurrence,
    Offer,
    Person,
    Room,
    Series,
    SeriesDate,
)
from booking.permissions import Actor, require_staff
from booking.services.conflicts import is_overlap_error, public_title
from booking.services.locking import lock_rooms
from booking.timeutil import (
    LATEST,
    SERIES_YEARS,
    in_horizon,
    local_span,
    local_to_utc,
    local_today,
    to_local,
)

HORIZON_MONTHS = 18
# At most this many dates are written in one call (18 months of a daily series fit).
MAX_DATES = 1000
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# RRULE parts the service takes: the time of day comes from the series, not the rule, and
# sub-daily frequencies make no sense for a group. BYWEEKNO/BYYEARDAY are left out because an
# impossible combination makes python-dateutil search until the year 9999.
_ALLOWED_PARTS = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST",
                  "COUNT", "UNTIL"}
_ALLOWED_FREQ = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


# --------------------------------------------------------------------------------------------
# Patterns: the form's structure, and the RRULE beneath it.

@dataclass(frozen=True)
class Pattern:
    """What a form asks: ``weekly`` (weekdays, every ``interval`` weeks), ``monthly_weekday``
    (the ``positions`` 1–5 or -1 = last of the weekdays), ``monthly_day`` (days of the
    month), ``dates`` (an explicit list), or ``rrule`` (an RFC 5545 rule as it is)."""

    kind: str
    interval: int = 1
    weekdays: tuple[str, ...] = ()
    positions: tuple[int, ...] = ()
    month_days: tuple[int, ...] = ()
    dates: tuple[date, ...] = ()
    rrule: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "interval": self.interval, "weekdays": list(self.weekdays),
                "positions": list(self.positions), "month_days": list(self.month_days),
                "dates": [d.isoformat() for d in self.dates], "rrule": self.rrule}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Pattern:
        return cls(kind=data["kind"], interval=data.get("interval", 1),
                   weekdays=tuple(data.get("weekdays", ())),
                   positions=tuple(data.get("positions", ())),
                   month_days=tuple(data.get("month_days", ())),
                   dates=tuple(date.fromisoformat(d) for d in data.get("dates", ())),
                   rrule=data.get("rrule"))


def pattern_rrule(pattern: Pattern) -> str | None:
    """The RRULE body of a form pattern (without COUNT/UNTIL); ``None`` for explicit dates."""
    interval = f";INTERVAL={pattern.interval}" if pattern.interval > 1 else ""
    days = sorted(set(pattern.weekdays), key=WEEKDAYS.index)
    match pattern.kind:
        case "weekly":
            if not days:
                raise InvalidInput("series_pattern_incomplete", field="weekdays")
            return f"FREQ=WEEKLY{interval};BYDAY={','.join(days)}"
        case "monthly_weekday":
            if not days or not pattern.positions:
                raise InvalidInput("series_pattern_incomplete", field="weekdays, positions")
            byday = ",".join(f"{p}{d}" for p in sorted(set(pattern.positions)) for d in days)
            return f"FREQ=MONTHLY{interval};BYDAY={byday}"
        case "monthly_day":
            if not pattern.month_days:
                raise InvalidInput("series_pattern_incomplete", field="month_days")
            return (f"FREQ=MONTHLY{interval};BYMONTHDAY="
                    + ",".join(str(d) for d in sorted(set(pattern.month_days))))
        case "dates":
            if not pattern.dates:
                raise InvalidInput("series_pattern_incomplete", field="dates")
            return None
        case "rrule":
            if not pattern.rrule:
                raise InvalidInput("series_pattern_incomplete", field="rrule")
            return check_rrule(pattern.rrule)
    raise InvalidInput("series_pattern_incomplete", field="kind")


def check_rrule(text: str) -> str:
    """An RRULE body the service can expand quickly, or a 400 at once.

    python-dateutil searches until the year 9999 for a rule that never matches (e.g.
    ``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31``: seconds of CPU), so such rules are refused here by
    looking at their parts, before any expansion."""
    body = text.strip().removeprefix("RRULE:").strip().rstrip(";")
    parts: dict[str, str] = {}
    for item in body.split(";"):
        name, sep, value = item.partition("=")
        name = name.strip().upper()
        if not sep or not value or name in parts:
            raise InvalidInput("series_bad_rule")
        if name not in _ALLOWED_PARTS:
            raise InvalidInput("series_rule_unsupported", part=name[:20])
        parts[name] = value.strip().upper()
    if parts.get("FREQ") not in _ALLOWED_FREQ:
        raise InvalidInput("series_rule_unsupported", part="FREQ=" + parts.get("FREQ", "")[:10])
    try:
        rule = rrulestr("RRULE:" + body, dtstart=datetime.combine(date(2026, 1, 1), time()))
        assert isinstance(rule, rrule)
        months = [int(m) for m in parts["BYMONTH"].split(",")] if "BYMONTH" in parts else []
        month_days = ([int(d) for d in parts["BYMONTHDAY"].split(",")]
                      if "BYMONTHDAY" in parts else [])
    except (ValueError, TypeError, AssertionError) as exc:
        raise InvalidInput("series_bad_rule") from exc
    if month_days:
        longest = max((_MONTH_DAYS[m - 1] for m in months if 1 <= m <= 12), default=31)
        if not any(1 <= abs(d) <= longest for d in month_days):
            raise InvalidInput("series_rule_never")
    return body


# --------------------------------------------------------------------------------------------
# Specification and expansion.

@dataclass(frozen=True)
class SeriesSpec:
    """What a new series is: the booking's what and who, and the dates in local terms."""

    kind: str
    title: str
    room_id: int
    start: time  # local wall clock
    duration: timedelta  # real time
    first_date: date
    pattern: Pattern
    until: date | None = None
    count: int | None = None
    offer_id: int | None = None
    group_id: int | None = None
    notes: str | None = None
    responsible_id: int | None = None


def _rule_days(rule: str | None, rdates: Iterable[date], first: date, start: time,
               until: date | None, count: int | None, lo: date, hi: date) -> list[date]:
    """The local dates of the rule in ``[lo, hi]`` (COUNT counts from ``first``)."""
    days: set[date] = {d for d in rdates if lo <= d <= hi and d >= first
                       and (until is None or d <= until)}
    if rule is not None:
        body = rule
        if count is not None:
            body += f";COUNT={count}"
        elif until is not None:
            body += f";UNTIL={until:%Y%m%d}T235959"
        try:
            parsed = rrulestr("RRULE:" + body, dtstart=datetime.combine(first, start))
        except (ValueError, TypeError) as exc:
            raise InvalidInput("series_bad_rule") from exc
        for n, local in enumerate(parsed):
            day = local.date()
            if day > hi:
                break
            if n > 40 * MAX_DATES:
                break
            if day >= lo:
                days.add(day)
    return sorted(days)


def horizon(today: date) -> date:
    """The last local date materialised: :data:`HORIZON_MONTHS` after today."""
    return today + relativedelta(months=HORIZON_MONTHS)


def _last_day(first: date) -> date:
    """A series' dates lie less than SERIES_YEARS after its first (timeutil)."""
    try:
        return first.replace(year=first.year + SERIES_YEARS) - timedelta(days=1)
    except ValueError:
        return first.replace(year=first.year + SERIES_YEARS, day=28) - timedelta(days=1)


def params(series: Series, day: date) -> tuple[int, int, int]:
    """Start minute, duration and room in effect on ``day``: the series' own values, or those
    of the last edit that took effect on or before it (``Series.changes``), so an edit of "this
    and the following dates" leaves the earlier ones as they were."""
    current = (series.start_minute, series.duration_minutes, series.room_id)
    for entry in series.changes or []:
        if date.fromisoformat(entry["from"]) <= day:
            current = (entry["start_minute"], entry["duration_minutes"], entry["room_id"])
    return current


def _span(series: Series, day: date) -> tuple[datetime, datetime]:
    start_minute, minutes, _room = params(series, day)
    wall = time(start_minute // 60, start_minute % 60)
    return local_span(day, wall, timedelta(minutes=minutes), series.zone)


# --------------------------------------------------------------------------------------------
# The one conflict preview.

@dataclass(frozen=True)
class Verdict:
    """What would happen on one date: ``free``, ``conflict`` or ``closed``."""

    day: date
    starts_at: datetime
    ends_at: datetime
    room_id: int
    state: str
    reason: Message | None = None
    closure_id: int | None = None
    # A date changed on its own: the edit leaves it as it is (``state`` says how it is).
    detached: bool = False


@cache
def _holiday_calendar(subdivision: str, year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("DE", subdiv=subdivision, years=year, language="de"))


def holiday(centre: Centre, day: date) -> str | None:
    """The German name of the public holiday on ``day`` in the centre's state, if any."""
    return _holiday_calendar(centre.holiday_subdivision, day.year).get(day)


def closures_touching(closure: Any, centre_id: Any, lo: Any, hi: Any) -> Any:
    """The one spelling of "the centre's closures on any day of ``[lo, hi]``" (of the room
    or of the whole centre; :func:`_closed_on` tells which room), for the ``closure`` table
    and values or bound parameters."""
    return and_(closure.c.centre_id == centre_id, closure.c.first_day <= hi,
                closure.c.last_day >= lo)


def _closures(session: Session, centre_id: int, lo: date, hi: date) -> list[Closure]:
    return list(session.scalars(select(Closure).where(
        closures_touching(Closure.__table__, centre_id, lo, hi))
        .order_by(Closure.first_day, Closure.id)))


def local_days(centre: Centre, start: datetime, end: datetime) -> tuple[date, date]:
    """The first and last local day of the centre that a span touches."""
    first = to_local(start, centre.timezone).date()
    last = to_local(end - timedelta(microseconds=1), centre.timezone).date()
    return first, max(first, last)


def holiday_between(centre: Centre, first: date, last: date) -> bool:
    """Whether a public holiday of the centre's state falls on a day of ``[first, last]``
    (no database: the calendar is computed once per year and state)."""
    day = first
    while day <= last:
        if holiday(centre, day) is not None:
            return True
        day += timedelta(days=1)
    return False


@dataclass(frozen=True)
class Closed:
    """Why a room is closed on a local day: a stored closure (of the room or the whole
    centre) or, failing that, a public holiday of the centre's state."""

    day: date
    closure: Closure | None = None
    holiday: str | None = None

    @property
    def reason(self) -> Message:
        """The reason as a series date stores it ("geschlossen: …", "Feiertag: …")."""
        if self.closure is not None:
            return Message("reason_closed", {"reason": self.closure.reason})
        return Message("reason_holiday", {"name": self.holiday})

    def problem(self, room: Room, centre: Centre) -> Message:
        """The refusal a rental request or a one-off booking gets, naming the reason."""
        if self.closure is not None:
            return Message("closure_closed", {"room": room.name, "day": self.day,
                                              "reason": self.closure.reason})
        return Message("holiday_closed", {
            "day": self.day, "holiday": Holiday(self.day, centre.holiday_subdivision)})


def _closed_on(closures: Sequence[Closure], centre: Centre, room_id: int,
               day: date) -> Closed | None:
    closure = next((c for c in closures if c.first_day <= day <= c.last_day
                    and c.room_id in (None, room_id)), None)
    if closure is not None:
        return Closed(day, closure=closure)
    name = holiday(centre, day)
    return None if name is None else Closed(day, holiday=name)


def closed(session: Session, centre: Centre, room_id: int, start: datetime,
           end: datetime) -> Closed | None:
    """The one rule of when a room is closed, asked by series dates (:func:`assess`), rental
    requests, their confirmation and staff's one-off bookings: a closure of the room or of
    the centre on any local day the span touches, or a public holiday of the centre's state
    (the centre is closed on them). The first such day, or None if the room is open."""
    first, last = local_days(centre, start, end)
    closures = _closures(session, centre.id, first, last)
    day = first
    while day <= last:
        found = _closed_on(closures, centre, room_id, day)
        if found is not None:
            return found
        day += timedelta(days=1)
    return None


def refuse_if_closed(session: Session, centre: Centre, room: Room, start: datetime,
                     end: datetime) -> None:
    """409 naming the closure's reason (or the holiday) when the room is :func:`closed`."""
    shut = closed(session, centre, room.id, start, end)
    if shut is None:
        return
    if shut.closure is not None:
        raise Conflict("closure_closed", room=room.name, day=shut.day,
                       reason=shut.closure.reason)
    raise Conflict("holiday_closed", day=shut.day,
                   holiday=Holiday(shut.day, centre.holiday_subdivision))


def closed_days(session: Session, centre: Centre, room_id: int, lo: date,
                hi: date) -> dict[date, Closed]:
    """Every closed local day of the room in ``[lo, hi]`` (the room's week view shows why)."""
    return _closed_days(_closures(session, centre.id, lo, hi), centre, room_id, lo, hi)


def closed_days_of_rooms(session: Session, centre: Centre, room_ids: Sequence[int], lo: date,
                         hi: date) -> dict[int, dict[date, Closed]]:
    """:func:`closed_days` for several rooms of the centre, with one query for closures."""
    closures = _closures(session, centre.id, lo, hi)
    return {room_id: _closed_days(closures, centre, room_id, lo, hi) for room_id in room_ids}


def _closed_days(closures: Sequence[Closure], centre: Centre, room_id: int, lo: date,
                 hi: date) -> dict[date, Closed]:
    found: dict[date, Closed] = {}
    day = lo
    while day <= hi:
        reason = _closed_on(closures, centre, room_id, day)
        if reason is not None:
            found[day] = reason
        day += timedelta(days=1)
    return found


def assess(session: Session, centre: Centre, candidates: Sequence[tuple[date, int]],
           starts: Sequence[tuple[datetime, datetime]], *,
           ignore_occurrences: Iterable[int] = (),
           titles: Sequence[str] | None = None) -> list[Verdict]:
    """The one conflict preview: for each candidate ``(local day, room)`` with its instants,
    free, closed (a closure of the room or centre, or a public holiday), or in conflict with
    a confirmed occurrence (other than ``ignore_occurrences``, the ones being rewritten).

    Candidates are judged in order and a free one holds its time for the later ones, so a
    batch never overlaps itself (a rule faster than its duration, two dates coming back into
    one slot); ``titles`` name them then. One query for closures, one per room."""
    if not candidates:
        return []
    days = [d for d, _ in candidates]
    closures = _closures(session, centre.id, min(days), max(days))
    ignored = set(ignore_occurrences)
    busy: dict[int, list[tuple[datetime, datetime, Occurrence | str]]] = {}
    for room_id in {r for _, r in candidates}:
        spans = [s for (_, r), s in zip(candidates, starts, strict=True) if r == room_id]
        lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
        query = (select(Occurrence).join(Booking).where(
            Occurrence.room_id == room_id, Occurrence.status == HOLDING_STATUS,
            Occurrence.starts_at < hi, Occurrence.ends_at > lo).order_by(Occurrence.starts_at))
        busy[room_id] = [(o.starts_at, o.ends_at, o) for o in session.scalars(query)
                         if o.id not in ignored]
    result: list[Verdict] = []
    for n, ((day, room_id), (begin, end)) in enumerate(zip(candidates, starts, strict=True)):
        shut = _closed_on(closures, centre, room_id, day)
        if shut is not None:
            result.append(Verdict(day, begin, end, room_id, "closed", shut.reason,
                                  shut.closure.id if shut.closure else None))
            continue
        taken = busy[room_id]
        # What holds a room never overlaps itself: the last one starting before ``end`` is
        # the only one that can reach into ``[begin, end)``.
        i = bisect.bisect_left(taken, end, key=lambda t: t[0])
        hit = taken[i - 1] if i > 0 and taken[i - 1][1] > begin else None
        if hit is None:
            result.append(Verdict(day, begin, end, room_id, "free"))
            taken.insert(i, (begin, end, titles[n] if titles else ""))
            continue
        holder = hit[2]
        title = holder if isinstance(holder, str) else public_title(session, holder.booking)
        result.append(Verdict(day, begin, end, room_id, "conflict", Message(
            "reason_conflict", {"title": title,
                                "when": Span(hit[0], hit[1], centre.timezone)})))
    return result


def _reason_json(message: Message | None) -> tuple[str | None, dict[str, Any]]:
    if message is None:
        return None, {}
    params: dict[str, Any] = {}
    for key, value in message.params.items():
        params[key] = ({"start": value.start.isoformat(), "end": value.end.isoformat(),
                        "zone": value.zone} if isinstance(value, Span) else value)
    return message.code, params


def stored_reason(row: SeriesDate) -> Message | None:
    """The reason of a skipped date, as a message to put into words at the edge."""
    if row.reason_code is None:
        return None
    params: dict[str, Any] = {}
    for key, value in (row.reason_params or {}).items():
        params[key] = (Span(datetime.fromisoformat(value["start"]),
                            datetime.fromisoformat(value["end"]), value["zone"])
                       if isinstance(value, dict) and "zone" in value else value)
    return Message(row.reason_code, params)


# --------------------------------------------------------------------------------------------
# Writing dates.

@dataclass
class SeriesOutcome:
    """What a save did (or, for a preview, would do): every date's verdict, and the dates that
    were skipped with their reasons (the term plan publishes through this)."""

    series: Series | None
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def skipped(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.state != "free" and not v.detached]


def _set_date(row: SeriesDate, booking: Booking, verdict: Verdict, now: datetime) -> None:
    """Apply a verdict to a date: hold its occurrence (created, moved or revived), or skip."""
    occ = row.occurrence
    if verdict.state == "free":
        if occ is None:
            occ = Occurrence(room_id=verdict.room_id, starts_at=verdict.starts_at,
                             ends_at=verdict.ends_at, status=BookingStatus.CONFIRMED)
            booking.occurrences.append(occ)
            row.occurrence = occ
        else:
            if occ.status != BookingStatus.CONFIRMED or (
                    occ.starts_at, occ.ends_at, occ.room_id) != (
                    verdict.starts_at, verdict.ends_at, verdict.room_id):
                occ.updated_at = now
            occ.room_id, occ.starts_at, occ.ends_at = (verdict.room_id, verdict.starts_at,
                                                       verdict.ends_at)
            occ.status = BookingStatus.CONFIRMED
        row.state, row.reason_code, row.reason_params, row.closure_id = (
            DateState.PLANNED, None, {}, None)
        return
    if occ is not None and occ.status != BookingStatus.CANCELLED:
        occ.status = BookingStatus.CANCELLED
        occ.updated_at = now
    row.state = DateState.SKIPPED
    row.reason_code, row.reason_params = _reason_json(verdict.reason)
    row.closure_id = verdict.closure_id


def _raise_if_conflicts(centre: Centre, verdicts: Sequence[Verdict]) -> None:
    """``on_conflict="fail"``: refuse when another booking holds a date. A closed day (a
    closure, a public holiday) is no choice to make: the centre is closed, the date is skipped
    with its reason either way."""
    bad = [v for v in verdicts if v.state == "conflict" and not v.detached]
    if bad:
        raise Conflict("series_dates_conflict", n=len(bad), dates=[
            Message("series_date_not_free", {"day": v.day, "reason": v.reason})
            for v in bad[:20]])


def _flush(session: Session) -> None:
    """Write, with the database's no-overlap constraint as the last word: the preview came
    first and the rooms are locked, so a refusal here is a path :func:`assess` missed; it is
    answered as a conflict (409), never as a server error."""
    try:
        session.flush()
    except IntegrityError as exc:
        if not is_overlap_error(exc):
            raise
        raise Conflict("room_taken_meanwhile") from exc


def _materialise(session: Session, series: Series, centre: Centre, lo: date, hi: date,
                 now: datetime, on_conflict: str, dry_run: bool = False) -> list[Verdict]:
    """Create the dates of ``series`` in ``[lo, hi]`` that it does not have yet."""
    hi = min(hi, _last_day(series.first_date))
    have = {row.day for row in series.dates}
    days = [d for d in _rule_days(series.rrule, [date.fromisoformat(x) for x in series.rdates],
                                  series.first_date, time(series.start_minute // 60,
                                                          series.start_minute % 60),
                                  series.until, series.count, lo, hi) if d not in have]
    if len(days) > MAX_DATES:
        raise InvalidInput("series_too_many_dates", n=MAX_DATES)
    spans = [_span(series, d) for d in days]
    if any(e > LATEST for _, e in spans) or not all(in_horizon(d) for d in days):
        raise InvalidInput("series_horizon")
    verdicts = assess(session, centre, [(d, params(series, d)[2]) for d in days], spans,
                      titles=[series.booking.title] * len(days))
    if on_conflict == "fail":
        _raise_if_conflicts(centre, verdicts)
    if dry_run:
        return verdicts
    for verdict in verdicts:
        row = SeriesDate(day=verdict.day, state=DateState.PLANNED, reason_params={},
                         detached=False)
        series.dates.append(row)
        _set_date(row, series.booking, verdict, now)
    return verdicts


class NothingFree(Conflict):
    """A series none of whose dates is free (409): it would hold no room while others book
    its slots. ``verdicts`` says why each date is not free, so a caller that writes many
    series at once (the term's publication) can refuse this one with its reasons and go on."""

    def __init__(self, verdicts: Sequence[Verdict]) -> None:
        super().__init__("series_nothing_free", dates=[
            Message("series_date_not_free", {"day": v.day, "reason": v.reason})
            for v in verdicts[:20]])
        self.verdicts = list(verdicts)


def _centre_and_room(session: Session, room_id: int) -> tuple[Room, Centre]:
    room = session.get(Room, room_id)
    if room is None:
        raise NotFound("room_not_found", id=room_id)
    return room, session.get_one(Centre, room.centre_id)


def create_series(session: Session, actor: Actor, spec: SeriesSpec, *, now: datetime,
                  on_conflict: str = "skip", dry_run: bool = False) -> SeriesOutcome:
    """Create a booking with its series and materialise its dates up to the horizon.

    ``on_conflict="skip"`` stores each date that is not free as skipped with its reason;
    ``"fail"`` refuses the whole series (409, naming every date) when another booking holds a
    date (closed days are skipped with their reason either way). ``dry_run`` is the preview:
    the same checks, nothing written. The term plan publishes its allocations through here."""
    if spec.kind not in (BookingKind.PROGRAMME, BookingKind.GROUP):
        raise InvalidInput("series_kind")
    room, centre = _centre_and_room(session, spec.room_id)
    staff_id = require_staff(actor, centre.id)
    if not spec.title.strip():
        raise InvalidInput("title_missing")
    if not timedelta(0) < spec.duration <= timedelta(hours=24):
        raise InvalidInput("series_pattern_incomplete", field="duration_minutes")
    if spec.until is not None and spec.until < spec.first_date:
        raise InvalidInput("series_no_dates")
    if not in_horizon(spec.first_date) or (spec.until and not in_horizon(spec.until)):
        raise InvalidInput("series_horizon")
    if spec.offer_id is not None:
        offer = session.get(Offer, spec.offer_id)
        if offer is None or offer.centre_id != centre.id:
            raise NotFound("offer_not_found", id=spec.offer_id)
    if spec.group_id is not None:
        group = session.get(Group, spec.group_id)
        if group is None or group.centre_id != centre.id:
            raise NotFound("group_not_found", id=spec.group_id)
    rule = pattern_rrule(spec.pattern)
    lock_rooms(session, [room.id])
    booking = Booking(centre_id=centre.id, kind=spec.kind, status=BookingStatus.CONFIRMED,
                      title=spec.title.strip(), offer_id=spec.offer_id, group_id=spec.group_id,
                      notes=spec.notes, rrule=rule, created_at=now, updated_at=now,
                      requested_by_id=staff_id, responsible_id=spec.responsible_id or staff_id)
    today = local_today(now, centre.timezone)
    if spec.first_date > horizon(today):
        # Nothing could be written or checked yet, and an empty series would hold no room
        # while others book its slots: staff create it once its first date is in reach.
        raise InvalidInput("series_beyond_horizon", day=horizon(today), n=HORIZON_MONTHS)
    series = Series(booking=booking, room_id=room.id, zone=centre.timezone,
                    start_minute=spec.start.hour * 60 + spec.start.minute,
                    duration_minutes=int(spec.duration.total_seconds() // 60), rrule=rule,
                    rdates=sorted({d.isoformat() for d in spec.pattern.dates}),
                    first_date=spec.first_date, until=spec.until, count=spec.count,
                    pattern=spec.pattern.as_json(), materialised_until=horizon(today),
                    created_at=now, updated_at=now)
    verdicts = _materialise(session, series, centre, spec.first_date, series.materialised_until,
                            now, on_conflict, dry_run=dry_run)
    if not verdicts:
        raise InvalidInput("series_no_dates")
    if not dry_run and not any(v.state == "free" for v in verdicts):
        raise NothingFree(verdicts)
    if dry_run:
        return SeriesOutcome(None, verdicts)
    session.add(booking)
    session.add(series)
    _flush(session)
    record(session, now, staff_id, "series", series.id, "created", booking_id=booking.id,
           rrule=rule, dates=len(verdicts),
           skipped=sum(1 for v in verdicts if v.state != "free"))
    from booking.services import access as door_access  # Eigenregie codes (issue 12)

    door_access.booking_confirmed(session, booking, staff_id, now)
    return SeriesOutcome(series, verdicts)


def get_series(session: Session, actor: Actor, series_id: int) -> Series:
    series = session.get(Series, series_id)
    if series is None:
        raise NotFound("series_not_found", id=series_id)
    require_staff(actor, series.booking.centre_id)
    return series


# --------------------------------------------------------------------------------------------
# Editing.

@dataclass(frozen=True)
class SeriesChange:
    title: str | None = None
    start: time | None = None
    duration: timedelta | None = None
    room_id: int | None = None


def edit_series(session: Session, actor: Actor, series_id: int, change: SeriesChange, *,
                now: datetime, from_day: date | None = None, on_conflict: str = "skip",
                dry_run: bool = False) -> SeriesOutcome:
    """Change the whole series (``from_day`` None: every date from today on) or this and the
    following dates (from ``from_day``). Dates changed on their own stay as they are and are
    reported with ``detached``; every other affected date is checked again by :func:`assess`:
    a date that is no longer free is skipped with its reason, a skipped one that became free
    comes back. Past dates are history and stay."""
    series = get_series(session, actor, series_id)
    booking = series.booking
    centre = session.get_one(Centre, booking.centre_id)
    staff_id = require_staff(actor, centre.id)
    if change.title is not None and not change.title.strip():
        raise InvalidInput("title_missing")
    if change.duration is not None and not timedelta(0) < change.duration <= timedelta(hours=24):
        raise InvalidInput("series_pattern_incomplete", field="duration_minutes")
    today = local_today(now, centre.timezone)
    start_day = max(today, from_day or today)
    old_minute, old_minutes, old_room = params(series, start_day)
    room_id = change.room_id if change.room_id is not None else old_room
    if room_id != old_room:
        _room, room_centre = _centre_and_room(session, room_id)
        if room_centre.id != centre.id:
            raise NotFound("room_not_found", id=room_id)
    rooms = {room_id, series.room_id} | {r.occurrence.room_id for r in series.dates
                                          if r.occurrence is not None}
    lock_rooms(session, rooms)
    # The edited rule, on a copy of the values (a preview must not change the loaded row).
    wall = change.start or time(old_minute // 60, old_minute % 60)
    minutes = int(change.duration.total_seconds() // 60) if change.duration else old_minutes
    affected = [r for r in series.dates if r.day >= start_day]
    movable = [r for r in affected if not r.detached and r.state != DateState.CANCELLED]
    spans = [local_span(r.day, wall, timedelta(minutes=minutes), series.zone) for r in movable]
    # The dates being rewritten make way for themselves; everything else, the dates of this
    # series that stay where they are included, holds its time.
    verdicts = assess(session, centre, [(r.day, room_id) for r in movable], spans,
                      ignore_occurrences=[r.occurrence_id for r in movable
                                          if r.occurrence_id is not None],
                      titles=[(change.title or booking.title).strip()] * len(movable))
    kept = [Verdict(r.day, *(_occ_span(r)), r.occurrence.room_id if r.occurrence else room_id,
                    "free" if r.state == DateState.PLANNED else r.state, stored_reason(r),
                    r.closure_id, detached=True)
            for r in affected if r.detached or r.state == DateState.CANCELLED]
    if on_conflict == "fail":
        _raise_if_conflicts(centre, verdicts)
    outcome = SeriesOutcome(series, sorted(verdicts + kept, key=lambda v: v.day))
    if dry_run:
        return outcome
    if change.title is not None:
        booking.title = change.title.strip()
    # Dates before ``start_day`` keep the values they had; from it on the new ones hold.
    series.changes = [e for e in series.changes or []
                      if date.fromisoformat(e["from"]) < start_day] + [
        {"from": start_day.isoformat(), "start_minute": wall.hour * 60 + wall.minute,
         "duration_minutes": minutes, "room_id": room_id}]
    series.updated_at = booking.updated_at = now
    for row, verdict in zip(movable, verdicts, strict=True):
        _set_date(row, booking, verdict, now)
    _flush(session)
    record(session, now, staff_id, "series", series.id, "edited",
           from_day=from_day.isoformat() if from_day else None,
           start_minute=wall.hour * 60 + wall.minute, duration_minutes=minutes,
           room_id=room_id,
           kept=len(kept), skipped=len(outcome.skipped))
    return outcome


def _occ_span(row: SeriesDate) -> tuple[datetime, datetime]:
    if row.occurrence is not None:
        return row.occurrence.starts_at, row.occurrence.ends_at
    return _span(row.series, row.day)


def restore_date(session: Session, actor: Actor, series_id: int, day: date, *,
                 now: datetime) -> SeriesDate:
    """Add a skipped or cancelled date back, at the series' time and room, if it is free."""
    series = get_series(session, actor, series_id)
    centre = session.get_one(Centre, series.booking.centre_id)
    staff_id = require_staff(actor, centre.id)
    row = next((r for r in series.dates if r.day == day), None)
    if row is None:
        raise NotFound("series_date_not_found", day=day)
    if row.state == DateState.PLANNED:
        raise Conflict("series_date_takes_place", day=day)
    room_id = params(series, day)[2]
    lock_rooms(session, {room_id} | ({row.occurrence.room_id} if row.occurrence else set()))
    verdict = assess(session, centre, [(day, room_id)], [_span(series, day)],
                     ignore_occurrences=[row.occurrence_id] if row.occurrence_id else [])[0]
    if verdict.state != "free":
        raise Conflict("series_date_not_free", day=day, reason=verdict.reason)
    _set_date(row, series.booking, verdict, now)
    row.detached = False
    if series.booking.status == BookingStatus.CANCELLED:
        series.booking.status = BookingStatus.CONFIRMED
    series.booking.updated_at = now
    _flush(session)
    record(session, now, staff_id, "series", series.id, "date_restored", day=day.isoformat())
    from booking.services import access as door_access  # Eigenregie codes (issue 12)

    door_access.date_restored(session, series.booking, staff_id, now)
    return row


def detach(session: Session, occurrence: Occurrence, *, cancelled: bool) -> None:
    """Mark the series date of an occurrence as changed on its own (a move or a cancel of one
    date through ``booking.services.bookings``); later series edits leave it alone."""
    row = session.scalar(select(SeriesDate).where(SeriesDate.occurrence_id == occurrence.id))
    if row is None:
        return
    row.detached = True
    if cancelled:
        row.state, row.reason_code, row.reason_params = DateState.CANCELLED, None, {}


def end_with_booking(session: Session, booking: Booking, cut: datetime | None) -> None:
    """A booking cancelled (from ``cut`` on): its dates are cancelled and its series end, so
    :func:`extend` writes no new ones."""
    for series in session.scalars(select(Series).where(Series.booking_id == booking.id)):
        for row in series.dates:
            if row.occurrence is not None and row.occurrence.status == BookingStatus.CANCELLED \
                    and row.state == DateState.PLANNED:
                row.state = DateState.CANCELLED
        last = (to_local(cut, series.zone).date() - timedelta(days=1)) if cut else None
        if last is None or booking.status == BookingStatus.CANCELLED:
            series.until = min(series.until or series.materialised_until,
                               series.materialised_until)
        else:
            series.until = min(series.until or last, last)
        series.count = None if series.until else series.count


# --------------------------------------------------------------------------------------------
# The rolling horizon.

def extend(session: Session, now: datetime) -> int:
    """Materialise every open series up to today's horizon; returns the dates written.
    Idempotent: a second run on the same day writes nothing."""
    written = 0
    rows = session.scalars(select(Series).join(Booking).where(
        Booking.status == BookingStatus.CONFIRMED).order_by(Series.room_id, Series.id)).all()
    lock_rooms(session, {s.room_id for s in rows})
    for series in rows:
        centre = session.get_one(Centre, series.booking.centre_id)
        target = horizon(local_today(now, centre.timezone))
        if series.materialised_until >= target:
            continue
        verdicts = _materialise(session, series, centre,
                                series.materialised_until + timedelta(days=1), target, now,
                                "skip")
        series.materialised_until = target
        written += len(verdicts)
        session.flush()
    return written


# --------------------------------------------------------------------------------------------
# Closures.

@dataclass
class ClosureOutcome:
    closure: Closure | None
    lost: list[SeriesDate] = field(default_factory=list)
    back: list[SeriesDate] = field(default_factory=list)
    # Rentals and one-off bookings (confirmed or requested) on the closed days: a closure does
    # not cancel them on its own; staff see them here and decide (decline, move, or keep).
    hit: list[Occurrence] = field(default_factory=list)


def _bookings_hit(session: Session, centre: Centre, closure: Closure) -> list[Occurrence]:
    """Occurrences that are not series dates and hold or ask for a closed room that day."""
    lo = local_to_utc(closure.first_day, time(0), centre.timezone)
    hi = local_to_utc(closure.last_day + timedelta(days=1), time(0), centre.timezone)
    rooms = ([closure.room_id] if closure.room_id is not None else list(session.scalars(
        select(Room.id).where(Room.centre_id == centre.id))))
    series_dates = select(SeriesDate.occurrence_id).where(SeriesDate.occurrence_id.is_not(None))
    return list(session.scalars(
        select(Occurrence).join(Booking).where(
            Occurrence.room_id.in_(rooms), Booking.kind != BookingKind.CLOSURE,
            Occurrence.status.in_((BookingStatus.CONFIRMED, BookingStatus.PENDING)),
            Occurrence.starts_at < hi, Occurrence.ends_at > lo,
            Occurrence.id.not_in(series_dates))
        .order_by(Occurrence.starts_at, Occurrence.id)))


def _reevaluate(session: Session, centre: Centre, lo: date, hi: date,
                now: datetime) -> tuple[list[SeriesDate], list[SeriesDate]]:
    """Check every series date of the centre in ``[lo, hi]`` that a closure decides: planned
    dates (a closure may now cover them) and dates skipped for a closure or holiday (it may be
    gone). Dates staff changed on their own keep their place unless the room is closed."""
    rows = session.scalars(
        select(SeriesDate).join(Series).join(Booking).where(
            Booking.centre_id == centre.id, Booking.status == BookingStatus.CONFIRMED,
            SeriesDate.day >= lo, SeriesDate.day <= hi,
            SeriesDate.state.in_((DateState.PLANNED, DateState.SKIPPED)))
        .order_by(SeriesDate.day)).all()
    # Dates that hold their room are judged first: a date coming back never takes their slot.
    rows = sorted((r for r in rows if r.state == DateState.PLANNED
                   or r.reason_code in ("reason_closed", "reason_holiday")),
                  key=lambda r: (r.state != DateState.PLANNED, r.day, r.id))
    if not rows:
        return [], []
    candidates: list[tuple[date, int]] = []
    spans: list[tuple[datetime, datetime]] = []
    for r in rows:
        if r.state == DateState.PLANNED and r.occurrence is not None:
            candidates.append((r.day, r.occurrence.room_id))
            spans.append((r.occurrence.starts_at, r.occurrence.ends_at))
        else:
            candidates.append((r.day, params(r.series, r.day)[2]))
            spans.append(_span(r.series, r.day))
    lock_rooms(session, {room for _, room in candidates})
    own = [r.occurrence_id for r in rows if r.occurrence_id is not None]
    verdicts = assess(session, centre, candidates, spans, ignore_occurrences=own,
                      titles=[r.series.booking.title for r in rows])
    lost: list[SeriesDate] = []
    back: list[SeriesDate] = []
    for row, verdict in zip(rows, verdicts, strict=True):
        if row.state == DateState.PLANNED:
            if verdict.state == "closed":
                _set_date(row, row.series.booking, verdict, now)
                lost.append(row)
        elif verdict.state == "free":
            _set_date(row, row.series.booking, verdict, now)
            back.append(row)
        elif verdict.state == "conflict" or verdict.closure_id != row.closure_id:
            # Still not free, for another reason now: say the current one.
            _set_date(row, row.series.booking, verdict, now)
    return lost, back


def _mail_lost(session: Session, centre: Centre, lost: Sequence[SeriesDate],
               now: datetime) -> None:
    """Tell the people responsible for each series which dates it loses."""
    by_booking: dict[int, list[SeriesDate]] = defaultdict(list)
    for row in lost:
        by_booking[row.series.booking_id].append(row)
    for booking_id, rows in by_booking.items():
        booking = session.get_one(Booking, booking_id)
        people: dict[int, Person] = {}
        if booking.responsible_id is not None:
            people[booking.responsible_id] = session.get_one(Person, booking.responsible_id)
        if booking.group_id is not None:
            for person in session.get_one(Group, booking.group_id).contacts:
                people[person.id] = person
        reason = stored_reason(rows[0])
        for person in people.values():
            mailer.enqueue(session, to=person, kind=mailer.MailKind.SERIES_DATES_LOST, now=now,
                           context={"title": booking.title, "centre": centre.name,
                                    "dates": [f"{r.day:%d.%m.%Y}" for r in rows],
                                    "reason": reason.render(person.language) if reason
                                    else None})


def _check_closure(session: Session, actor: Actor, centre_id: int, room_id: int | None,
                   first_day: date, last_day: date) -> tuple[Centre, int]:
    centre = session.get(Centre, centre_id)
    if centre is None:
        raise NotFound("centre_not_found", id=centre_id)
    staff_id = require_staff(actor, centre.id)
    if room_id is not None:
        room = session.get(Room, room_id)
        if room is None or room.centre_id != centre.id:
            raise NotFound("room_not_found", id=room_id)
    if last_day < first_day:
        raise InvalidInput("closure_days")
    if not (in_horizon(first_day) and in_horizon(last_day)):
        raise InvalidInput("series_horizon")
    return centre, staff_id


def create_closure(session: Session, actor: Actor, centre_id: int, *, room_id: int | None,
                   first_day: date, last_day: date, reason: str,
                   now: datetime) -> ClosureOutcome:
    centre, staff_id = _check_closure(session, actor, centre_id, room_id, first_day, last_day)
    if not reason.strip():
        raise InvalidInput("closure_reason_missing")
    closure = Closure(centre_id=centre.id, room_id=room_id, first_day=first_day,
                      last_day=last_day, reason=reason.strip(), created_at=now, updated_at=now)
    session.add(closure)
    session.flush()
    lost, back = _reevaluate(session, centre, first_day, last_day, now)
    _mail_lost(session, centre, lost, now)
    _flush(session)
    hit = _bookings_hit(session, centre, closure)
    record(session, now, staff_id, "closure", closure.id, "created", room_id=room_id,
           first_day=first_day.isoformat(), last_day=last_day.isoformat(), lost=len(lost),
           bookings=[o.booking_id for o in hit])
    return ClosureOutcome(closure, lost, back, hit)


def _get_closure(session: Session, actor: Actor, closure_id: int) -> tuple[Closure, Centre, int]:
    closure = session.get(Closure, closure_id)
    if closure is None:
        raise NotFound("closure_not_found", id=closure_id)
    centre = session.get_one(Centre, closure.centre_id)
    return closure, centre, require_staff(actor, centre.id)


def move_closure(session: Session, actor: Actor, closure_id: int, *, first_day: date,
                 last_day: date, reason: str | None, now: datetime) -> ClosureOutcome:
    """Move a closure to other days: dates it no longer covers come back if the room is free,
    dates it now covers are skipped."""
    closure, centre, staff_id = _get_closure(session, actor, closure_id)
    _check_closure(session, actor, centre.id, closure.room_id, first_day, last_day)
    lo, hi = min(first_day, closure.first_day), max(last_day, closure.last_day)
    closure.first_day, closure.last_day = first_day, last_day
    if reason is not None and reason.strip():
        closure.reason = reason.strip()
    closure.updated_at = now
    session.flush()
    lost, back = _reevaluate(session, centre, lo, hi, now)
    _mail_lost(session, centre, lost, now)
    _flush(session)
    hit = _bookings_hit(session, centre, closure)
    record(session, now, staff_id, "closure", closure.id, "moved",
           first_day=first_day.isoformat(), last_day=last_day.isoformat(), lost=len(lost),
           back=len(back), bookings=[o.booking_id for o in hit])
    return ClosureOutcome(closure, lost, back, hit)


def delete_closure(session: Session, actor: Actor, closure_id: int,
                   now: datetime) -> ClosureOutcome:
    closure, centre, staff_id = _get_closure(session, actor, closure_id)
    lo, hi = closure.first_day, closure.last_day
    session.delete(closure)
    session.flush()
    lost, back = _reevaluate(session, centre, lo, hi, now)
    _flush(session)
    record(session, now, staff_id, "closure", closure_id, "deleted", back=len(back))
    return ClosureOutcome(None, lost, back)


@dataclass(frozen=True)
class PreviewDate:
    """A series date a closure change would take or give back, as plain values."""

    day: date
    title: str
    room_id: int
    starts_at: datetime
    ends_at: datetime
    reason: Message | None


@dataclass(frozen=True)
class PreviewBooking:
    """A rental or one-off booking on the closed days (kept; staff decide about it)."""

    booking_id: int
    kind: str
    status: str
    title: str
    room_id: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ClosurePreview:
    lost: list[PreviewDate]
    back: list[PreviewDate]
    bookings: list[PreviewBooking]


def preview_date(row: SeriesDate) -> PreviewDate:
    begin, end = _occ_span(row)
    return PreviewDate(row.day, row.series.booking.title, params(row.series, row.day)[2],
                       begin, end, stored_reason(row))


def preview_closure(session: Session, actor: Actor, *, now: datetime,
                    centre_id: int | None = None, closure_id: int | None = None,
                    room_id: int | None = None, first_day: date | None = None,
                    last_day: date | None = None, reason: str = "",
                    delete: bool = False) -> ClosurePreview:
    """What creating (``centre_id``), moving (``closure_id`` with days) or deleting
    (``delete``) a closure would do: the very same functions run in a savepoint that is then
    rolled back, so the preview and the save cannot disagree. Nothing stays written, no mail
    goes out (the queued mails go with the savepoint)."""
    nested = session.begin_nested()
    try:
        if delete:
            assert closure_id is not None
            outcome = delete_closure(session, actor, closure_id, now)
        elif closure_id is not None:
            assert first_day is not None and last_day is not None
            outcome = move_closure(session, actor, closure_id, first_day=first_day,
                                   last_day=last_day, reason=reason or None, now=now)
        else:
            assert centre_id is not None and first_day is not None and last_day is not None
            outcome = create_closure(session, actor, centre_id, room_id=room_id,
                                     first_day=first_day, last_day=last_day,
                                     reason=reason, now=now)
        result = ClosurePreview(
            lost=[preview_date(r) for r in outcome.lost],
            back=[preview_date(r) for r in outcome.back],
            bookings=[PreviewBooking(o.booking_id, o.booking.kind, o.status, o.booking.title,
                                     o.room_id, o.starts_at, o.ends_at) for o in outcome.hit])
    finally:
        nested.rollback()
    return result


def public_holidays(centre: Centre, lo: date, hi: date) -> list[tuple[date, str]]:
    """The public holidays of the centre's state in ``[lo, hi]`` (German names)."""
    found: list[tuple[date, str]] = []
    for year in range(lo.year, hi.year + 1):
        found += [(d, n) for d, n in _holiday_calendar(centre.holiday_subdivision, year).items()
                  if lo <= d <= hi]
    return sorted(found)


def list_closures(session: Session, actor: Actor, centre_id: int) -> list[Closure]:
    require_staff(actor, centre_id)
    return list(session.scalars(select(Closure).where(Closure.centre_id == centre_id)
                                .order_by(Closure.first_day, Closure.id)))


# --------------------------------------------------------------------------------------------
# SEQUENCE: every change of an occurrence's time, room or status raises it, whichever service
# made the change, so calendar clients replace their copy (RFC 5545 3.8.7.4).

_TRACKED = ("starts_at", "ends_at", "room_id", "status")


@event.listens_for(Session, "before_flush")
def _raise_sequence(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.dirty:
        if not isinstance(obj, Occurrence):
            continue
        state = inspect(obj)
        if any(state.attrs[name].history.has_changes() for name in _TRACKED):
            obj.sequence = (obj.sequence or 0) + 1


# --------------------------------------------------------------------------------------------
# Dates moved on their own, in a batch (the week plan publishes through here, issue 11 §7).

@dataclass(frozen=True)
class DateMove:
    """One date of a series to hold at another time or room (a planned date moved, or a
    skipped one held elsewhere)."""

    row: SeriesDate
    room_id: int
    starts_at: datetime
    ends_at: datetime


def move_dates(session: Session, actor: Actor, moves: Sequence[DateMove], *,
               now: datetime) -> list[SeriesDate]:
    """Hold each date at its new time and room as an exception of its series: the date is
    changed on its own (``detached``), so the series' pattern and its other dates stay as
    they are, and a later edit of the series leaves this one alone (its preview says so).

    The moves are judged together by :func:`assess` (the dates being moved make way for each
    other, so two groups may swap rooms); one that is not free refuses the batch (409), and
    nothing is written. The caller locks the rooms concerned."""
    if not moves:
        return []
    centres = {m.row.series.booking.centre_id for m in moves}
    staff_id = None
    for centre_id in centres:
        staff_id = require_staff(actor, centre_id)
    rooms = {m.room_id for m in moves} | {m.row.occurrence.room_id for m in moves
                                          if m.row.occurrence is not None}
    lock_rooms(session, rooms)
    own = [m.row.occurrence_id for m in moves if m.row.occurrence_id is not None]
    for centre_id in centres:
        centre = session.get_one(Centre, centre_id)
        batch = [m for m in moves if m.row.series.booking.centre_id == centre_id]
        verdicts = assess(session, centre, [(to_local(m.starts_at, centre.timezone).date(),
                                             m.room_id) for m in batch],
                          [(m.starts_at, m.ends_at) for m in batch], ignore_occurrences=own,
                          titles=[m.row.series.booking.title for m in batch])
        bad = [v for v in verdicts if v.state != "free"]
        if bad:
            raise Conflict("series_date_not_free", day=bad[0].day, reason=bad[0].reason)
        for move, verdict in zip(batch, verdicts, strict=True):
            _set_date(move.row, move.row.series.booking, verdict, now)
            move.row.detached = True
            move.row.series.booking.updated_at = now
    _flush(session)
    for move in moves:
        record(session, now, staff_id, "series", move.row.series_id, "date_moved",
               day=move.row.day.isoformat(), room_id=move.room_id,
               starts_at=move.starts_at.isoformat())
    return [m.row for m in moves]
