"""Resident pages: request a room, follow one's requests, cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template
from sqlalchemy.orm import Session

from booking.deps import discard
from booking.errors import (
    DomainError,
    PolicyViolation,
)
from booking.messages import Joined, Message
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



def _listed(message: Message) -> list[Message]:
    """The rules a refused request breaks, one by one ("rules_broken" lists them)."""
    problems = message.params.get("problems")
    if isinstance(problems, Joined):
        return [p for p in problems.items if isinstance(p, Message)]
    return [message]

class RentalPages(PageController):
    path = "/"

    @get("/raeume/{room_id:int}/anfragen", sync_to_thread=True)
    def request_form(self, request: Request[Any, Any, Any], read_db: Session, viewer: Viewer,
                     room_id: PageId, datum: str = "", von: str = "", bis: str = "",
                     personen: str = "") -> Template:
        """The request form; the room search passes the time and people it searched for."""
        require_viewer(viewer)
        room, _zone = _rentable_room(read_db, room_id, viewer.lang)
        form = RentalForm(day=datum[:10], start=von[:5], end=bis[:5], people=personen[:6])
        return render(request, viewer, "request.html", nav="raeume", room=room,
                      form=form, quote=None, problems=[], error=None)

    @post("/raeume/{room_id:int}/anfragen", sync_to_thread=True)
    def request_submit(self, request: Request[Any, Any, Any], read_db: Session, db: Session,
                       now: datetime, viewer: Viewer, room_id: PageId,
                       data: FormData) -> Response[Any]:
        actor = require_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        room, zone_name = _rentable_room(read_db, room_id, viewer.lang)
        form = RentalForm.read(data, zone_name)
        sending = field_value(data, "aktion") == "senden"
        if sending:
            form.require_purpose()
        quote: rentals.Quote | None = None
        problems: list[Message] = []
        error: str | Message | None = None
        status = 200
        if not form.complete:
            status = 400
        elif not sending:
            try:
                start, end = form.window
                quote = rentals.quote(read_db, room=catalogue.get_room(read_db, room_id),
                                      start=start, end=end, people=form.people_count, now=now)
                problems = quote.problems
            except DomainError as exc:
                error, status = exc.message, exc.status_code
        else:
            try:
                start, end = form.window
                booking = rentals.request_rental(
                    db, actor, room_id=room_id, start=start, end=end,
                    people=form.people_count, purpose=form.purpose, now=now)
                return redirect(f"/meine-anfragen/{booking.id}", neu=1)
            except PolicyViolation as exc:
                discard(db, exc)
                problems = _listed(exc.message)
                status = exc.status_code
            except DomainError as exc:
                discard(db, exc)
                error, status = exc.message, exc.status_code
        return render(request, viewer, "request.html", status=status, nav="raeume",
                      room=room, form=form, quote=quote, problems=problems, error=error)

    @get("/meine-anfragen", sync_to_thread=True)
    def my_requests(self, request: Request[Any, Any, Any], read_db: Session, now: datetime,
                    viewer: Viewer, storniert: str | None = None) -> Template:
        return self._my_requests(request, read_db, now, viewer, notice_id=storniert)

    def _my_requests(self, request: Request[Any, Any, Any], db: Session, now: datetime,
                     viewer: Viewer, *, notice_id: str | None = None,
                     error: str | Message | None = None,
                     status: int = 200) -> Template:
        actor = require_viewer(viewer)
        mine = [rental_view(db, b, viewer.lang, now)
                for b in rentals.list_rentals(db, actor)
                if b.requested_by_id == actor.person_id]
        return render(request, viewer, "my_requests.html", status=status, nav="meine",
                      rentals=mine, cancelled=parse_count(notice_id) if notice_id else None,
                      error=error)

    @get("/meine-anfragen/{booking_id:int}", sync_to_thread=True)
    def one_request(self, request: Request[Any, Any, Any], read_db: Session, now: datetime,
                    viewer: Viewer, booking_id: PageId, neu: str | None = None) -> Template:
        actor = require_viewer(viewer)
        rental = rental_view(read_db, rentals.get_rental(read_db, actor, booking_id),
                             viewer.lang, now)
        return render(request, viewer, "request_detail.html", nav="meine", rental=rental,
                      new=bool(neu))

    @post("/meine-anfragen/{booking_id:int}/stornieren", sync_to_thread=True)
    def cancel(self, request: Request[Any, Any, Any], db: Session, now: datetime,
               viewer: Viewer, booking_id: PageId, data: FormData) -> Response[Any]:
        actor = require_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        try:
            rentals.cancel(db, actor, booking_id, field_value(data, "grund", text_area=True),
                           now)
        except DomainError as exc:
            discard(db, exc)
            return self._my_requests(request, db, now, viewer, error=exc.message,
                                     status=exc.status_code)
        return redirect("/meine-anfragen", storniert=booking_id)
