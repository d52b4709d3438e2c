"""Expanding recurrence rules (RFC 5545 RRULE with exceptions) in the centre's zone.

Rules are read in local wall time: a group that meets at 19:00 on Tuesdays meets at 19:00
before and after the daylight-saving change, and its instants in UTC shift by an hour. Each
occurrence is then stored as an absolute ``[start, end)`` in UTC, placed by RFC 5545's rule
(``booking.timeutil.local_span``): a start in the spring-forward gap moves forward by the gap,
an ambiguous one is the first, and every date lasts the series' duration in real time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from dateutil.rrule import rrulestr

from booking.errors import InvalidInput
from booking.messages import Span
from booking.timeutil import (
    LATEST,
    SERIES_YEARS,
    local_span,
)

MAX_OCCURRENCES = 400


def expand(
    rule: str,
    first_day: date,
    start: time,
    duration: timedelta,
    zone_name: str,
    until: date | None = None,
    exdates: Iterable[date] = (),
) -> list[tuple[datetime, datetime]]:
    """The ``[start, end)`` instants of every occurrence of ``rule``.

    ``rule`` is an RRULE body such as ``FREQ=WEEKLY;INTERVAL=2;BYDAY=TU``; the series starts on
    ``first_day`` at local ``start``. ``until`` (inclusive) or a COUNT in the rule must bound it.
    """
    if duration <= timedelta(0):
        raise InvalidInput("duration_not_positive")
    body = rule.strip().removeprefix("RRULE:")
    if "UNTIL" not in body.upper() and "COUNT" not in body.upper() and until is None:
        raise InvalidInput("series_needs_end")
    try:
        parsed = rrulestr("RRULE:" + body, dtstart=datetime.combine(first_day, start))
    except (ValueError, TypeError) as exc:
        raise InvalidInput("rule_unreadable", reason=str(exc)) from exc
    skip = set(exdates)
    # The first day a series may no longer reach (29 February: the 28th of a common year).
    try:
        beyond = first_day.replace(year=first_day.year + SERIES_YEARS)
    except ValueError:
        beyond = first_day.replace(year=first_day.year + SERIES_YEARS, day=28)
    result: list[tuple[datetime, datetime]] = []
    for local_start in parsed:
        day = local_start.date()
        if until is not None and day > until:
            break
        if day >= beyond:
            raise InvalidInput("series_years", n=SERIES_YEARS)
        if day in skip:
            continue
        if len(result) >= MAX_OCCURRENCES:
            raise InvalidInput("series_too_many", n=MAX_OCCURRENCES)
        # RFC 5545: a start in the gap moves forward, an ambiguous one is the first, and
        # every date lasts ``duration`` in real time (``booking.timeutil.local_span``).
        begin, end = local_span(day, local_start.time(), duration, zone_name)
        if end > LATEST:
            raise InvalidInput("time_horizon")
        if result and begin < result[-1][1]:
            # Not a collision with another booking: the rule itself repeats faster than one
            # date lasts (FREQ=SECONDLY, or HOURLY with a long duration).
            raise InvalidInput("series_dates_overlap", first=Span(*result[-1], zone_name),
                               second=Span(begin, end, zone_name))
        result.append((begin, end))
    return result
