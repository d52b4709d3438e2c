"""Resident pages: request a room, follow one's requests, cancel."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from booking.api.deps import Services
from booking.db import transaction
from booking.errors import (
    DomainError,
    PolicyViolation,
)
from booking.models import Centre
from booking.services import catalogue, rentals
from booking.web.common import (
    FormData,
    PageController,
    PageId,
    Viewer,
    redirect,
    render,
    require_viewer,
)
from booking.web.forms import RentalForm, check_csrf, field_value
from booking.web.forms import parse_positive_int as parse_count
from booking.web.views import (
    RoomView,
    rental_view,
)

# --- resident pages: request, follow, cancel -----------------------------------------------


def _rentable_room(db: Any, room_id: int, lang: str) -> tuple[RoomView, str]:
    room = catalogue.get_room(db, room_id)
    centre = db.get_one(Centre, room.centre_id)
    return RoomView.of(room, centre, lang), centre.timezone


class RentalPages(PageController):
    path = "/"

    @get("/raeume/{room_id:int}/anfragen", sync_to_thread=True)
    def request_form(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                     room_id: PageId, datum: str = "", von: str = "", bis: str = "",
                     personen: str = "") -> Template:
        """The request form; the room search passes the time and people it searched for."""
        require_viewer(viewer)
        with svc.read_db() as db:
            room, _zone = _rentable_room(db, room_id, viewer.lang)
        form = RentalForm(day=datum[:10], start=von[:5], end=bis[:5], people=personen[:6])
        return render(request, viewer, "request.html", nav="raeume", room=room,
                      form=form, quote=None, problems=[], error=None)

    @post("/raeume/{room_id:int}/anfragen", sync_to_thread=True)
    def request_submit(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                       room_id: PageId, data: FormData) -> Response[Any]:
        actor = require_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        now = svc.clock.now()
        with svc.read_db() as db:
            room, zone_name = _rentable_room(db, room_id, viewer.lang)
        form = RentalForm.read(data, zone_name)
        sending = field_value(data, "aktion") == "senden"
        if sending:
            form.require_purpose()
        quote: rentals.Quote | None = None
        problems: list[str] = []
        error: str | None = None
        status = 200
        if not form.complete:
            status = 400
        elif not sending:
            try:
                with svc.read_db() as db:
                    start, end = form.window
                    quote = rentals.quote(db, room=catalogue.get_room(db, room_id),
                                          start=start, end=end, people=form.people_count,
                                          now=now)
                problems = quote.problems
            except DomainError as exc:
                error, status = exc.detail, exc.status_code
        else:
            try:
                start, end = form.window
                with transaction(svc.db) as db:
                    booking = rentals.request_rental(
                        db, actor, room_id=room_id, start=start, end=end,
                        people=form.people_count, purpose=form.purpose, now=now)
                    booking_id = booking.id
                return redirect(f"/meine-anfragen/{booking_id}", neu=1)
            except PolicyViolation as exc:
                problems = list(exc.extra.get("problems", [exc.detail]))
                status = exc.status_code
            except DomainError as exc:
                error, status = exc.detail, exc.status_code
        return render(request, viewer, "request.html", status=status, nav="raeume",
                      room=room, form=form, quote=quote, problems=problems, error=error)

    @get("/meine-anfragen", sync_to_thread=True)
    def my_requests(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                    storniert: str | None = None) -> Template:
        return self._my_requests(request, svc, viewer, notice_id=storniert)

    def _my_requests(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer, *,
                     notice_id: str | None = None, error: str | None = None,
                     status: int = 200) -> Template:
        actor = require_viewer(viewer)
        now = svc.clock.now()
        with svc.read_db() as db:
            mine = [rental_view(db, b, viewer.lang, now)
                    for b in rentals.list_rentals(db, actor)
                    if b.requested_by_id == actor.person_id]
        return render(request, viewer, "my_requests.html", status=status, nav="meine",
                      rentals=mine, cancelled=parse_count(notice_id) if notice_id else None,
                      error=error)

    @get("/meine-anfragen/{booking_id:int}", sync_to_thread=True)
    def one_request(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                    booking_id: PageId, neu: str | None = None) -> Template:
        actor = require_viewer(viewer)
        with svc.read_db() as db:
            rental = rental_view(db, rentals.get_rental(db, actor, booking_id), viewer.lang,
                                  svc.clock.now())
        return render(request, viewer, "request_detail.html", nav="meine", rental=rental,
                      new=bool(neu))

    @post("/meine-anfragen/{booking_id:int}/stornieren", sync_to_thread=True)
    def cancel(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
               booking_id: PageId, data: FormData) -> Response[Any]:
        actor = require_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        try:
            with transaction(svc.db) as db:
                rentals.cancel(db, actor, booking_id, field_value(data, "grund", text_area=True),
                               svc.clock.now())
        except DomainError as exc:
            return self._my_requests(request, svc, viewer, error=exc.detail,
                                     status=exc.status_code)
        return redirect("/meine-anfragen", storniert=booking_id)
