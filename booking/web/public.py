"""Public pages: the centre's start page, the rooms and a room's week."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from litestar import Request, get
from litestar.response import Template
from sqlalchemy.orm import Session

from booking import formatting
from booking.errors import (
    InvalidInput,
)
from booking.models import Centre
from booking.services import availability, catalogue
from booking.timeutil import in_horizon, local_date, local_to_utc
from booking.translations import N_
from booking.web.common import (
    PageController,
    PageId,
    Viewer,
    render,
)
from booking.web.forms import iso_week, parse_iso_week
from booking.web.forms import parse_positive_int as parse_count
from booking.web.views import (
    DayRow,
    RoomView,
)

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
    def rooms(self, request: Request[Any, Any, Any], read_db: Session, viewer: Viewer,
              personen: str | None = None, barrierefrei: str | None = None,
              kueche: str | None = None, zentrum: str | None = None) -> Template:
        errors: dict[str, str] = {}
        min_people = None
        if personen:
            min_people = parse_count(personen)
            if min_people is None:
                errors["personen"] = N_("Bitte eine ganze Zahl ab 1 eingeben.")
        centre_id = parse_count(zentrum) if zentrum else None
        centres = {c.id: c for c in catalogue.list_centres(read_db)}
        found = catalogue.list_rooms(
            read_db, centre_id=centre_id, min_capacity=min_people,
            barrier_free=bool(barrierefrei) or None,
            features=["kitchen"] if kueche else [])
        rooms = [RoomView.of(r, centres[r.centre_id], viewer.lang) for r in found]
        filters = {"personen": personen or "", "barrierefrei": bool(barrierefrei),
                   "kueche": bool(kueche), "zentrum": centre_id}
        return render(request, viewer, "rooms.html", status=400 if errors else 200,
                      nav="raeume", rooms=rooms, centres=list(centres.values()),
                      filters=filters, errors=errors)

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
        days = [DayRow(formatting.weekday_and_day(monday + timedelta(days=i), viewer.lang))
                for i in range(7)]
        for b in busy:
            index = max(0, (local_date(b.starts_at, zone_name) - monday).days)
            shown = formatting.times(b.starts_at, b.ends_at, zone_name, viewer.lang)
            days[min(index, 6)].items.append((shown, b.title))
        week = {"name": iso_week(monday), "label": formatting.iso_week(monday, viewer.lang),
                "from": formatting.day(monday, viewer.lang),
                "to": formatting.day(monday + timedelta(days=6), viewer.lang),
                "prev": iso_week(monday - timedelta(days=7)),
                "next": iso_week(monday + timedelta(days=7))}
        return render(request, viewer, "room.html", nav="raeume", room=view, days=days,
                      week=week)
