"""Maintenance pages of the staff workspace: the rooms of a centre (capacity, area, features,
accessibility notes, prices, rules, rentable) with create and edit forms whose messages sit at
their fields, the overview of offers, groups, staff and recurring demand, the staff profiles.
Closures are in ``booking.web.closures``. Doors are in ``booking.web.doors``, offers and groups in
``booking.web.offers``, the recurring demand in ``booking.web.demand``; every page shows the
centre chosen in the workspace (``booking.web.workspace``).

The forms read German-named fields into the values the API takes, and save through the same
service functions (:func:`booking.services.catalogue.update_room`) with the same permission
rules. A field the form cannot read is answered by the form with its message at the field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from booking import formatting
from booking.deps import discard
from booking.errors import DomainError
from booking.messages import Message
from booking.models import Centre, Feature, Room, StaffProfile
from booking.models.base import max_length
from booking.services import catalogue, desk
from booking.translations import N_
from booking.web import i18n, workspace
from booking.web.common import (
    FormData,
    PageController,
    PageId,
    Viewer,
    redirect,
    render,
)
from booking.web.forms import check_csrf, field_value, parse_time
from booking.web.staff import require_staff_viewer

MAX_EUR = 100_000
_MONEY = re.compile(r"^\d{1,6}([.,]\d{1,2})?$")
_HOURS = re.compile(r"^\d{1,2}([.,]\d{1,2})?$")


@dataclass
class RoomForm:
    """The edit form of a room: what was typed (to show it again) and the errors per field."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    parsed: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, room: Room, lang: str) -> RoomForm:
        def eur(cents: int) -> str:
            return formatting.number(cents / 100, lang) if cents % 100 else str(cents // 100)

        def hours(minutes: int) -> str:
            return formatting.number(minutes / 60, lang)

        return cls(values={
            "name": room.name, "beschreibung": room.description,
            "kapazitaet": str(room.capacity), "flaeche": formatting.number(room.area_m2, lang),
            "merkmale": list(room.features), "barrierefreiheit": room.accessibility_notes,
            "vermietbar": room.rentable, "preis": eur(room.price_per_hour_cents),
            "preis_wochenende": eur(room.weekend_price_per_hour_cents),
            "mindestgebuehr": eur(room.min_fee_cents), "reinigung": eur(room.cleaning_fee_cents),
            "min_stunden": hours(room.min_rental_minutes),
            "max_stunden": hours(room.max_rental_minutes),
            "ende": f"{room.latest_end_minute // 60:02d}:{room.latest_end_minute % 60:02d}",
            "reinigungsregeln": room.cleaning_rules, "hausordnung": room.house_rules})

    @classmethod
    def blank(cls) -> RoomForm:
        """A new room's form: the model's defaults (one-hour to eight-hour rentals until
        22:00, free of charge, not rentable)."""
        return cls(values={
            "name": "", "beschreibung": "", "kapazitaet": "", "flaeche": "", "merkmale": [],
            "barrierefreiheit": "", "vermietbar": False, "preis": "0", "preis_wochenende": "0",
            "mindestgebuehr": "0", "reinigung": "0", "min_stunden": "1", "max_stunden": "8",
            "ende": "22:00", "reinigungsregeln": "", "hausordnung": ""})

    @classmethod
    def read(cls, data: dict[str, Any]) -> RoomForm:
        text = {name: field_value(data, name, max_length=120 if name == "name" else 200)
                for name in ("name", "kapazitaet", "flaeche", "preis", "preis_wochenende",
                             "mindestgebuehr", "reinigung", "min_stunden", "max_stunden",
                             "ende")}
        long = {name: field_value(data, name, text_area=True, max_length=4000)
                for name in ("beschreibung", "barrierefreiheit", "reinigungsregeln",
                             "hausordnung")}
        chosen = data.get("merkmale", [])
        features = [str(f) for f in (chosen if isinstance(chosen, list) else [chosen])]
        form = cls(values={**text, **long, "merkmale": features,
                           "vermietbar": bool(data.get("vermietbar"))})
        form._check(text, long, features)
        return form

    def _check(self, text: dict[str, str], long: dict[str, str], features: list[str]) -> None:
        p, e = self.parsed, self.errors
        if not text["name"]:
            e["name"] = N_("Bitte einen Namen angeben.")
        elif len(text["name"]) > max_length(Room.name):
            e["name"] = N_("Der Name ist zu lang.")
        else:
            p["name"] = text["name"]
        capacity = int(text["kapazitaet"]) if text["kapazitaet"].isdigit() else 0
        if not 1 <= capacity <= 10_000:
            e["kapazitaet"] = N_("Bitte eine ganze Zahl von 1 bis 10000 angeben.")
        else:
            p["capacity"] = capacity
        area = _number(text["flaeche"] or "0")
        if area is None or not 0 <= area <= 100_000:
            e["flaeche"] = N_("Bitte die Fläche in Quadratmetern angeben, z. B. 42,5.")
        else:
            p["area_m2"] = area
        for name, key in (("preis", "price_per_hour_cents"),
                          ("preis_wochenende", "weekend_price_per_hour_cents"),
                          ("mindestgebuehr", "min_fee_cents"), ("reinigung", "cleaning_fee_cents")):
            cents = _cents(text[name] or "0")
            if cents is None:
                e[name] = N_("Bitte einen Betrag in Euro angeben, z. B. 12,50.")
            else:
                p[key] = cents
        for name, key in (("min_stunden", "min_rental_minutes"),
                          ("max_stunden", "max_rental_minutes")):
            minutes = _minutes(text[name])
            if minutes is None:
                e[name] = N_("Bitte Stunden von 0,5 bis 24 angeben, z. B. 1,5.")
            else:
                p[key] = minutes
        if "min_rental_minutes" in p and "max_rental_minutes" in p and \
                p["max_rental_minutes"] < p["min_rental_minutes"]:
            e["max_stunden"] = N_("Die längste Mietdauer darf nicht kürzer als die kürzeste sein.")
            del p["max_rental_minutes"]
        end = parse_time(text["ende"])
        if end is None:
            e["ende"] = N_("Bitte eine Uhrzeit wie 22:00 angeben.")
        else:
            p["latest_end_minute"] = end.hour * 60 + end.minute or 1440
        known = {str(f) for f in Feature}
        if any(f not in known for f in features):
            e["merkmale"] = N_("Bitte nur Merkmale aus der Liste wählen.")
        else:
            p["features"] = features
        p.update(description=long["beschreibung"], accessibility_notes=long["barrierefreiheit"],
                 cleaning_rules=long["reinigungsregeln"], house_rules=long["hausordnung"],
                 rentable=self.values["vermietbar"])


def _number(text: str) -> float | None:
    try:
        return float(text.replace(".", "").replace(",", ".")) if "," in text else float(text)
    except ValueError:
        return None


def _cents(text: str) -> int | None:
    if not _MONEY.match(text):
        return None
    euros, _, fraction = text.replace(",", ".").partition(".")
    cents = int(euros) * 100 + int((fraction + "00")[:2])
    return cents if cents <= MAX_EUR * 100 else None


def _minutes(text: str) -> int | None:
    if not _HOURS.match(text):
        return None
    value = round(float(text.replace(",", ".")) * 60)
    return value if 30 <= value <= 24 * 60 else None


WEEKDAY_NAMES = (N_("Montag"), N_("Dienstag"), N_("Mittwoch"), N_("Donnerstag"),
                 N_("Freitag"), N_("Samstag"), N_("Sonntag"))


@dataclass
class StaffForm:
    """A staff member's contract hours, skills and weekly availability, as typed."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    parsed: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, profile: StaffProfile, lang: str) -> StaffForm:
        values: dict[str, Any] = {
            "woche": formatting.number(profile.max_week_minutes / 60, lang),
            "tag": formatting.number(profile.max_day_minutes / 60, lang),
            "kenntnisse": ", ".join(profile.skills)}
        for slot in profile.availability:
            values[f"von{slot['day']}"], values[f"bis{slot['day']}"] = slot["start"], slot["end"]
        return cls(values=values)

    @classmethod
    def read(cls, data: dict[str, Any]) -> StaffForm:
        names = ["woche", "tag", "kenntnisse"] + [f"{k}{d}" for d in range(7)
                                                   for k in ("von", "bis")]
        form = cls(values={n: field_value(data, n, max_length=400) for n in names})
        v, e, p = form.values, form.errors, form.parsed
        for name, key, top in (("woche", "max_week_minutes", 7 * 24),
                               ("tag", "max_day_minutes", 24)):
            hours = _number(v[name] or "")
            if hours is None or not 0 <= hours <= top:
                e[name] = N_("Bitte eine Stundenzahl angeben, z. B. 39 oder 7,5.")
            else:
                p[key] = round(hours * 60)
        p["skills"] = [s.strip() for s in v["kenntnisse"].split(",") if s.strip()][:20]
        slots = []
        for day in range(7):
            start, end = v[f"von{day}"], v[f"bis{day}"]
            if not start and not end:
                continue
            t0, t1 = parse_time(start), parse_time(end)
            if t0 is None or t1 is None:
                e[f"von{day}"] = N_("Bitte Beginn und Ende als Uhrzeit angeben, z. B. 09:00 "
                                    "und 17:00.")
            elif t1 <= t0:
                e[f"von{day}"] = N_("Das Ende muss nach dem Beginn liegen.")
            else:
                slots.append({"day": day, "start": f"{t0:%H:%M}", "end": f"{t1:%H:%M}"})
        p["availability"] = slots
        return form


@dataclass(frozen=True)
class RoomRow:
    id: int
    name: str
    centre: str
    capacity: int
    area: str
    features: list[str]
    rentable: bool
    price: str


THEME_WORDS = {
    "family": N_("Familie"), "education_general": N_("Allgemeine Bildung"),
    "education_political": N_("Politische Bildung"), "welcome_culture": N_("Willkommenskultur"),
    "counselling": N_("Beratung"), "inclusion": N_("Inklusion"),
    "sustainability": N_("Nachhaltigkeit"), "self_help": N_("Selbsthilfe"),
    "health_prevention": N_("Gesundheitsprävention"), "sport": N_("Sport"), "art": N_("Kunst"),
    "culture": N_("Kultur"), "other": N_("Sonstiges"),
}
GROUP_KIND_WORDS = {
    "club": N_("Verein"), "self_help": N_("Selbsthilfegruppe"),
    "migrant_organisation": N_("Migrantenorganisation"), "partner": N_("Partner"),
    "initiative": N_("Initiative"),
}
WEEKDAYS = (N_("Mo"), N_("Di"), N_("Mi"), N_("Do"), N_("Fr"), N_("Sa"), N_("So"))


def _availability(slots: list[dict[str, Any]], gettext: i18n.Gettext) -> str:
    return ", ".join(f"{gettext(WEEKDAYS[int(s.get('day', 0)) % 7])} "
                     f"{s.get('start', '')}–{s.get('end', '')}" for s in slots)


def _features(lang: str) -> list[tuple[str, str]]:
    _ = i18n.gettext(lang)
    return [(str(f), _(i18n.FEATURE_WORDS.get(str(f), str(f)))) for f in Feature]


class MaintenancePages(PageController):
    path = "/verwaltung"

    @get("/raeume", sync_to_thread=True)
    def rooms(self, request: Request[Any, Any, Any], read_db: Session, viewer: Viewer,
              gespeichert: str | None = None) -> Template:
        actor = require_staff_viewer(viewer)
        lang = viewer.lang
        centre = workspace.current_centre(request, read_db, actor)
        rows = [RoomRow(
            id=room.id, name=room.name, centre=centre.name, capacity=room.capacity,
            area=formatting.number(room.area_m2, lang),
            features=[viewer.gettext(i18n.FEATURE_WORDS.get(f, f)) for f in room.features],
            rentable=room.rentable, price=formatting.money(room.price_per_hour_cents, lang))
            for room in catalogue.list_rooms(read_db, centre_id=centre.id)]
        saved = next((r.name for r in rows if gespeichert and str(r.id) == gespeichert), None)
        return render(request, viewer, "staff_rooms.html", nav="verwaltung", rooms=rows,
                      centre=centre, saved=saved)

    @get("/raeume/neu", sync_to_thread=True)
    def new_room(self, request: Request[Any, Any, Any], read_db: Session,
                 viewer: Viewer) -> Template:
        actor = require_staff_viewer(viewer)
        centre = workspace.current_centre(request, read_db, actor)
        return self._new_room(request, viewer, centre, RoomForm.blank())

    def _new_room(self, request: Request[Any, Any, Any], viewer: Viewer, centre: Centre,
                  form: RoomForm, *, status: int = 200,
                  error: str | Message | None = None) -> Template:
        return render(request, viewer, "staff_room_edit.html", status=status, nav="verwaltung",
                      room_id=None, room_name="", centre=centre, form=form.values,
                      errors=form.errors, error=error, features=_features(viewer.lang))

    @post("/raeume/neu", sync_to_thread=True)
    def create_room(self, request: Request[Any, Any, Any], db: Session, now: datetime,
                    viewer: Viewer, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        centre = workspace.current_centre(request, db, actor)
        form = RoomForm.read(data)
        if form.errors:
            return self._new_room(request, viewer, centre, form, status=400)
        try:
            room = catalogue.create_room(db, actor, centre.id, form.parsed, now)
        except DomainError as exc:
            discard(db, exc)
            if exc.status_code in (401, 403):
                raise
            return self._new_room(request, viewer, centre, form, status=exc.status_code,
                                  error=exc.message)
        return redirect("/verwaltung/raeume", gespeichert=room.id)

    @get("/raeume/{room_id:int}", sync_to_thread=True)
    def room_form(self, request: Request[Any, Any, Any], read_db: Session, viewer: Viewer,
                  room_id: PageId) -> Template:
        actor = require_staff_viewer(viewer)
        room = catalogue.editable_room(read_db, actor, room_id)
        return self._room(request, viewer, room, RoomForm.of(room, viewer.lang))

    def _room(self, request: Request[Any, Any, Any], viewer: Viewer, room: Room,
              form: RoomForm, *, status: int = 200,
              error: str | Message | None = None) -> Template:
        return render(request, viewer, "staff_room_edit.html", status=status, nav="verwaltung",
                      room_id=room.id, room_name=room.name, form=form.values,
                      errors=form.errors, error=error, features=_features(viewer.lang))

    @post("/raeume/{room_id:int}", sync_to_thread=True)
    def save_room(self, request: Request[Any, Any, Any], db: Session, now: datetime,
                  viewer: Viewer, room_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        room = catalogue.editable_room(db, actor, room_id)
        form = RoomForm.read(data)
        if form.errors:
            return self._room(request, viewer, room, form, status=400)
        try:
            catalogue.update_room(db, actor, room_id, form.parsed, now)
        except DomainError as exc:
            discard(db, exc)
            return self._room(request, viewer, catalogue.get_room(db, room_id), form,
                              status=exc.status_code, error=exc.message)
        return redirect("/verwaltung/raeume", gespeichert=room_id)

    @get("/programm", sync_to_thread=True)
    def programme(self, request: Request[Any, Any, Any], read_db: Session,
                  viewer: Viewer, gespeichert: str | None = None, angebot: str | None = None,
                  gruppe: str | None = None, bedarf: str | None = None,
                  geloescht: str | None = None) -> Template:
        """Offers, groups and their contacts, staff profiles and the recurring demand the
        planner places, of the centre the workspace shows, each with its forms."""
        actor = require_staff_viewer(viewer)
        _, lang = viewer.gettext, viewer.lang
        centre = workspace.current_centre(request, read_db, actor)
        offers = [{"id": o.id, "title": o.title, "theme": _(THEME_WORDS.get(o.theme, o.theme)),
                   "public": o.public, "self_managed": o.self_managed,
                   "consultation": o.consultation}
                  for o in catalogue.list_offers(read_db, actor, centre.id)]
        groups = [{"id": g.id, "name": g.name, "kind": _(GROUP_KIND_WORDS.get(g.kind, g.kind)),
                   "contacts": [(p.display_name or "", p.email or "") for p in g.contacts]}
                  for g in catalogue.list_groups(read_db, actor, centre.id)]
        staff = [{"id": person.id, "name": person.display_name or person.email or "",
                  "week": formatting.number(profile.max_week_minutes / 60, lang),
                  "day": formatting.number(profile.max_day_minutes / 60, lang),
                  "skills": ", ".join(profile.skills),
                  "availability": _availability(profile.availability, _)}
                 for profile, person in catalogue.list_staff_profiles(read_db, actor, centre.id)]
        demand = [{"id": r.id, "title": r.title,
                   "hours": formatting.number(r.duration_minutes / 60, lang),
                   "size": r.size, "priority": r.priority, "staffed": r.staffed,
                   "active": r.active, "windows": _availability(r.windows, _)}
                  for r in desk.recurring_demand(read_db, actor, centre.id)]

        def named(rows: list[dict[str, Any]], key: str, given: str | None) -> str | None:
            return next((str(r[key]) for r in rows if given and str(r["id"]) == given), None)

        saved = (named(staff, "name", gespeichert) or named(offers, "title", angebot)
                 or named(groups, "name", gruppe) or named(demand, "title", bedarf))
        return render(request, viewer, "staff_programme.html", nav="verwaltung",
                      centre=centre, offers=offers, groups=groups, staff=staff, demand=demand,
                      saved=saved, deleted=(geloescht or "")[:120] or None)

    @get("/team/{person_id:int}", sync_to_thread=True)
    def staff_form(self, request: Request[Any, Any, Any], read_db: Session, viewer: Viewer,
                   person_id: PageId) -> Template:
        actor = require_staff_viewer(viewer)
        profile, person = catalogue.staff_profile(read_db, actor, person_id)
        return self._staff(request, viewer, person_id, person.display_name or "",
                           StaffForm.of(profile, viewer.lang))

    def _staff(self, request: Request[Any, Any, Any], viewer: Viewer, person_id: int,
               name: str, form: StaffForm, *, status: int = 200,
               error: str | Message | None = None) -> Template:
        days = [(i, viewer.gettext(WEEKDAY_NAMES[i])) for i in range(7)]
        return render(request, viewer, "staff_profile_edit.html", status=status,
                      nav="verwaltung", person_id=person_id, person_name=name,
                      form=form.values, errors=form.errors, error=error, days=days)

    @post("/team/{person_id:int}", sync_to_thread=True)
    def save_staff(self, request: Request[Any, Any, Any], db: Session, now: datetime,
                   viewer: Viewer, person_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        profile, person = catalogue.staff_profile(db, actor, person_id)
        form = StaffForm.read(data)
        name = person.display_name or ""
        if form.errors:
            return self._staff(request, viewer, person_id, name, form, status=400)
        try:
            catalogue.set_staff_profile(db, actor, profile.centre_id, person_id, form.parsed,
                                        now)
        except DomainError as exc:
            discard(db, exc)
            return self._staff(request, viewer, person_id, name, form,
                               status=exc.status_code, error=exc.message)
        return redirect("/verwaltung/programm", gespeichert=person_id)

    @get("/schliesstage", sync_to_thread=False)
    def old_closures(self) -> Redirect:
        """The holidays-only page of before: closures have their own page now."""
        return Redirect("/verwaltung/schliessungen", status_code=301)
