"""Public pages: the centre's start page, the rooms and a room's week."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.response import Template
from sqlalchemy.orm import Session

from booking import formatting
from booking.errors import (
    InvalidInput,
)
from booking.models import Centre
from booking.services import availability, catalogue, programme, rentals, series
from booking.timeutil import DEFAULT_ZONE, in_horizon, local_date, local_to_utc
from booking.translations import N_
from booking.web import i18n
from booking.web.common import (
    PageController,
    PageId,
    Viewer,
    render,
)
from booking.web.forms import RentalForm, iso_week, parse_iso_week
from booking.web.forms import parse_positive_int as parse_count
from booking.web.views import (
    DayRow,
    Localized,
    RoomView,
)

# Features to search for beyond the two the filter always offers (barrier-free, kitchen).
MORE_FEATURES = ("barrier_free_toilet", "projector", "hearing_loop", "stage", "outdoor")

# The part of a day the room's week lists free times for (local minutes after midnight).
DAY_OPEN, DAY_CLOSE = 8 * 60, 22 * 60


def free_between(busy: list[availability.Busy], day: date, open_minute: int,
                 close_minute: int, zone_name: str) -> list[tuple[datetime, datetime]]:
    """The gaps between the busy intervals on ``day`` from ``open_minute`` to
    ``close_minute`` (local wall time), as instants."""
    start = local_to_utc(day, time(open_minute // 60, open_minute % 60), zone_name)
    end = (local_to_utc(day + timedelta(days=1), time(0), zone_name) if close_minute >= 1440
           else local_to_utc(day, time(close_minute // 60, close_minute % 60), zone_name))
    gaps: list[tuple[datetime, datetime]] = []
    cursor = start
    for b in sorted(busy, key=lambda b: b.starts_at):
        if b.ends_at <= cursor or b.starts_at >= end:
            continue
        if b.starts_at > cursor:
            gaps.append((cursor, b.starts_at))
        cursor = max(cursor, b.ends_at)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


# --- public pages --------------------------------------------------------------------------


class PublicPages(PageController):
    path = "/"

    @get("/", sync_to_thread=True)
    def home(self, request: Request[Any, Any, Any], read_db: Session,
             viewer: Viewer) -> Template:
        centres = catalogue.list_centres(read_db)
        counts = {c.id: len(catalogue.list_rooms(read_db, centre_id=c.id)) for c in centres}
        return render(request, viewer, "home.html", nav="start", centres=centres,
                      counts=counts)

    @get("/raeume", sync_to_thread=True)
    def rooms(self, request: Request[Any, Any, Any], read_db: Session, now: datetime,
              viewer: Viewer,
              personen: str | None = None, barrierefrei: str | None = None,
              kueche: str | None = None, zentrum: str | None = None,
              ausstattung: list[str] | None = None, datum: str | None = None,
              von: str | None = None, bis: str | None = None) -> Template:
        """The rooms, filtered by size and features; with a date and a time, only the rooms
        residents can rent that are free then, each with the fee the request would cost
        (``rentals.quote``, the function the request runs)."""
        errors: dict[str, str] = {}
        min_people = None
        if personen:
            min_people = parse_count(personen)
            if min_people is None:
                errors["personen"] = N_("Bitte eine ganze Zahl ab 1 eingeben.")
        centre_id = parse_count(zentrum) if zentrum else None
        wanted = sorted({f for f in (ausstattung or []) if f in i18n.FEATURE_WORDS}
                        | ({"kitchen"} if kueche else set()))
        searching = bool(datum or von or bis)
        window: tuple[datetime, datetime] | None = None
        quotes: dict[int, rentals.Quote] = {}
        centres = {c.id: c for c in catalogue.list_centres(read_db)}
        zone_name = centres[centre_id].timezone if centre_id in centres else DEFAULT_ZONE
        if searching:
            form = RentalForm.read({"datum": datum or "", "von": von or "",
                                    "bis": bis or "", "personen": personen or "1"},
                                   zone_name)
            errors.update({k: v for k, v in form.errors.items() if k != "personen"})
            if form.complete:
                window = form.window
        found = [] if errors else catalogue.list_rooms(
            read_db, centre_id=centre_id, min_capacity=min_people,
            barrier_free=bool(barrierefrei) or None, features=wanted,
            rentable=True if window else None,
            free_from=window[0] if window else None, free_to=window[1] if window else None)
        if window:
            for room in found:
                quotes[room.id] = rentals.quote(read_db, room=room, start=window[0],
                                                end=window[1], people=min_people or 1,
                                                now=now)
        rooms = [RoomView.of(r, centres[r.centre_id], viewer.lang) for r in found]
        filters = {"personen": personen or "", "barrierefrei": bool(barrierefrei),
                   "kueche": bool(kueche), "zentrum": centre_id, "ausstattung": wanted,
                   "datum": datum or "", "von": von or "", "bis": bis or ""}
        request_query = urlencode({"datum": datum or "", "von": von or "", "bis": bis or "",
                                   "personen": personen or ""}) if window else ""
        return render(request, viewer, "rooms.html", status=400 if errors else 200,
                      nav="raeume", rooms=rooms, centres=list(centres.values()),
                      filters=filters, errors=errors, quotes=quotes, searched=bool(window),
                      when=formatting.when(window[0], window[1], zone_name, viewer.lang)
                      if window else "", request_query=request_query,
                      more_features=MORE_FEATURES, feature_words=i18n.FEATURE_WORDS)

    @get("/raeume/{room_id:int}", sync_to_thread=True)
    def room(self, request: Request[Any, Any, Any], read_db: Session, now: datetime,
             viewer: Viewer, room_id: PageId, woche: str | None = None) -> Template:
        room = catalogue.get_room(read_db, room_id)
        centre = read_db.get_one(Centre, room.centre_id)
        zone_name = centre.timezone
        if woche:
            monday = parse_iso_week(woche)
            if monday is None:
                raise InvalidInput("week_invalid")
            if not in_horizon(monday):
                raise InvalidInput("time_horizon")
        else:
            today = local_date(now, zone_name)
            monday = today - timedelta(days=today.weekday())
        start = local_to_utc(monday, time(0), zone_name)
        end = local_to_utc(monday + timedelta(days=7), time(0), zone_name)
        busy, _free = availability.busy_and_free(read_db, viewer.actor, [room.id], start, end)
        view = RoomView.of(room, centre, viewer.lang)
        offers = programme.public_offers_by_title(read_db, room.id, start, end)
        titles = {title: Localized.of(offer, "title", viewer.lang)
                  for title, offer in offers.items()}
        close = room.latest_end_minute if view.rentable else DAY_CLOSE
        days = [DayRow(formatting.weekday_and_day(monday + timedelta(days=i), viewer.lang))
                for i in range(7)]
        for b in busy:
            index = max(0, (local_date(b.starts_at, zone_name) - monday).days)
            shown = formatting.times(b.starts_at, b.ends_at, zone_name, viewer.lang)
            days[min(index, 6)].items.append((shown, titles.get(b.title, b.title)))
        # Free times between morning and the room's latest end (the hours one can rent); a
        # closed day (closure or public holiday) has none and says why.
        shut = series.closed_days(read_db, centre, room.id, monday, monday + timedelta(days=6))
        for i, row in enumerate(days):
            day = monday + timedelta(days=i)
            if day in shut:
                row.closed = shut[day].reason.render(viewer.lang)
                continue
            row.free = [formatting.times(s, e, zone_name, viewer.lang)
                        for s, e in free_between(busy, day, DAY_OPEN, close, zone_name)]
        week = {"name": iso_week(monday), "label": formatting.iso_week(monday, viewer.lang),
                "from": formatting.day(monday, viewer.lang),
                "to": formatting.day(monday + timedelta(days=6), viewer.lang),
                "prev": iso_week(monday - timedelta(days=7)),
                "next": iso_week(monday + timedelta(days=7))}
        return render(request, viewer, "room.html", nav="raeume", room=view, days=days,
                      week=week)
