"""iCalendar feeds (RFC 5545) and the CSV export.

One VEVENT per occurrence, never an RRULE: every date is exactly what the database holds, so no
client can expand a rule differently (the Indico/Easy!Appointments DST drift, anchors §4).

- UID ``occurrence-<id>@raumplan``: an occurrence keeps its row when it is moved, skipped for a
  closure and given back, so calendars update one event instead of adding another.
- SEQUENCE is the occurrence's change counter (raised on every change of time, room, status).
- Times carry ``TZID=<centre zone>`` with the matching VTIMEZONE (icalendar builds it from the
  zoneinfo data), LAST-MODIFIED the last change.
- Cancelled dates stay in the feed as ``STATUS:CANCELLED`` until :data:`CANCELLED_FOR` after
  they would have taken place, so subscribed calendars remove them instead of keeping a stale
  copy.

Public feeds (a centre's programme, a room's calendar) show public titles only: a rental is
"Raumvermietung", an internal offer "Interne Nutzung", closures and renters' names never. Secret
feeds (one person's, one group's bookings) are reached by a token whose digest alone is stored.

Caching: a public feed is a function of its rows, and every write that changes them bumps the
rooms' change counters (``room_version``, migration 0003, by trigger). :func:`public_key` reads
those counters with the rooms' names and the centre's address in one query; the rendered bytes
are kept per key in each process (:class:`FeedCache`), so any worker serves the right version.
Once a process has read a feed's version it answers that feed from memory, with no database
read, until any process of the service commits (the commit clock, :mod:`booking.changes`), the
local day ends or :data:`PUBLIC_FRESH_FOR` has passed: a write from outside the service shows at
most that late.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from booking.changes import TRUST_SECONDS
from booking.errors import InvalidInput, NotFound
from booking.models import (
    Booking,
    BookingKind,
    BookingStatus,
    CalendarFeed,
    Centre,
    Group,
    Occurrence,
    Offer,
    Room,
)
from booking.permissions import Actor, require_login, require_staff
from booking.security import new_token, token_digest
from booking.services.conflicts import shown_title
from booking.timeutil import (
    DEFAULT_ZONE,
    EARLIEST,
    LATEST,
    check_span,
    local_to_utc,
    local_today,
    to_local,
)

CANCELLED_FOR = timedelta(days=30)
# Past dates kept in a feed: a month, so "last week" still shows in a subscribed calendar.
PAST = timedelta(days=31)
PRODID = "-//Raumplan//Stadtteilzentren Bielefeld//DE"
MAX_EXPORT_DAYS = 400


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    status: str  # CONFIRMED / TENTATIVE / CANCELLED
    sequence: int
    modified: datetime
    location: str
    description: str = ""


def subscription_links(base_url: str, path: str) -> tuple[str, str]:
    """A feed's address on this installation and its ``webcal://`` form, which calendar apps
    open as a subscription (the API's links and the programme page use this one)."""
    url = base_url.rstrip("/") + path
    return url, "webcal://" + url.split("://", 1)[-1]


def programme_feed_path(centre_id: int) -> str:
    return f"/api/calendar/centres/{centre_id}/programme.ics"


def _status(occ_status: str, booking_status: str) -> str:
    if BookingStatus.CANCELLED in (occ_status, booking_status) or \
            BookingStatus.DECLINED in (occ_status, booking_status):
        return "CANCELLED"
    return "TENTATIVE" if BookingStatus.PENDING in (occ_status, booking_status) else "CONFIRMED"


def _events(session: Session, query: Any, now: datetime, *, public: bool,
            whole: bool = False) -> list[FeedEvent]:
    """The rows of ``query`` as events: from :data:`PAST` ago on, or ``whole``."""
    if not whole:
        query = query.where(Occurrence.ends_at >= now - PAST)
    rows = session.execute(query.where(
        Occurrence.status.in_((BookingStatus.CONFIRMED, BookingStatus.CANCELLED,
                               BookingStatus.PENDING)))
        .order_by(Occurrence.starts_at, Occurrence.id)).all()
    events: list[FeedEvent] = []
    for occ_id, start, end, occ_status, seq, occ_changed, kind, title, b_status, b_changed, \
            offer_public, room_name, centre_name, address, purpose in rows:
        status = _status(occ_status, b_status)
        if status == "CANCELLED" and end < now - CANCELLED_FOR and not whole:
            continue
        shown = shown_title(kind, title, offer_public) if public else title
        location = ", ".join(x for x in (room_name, centre_name, address) if x)
        events.append(FeedEvent(
            uid=f"occurrence-{occ_id}@raumplan", title=shown, starts_at=start, ends_at=end,
            status=status, sequence=seq or 0,
            modified=max(x for x in (occ_changed, b_changed) if x is not None),
            location=location, description="" if public else (purpose or "")))
    return events


def _base_query() -> Any:
    return (select(Occurrence.id, Occurrence.starts_at, Occurrence.ends_at, Occurrence.status,
                   Occurrence.sequence, Occurrence.updated_at, Booking.kind, Booking.title,
                   Booking.status, Booking.updated_at, Offer.public, Room.name, Centre.name,
                   Centre.address, Booking.purpose)
            .select_from(Occurrence).join(Booking, Booking.id == Occurrence.booking_id)
            .join(Room, Room.id == Occurrence.room_id).join(Centre, Centre.id == Booking.centre_id)
            .outerjoin(Offer, Offer.id == Booking.offer_id))


def programme_events(session: Session, centre_id: int, now: datetime) -> list[FeedEvent]:
    """The centre's public programme: programme slots and groups, not internal offers, never
    rentals or closures."""
    query = _base_query().where(
        Booking.centre_id == centre_id,
        Booking.kind.in_((BookingKind.PROGRAMME, BookingKind.GROUP)),
        or_(Offer.id.is_(None), Offer.public.is_(True)),
        Booking.status.in_((BookingStatus.CONFIRMED, BookingStatus.CANCELLED)))
    return _events(session, query, now, public=True)


def room_events(session: Session, room_id: int, now: datetime) -> list[FeedEvent]:
    """Everything that holds the room, with public titles only."""
    query = _base_query().where(
        Occurrence.room_id == room_id,
        Booking.status.in_((BookingStatus.CONFIRMED, BookingStatus.CANCELLED)))
    return _events(session, query, now, public=True)


def person_events(session: Session, person_id: int, now: datetime) -> list[FeedEvent]:
    """A person's own bookings (requested by or responsible for), with their own words."""
    query = _base_query().where(or_(Booking.requested_by_id == person_id,
                                    Booking.responsible_id == person_id))
    return _events(session, query, now, public=False)


def group_events(session: Session, group_id: int, now: datetime) -> list[FeedEvent]:
    query = _base_query().where(Booking.group_id == group_id)
    return _events(session, query, now, public=False)


def booking_events(session: Session, actor: Actor, booking_id: int,
                   now: datetime) -> tuple[str, list[FeedEvent], str]:
    """One booking's dates for a downloadable ``.ics``: staff of its centre, the person who
    asked for it and the responsible person may have it; to others it does not exist."""
    person_id = require_login(actor)
    booking = session.get(Booking, booking_id)
    if booking is None or not (actor.is_staff_of(booking.centre_id)
                               or person_id in (booking.requested_by_id,
                                                booking.responsible_id)):
        raise NotFound("feed_not_found")
    centre = session.get_one(Centre, booking.centre_id)
    events = _events(session, _base_query().where(Booking.id == booking_id), now,
                     public=False, whole=True)
    return booking.title, events, centre.timezone


def render(name: str, events: Sequence[FeedEvent], zone: str, now: datetime) -> bytes:
    """The calendar as bytes: VCALENDAR with the zone's VTIMEZONE and one VEVENT per date.

    ``icalendar`` builds the VTIMEZONE from the zoneinfo data (and the tests read every feed
    back with it and with vobject); the VEVENT lines are written here, because icalendar's
    serialiser took about a millisecond per event: five seconds for a centre's 5,000 dates
    (bench/series.py)."""
    lines = ["BEGIN:VCALENDAR", f"PRODID:{PRODID}", "VERSION:2.0", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "X-WR-CALNAME:" + _text(name)]
    # No X-WR-TIMEZONE: every time carries its TZID or is UTC, and readers that honour that
    # non-standard property move UTC times onto the local wall clock, where the repeated
    # autumn hour loses which of the two it was (recurring-ical-events through x-wr-timezone).
    out = ["\r\n".join(_fold(line) for line in lines), "\r\n"]
    out.append(_vtimezone(zone).decode())
    for e in events:
        stamp = f"{e.modified.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        event = ["BEGIN:VEVENT", "UID:" + _text(e.uid), "DTSTAMP:" + stamp,
                 "LAST-MODIFIED:" + stamp, f"SEQUENCE:{e.sequence}",
                 "SUMMARY:" + _text(e.title), "DTSTART" + _when(e.starts_at, zone, e),
                 "DTEND" + _when(e.ends_at, zone, e), "STATUS:" + e.status]
        if e.location:
            event.append("LOCATION:" + _text(e.location))
        if e.description:
            event.append("DESCRIPTION:" + _text(e.description))
        event.append("END:VEVENT")
        out.append("\r\n".join(_fold(line) for line in event))
        out.append("\r\n")
    out.append("END:VCALENDAR\r\n")
    return "".join(out).encode()


@cache
def _vtimezone(zone: str) -> bytes:
    """The zone's VTIMEZONE, the same in every feed.

    Where the zone follows a yearly rule (Europe/Berlin: the last Sundays of March and
    October) it is written as that rule, RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU, as the big
    calendar programs write it: readers that ignore RDATE lists (vobject, through dateutil's
    tzical) then read every date right. Otherwise icalendar lists the zone's transitions over
    the years the service handles."""
    rules = _yearly_rules(zone)
    if rules is None:
        tz = Timezone.from_tzid(zone, first_date=EARLIEST.date(), last_date=LATEST.date())
    else:
        tz = Timezone()
        tz.add("tzid", zone)
        for kind, start, before, after, name, rrule in rules:
            part = TimezoneDaylight() if kind == "daylight" else TimezoneStandard()
            part.add("dtstart", start)
            part.add("tzoffsetfrom", before)
            part.add("tzoffsetto", after)
            part.add("tzname", name)
            if rrule:
                part.add("rrule", rrule)
            tz.add_component(part)
    body: bytes = tz.to_ical()
    return body


def _transitions(zone: str, year: int) -> list[datetime]:
    """The UTC instants in ``year`` at which the zone's offset changes (to the minute): a day's
    step finds each change, a binary search its minute."""
    tz = ZoneInfo(zone)

    def offset(at: datetime) -> timedelta | None:
        return at.astimezone(tz).utcoffset()

    found: list[datetime] = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    while day.year == year:
        following = day + timedelta(days=1)
        if offset(following) != offset(day):
            low, high = day, following  # offset(low) is the old one, offset(high) the new
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if middle <= low:
                    middle = low + timedelta(minutes=1)
                if offset(middle) == offset(low):
                    low = middle
                else:
                    high = middle
            found.append(high)
        day = following
    return found


def _rule_of(local: datetime) -> dict[str, Any]:
    last_day = (local.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    position = -1 if local.day + 7 > last_day.day else (local.day - 1) // 7 + 1
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[local.weekday()]
    return {"freq": "YEARLY", "bymonth": local.month, "byday": f"{position}{weekday}"}


_Rule = tuple[str, datetime, timedelta, timedelta, str, dict[str, Any] | None]


def _yearly_rules(zone: str) -> list[_Rule] | None:
    """The zone's two yearly changes as (kind, local start, offset before, offset after,
    name, rule), checked against every year of the horizon; None if it keeps no such rule."""
    tz = ZoneInfo(zone)
    sample = _transitions(zone, 2026)
    if not sample:
        probe = datetime(2026, 1, 1, tzinfo=UTC).astimezone(tz)
        offset = probe.utcoffset() or timedelta(0)
        return [("standard", datetime.combine(date(1970, 1, 1), datetime.min.time()), offset,
                 offset, probe.tzname() or zone,
                 None)]
    if len(sample) != 2:
        return None
    rules: list[_Rule] = []
    for instant in sample:
        before = (instant - timedelta(minutes=1)).astimezone(tz).utcoffset() or timedelta(0)
        after_local = instant.astimezone(tz)
        after = after_local.utcoffset() or timedelta(0)
        wall = (instant + before).replace(tzinfo=None)
        kind = "daylight" if after > before else "standard"
        rules.append((kind, wall.replace(year=1970), before, after,
                      after_local.tzname() or zone, _rule_of(wall)))
    # The rule must give every year's changes; a zone whose rules changed gets the list.
    check = [(r[5], r[1].time()) for r in rules]
    for year in range(EARLIEST.year, LATEST.year, 7):
        actual = [((t + r[2]).replace(tzinfo=None)) for t, r in
                  zip(_transitions(zone, year), rules, strict=False)]
        if len(actual) != 2 or any(_rule_of(a) != c[0] or a.time() != c[1]
                                   for a, c in zip(actual, check, strict=True)):
            return None
    # DTSTART in 1970 must itself be an onset of the rule.
    fixed: list[_Rule] = []
    for kind, start, before, after, name, rrule in rules:
        assert rrule is not None
        day = next(d for d in (start.replace(day=1) + timedelta(days=i) for i in range(31))
                   if d.month == start.month and _rule_of(d) == rrule)
        fixed.append((kind, day.replace(hour=start.hour, minute=start.minute), before, after,
                      name, rrule))
    return fixed


def _when(instant: datetime, zone: str, event: FeedEvent) -> str:
    """``;TZID=zone:local`` wall time; both ends in UTC (``:…Z``) when either is the second of
    two equal wall times (the autumn night), which RFC 5545 would read as the first. Both, not
    one: recurring-ical-events misreads an event whose start and end use different forms."""
    if to_local(event.starts_at, zone).fold or to_local(event.ends_at, zone).fold:
        return f":{instant.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f";TZID={zone}:{to_local(instant, zone):%Y%m%dT%H%M%S}"


def _text(value: str) -> str:
    """RFC 5545 3.3.11 TEXT: backslash, semicolon, comma and line breaks escaped."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """RFC 5545 3.1: lines longer than 75 octets folded, never inside a UTF-8 character."""
    if len(line) <= 75 and line.isascii():
        return line
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # the leading space of a continuation counts
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


# --------------------------------------------------------------------------------------------
# Cache of public feeds.

# The version of a centre's public feeds: its rooms' change counters and names, and the centre's
# name and address (all in LOCATION). One query, on the plain reader.
PUBLIC_KEY_SQL = (
    "SELECT c.name, c.address, c.timezone, r.id, r.name, v.version FROM centre c "
    "LEFT JOIN room r ON r.centre_id = c.id LEFT JOIN room_version v ON v.room_id = r.id "
    "WHERE c.id = ? ORDER BY r.id")


def public_key(rows: Sequence[tuple[Any, ...]], today: date) -> str | None:
    """An ETag for the centre's public feeds from :data:`PUBLIC_KEY_SQL`'s rows; None if there
    is no such centre. The day is part of it: the window of a feed moves with the date."""
    if not rows:
        return None
    return _digest(tuple(rows), today)


@lru_cache(maxsize=1024)
def _digest(rows: tuple[tuple[Any, ...], ...], today: date) -> str:
    # Memoised: an unchanged centre asks with the same rows thousands of times a minute.
    return hashlib.sha256(repr((list(rows), today.isoformat())).encode()).hexdigest()[:32]


def public_as_of(now: datetime, zone: str) -> datetime:
    """The instant a public feed is built for: the start of the centre's local day. The key
    names the day, not the instant, so every worker that builds a key's feed must build the
    same bytes: the window (:data:`PAST`, :data:`CANCELLED_FOR`) starts from local midnight."""
    return local_to_utc(local_today(now, zone), time(0), zone)


def public_until(now: datetime, zone: str) -> datetime:
    """The end of the centre's local day: a public feed's version names its day."""
    return local_to_utc(local_today(now, zone) + timedelta(days=1), time(0), zone)


@dataclass(frozen=True)
class CachedFeed:
    """A public feed's bytes, and the same bytes gzipped once (calendar clients send
    ``Accept-Encoding: gzip``; a centre's 5,000 dates shrink from 1.5 MB to about 50 kB,
    bench/series.py)."""

    etag: str
    last_modified: datetime
    body: bytes
    gzipped: bytes

    @classmethod
    def of(cls, etag: str, last_modified: datetime, body: bytes) -> CachedFeed:
        return cls(etag, last_modified, body, gzip.compress(body, compresslevel=9, mtime=0))


# How long a process answers a public feed from memory, without asking the database for its
# version again, after it last did. The service's own writes, in any of its processes, are seen
# at once (the commit clock); a write from outside it at most this late. Calendar programs poll
# hourly at most, and the answer already allows any cache on the way five minutes
# (``max-age=300``).
PUBLIC_FRESH_FOR = timedelta(seconds=TRUST_SECONDS)

V = TypeVar("V")


@dataclass(frozen=True)
class _Checked(Generic[V]):
    value: V
    seen: int  # the commit clock's reading before the version was read
    at: datetime  # when it was read
    until: datetime  # the end of the local day the version names


class FeedCache(Generic[V]):
    """Finished public feeds by (what, id, version); and for each feed the one whose version
    was read last, which is served without a database read while it is known fresh
    (:data:`PUBLIC_FRESH_FOR`, no commit since, the same local day). A
    version that no longer matches is simply never asked for again; the least recently used
    entries go first."""

    def __init__(self, size: int = 256, fresh_for: timedelta = PUBLIC_FRESH_FOR) -> None:
        self._entries: OrderedDict[tuple[str, int, str], V] = OrderedDict()
        self._checked: dict[tuple[str, int], _Checked[V]] = {}
        self._lock = threading.Lock()
        self._size = size
        self._fresh_for = fresh_for

    def get(self, key: tuple[str, int, str]) -> V | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
            return hit

    def put(self, key: tuple[str, int, str], value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def fresh(self, what: str, ident: int, now: datetime, clock: int) -> V | None:
        """The feed whose version was read last, if the commit clock still shows ``clock``, the
        reading taken before that version was read, and not longer ago than the freshness
        bound; else None: read the version (:data:`PUBLIC_KEY_SQL`) and tell :meth:`checked`.
        Lock-free: a dict read, on the event loop."""
        seen = self._checked.get((what, ident))
        if seen is None or seen.seen != clock:
            return None
        if not seen.at <= now < min(seen.until, seen.at + self._fresh_for):
            return None
        return seen.value

    def checked(self, what: str, ident: int, value: V, clock: int, at: datetime,
                until: datetime) -> None:
        """``value`` is the feed at the version read at ``at``, with the commit clock's reading
        ``clock`` taken *before* that read (a commit in between makes it stale at once)."""
        with self._lock:
            if len(self._checked) >= self._size:
                self._checked.clear()
            self._checked[(what, ident)] = _Checked(value, clock, at, until)


def last_modified(events: Sequence[FeedEvent], fallback: datetime) -> datetime:
    return max((e.modified for e in events), default=fallback).replace(microsecond=0)


# --------------------------------------------------------------------------------------------
# Secret feeds.

@dataclass(frozen=True)
class NewFeed:
    feed: CalendarFeed
    token: str  # shown once


def _feed_owner_check(session: Session, actor: Actor, group_id: int | None) -> int:
    person_id = require_login(actor)
    if group_id is not None:
        group = session.get(Group, group_id)
        if group is None or not (actor.is_staff_of(group.centre_id)
                                 or any(p.id == person_id for p in group.contacts)):
            raise NotFound("group_not_found", id=group_id)
    return person_id


def create_feed(session: Session, actor: Actor, *, group_id: int | None,
                now: datetime) -> NewFeed:
    """A secret feed of the caller's own bookings, or of a group they are a contact of (or
    staff of its centre)."""
    person_id = _feed_owner_check(session, actor, group_id)
    token = new_token()
    feed = CalendarFeed(token_hash=token_digest(token), owner_id=person_id,
                        person_id=None if group_id else person_id, group_id=group_id,
                        created_at=now)
    session.add(feed)
    session.flush()
    return NewFeed(feed, token)


def my_feeds(session: Session, actor: Actor) -> list[CalendarFeed]:
    person_id = require_login(actor)
    return list(session.scalars(select(CalendarFeed).where(
        CalendarFeed.owner_id == person_id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.id)))


def _own_feed(session: Session, actor: Actor, feed_id: int) -> CalendarFeed:
    person_id = require_login(actor)
    feed = session.get(CalendarFeed, feed_id)
    if feed is None or feed.owner_id != person_id or feed.revoked_at is not None:
        raise NotFound("feed_not_found")
    return feed


def rotate_feed(session: Session, actor: Actor, feed_id: int) -> NewFeed:
    """A new secret for the feed: the old link stops working at once."""
    feed = _own_feed(session, actor, feed_id)
    token = new_token()
    feed.token_hash = token_digest(token)
    return NewFeed(feed, token)


def revoke_feed(session: Session, actor: Actor, feed_id: int, now: datetime) -> None:
    _own_feed(session, actor, feed_id).revoked_at = now


def secret_feed(session: Session, token: str, now: datetime) -> tuple[str, list[FeedEvent], str]:
    """Name, events and zone of the feed behind a token; a made-up or revoked one is 404."""
    feed = session.scalar(select(CalendarFeed).where(
        CalendarFeed.token_hash == token_digest(token), CalendarFeed.revoked_at.is_(None)))
    if feed is None:
        raise NotFound("feed_not_found")
    if feed.group_id is not None:
        group = session.get_one(Group, feed.group_id)
        zone = session.get_one(Centre, group.centre_id).timezone
        return group.name, group_events(session, group.id, now), zone
    assert feed.person_id is not None
    return "Raumplan", person_events(session, feed.person_id, now), DEFAULT_ZONE


# --------------------------------------------------------------------------------------------
# CSV export.

CSV_COLUMNS = ("Datum", "Beginn", "Ende", "Raum", "Art", "Titel", "Status", "Buchung",
               "Termin", "Gruppe", "Verantwortlich")


def export_csv(session: Session, actor: Actor, centre_id: int, start: datetime,
               end: datetime) -> bytes:
    """The centre's bookings between two instants for staff: UTF-8 with a byte order mark, so
    spreadsheet programs read the umlauts right; semicolons, as German spreadsheets expect."""
    require_staff(actor, centre_id)
    start, end = check_span(start, end)
    if end - start > timedelta(days=MAX_EXPORT_DAYS):
        raise InvalidInput("export_range", days=MAX_EXPORT_DAYS)
    centre = session.get(Centre, centre_id)
    if centre is None:
        raise NotFound("centre_not_found", id=centre_id)
    from booking.models import Person

    rows = session.execute(
        select(Occurrence.starts_at, Occurrence.ends_at, Room.name, Booking.kind,
               Booking.title, Occurrence.status, Booking.id, Occurrence.id, Group.name,
               Person.display_name)
        .select_from(Occurrence).join(Booking, Booking.id == Occurrence.booking_id)
        .join(Room, Room.id == Occurrence.room_id)
        .outerjoin(Group, Group.id == Booking.group_id)
        .outerjoin(Person, Person.id == Booking.responsible_id)
        .where(Booking.centre_id == centre_id, Occurrence.starts_at < end,
               Occurrence.ends_at > start)
        .order_by(Occurrence.starts_at, Room.name, Occurrence.id)).all()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for s, e, room, kind, title, status, booking_id, occ_id, group, person in rows:
        ls, le = to_local(s, centre.timezone), to_local(e, centre.timezone)
        writer.writerow([f"{ls:%d.%m.%Y}", f"{ls:%H:%M}", f"{le:%H:%M}", room, kind,
                         _cell(title), status, booking_id, occ_id, _cell(group or ""),
                         _cell(person or "")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet (CSV injection, OWASP).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
