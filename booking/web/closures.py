"""The staff's closures page (issue 9 §5, issue 10 §2): the closures of their centres (whole
centre or one room, a range of days, a reason) with the public holidays beside them; create,
move and delete, each first as a preview of the series dates it skips or brings back and the
rentals and one-off bookings on the closed days, then saved. The preview and the save run the
same service functions (:func:`booking.services.series.preview_closure` runs them in a
savepoint it rolls back), with the API's permission rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from litestar import Request, get, post
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.orm import Session

from booking import formatting
from booking.deps import discard
from booking.errors import DomainError, NotFound
from booking.messages import Message
from booking.models import Centre, Closure, Room
from booking.permissions import Actor
from booking.services import desk, series
from booking.timeutil import local_date
from booking.translations import N_
from booking.web.common import FormData, PageController, PageId, Viewer, render
from booking.web.forms import check_csrf, field_value, parse_date
from booking.web.staff import require_staff_viewer

# Service refusals that belong to one field of the form.
_FIELD_OF = {"closure_days": "bis", "closure_reason_missing": "grund",
             "series_horizon": "von", "room_not_found": "raum"}


@dataclass
class ClosureForm:
    """What was typed (to show it again), the errors per field, and the parsed values."""

    values: dict[str, str]
    errors: dict[str, Any] = field(default_factory=dict)
    first_day: date | None = None
    last_day: date | None = None
    room_id: int | None = None
    reason: str = ""

    @classmethod
    def of(cls, closure: Closure | None) -> ClosureForm:
        if closure is None:
            return cls(values={"raum": "", "von": "", "bis": "", "grund": ""})
        return cls(values={"raum": str(closure.room_id or ""),
                           "von": closure.first_day.isoformat(),
                           "bis": closure.last_day.isoformat(), "grund": closure.reason})

    @classmethod
    def read(cls, data: dict[str, Any], rooms: dict[int, str]) -> ClosureForm:
        values = {name: field_value(data, name, max_length=200)
                  for name in ("raum", "von", "bis", "grund")}
        form = cls(values=values)
        e = form.errors
        form.first_day = parse_date(values["von"])
        form.last_day = parse_date(values["bis"])
        if form.first_day is None:
            e["von"] = N_("Bitte den ersten Tag als Datum angeben, z. B. 2027-07-01.")
        if form.last_day is None:
            e["bis"] = N_("Bitte den letzten Tag als Datum angeben, z. B. 2027-07-31.")
        elif form.first_day is not None and form.last_day < form.first_day:
            e["bis"] = Message("closure_days")
        if values["raum"]:
            room = int(values["raum"]) if values["raum"].isdigit() else 0
            if room not in rooms:
                e["raum"] = N_("Bitte einen Raum aus der Liste wählen.")
            form.room_id = room
        form.reason = values["grund"].strip()
        if not form.reason:
            e["grund"] = Message("closure_reason_missing")
        return form

    def refused(self, exc: DomainError) -> Message | None:
        """Put a service refusal at its field; the rest is said above the form."""
        name = _FIELD_OF.get(exc.code)
        if name is None:
            return exc.message
        self.errors[name] = exc.message
        return None


@dataclass(frozen=True)
class ClosureRow:
    id: int
    days: str
    room: str
    reason: str


@dataclass(frozen=True)
class PreviewRow:
    when: str
    title: str
    room: str
    note: str = ""


@dataclass
class PreviewView:
    lost: list[PreviewRow]
    back: list[PreviewRow]
    bookings: list[PreviewRow]


def _centre(session: Session, actor: Actor) -> Centre:
    centres = desk.desk_centres(session, actor)
    if not centres:
        raise NotFound("centre_not_found", id=0)
    return centres[0]


def _rooms(session: Session, centre: Centre) -> dict[int, str]:
    return dict(session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)
                                .order_by(Room.name)).tuples().all())


def _days(first: date, last: date, lang: str) -> str:
    if first == last:
        return formatting.weekday_and_day(first, lang)
    return f"{formatting.weekday_and_day(first, lang)} – {formatting.weekday_and_day(last, lang)}"


def _preview_view(preview: series.ClosurePreview, centre: Centre, rooms: dict[int, str],
                  viewer: Viewer) -> PreviewView:
    lang, zone = viewer.lang, centre.timezone

    def when(start: datetime, end: datetime) -> str:
        return formatting.when(start, end, zone, lang)

    status = {"confirmed": viewer.gettext("bestätigt"), "pending": viewer.gettext("angefragt")}
    kinds = {"rental": viewer.gettext("Raumvermietung")}
    return PreviewView(
        lost=[PreviewRow(when(d.starts_at, d.ends_at), d.title, rooms.get(d.room_id, ""))
              for d in preview.lost],
        back=[PreviewRow(when(d.starts_at, d.ends_at), d.title, rooms.get(d.room_id, ""))
              for d in preview.back],
        bookings=[PreviewRow(when(b.starts_at, b.ends_at), kinds.get(b.kind, b.title),
                             rooms.get(b.room_id, ""), status.get(b.status, b.status))
                  for b in preview.bookings])


class ClosurePages(PageController):
    path = "/verwaltung/schliessungen"

    def _page(self, request: Request[Any, Any, Any], session: Session, viewer: Viewer,
              now: datetime, centre: Centre, *, form: ClosureForm | None = None,
              editing: Closure | None = None, preview: PreviewView | None = None,
              done: PreviewView | None = None, done_what: str = "", error: Message | None = None,
              status: int = 200, deleting: bool = False) -> Template:
        actor = require_staff_viewer(viewer)
        rooms = _rooms(session, centre)
        lang = viewer.lang
        rows = [ClosureRow(c.id, _days(c.first_day, c.last_day, lang),
                           rooms.get(c.room_id, "") if c.room_id else "", c.reason)
                for c in series.list_closures(session, actor, centre.id)]
        today = local_date(now, centre.timezone)
        holidays = [(formatting.weekday_and_day(d, lang),
                     formatting.holiday_name(d, lang, centre.holiday_subdivision) or name)
                    for d, name in series.public_holidays(centre, today,
                                                          today + timedelta(days=365))]
        form = form or ClosureForm.of(editing)
        return render(request, viewer, "staff_closure_list.html", status=status,
                      nav="verwaltung", centre=centre.name, closures=rows, holidays=holidays,
                      rooms=list(rooms.items()), form=form.values, errors=form.errors,
                      error=error, editing=editing, preview=preview, done=done,
                      done_what=done_what, deleting=deleting,
                      editing_days=_days(editing.first_day, editing.last_day, lang)
                      if editing else "")

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], read_db: Session, now: datetime,
              viewer: Viewer) -> Template:
        actor = require_staff_viewer(viewer)
        return self._page(request, read_db, viewer, now, _centre(read_db, actor))

    @get("/{closure_id:int}", sync_to_thread=True)
    def edit(self, request: Request[Any, Any, Any], read_db: Session, now: datetime,
             viewer: Viewer, closure_id: PageId) -> Template:
        actor = require_staff_viewer(viewer)
        closure = self._closure(read_db, actor, closure_id)
        centre = read_db.get_one(Centre, closure.centre_id)
        return self._page(request, read_db, viewer, now, centre, editing=closure)

    @staticmethod
    def _closure(session: Session, actor: Actor, closure_id: int) -> Closure:
        closure = session.get(Closure, closure_id)
        if closure is None or not actor.is_staff_of(closure.centre_id):
            raise NotFound("closure_not_found", id=closure_id)
        return closure

    @post("/", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], db: Session, now: datetime,
               viewer: Viewer, data: FormData) -> Template:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        centre = _centre(db, actor)
        rooms = _rooms(db, centre)
        form = ClosureForm.read(data, rooms)
        if form.errors:
            return self._page(request, db, viewer, now, centre, form=form, status=400)
        assert form.first_day is not None and form.last_day is not None
        try:
            if data.get("aktion") != "speichern":
                preview = series.preview_closure(
                    db, actor, now=now, centre_id=centre.id, room_id=form.room_id,
                    first_day=form.first_day, last_day=form.last_day, reason=form.reason)
                return self._page(request, db, viewer, now, centre, form=form,
                                  preview=_preview_view(preview, centre, rooms, viewer))
            outcome = series.create_closure(
                db, actor, centre.id, room_id=form.room_id, first_day=form.first_day,
                last_day=form.last_day, reason=form.reason, now=now)
        except DomainError as exc:
            discard(db, exc)
            general = form.refused(exc)
            return self._page(request, db, viewer, now, centre, form=form, error=general,
                              status=exc.status_code)
        done = _outcome_view(db, outcome, centre, rooms, viewer)
        return self._page(request, db, viewer, now, centre, done=done,
                          done_what=N_("Die Schließung ist gespeichert."))

    @post("/{closure_id:int}", sync_to_thread=True)
    def move(self, request: Request[Any, Any, Any], db: Session, now: datetime,
             viewer: Viewer, closure_id: PageId, data: FormData) -> Template:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        closure = self._closure(db, actor, closure_id)
        centre = db.get_one(Centre, closure.centre_id)
        rooms = _rooms(db, centre)
        form = ClosureForm.read({**data, "raum": str(closure.room_id or "")}, rooms)
        if form.errors:
            return self._page(request, db, viewer, now, centre, form=form, editing=closure,
                              status=400)
        assert form.first_day is not None and form.last_day is not None
        try:
            if data.get("aktion") != "speichern":
                preview = series.preview_closure(
                    db, actor, now=now, closure_id=closure.id, first_day=form.first_day,
                    last_day=form.last_day, reason=form.reason)
                return self._page(request, db, viewer, now, centre, form=form,
                                  editing=closure,
                                  preview=_preview_view(preview, centre, rooms, viewer))
            outcome = series.move_closure(db, actor, closure.id, first_day=form.first_day,
                                          last_day=form.last_day, reason=form.reason, now=now)
        except DomainError as exc:
            discard(db, exc)
            general = form.refused(exc)
            return self._page(request, db, viewer, now, centre, form=form, editing=closure,
                              error=general, status=exc.status_code)
        done = _outcome_view(db, outcome, centre, rooms, viewer)
        return self._page(request, db, viewer, now, centre, done=done,
                          done_what=N_("Die Schließung ist verschoben."))

    @post("/{closure_id:int}/loeschen", sync_to_thread=True)
    def remove(self, request: Request[Any, Any, Any], db: Session, now: datetime,
               viewer: Viewer, closure_id: PageId, data: FormData) -> Template:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        closure = self._closure(db, actor, closure_id)
        centre = db.get_one(Centre, closure.centre_id)
        rooms = _rooms(db, centre)
        if data.get("aktion") != "speichern":
            preview = series.preview_closure(db, actor, now=now, closure_id=closure.id,
                                             delete=True)
            return self._page(request, db, viewer, now, centre, editing=closure,
                              deleting=True,
                              preview=_preview_view(preview, centre, rooms, viewer))
        outcome = series.delete_closure(db, actor, closure.id, now)
        done = _outcome_view(db, outcome, centre, rooms, viewer)
        return self._page(request, db, viewer, now, centre, done=done,
                          done_what=N_("Die Schließung ist gelöscht."))


def _outcome_view(session: Session, outcome: series.ClosureOutcome, centre: Centre,
                  rooms: dict[int, str], viewer: Viewer) -> PreviewView:
    session.flush()
    return _preview_view(series.ClosurePreview(
        lost=[series.preview_date(r) for r in outcome.lost],
        back=[series.preview_date(r) for r in outcome.back],
        bookings=[series.PreviewBooking(o.booking_id, o.booking.kind, o.status,
                                        o.booking.title, o.room_id, o.starts_at, o.ends_at)
                  for o in outcome.hit]), centre, rooms, viewer)
