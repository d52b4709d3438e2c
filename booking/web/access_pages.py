"""Pages of door access (issue 12): the resident's codes (shown once, when made) and the
staff's overview of terminals, alerts and the door log, with emergency codes.

A module of its own beside ``pages.py``; it reuses that module's viewer, rendering and error
handling (``PageController``) and calls the same service functions as the JSON API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from booking import formatting
from booking.api.deps import Services
from booking.db import transaction
from booking.errors import DomainError, Forbidden
from booking.models import Booking, Centre, Door, Terminal
from booking.services import access
from booking.timeutil import to_local
from booking.web.common import (
    FormData,
    PageController,
    PageId,
    Viewer,
    render,
    require_viewer,
)
from booking.web.forms import check_csrf, field_value
from booking.web.forms import parse_positive_int as parse_count
from booking.web.staff import require_staff_viewer

_NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class AccessView:
    booking_id: int
    title: str
    state: str | None
    doors: list[str]
    windows: list[str]


def _moment(instant: Any, zone: str, lang: str) -> str:
    local = to_local(instant, zone)
    return f"{formatting.day(local.date(), lang)}, {formatting.clock(local, lang)}"


SHOWN_WINDOWS = 5
SHOWN_ALERTS = 20


def _windows(spans: Sequence[Any], zone: str, lang: str,
             now: Any = None) -> list[str]:
    """The windows still to come (all when ``now`` is None), the first few written out."""
    coming = [w for w in spans if now is None or w.ends_at > now]
    text = [formatting.when(w.starts_at, w.ends_at, zone, lang)
            for w in coming[:SHOWN_WINDOWS]]
    if len(coming) > SHOWN_WINDOWS:
        text.append(f"… (+{len(coming) - SHOWN_WINDOWS})")
    return text


class ResidentAccessPages(PageController):
    path = "/meine-zugangscodes"

    @get("/", sync_to_thread=True)
    def my_codes(self, request: Request[Any, Any, Any], svc: Services,
                 viewer: Viewer) -> Template:
        return self._page(request, svc, viewer)

    def _page(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer, *,
              shown: access.IssuedCode | None = None, shown_for: int | None = None,
              error: str | None = None, status: int = 200) -> Template:
        actor = require_viewer(viewer)
        with svc.read_db() as db:
            views = []
            for booking, code in access.my_bookings_with_access(db, actor, svc.clock.now()):
                zone = db.get_one(Centre, booking.centre_id).timezone
                views.append(AccessView(booking.id, booking.title, code.state if code else None,
                                        code.doors if code else [],
                                        _windows(code.windows, zone, viewer.lang,
                                                 svc.clock.now()) if code else []))
            shown_windows: list[str] = []
            if shown is not None and shown_for is not None:
                centre_id = db.get_one(Booking, shown_for).centre_id
                shown_windows = _windows(shown.windows, db.get_one(Centre, centre_id).timezone,
                                         viewer.lang, svc.clock.now())
        page = render(request, viewer, "access_mine.html", status=status, nav="zugang",
                      bookings=views, shown=shown, shown_for=shown_for,
                      shown_windows=shown_windows, error=error)
        page.headers.update(_NO_STORE)
        return page

    @post("/{booking_id:int}/neu", sync_to_thread=True)
    def new_code(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                 booking_id: PageId, data: FormData) -> Template:
        """Make a new code and show it once; the old one stops at once."""
        actor = require_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        try:
            with transaction(svc.db) as db:
                issued = access.reissue(db, actor, booking_id, svc.clock.now())
        except DomainError as exc:
            return self._page(request, svc, viewer, error=exc.detail, status=exc.status_code)
        return self._page(request, svc, viewer, shown=issued, shown_for=booking_id)


@dataclass(frozen=True)
class TerminalView:
    id: int
    name: str
    door: str
    last_seen: str
    power: str
    revoked: bool


class StaffAccessPages(PageController):
    path = "/verwaltung/zugang"

    def _centre(self, viewer: Viewer, centre: str | None) -> int:
        actor = require_staff_viewer(viewer)
        wanted = parse_count(centre) if centre else None
        mine = sorted(c for r, c in actor.roles if r == "staff" and c is not None)
        centre_id = wanted or (mine[0] if mine else None)
        if centre_id is None or not actor.is_staff_of(centre_id):
            raise Forbidden("not_staff")
        return centre_id

    @get("/", sync_to_thread=True)
    def overview(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                 zentrum: str | None = None) -> Template:
        return self._page(request, svc, viewer, self._centre(viewer, zentrum))

    def _page(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
              centre_id: int, *, shown: access.IssuedCode | None = None,
              token: str | None = None, error: str | None = None,
              status: int = 200) -> Template:
        actor = require_staff_viewer(viewer)
        lang = viewer.lang
        with svc.read_db() as db:
            centre = db.get_one(Centre, centre_id)
            doors = {d.id: d.name for d in db.query(Door).filter(Door.centre_id == centre_id)}

            def seen(t: Terminal) -> str:
                return _moment(t.last_seen_at, centre.timezone, lang) if t.last_seen_at else "–"

            terminals = [TerminalView(t.id, t.name, doors.get(t.door_id, "?"), seen(t),
                                      (f"{t.battery_percent} %" if t.power == "battery"
                                       and t.battery_percent is not None
                                       else (t.power or "–")), t.revoked_at is not None)
                         for t in access.list_terminals(db, actor, centre_id)]
            every_alert = access.list_alerts(db, actor, centre_id)
            alerts = [(a, _moment(a.at, centre.timezone, lang))
                      for a in every_alert[:SHOWN_ALERTS]]
            log = [(e, doors.get(e.door_id or 0, "?"),
                    _moment(e.at, centre.timezone, lang))
                   for e in access.door_log(db, actor, centre_id, limit=50)]
        page = render(request, viewer, "access_staff.html", status=status, nav="verwaltung",
                      centre=centre, doors=doors, terminals=terminals, alerts=alerts, log=log,
                      more_alerts=max(0, len(every_alert) - SHOWN_ALERTS),
                      shown=shown, token=token, error=error,
                      shown_windows=_windows(shown.windows, centre.timezone, lang)
                      if shown else [])
        page.headers.update(_NO_STORE)
        return page

    @post("/notfallcode", sync_to_thread=True)
    def emergency(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                  data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        door_id = parse_count(field_value(data, "tuer")) or 0
        minutes = parse_count(field_value(data, "minuten")) or 0
        reason = field_value(data, "grund", max_length=500)
        centre_id = self._centre(viewer, field_value(data, "zentrum"))
        try:
            with transaction(svc.db) as db:
                issued = access.emergency_code(db, actor, door_id=door_id, minutes=minutes,
                                               reason=reason, now=svc.clock.now())
        except DomainError as exc:
            return self._page(request, svc, viewer, centre_id, error=exc.detail,
                              status=exc.status_code)
        return self._page(request, svc, viewer, centre_id, shown=issued)

    @post("/terminals", sync_to_thread=True)
    def register_terminal(self, request: Request[Any, Any, Any], svc: Services,
                          viewer: Viewer, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        centre_id = self._centre(viewer, field_value(data, "zentrum"))
        try:
            with transaction(svc.db) as db:
                reg = access.register_terminal(
                    db, actor, door_id=parse_count(field_value(data, "tuer")) or 0,
                    name=field_value(data, "name", max_length=120), now=svc.clock.now())
        except DomainError as exc:
            return self._page(request, svc, viewer, centre_id, error=exc.detail,
                              status=exc.status_code)
        return self._page(request, svc, viewer, centre_id, token=reg.token)

    @post("/meldungen/{alert_id:int}/erledigt", sync_to_thread=True)
    def resolve(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                alert_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        centre_id = self._centre(viewer, field_value(data, "zentrum"))
        try:
            with transaction(svc.db) as db:
                access.resolve_alert(db, actor, alert_id, svc.clock.now())
        except DomainError as exc:
            return self._page(request, svc, viewer, centre_id, error=exc.detail,
                              status=exc.status_code)
        return self._page(request, svc, viewer, centre_id)


def access_page_controllers() -> Sequence[Any]:
    return [ResidentAccessPages, StaffAccessPages]
