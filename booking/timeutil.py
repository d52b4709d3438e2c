"""Zone conversions, in one place (STYLE: aware UTC inside, local wall time only at the edges).

Storage and code use aware UTC instants. A centre's local time (Europe/Berlin by default) is
used only when reading input, when showing times, and when expanding recurrence rules, so that
a group at 19:00 stays at 19:00 across daylight-saving changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Europe/Berlin"
# Instants outside this range are refused at the edge: nothing a centre books lies there, and
# it keeps zone arithmetic away from datetime's limits.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def require_aware(value: datetime, what: str = "time") -> datetime:
    """Return ``value`` in UTC; a naive datetime is a programming error or bad input."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} needs a time zone offset, e.g. 2026-12-01T18:00:00+01:00")
    return value.astimezone(UTC)


def check_span(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """``[start, end)`` as UTC instants, refused with a sentence if it is naive, reversed, empty
    or outside the years the service handles. Every service that takes a span from a caller
    checks it here."""
    from booking.errors import InvalidInput

    try:
        start, end = require_aware(start, "start"), require_aware(end, "end")
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    if not (EARLIEST <= start < LATEST and EARLIEST < end <= LATEST):
        raise InvalidInput("The time lies outside the years 2000–2099.")
    if end <= start:
        raise InvalidInput("The end must be after the start.")
    return start, end


def local_to_utc(day: date, wall: time, zone_name: str) -> datetime:
    """The instant of wall-clock ``wall`` on ``day`` in the zone.

    A wall time that does not exist (the spring-forward gap) is moved forward by the gap, and
    one that exists twice (autumn) takes the first, summer-time, instant: zoneinfo's fold=0.
    """
    # zoneinfo with fold=0 reads a gap time with the offset before the change, which lands
    # the gap's length later on the wall clock: 02:30 on the spring-forward night is 03:30.
    return datetime.combine(day, wall).replace(tzinfo=zone(zone_name), fold=0).astimezone(UTC)


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
