"""Staff pages for the doors of a centre and the rooms each opens: list, create, edit, and
delete a door nothing depends on. Door terminals and codes are the access pages'
(``booking.web.access_pages``); these pages link there. Writes go through
:mod:`booking.services.catalogue`, the functions the API calls, with their permission rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template
from sqlalchemy.orm import Session

from booking.deps import discard
from booking.errors import DomainError
from booking.messages import Message
from booking.models import Centre, Door, Room
from booking.models.base import max_length
from booking.services import catalogue
from booking.translations import N_
from booking.web import workspace
from booking.web.common import FormData, PageController, PageId, Viewer, redirect, render
from booking.web.forms import check_csrf, field_value
from booking.web.forms import parse_positive_int as parse_id
from booking.web.staff import require_staff_viewer

DOOR_KINDS = {"entrance": N_("Eingang"), "room": N_("Raumtür")}
BASE = "/verwaltung/tueren"


def chosen_ids(data: dict[str, Any], name: str, limit: int = 500) -> list[int] | None:
    """The ids ticked in a group of checkboxes; None if one is not an id."""
    given = data.get(name, [])
    values = given if isinstance(given, list) else [given]
    ids = [parse_id(str(v)[:12]) for v in values[:limit]]
    return None if any(i is None for i in ids) or len(values) > limit else \
        sorted({i for i in ids if i is not None})


@dataclass
class DoorForm:
    values: dict[str, Any]
    errors: dict[str, str | Message] = field(default_factory=dict)

    @classmethod
    def of(cls, door: Door | None) -> DoorForm:
        if door is None:
            return cls(values={"name": "", "art": "room", "raeume": []})
        return cls(values={"name": door.name, "art": door.kind,
                           "raeume": [r.id for r in door.rooms]})

    @classmethod
    def read(cls, data: dict[str, Any]) -> DoorForm:
        name = field_value(data, "name", max_length=400)
        kind = field_value(data, "art", max_length=20)
        rooms = chosen_ids(data, "raeume")
        form = cls(values={"name": name, "art": kind, "raeume": rooms or []})
        if not name:
            form.errors["name"] = N_("Bitte einen Namen angeben.")
        elif len(name) > max_length(Door.name):
            form.errors["name"] = N_("Der Name ist zu lang.")
        if kind not in DOOR_KINDS:
            form.errors["art"] = N_("Bitte wählen, ob es ein Eingang oder eine Raumtür ist.")
        if rooms is None:
            form.errors["raeume"] = N_("Bitte nur Räume aus der Liste wählen.")
        return form


class DoorPages(PageController):
    path = BASE

    @get("/", sync_to_thread=True)
    def doors(self, request: Request[Any, Any, Any], read_db: Session, viewer: Viewer,
              gespeichert: str | None = None, geloescht: str | None = None) -> Template:
        actor = require_staff_viewer(viewer)
        centre = workspace.current_centre(request, read_db, actor)
        doors = catalogue.list_doors(read_db, actor, centre.id)
        saved = next((d.name for d in doors if gespeichert and str(d.id) == gespeichert), None)
        return render(request, viewer, "staff_doors.html", nav="verwaltung", centre=centre,
                      doors=doors, kinds=DOOR_KINDS, saved=saved,
                      deleted=(geloescht or "")[:120] or None)

    def _form(self, request: Request[Any, Any, Any], viewer: Viewer, centre: Centre,
              rooms: list[Room], door: Door | None, form: DoorForm, *, status: int = 200,
              error: str | Message | None = None) -> Template:
        return render(request, viewer, "staff_door_edit.html", status=status, nav="verwaltung",
                      centre=centre, door=door, rooms=rooms, kinds=DOOR_KINDS,
                      form=form.values, errors=form.errors, error=error)

    @get("/neu", sync_to_thread=True)
    def new(self, request: Request[Any, Any, Any], read_db: Session,
            viewer: Viewer) -> Template:
        actor = require_staff_viewer(viewer)
        centre = workspace.current_centre(request, read_db, actor)
        rooms = list(catalogue.list_rooms(read_db, centre_id=centre.id))
        return self._form(request, viewer, centre, rooms, None, DoorForm.of(None))

    @post("/neu", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], db: Session, now: datetime,
               viewer: Viewer, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        centre = workspace.current_centre(request, db, actor)
        rooms = list(catalogue.list_rooms(db, centre_id=centre.id))
        form = DoorForm.read(data)
        if form.errors:
            return self._form(request, viewer, centre, rooms, None, form, status=400)
        try:
            door = catalogue.create_door(db, actor, centre.id, name=form.values["name"],
                                         kind=form.values["art"],
                                         room_ids=form.values["raeume"], now=now)
        except DomainError as exc:
            discard(db, exc)
            if exc.status_code in (401, 403):
                raise
            form.errors["raeume"] = exc.message
            return self._form(request, viewer, centre, rooms, None, form,
                              status=exc.status_code)
        return redirect(BASE, gespeichert=door.id)

    @get("/{door_id:int}", sync_to_thread=True)
    def edit(self, request: Request[Any, Any, Any], read_db: Session, viewer: Viewer,
             door_id: PageId) -> Template:
        actor = require_staff_viewer(viewer)
        door = catalogue.get_door(read_db, actor, door_id)
        centre = catalogue.get_centre(read_db, door.centre_id)
        rooms = list(catalogue.list_rooms(read_db, centre_id=centre.id))
        return self._form(request, viewer, centre, rooms, door, DoorForm.of(door))

    @post("/{door_id:int}", sync_to_thread=True)
    def save(self, request: Request[Any, Any, Any], db: Session, now: datetime,
             viewer: Viewer, door_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        door = catalogue.get_door(db, actor, door_id)
        centre = catalogue.get_centre(db, door.centre_id)
        rooms = list(catalogue.list_rooms(db, centre_id=centre.id))
        form = DoorForm.read(data)
        if form.errors:
            return self._form(request, viewer, centre, rooms, door, form, status=400)
        try:
            catalogue.update_door(db, actor, door_id, name=form.values["name"],
                                  kind=form.values["art"], room_ids=form.values["raeume"],
                                  now=now)
        except DomainError as exc:
            discard(db, exc)
            if exc.status_code in (401, 403):
                raise
            form.errors["raeume"] = exc.message
            return self._form(request, viewer, centre, rooms,
                              catalogue.get_door(db, actor, door_id), form,
                              status=exc.status_code)
        return redirect(BASE, gespeichert=door_id)

    @post("/{door_id:int}/loeschen", sync_to_thread=True)
    def delete(self, request: Request[Any, Any, Any], db: Session, now: datetime,
               viewer: Viewer, door_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        door = catalogue.get_door(db, actor, door_id)
        name = door.name
        try:
            catalogue.delete_door(db, actor, door_id, now)
        except DomainError as exc:
            discard(db, exc)
            if exc.status_code in (401, 403):
                raise
            door = catalogue.get_door(db, actor, door_id)
            centre = catalogue.get_centre(db, door.centre_id)
            rooms = list(catalogue.list_rooms(db, centre_id=centre.id))
            return self._form(request, viewer, centre, rooms, door, DoorForm.of(door),
                              status=exc.status_code, error=exc.message)
        return redirect(BASE, geloescht=name)
