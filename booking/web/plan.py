"""Staff pages of the weekly Raumnutzungsplan: start the solver for a week and watch it, the
draft as a room × time grid with the unplaced demand and the Profil figures, pin / move /
remove an entry and re-solve, publish, compare with the published plan, and print it (a print
stylesheet, a PDF made on the server, the week's public programme as a poster).

The solve runs in the worker process (``booking.services.planning``); these pages queue it,
poll its progress (htmx, every second) and show the stored result, read once into typed values
by ``booking.services.plan_view``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from babel.dates import format_date
from litestar import Request, Response, get, post
from litestar.response import Template

from booking import formatting
from booking.api.deps import Services
from booking.db import transaction
from booking.errors import DomainError, InvalidInput, NotFound
from booking.messages import Message
from booking.services import plan_view, planning
from booking.services.plan_view import PlanView
from booking.translations import N_
from booking.web import printing, workspace
from booking.web.common import (
    FormData,
    PageController,
    PageId,
    Viewer,
    redirect,
    render,
)
from booking.web.forms import check_csrf, field_value, iso_week, parse_iso_week, parse_time
from booking.web.staff import require_staff_viewer

BASE = "/verwaltung/plan"
# A centre with more rooms than this shows its grid one day at a time (links to the other days
# and to the whole week): a week of 300 rooms is 2,100 rows, more than anyone reads at once.
ROOMS_FOR_A_WEEK_AT_ONCE = 40
# How long the pages let the solver search: long enough for a centre's week to be proven
# optimal, short enough to watch.
PAGE_TIME_LIMIT = 30.0

FIGURE_NAMES = {
    "open_hours": N_("Öffnungsstunden in der Woche"),
    "open_days": N_("Tage geöffnet"),
    "consultation": N_("Stunden Bürgersprechstunde"),
    "weekend": N_("Angebote am Wochenende"),
}
RUN_STATUS = {
    "queued": N_("wartet auf den Planer"),
    "running": N_("wird berechnet"),
    "done": N_("Entwurf"),
    "failed": N_("fehlgeschlagen"),
    "published": N_("veröffentlicht"),
    "superseded": N_("ersetzt"),
}
PLAN_STATUS = {
    "optimal": N_("bewiesen bester Plan"),
    "feasible": N_("guter Plan, nicht als bester bewiesen"),
    "requirements_unmet": N_("Plan, der nicht jede Anforderung erfüllt"),
    "greedy": N_("einfacher Notplan"),
    "no_plan": N_("kein Plan gefunden"),
}
UNPLACED_KINDS = {
    "room_conflict": N_("Kein passender Raum frei"),
    "missing_feature": N_("Kein Raum mit der nötigen Ausstattung"),
    "capacity": N_("Kein Raum groß genug"),
    "house_closed": N_("Das Haus ist zu dieser Zeit nicht geöffnet"),
    "closure": N_("Die passenden Räume sind geschlossen"),
    "staff": N_("Kein Teammitglied verfügbar"),
    "pin": N_("Die Festlegung lässt sich nicht einhalten"),
    "trade_off": N_("Zugunsten anderer Nutzungen nicht eingeplant"),
}
CHANGES = {"moved": N_("verschoben"), "added": N_("neu"), "dropped": N_("entfällt")}
VIEWS = {"woche": N_("eine Seite je Woche"), "raum": N_("eine Seite je Raum")}


def weekday(day: date, lang: str) -> str:
    return format_date(day, "EEEE", locale=formatting.locale(lang))


def week_label(monday: date, lang: str) -> str:
    return formatting.iso_week(monday, lang)


def next_week(today: date) -> str:
    return iso_week(today + timedelta(days=7))


class PlanPages(PageController):
    path = BASE

    # --- the week: start a solve, earlier runs ---------------------------------------------

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
              woche: str | None = None) -> Template:
        return self._index(request, svc, viewer, week=woche or "")

    def _index(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer, *,
               week: str, error: Message | str | None = None, status: int = 200) -> Template:
        actor = require_staff_viewer(viewer)
        now = svc.clock.now()
        with svc.read_db() as db:
            centre = workspace.current_centre(request, db, actor)
            runs = plan_view.runs_of_centre(db, actor, centre)
            rows = [(r, parse_iso_week(r.week)) for r in runs]
        return render(request, viewer, "plan_index.html", status=status, nav="verwaltung",
                      centre=centre, runs=rows, week=week or next_week(now.date()),
                      error=error, run_status=RUN_STATUS, week_label=week_label)

    @post("/", sync_to_thread=True)
    def start(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
              data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        week = field_value(data, "woche", max_length=10)
        monday = parse_iso_week(week)
        if monday is None or not 2000 <= monday.year < 2100:
            return self._index(request, svc, viewer, week=week, status=400,
                               error=Message("plan_week_invalid", {"week": week}))
        try:
            with transaction(svc.db) as db:
                centre = workspace.current_centre(request, db, actor)
                run = planning.queue_plan(db, actor, centre_id=centre.id, week=iso_week(monday),
                                          now=svc.clock.now(), time_limit=PAGE_TIME_LIMIT)
                run_id = run.id
        except DomainError as exc:
            return self._index(request, svc, viewer, week=week, error=exc.message,
                               status=exc.status_code)
        return redirect(f"{BASE}/{run_id}")

    # --- one run: progress, the draft, adjust, re-solve, publish ---------------------------

    def _view(self, svc: Services, viewer: Viewer, run_id: int) -> PlanView:
        actor = require_staff_viewer(viewer)
        with svc.read_db() as db:
            run = planning.get_run(db, actor, run_id)
            pv = plan_view.view(db, run)
            db.expunge_all()
        return pv

    def _page(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
              run_id: int, *, error: Message | str | None = None, status: int = 200,
              notice: str | None = None, day: str | None = None) -> Template:
        pv = self._view(svc, viewer, run_id)
        paged = len(pv.rooms) > ROOMS_FOR_A_WEEK_AT_ONCE
        if day == "alle" or not paged:
            shown = list(range(7))
        elif day in {str(d) for d in range(7)}:
            shown = [int(day or 0)]
        elif day is None:
            shown = [0]
        else:
            raise InvalidInput("plan_day_invalid")
        return render(request, viewer, "plan_run.html", status=status, nav="verwaltung",
                      **self._context(svc, viewer, pv), error=error, notice=notice,
                      paged=paged, shown_days=shown)

    def _context(self, svc: Services, viewer: Viewer, pv: PlanView) -> dict[str, Any]:
        lang = viewer.lang
        return {
            "pv": pv, "run": pv.run, "base": BASE, "week": week_label(pv.monday, lang),
            "run_status": RUN_STATUS, "plan_status": PLAN_STATUS, "figure_names": FIGURE_NAMES,
            "unplaced_kinds": UNPLACED_KINDS, "change_words": CHANGES, "views": VIEWS,
            "day_name": lambda d: weekday(pv.monday + timedelta(days=d), lang),
            "day_title": lambda d: formatting.weekday_and_day(pv.monday + timedelta(days=d),
                                                              lang),
            "hhmm": lambda m: f"{m // 60:02d}:{m % 60:02d}",
            "num": lambda v: formatting.number(round(v, 1), lang),
            "elapsed": plan_view.elapsed_seconds(pv.run, svc.clock.now()),
        }

    @get("/{run_id:int}", sync_to_thread=True)
    def run(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
            run_id: PageId, hinweis: str | None = None, tag: str | None = None) -> Template:
        notice = {"angepasst": N_("Die Änderung ist vorgemerkt. Sie wirkt, sobald Sie neu "
                                  "planen."),
                  "freigegeben": N_("Die Festlegung ist aufgehoben. Beim Neuplanen setzt der "
                                    "Planer den Eintrag wieder frei."),
                  "veroeffentlicht": N_("Der Plan ist veröffentlicht.")}.get(hinweis or "")
        return self._page(request, svc, viewer, run_id, notice=notice, day=tag)

    @get("/{run_id:int}/fortschritt", sync_to_thread=True)
    def progress(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                 run_id: PageId) -> Template:
        """The progress block alone, polled by htmx; once the run has ended the whole page is
        loaded again (``HX-Refresh``) to show the draft."""
        pv = self._view(svc, viewer, run_id)
        page = render(request, viewer, "plan_progress.html", **self._context(svc, viewer, pv))
        if pv.run.status not in ("queued", "running"):
            page.headers["HX-Refresh"] = "true"
        return page

    @get("/{run_id:int}/eintrag/{demand:str}", sync_to_thread=True)
    def entry(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
              run_id: PageId, demand: str) -> Template:
        return self._entry(request, svc, viewer, run_id, demand)

    def _entry(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
               run_id: int, demand: str, *, errors: dict[str, Message] | None = None,
               form: dict[str, str] | None = None, status: int = 200,
               error: Message | str | None = None) -> Template:
        pv = self._view(svc, viewer, run_id)
        entry = pv.entry(demand)
        if entry is None:
            raise NotFound("plan_unknown_entry")
        return render(request, viewer, "plan_entry.html", status=status, nav="verwaltung",
                      **self._context(svc, viewer, pv), entry=entry, errors=errors or {},
                      form=form or {"tag": str(entry.day), "beginn": _hm(entry.start),
                                    "raum": entry.room_id}, error=error)

    @post("/{run_id:int}/eintrag/{demand:str}", sync_to_thread=True)
    def adjust(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
               run_id: PageId, demand: str, data: FormData) -> Response[Any]:
        """Move (to a chosen day, start and room), pin where it is, or remove an entry."""
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        action = field_value(data, "aktion", max_length=20)
        form = {k: field_value(data, k, max_length=10) for k in ("tag", "beginn", "raum")}
        pv = self._view(svc, viewer, run_id)
        entry = pv.entry(demand)
        if entry is None:
            raise NotFound("plan_unknown_entry")
        pin: dict[str, Any] = {"demand": demand}
        if action == "entfernen":
            pin["remove"] = True
        elif action == "freigeben":
            try:
                with transaction(svc.db) as db:
                    planning.release(db, actor, run_id, demand, svc.clock.now())
            except DomainError as exc:
                return self._entry(request, svc, viewer, run_id, demand, form=form,
                                   status=exc.status_code, error=exc.message)
            return redirect(f"{BASE}/{run_id}", hinweis="freigegeben")
        elif action == "festhalten":
            pin.update(room_id=int(entry.room_id), day=entry.day, start=_hm(entry.start))
        elif action == "verschieben":
            errors = _move_errors(pv, form)
            if errors:
                return self._entry(request, svc, viewer, run_id, demand, errors=errors,
                                   form=form, status=400)
            pin.update(room_id=int(form["raum"]), day=int(form["tag"]), start=form["beginn"])
        else:
            raise InvalidInput("plan_action_invalid")
        try:
            with transaction(svc.db) as db:
                planning.adjust(db, actor, run_id, pin, svc.clock.now())
        except DomainError as exc:
            return self._entry(request, svc, viewer, run_id, demand, form=form,
                               status=exc.status_code, error=exc.message)
        return redirect(f"{BASE}/{run_id}", hinweis="angepasst")

    @post("/{run_id:int}/neu", sync_to_thread=True)
    def resolve(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                run_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        try:
            with transaction(svc.db) as db:
                new_id = planning.resolve(db, actor, run_id, svc.clock.now()).id
        except DomainError as exc:
            return self._page(request, svc, viewer, run_id, error=exc.message,
                              status=exc.status_code)
        return redirect(f"{BASE}/{new_id}")

    @post("/{run_id:int}/veroeffentlichen", sync_to_thread=True)
    def publish(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                run_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        acknowledge = field_value(data, "trotzdem", max_length=10) == "ja"
        if not acknowledge and self._view(svc, viewer, run_id).requirement_failures:
            # Asked here, in the page's language, before the service refuses in its own words.
            return self._page(request, svc, viewer, run_id, status=409,
                              error=Message("plan_unmet_needs_ack"))
        try:
            with transaction(svc.db) as db:
                planning.publish(db, actor, run_id, svc.clock.now(),
                                 acknowledge_unmet=acknowledge)
        except DomainError as exc:
            return self._page(request, svc, viewer, run_id, error=exc.message,
                              status=exc.status_code)
        return redirect(f"{BASE}/{run_id}", hinweis="veroeffentlicht")

    # --- paper: print view, PDF, poster ----------------------------------------------------

    def _print_context(self, svc: Services, viewer: Viewer, run_id: int,
                       ansicht: str | None) -> dict[str, Any]:
        layout = ansicht or "woche"
        if layout not in VIEWS:
            raise InvalidInput("plan_view_invalid")
        pv = self._view(svc, viewer, run_id)
        return {**self._context(svc, viewer, pv), "layout": layout,
                "hours": [m for m in pv.slots if m % 60 == 0]}

    @get("/{run_id:int}/druck", sync_to_thread=True)
    def print_view(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                   run_id: PageId, ansicht: str | None = None) -> Template:
        return render(request, viewer, "plan_print.html", nav="verwaltung",
                      **self._print_context(svc, viewer, run_id, ansicht), pdf=False)

    @get("/{run_id:int}/plan.pdf", sync_to_thread=True)
    def pdf(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
            run_id: PageId, ansicht: str | None = None) -> Response[bytes]:
        context = self._print_context(svc, viewer, run_id, ansicht)
        html = printing.html(request, viewer, "plan_print.html", **context, pdf=True)
        name = f"raumnutzungsplan-{context['run'].week.lower()}-{context['layout']}.pdf"
        return printing.pdf_response(html, name)

    def _poster_context(self, svc: Services, viewer: Viewer, run_id: int) -> dict[str, Any]:
        pv = self._view(svc, viewer, run_id)
        with svc.read_db() as db:
            public = plan_view.public_entries(db, pv)
        by_day = [[e for e in public if e.day == d] for d in range(7)]
        return {**self._context(svc, viewer, pv), "by_day": by_day}

    @get("/{run_id:int}/aushang", sync_to_thread=True)
    def poster(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
               run_id: PageId) -> Template:
        return render(request, viewer, "plan_poster.html", nav="verwaltung",
                      **self._poster_context(svc, viewer, run_id), pdf=False)

    @get("/{run_id:int}/aushang.pdf", sync_to_thread=True)
    def poster_pdf(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                   run_id: PageId) -> Response[bytes]:
        context = self._poster_context(svc, viewer, run_id)
        html = printing.html(request, viewer, "plan_poster.html", **context, pdf=True)
        return printing.pdf_response(html, f"programm-{context['run'].week.lower()}.pdf")


def _hm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _move_errors(pv: PlanView, form: dict[str, str]) -> dict[str, Message]:
    """The move form's fields, each with its own message: a day of the week, a start on the
    plan's grain inside the house's hours, a room of the plan."""
    errors: dict[str, Message] = {}
    if form["tag"] not in {str(d) for d in range(7)}:
        errors["tag"] = Message("plan_day_invalid")
    start = parse_time(form["beginn"])
    minutes = start.hour * 60 + start.minute if start is not None else -1
    if minutes not in pv.slots:
        errors["beginn"] = Message("plan_start_invalid", {
            "first": _hm(pv.slots[0]), "last": _hm(pv.slots[-1]), "grain": pv.grain})
    else:
        form["beginn"] = _hm(minutes)
    if form["raum"] not in {rid for rid, _ in pv.rooms}:
        errors["raum"] = Message("plan_room_invalid")
    return errors
