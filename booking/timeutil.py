"""Zone conversions, in one place (STYLE: aware UTC inside, local wall time only at the edges).

Storage and code use aware UTC instants. A centre's local time (Europe/Berlin by default) is
used only when reading input, when showing times, and when expanding recurrence rules, so that
a group at 19:00 stays at 19:00 across daylight-saving changes.

The daylight-saving rule of the whole service (RFC 5545, 3.3.5 and 3.3.10), written here once
and applied by :func:`local_span` / :func:`local_to_utc`, which every form, series and feed uses:

1. A local time that does not exist (the spring-forward gap, 02:00–03:00 on the last Sunday of
   March in Berlin) moves **forward by the gap**: 02:30 is 03:30 summer time.
2. A local time that exists twice (02:00–03:00 on the last Sunday of October) is the **first**
   of the two, in summer time.
3. Durations are **real time**: a date lasts its stated minutes, so its end on the wall clock
   moves when a change falls inside it.

"Today", weekdays and "this week" are the centre's (:func:`local_today`, :func:`week_of`),
computed from an aware instant in the centre's zone, never in the server's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from booking.errors import InvalidInput

DEFAULT_ZONE = "Europe/Berlin"
# The calendar horizon: every instant the service takes lies in [EARLIEST, LATEST), and a
# series' dates lie less than SERIES_YEARS after its first. Nothing a centre books lies outside,
# and it keeps zone arithmetic away from datetime's limits (years 1 and 9999 with an offset
# overflow). Outside it a caller gets the message "time_horizon" as a 400.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
SERIES_YEARS = 5


def in_horizon(day: date) -> bool:
    """Whether a local calendar day lies in the years the service handles."""
    return EARLIEST.year <= day.year < LATEST.year


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a name too long
        raise ValueError(f"unknown time zone {name!r}") from exc


class NaiveInstant(ValueError):
    """A datetime without a zone offset where an instant is needed; ``what`` names it."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} needs a time zone offset, e.g. 2026-12-01T18:00:00+01:00")
        self.what = what


def require_aware(value: datetime, what: str = "time") -> datetime:
    """Return ``value`` in UTC; a naive datetime is a programming error or bad input."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveInstant(what)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # year 1 or 9999 with an offset
        raise InvalidInput("time_horizon") from exc


def check_instant(value: datetime, what: str = "time") -> datetime:
    """``value`` in UTC, refused with a sentence if it is naive or outside the horizon."""
    try:
        value = require_aware(value, what)
    except NaiveInstant as exc:
        raise InvalidInput("time_needs_offset", what=exc.what) from exc
    if not EARLIEST <= value <= LATEST:
        raise InvalidInput("time_horizon")
    return value


def check_span(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """``[start, end)`` as UTC instants, refused with a sentence if it is naive, reversed, empty
    or outside the years the service handles. Every service that takes a span from a caller
    checks it here."""
    try:
        start, end = require_aware(start, "start"), require_aware(end, "end")
    except NaiveInstant as exc:
        raise InvalidInput("time_needs_offset", what=exc.what) from exc
    if not (EARLIEST <= start < LATEST and EARLIEST < end <= LATEST):
        raise InvalidInput("time_horizon")
    if end <= start:
        raise InvalidInput("end_before_start")
    return start, end


def local_to_utc(day: date, wall: time, zone_name: str) -> datetime:
    """The instant of wall-clock ``wall`` on ``day`` in the zone, by RFC 5545's rule (see
    :func:`local_span`): a wall time that does not exist is moved forward by the gap, one that
    exists twice takes the first instant."""
    if not in_horizon(day):
        raise InvalidInput("time_horizon")
    # zoneinfo with fold=0 reads a gap time with the offset before the change, which lands
    # the gap's length later on the wall clock (02:30 on the spring-forward night is 03:30),
    # and an ambiguous time with the offset before the change too: the first, summer one.
    return datetime.combine(day, wall.replace(fold=0)).replace(
        tzinfo=zone(zone_name), fold=0).astimezone(UTC)


def local_span(day: date, wall: time, duration: timedelta,
               zone_name: str) -> tuple[datetime, datetime]:
    """``[start, end)`` of an event that begins at wall-clock ``wall`` on ``day`` and lasts
    ``duration``: the one rule for local times in Raumplan, RFC 5545's (3.3.5 and 3.3.10).

    - A local start that does not exist (the spring-forward gap) moves forward by the gap:
      02:30 on the last Sunday of March is 03:30 summer time.
    - A local start that exists twice (the last Sunday of October) is the first one, in
      summer time.
    - The event lasts its stated duration in real time, so its end on the wall clock moves
      when a change falls inside it: 02:00-04:00 on the spring-forward night is 03:00-05:00,
      and 02:30-03:30 on the fall-back night ends at the second 02:30.

    Recurrence expansion and the forms' wall-clock times both go through here.
    """
    start = local_to_utc(day, wall, zone_name)
    return start, start + duration


def to_local(instant: datetime, zone_name: str) -> datetime:
    return require_aware(instant).astimezone(zone(zone_name))


def local_date(instant: datetime, zone_name: str) -> date:
    return to_local(instant, zone_name).date()


def minutes_of_day(instant: datetime, zone_name: str) -> int:
    local = to_local(instant, zone_name)
    return local.hour * 60 + local.minute


def format_local(instant: datetime, zone_name: str, with_date: bool = True) -> str:
    local = to_local(instant, zone_name)
    return local.strftime("%d.%m.%Y %H:%M") if with_date else local.strftime("%H:%M")


def format_range(start: datetime, end: datetime, zone_name: str) -> str:
    s, e = to_local(start, zone_name), to_local(end, zone_name)
    if s.date() == e.date():
        return f"{s:%d.%m.%Y} {s:%H:%M}–{e:%H:%M}"
    return f"{s:%d.%m.%Y %H:%M} – {e:%d.%m.%Y %H:%M}"


def local_today(now: datetime, zone_name: str) -> date:
    """The calendar day it is in the centre at the instant ``now`` (not the server's day: at
    00:30 in Berlin it is still yesterday in UTC)."""
    return local_date(now, zone_name)


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the ISO week of a local ``day`` ("this week" in the centre)."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)
