"""Staff pages for the recurring demand the weekly planner places: a group's or an offer's
standing wish for a slot (how often, how long, on which days and hours it may and would rather
meet, how many people, room features or rooms, priority, staffed or not). Create, edit, pause
and delete through :mod:`booking.services.demand`, with the same permission rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template
from sqlalchemy.orm import Session

from booking import formatting
from booking.deps import discard
from booking.errors import DomainError
from booking.messages import Message
from booking.models import Centre, Feature, RecurringRequest
from booking.models.base import max_length
from booking.services import catalogue
from booking.services import demand as demand_service
from booking.timeutil import in_horizon
from booking.translations import N_
from booking.web import i18n, workspace
from booking.web.common import FormData, PageController, PageId, Viewer, redirect, render
from booking.web.doors import chosen_ids
from booking.web.forms import check_csrf, field_value, parse_date, parse_time
from booking.web.forms import parse_positive_int as parse_id
from booking.web.maintenance import WEEKDAY_NAMES, _number
from booking.web.staff import require_staff_viewer

RULE_WORDS = {"FREQ=WEEKLY": N_("jede Woche"), "FREQ=WEEKLY;INTERVAL=2": N_("alle zwei Wochen"),
              "FREQ=MONTHLY": N_("einmal im Monat (am selben Tag des Monats)")}
PROGRAMME = "/verwaltung/programm"
BASE = "/verwaltung/bedarf"


@dataclass
class DemandForm:
    values: dict[str, Any]
    errors: dict[str, str | Message] = field(default_factory=dict)
    parsed: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, req: RecurringRequest | None, today: str, lang: str) -> DemandForm:
        if req is None:
            return cls(values={"titel": "", "gruppe": "", "angebot": "",
                               "wiederholung": "FREQ=WEEKLY", "ab": today, "bis": "",
                               "dauer": "2", "personen": "10", "vorrang": "3",
                               "mit_personal": False, "aktiv": True, "merkmale": [],
                               "raeume": []})
        values: dict[str, Any] = {
            "titel": req.title, "gruppe": str(req.group_id or ""),
            "angebot": str(req.offer_id or ""), "wiederholung": req.rrule,
            "ab": req.valid_from.isoformat(),
            "bis": req.valid_until.isoformat() if req.valid_until else "",
            "dauer": formatting.number(req.duration_minutes / 60, lang),
            "personen": str(req.size), "vorrang": str(req.priority),
            "mit_personal": req.staffed, "aktiv": req.active, "merkmale": list(req.features),
            "raeume": list(req.room_ids)}
        for prefix, windows in (("", req.windows), ("p", req.preferred)):
            for w in windows:
                values[f"{prefix}von{w['day']}"] = w["start"]
                values[f"{prefix}bis{w['day']}"] = w["end"]
        return cls(values=values)

    @classmethod
    def read(cls, data: dict[str, Any], group_ids: set[int], offer_ids: set[int],
             room_ids: set[int]) -> DemandForm:
        names = ["titel", "gruppe", "angebot", "wiederholung", "ab", "bis", "dauer", "personen",
                 "vorrang"] + [f"{p}{k}{d}" for p in ("", "p") for k in ("von", "bis")
                               for d in range(7)]
        v: dict[str, Any] = {n: field_value(data, n, max_length=400) for n in names}
        v["mit_personal"], v["aktiv"] = bool(data.get("mit_personal")), bool(data.get("aktiv"))
        chosen = data.get("merkmale", [])
        v["merkmale"] = [str(f)[:40] for f in (chosen if isinstance(chosen, list)
                                               else [chosen])][:20]
        rooms = chosen_ids(data, "raeume")
        v["raeume"] = rooms or []
        form = cls(values=v)
        e, p = form.errors, form.parsed
        if not v["titel"]:
            e["titel"] = N_("Bitte einen Titel angeben.")
        elif len(v["titel"]) > max_length(RecurringRequest.title):
            e["titel"] = N_("Der Titel ist zu lang.")
        else:
            p["title"] = v["titel"]
        for name, key, known in (("gruppe", "group_id", group_ids),
                                 ("angebot", "offer_id", offer_ids)):
            ident = parse_id(v[name]) if v[name] else None
            if v[name] and ident not in known:
                e[name] = N_("Bitte einen Eintrag aus der Liste wählen.")
            else:
                p[key] = ident
        if v["wiederholung"] not in RULE_WORDS:
            e["wiederholung"] = N_("Bitte eine Wiederholung aus der Liste wählen.")
        else:
            p["rrule"] = v["wiederholung"]
        first = parse_date(v["ab"])
        if first is None or not in_horizon(first):
            e["ab"] = N_("Bitte ein Datum angeben (TT.MM.JJJJ).")
        else:
            p["valid_from"] = first
        last = parse_date(v["bis"]) if v["bis"] else None
        if v["bis"] and (last is None or not in_horizon(last)):
            e["bis"] = N_("Bitte ein Datum angeben (TT.MM.JJJJ).")
        elif last is not None and first is not None and last < first:
            e["bis"] = N_("Das Ende darf nicht vor dem ersten Termin liegen.")
        else:
            p["valid_until"] = last
        hours = _number(v["dauer"]) if v["dauer"] else None
        if hours is None or not 0.25 <= hours <= 24:
            e["dauer"] = N_("Bitte Stunden von 0,25 bis 24 angeben, z. B. 1,5.")
        else:
            p["duration_minutes"] = round(hours * 60)
        size = parse_id(v["personen"])
        if size is None or size > 10_000:
            e["personen"] = N_("Bitte eine ganze Zahl von 1 bis 10000 angeben.")
        else:
            p["size"] = size
        priority = parse_id(v["vorrang"])
        if priority is None or priority > 10:
            e["vorrang"] = N_("Bitte eine ganze Zahl von 1 bis 10 angeben.")
        else:
            p["priority"] = priority
        known_features = {str(f) for f in Feature}
        if any(f not in known_features for f in v["merkmale"]):
            e["merkmale"] = N_("Bitte nur Merkmale aus der Liste wählen.")
        else:
            p["features"] = v["merkmale"]
        if rooms is None or any(r not in room_ids for r in rooms):
            e["raeume"] = N_("Bitte nur Räume aus der Liste wählen.")
        else:
            p["room_ids"] = rooms
        p["windows"] = form._windows("", True)
        p["preferred"] = form._windows("p", False)
        if not p["windows"] and "von0" not in e and not any(f"von{d}" in e for d in range(7)):
            e["von0"] = N_("Bitte mindestens einen Tag mit Uhrzeiten angeben, an dem der "
                           "Termin stattfinden kann.")
        elif "duration_minutes" in p and p["windows"] and all(
                _length(w) < p["duration_minutes"] for w in p["windows"]):
            e["von0"] = N_("In keinem der möglichen Zeitfenster hat der Termin mit seiner "
                           "Dauer Platz.")
        p.update(staffed=v["mit_personal"], active=v["aktiv"])
        return form

    def _windows(self, prefix: str, allowed: bool) -> list[dict[str, Any]]:
        out = []
        for day in range(7):
            start, end = self.values[f"{prefix}von{day}"], self.values[f"{prefix}bis{day}"]
            if not start and not end:
                continue
            t0, t1 = parse_time(start), parse_time(end)
            if t0 is None or t1 is None:
                self.errors[f"{prefix}von{day}"] = N_(
                    "Bitte Beginn und Ende als Uhrzeit angeben, z. B. 09:00 und 17:00.")
            elif t1 <= t0:
                self.errors[f"{prefix}von{day}"] = N_("Das Ende muss nach dem Beginn liegen.")
            else:
                out.append({"day": day, "start": f"{t0:%H:%M}", "end": f"{t1:%H:%M}"})
        return out


def _length(window: dict[str, Any]) -> int:
    def minutes(hhmm: str) -> int:
        h, m = hhmm.split(":")
        return int(h) * 60 + int(m)

    return minutes(window["end"]) - minutes(window["start"])


def _features(viewer: Viewer) -> list[tuple[str, str]]:
    return [(str(f), viewer.gettext(i18n.FEATURE_WORDS.get(str(f), str(f)))) for f in Feature]


class DemandPages(PageController):
    path = BASE

    def _choices(self, session: Session, viewer: Viewer, centre: Centre) -> dict[str, Any]:
        actor = require_staff_viewer(viewer)
        return {"groups": list(catalogue.list_groups(session, actor, centre.id)),
                "offers": list(catalogue.list_offers(session, actor, centre.id)),
                "rooms": list(catalogue.list_rooms(session, centre_id=centre.id))}

    def _form(self, request: Request[Any, Any, Any], viewer: Viewer, session: Session,
              centre: Centre, req: RecurringRequest | None, form: DemandForm, *,
              status: int = 200, error: str | Message | None = None) -> Template:
        days = [(i, viewer.gettext(WEEKDAY_NAMES[i])) for i in range(7)]
        return render(request, viewer, "staff_demand_edit.html", status=status,
                      nav="verwaltung", centre=centre, item=req, days=days,
                      rules=RULE_WORDS, features=_features(viewer), form=form.values,
                      errors=form.errors, error=error, **self._choices(session, viewer, centre))

    def _read(self, session: Session, viewer: Viewer, centre: Centre,
              data: dict[str, Any]) -> DemandForm:
        c = self._choices(session, viewer, centre)
        return DemandForm.read(data, {g.id for g in c["groups"]}, {o.id for o in c["offers"]},
                               {r.id for r in c["rooms"]})

    @get("/neu", sync_to_thread=True)
    def new(self, request: Request[Any, Any, Any], read_db: Session, now: datetime,
            viewer: Viewer) -> Template:
        actor = require_staff_viewer(viewer)
        centre = workspace.current_centre(request, read_db, actor)
        return self._form(request, viewer, read_db, centre, None,
                          DemandForm.of(None, now.date().isoformat(), viewer.lang))

    @post("/neu", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], db: Session, now: datetime,
               viewer: Viewer, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        centre = workspace.current_centre(request, db, actor)
        form = self._read(db, viewer, centre, data)
        if form.errors:
            return self._form(request, viewer, db, centre, None, form, status=400)
        try:
            req = demand_service.create_demand(db, actor, centre.id, form.parsed, now)
        except DomainError as exc:
            discard(db, exc)
            if exc.status_code in (401, 403):
                raise
            return self._form(request, viewer, db, centre, None, form, status=400,
                              error=exc.message)
        return redirect(PROGRAMME, bedarf=req.id)

    @get("/{item_id:int}", sync_to_thread=True)
    def edit(self, request: Request[Any, Any, Any], read_db: Session, now: datetime,
             viewer: Viewer, item_id: PageId) -> Template:
        actor = require_staff_viewer(viewer)
        req = demand_service.get_demand(read_db, actor, item_id)
        centre = catalogue.get_centre(read_db, req.centre_id)
        return self._form(request, viewer, read_db, centre, req,
                          DemandForm.of(req, now.date().isoformat(), viewer.lang))

    @post("/{item_id:int}", sync_to_thread=True)
    def save(self, request: Request[Any, Any, Any], db: Session, now: datetime,
             viewer: Viewer, item_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        req = demand_service.get_demand(db, actor, item_id)
        centre = catalogue.get_centre(db, req.centre_id)
        form = self._read(db, viewer, centre, data)
        if form.errors:
            return self._form(request, viewer, db, centre, req, form, status=400)
        try:
            demand_service.update_demand(db, actor, item_id, form.parsed, now)
        except DomainError as exc:
            discard(db, exc)
            if exc.status_code in (401, 403):
                raise
            return self._form(request, viewer, db, centre,
                              demand_service.get_demand(db, actor, item_id), form,
                              status=400, error=exc.message)
        return redirect(PROGRAMME, bedarf=item_id)

    @post("/{item_id:int}/loeschen", sync_to_thread=True)
    def delete(self, request: Request[Any, Any, Any], db: Session, now: datetime,
               viewer: Viewer, item_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        req = demand_service.get_demand(db, actor, item_id)
        title = req.title
        try:
            demand_service.delete_demand(db, actor, item_id, now)
        except DomainError as exc:
            discard(db, exc)
            if exc.status_code in (401, 403):
                raise
            req = demand_service.get_demand(db, actor, item_id)
            centre = catalogue.get_centre(db, req.centre_id)
            return self._form(request, viewer, db, centre, req,
                              DemandForm.of(req, now.date().isoformat(), viewer.lang),
                              status=exc.status_code, error=exc.message)
        return redirect(PROGRAMME, geloescht=title[:120])
