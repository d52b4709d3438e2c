"""Staff pages of a term's round (issue 11 §8), in the staff workspace under "Vergabe": the
term's status flow, every section's wishes on a room × weekday calendar, reject a section with
a reason, run the allocation and watch its progress (htmx polling, as the week plan's pages),
every section's result with the staff explanation beside it, accept / lock / forbid / move a
slot (a new run from the pins), re-run, and publish.

The pages call the same services as the JSON API (:mod:`booking.services.terms`,
:mod:`booking.services.term_runs`, :func:`booking.services.term_publish.publish_term_run`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.orm import Session

from booking import formatting
from booking.deps import discard
from booking.errors import DomainError, InvalidInput
from booking.messages import Message
from booking.models import (
    Application,
    ApplicationSection,
    Centre,
    Group,
    PriorityClass,
    Room,
    Term,
    TermRun,
)
from booking.models.base import max_length
from booking.models.terms import TERM_FLOW
from booking.permissions import require_staff
from booking.services import plan_view, term_publish, term_runs, terms
from booking.services.term_runs import TermDraft
from booking.timeutil import in_horizon, local_to_utc, to_local
from booking.translations import N_
from booking.web.application_form import AGE_GROUP_WORDS, FREQUENCY_WORDS, TARGET_GROUP_WORDS
from booking.web.applications import weekly
from booking.web.common import (
    FormData,
    PageController,
    PageId,
    Viewer,
    redirect,
    render,
)
from booking.web.forms import check_csrf, field_value, parse_date, parse_time
from booking.web.programme import THEME_WORDS
from booking.web.staff import require_staff_viewer

BASE = "/verwaltung/vergabe"
# Long enough for the demo centre's term to be proven optimal, short enough to watch.
PAGE_TIME_LIMIT = 30.0
# The buttons of the status flow: (from, to) → label. Publishing is the run's own button.
FLOW_LABELS = {
    ("draft", "open"): N_("Für Anträge öffnen"),
    ("open", "draft"): N_("Zurück in den Entwurf"),
    ("open", "allocating"): N_("Antragsfrist beenden und Vergabe beginnen"),
    ("allocating", "open"): N_("Wieder für Anträge öffnen"),
    ("published", "allocating"): N_("Für eine späte Änderung wieder öffnen"),
    ("published", "closed"): N_("Saison abschließen"),
}
TERM_FIELDS = ("name", "beginn", "ende", "antrag_von", "antrag_bis")
# The service's codes about a new term → the field that shows them.
TERM_ERROR_FIELDS = {"term_dates": "ende", "term_too_long": "ende",
                     "term_application_period": "antrag_bis", "time_horizon": "beginn"}
RUN_WORDS = {"queued": N_("wartet auf den Planer"), "running": N_("wird berechnet"),
             "done": N_("Entwurf"), "failed": N_("fehlgeschlagen"),
             "published": N_("veröffentlicht")}
PLAN_WORDS = {"optimal": N_("bewiesen bester Plan"),
              "feasible": N_("guter Plan, nicht als bester bewiesen"),
              "no_plan": N_("kein Plan gefunden")}
PIN_WORDS = {"accept": N_("übernehmen (genau so)"),
             "lock": N_("festhalten (Raum, Tage, Beginn; Dauer darf sich ändern)"),
             "forbid": N_("diesen Platz ausschließen"), "move": N_("verschieben nach …")}
SHORTFALL_WORDS = {("minimum_opening", "minutes"): N_("Öffnungsstunden"),
                   ("minimum_opening", "days"): N_("Tage geöffnet"),
                   ("weekend_offer", "offers"): N_("Angebote am Wochenende"),
                   ("buergersprechstunde", "minutes"): N_("Stunden Bürgersprechstunde")}
CAUSE_WORDS = {"plan": N_("zu wenig eingeplant"), "holiday": N_("Feiertag"),
               "closure": N_("Schließzeit")}


@dataclass(frozen=True)
class ShortfallRow:
    monday: Any
    what: str  # a German msgid
    achieved: float
    required: float
    causes: list[tuple[str, str]]  # (German msgid, detail)


def shortfall_rows(draft: TermDraft) -> list[ShortfallRow]:
    """The weeks that fall short of the Profil, one row per requirement, hours as hours."""
    rows: list[ShortfallRow] = []
    for week in draft.weeks:
        for s in week.shortfalls:
            scale = 60.0 if s["unit"] == "minutes" else 1.0
            causes = []
            for part in str(s.get("cause") or "plan").split("; "):
                kind, _, detail = part.partition(": ")
                causes.append((CAUSE_WORDS.get(kind, kind), detail))
            rows.append(ShortfallRow(
                monday=week.monday, what=SHORTFALL_WORDS.get((s["rule"], s["unit"]), s["rule"]),
                achieved=s["achieved"] / scale, required=s["required"] / scale, causes=causes))
    return rows


@dataclass(frozen=True)
class SectionRow:
    """One section of the round as the staff see it."""

    row: ApplicationSection
    application: Application
    group: str | None
    priority_class: int | None
    windows: list[str]
    preferred: list[str]
    rooms: list[str]


def _rows(db: Session, actor: Any, term: Term, lang: str) -> list[SectionRow]:
    applications = terms.term_applications(db, actor, term.id)
    classes = list(terms.list_priority_classes(db, term.centre_id))
    rooms = _room_names(db, term.centre_id)
    groups = {g.id: g.name for g in db.scalars(select(Group).where(
        Group.centre_id == term.centre_id))}
    out: list[SectionRow] = []
    for a in applications:
        for x in a.sections:
            cls = terms.class_of(x, a, classes)
            out.append(SectionRow(
                row=x, application=a, group=groups.get(a.group_id) if a.group_id else None,
                priority_class=cls.rank if cls else None,
                windows=[weekly(w, lang) for w in x.allowed_windows],
                preferred=[weekly(w, lang) + f" ({w.get('rank', 1)}.)"
                           for w in x.preferred_windows],
                rooms=[rooms.get(r, "?") for r in x.room_ids]))
    return out


def _room_names(db: Session, centre_id: int) -> dict[int, str]:
    return {r.id: r.name for r in db.scalars(select(Room).where(Room.centre_id == centre_id)
                                             .order_by(Room.name))}


def wish_calendar(rows: list[SectionRow], rooms: dict[int, str],
                  lang: str) -> list[tuple[str, list[list[str]]]]:
    """Room × weekday: in each cell the sections that wish the room (with the rank of the
    wish) and may meet that day, with their window; a row for sections without a room wish."""
    table: dict[int | None, list[list[str]]] = {r: [[] for _ in range(7)] for r in rooms}
    table[None] = [[] for _ in range(7)]
    for s in rows:
        if s.application.status != "submitted" or s.row.status == "rejected":
            continue
        wished: list[tuple[int | None, int]] = [
            (r, i) for i, r in enumerate(s.row.room_ids, start=1) if r in rooms] or [(None, 0)]
        for room, rank in wished:
            for w in s.row.allowed_windows:
                label = weekly(w, lang).split(" ", 1)[-1]
                text = f"{s.row.title}, {label}" + (f" ({rank}.)" if rank else "")
                table[room][int(w["day"])].append(text)
    named = [(rooms[r], table[r]) for r in rooms if any(table[r])]
    return named + ([("", table[None])] if any(table[None]) else [])


def elapsed(run: TermRun, now: datetime) -> float:
    progress = run.progress or {}
    if run.status == "running" and run.started_at is not None:
        started = run.started_at
        if started.tzinfo is None:
            started = started.replace(tzinfo=now.tzinfo)
        return max(0.0, (now - started).total_seconds())
    return float(progress.get("seconds") or 0.0)


def gap(run: TermRun) -> float | None:
    """How far the best plan so far may still be from the best possible one, in percent."""
    p = run.progress or {}
    if p.get("gap") is not None:
        return round(float(p["gap"]) * 100, 1)
    objective, bound = p.get("objective"), p.get("bound")
    if objective is None or bound is None:
        return None
    return round(abs(float(bound) - float(objective)) / max(1.0, abs(float(objective))) * 100, 1)


# A term's name, dates, application period and criteria may change while it is a draft or
# open for applications (``terms.update_term``); afterwards they stand.
TERM_DETAILS_EDITABLE = frozenset({"draft", "open"})


def _term_form(data: dict[str, Any], zone: str,
               ) -> tuple[dict[str, str], dict[str, Any], dict[str, str | Message]]:
    """The term form (new or edited): the fields as typed, the service's values (the
    application period as whole local days: from the first day's start to the last day's
    end) and the errors by field."""
    form = {k: field_value(data, k, max_length=200) for k in TERM_FIELDS}
    form["kriterien"] = field_value(data, "kriterien", text_area=True, max_length=10_000)
    errors: dict[str, str | Message] = {}
    days: dict[str, date] = {}
    for key in TERM_FIELDS[1:]:
        value = parse_date(form[key])
        if value is None or not in_horizon(value):
            errors[key] = N_("Bitte ein Datum angeben (TT.MM.JJJJ).")
        else:
            days[key] = value
    if not form["name"]:
        errors["name"] = N_("Bitte geben Sie einen Namen an.")
    if errors:
        return form, {}, errors
    return form, {
        "name": form["name"], "starts_on": days["beginn"], "ends_on": days["ende"],
        "applications_from": local_to_utc(days["antrag_von"], time(0), zone),
        "applications_until": local_to_utc(days["antrag_bis"] + timedelta(days=1), time(0),
                                           zone),
        "criteria": form["kriterien"]}, errors


def _term_fields(term: Term, zone: str) -> dict[str, str]:
    """A term's values as the form shows them (the application period as local days)."""
    until = to_local(term.applications_until, zone)
    last = until.date() - timedelta(days=1) if until.time() == time(0) else until.date()
    return {"name": term.name, "beginn": term.starts_on.isoformat(),
            "ende": term.ends_on.isoformat(),
            "antrag_von": to_local(term.applications_from, zone).date().isoformat(),
            "antrag_bis": last.isoformat(), "kriterien": term.criteria}


# The conditions of a priority class, as the form asks them: yes / no / either for the facts
# of an application, "at least one of" for the lists of a section.
FLAG_WORDS = {"own_programme": N_("Eigenes Programm des Zentrums"),
              "non_profit": N_("Gemeinnützig"),
              "from_district": N_("Aus dem Stadtteil")}
YES_NO = {"ja": N_("ja"), "nein": N_("nein")}
MAX_CLASS_ROWS = terms.MAX_CLASSES + 2


def _class_lists() -> dict[str, tuple[str, dict[str, str]]]:
    return {"target_groups_any": (N_("Zielgruppe (mindestens eine davon)"),
                                  TARGET_GROUP_WORDS),
            "age_groups_any": (N_("Altersgruppe (mindestens eine davon)"), AGE_GROUP_WORDS),
            "themes_any": (N_("Thema (eines davon)"), THEME_WORDS)}


def describe_class(conditions: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """A class's conditions as (label, values), German msgids the page translates."""
    out: list[tuple[str, list[str]]] = []
    for key, label in FLAG_WORDS.items():
        if key in conditions:
            out.append((label, [YES_NO["ja" if conditions[key] else "nein"]]))
    for key, (label, words) in _class_lists().items():
        if conditions.get(key):
            out.append((label, [words.get(v, v) for v in conditions[key]]))
    return out


@dataclass
class ClassRow:
    """One row of the priority class form, as typed (kept on an error)."""

    position: str
    name: str = ""
    flags: dict[str, str] = field(default_factory=dict)  # condition → "" | "ja" | "nein"
    lists: dict[str, list[str]] = field(default_factory=dict)  # condition → values chosen

    @classmethod
    def of(cls, row: PriorityClass) -> ClassRow:
        c = row.conditions
        return cls(str(row.rank), row.name,
                   {k: ("ja" if c[k] else "nein") for k in FLAG_WORDS if k in c},
                   {k: list(c[k]) for k in _class_lists() if c.get(k)})

    def conditions(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: v == "ja" for k, v in self.flags.items() if v}
        out.update({k: v for k, v in self.lists.items() if v})
        return out


def _many(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name, [])
    return [str(v) for v in (value if isinstance(value, list) else [value])][:50]


def _class_form(data: dict[str, Any]) -> tuple[list[ClassRow], dict[str, str | Message]]:
    """The priority class form: its rows and the errors by field. A value no checkbox or
    choice offers is a 400 naming it."""
    count = field_value(data, "klassen", max_length=3)
    if not count.isdigit() or not 1 <= int(count) <= MAX_CLASS_ROWS:
        raise InvalidInput("priority_classes_count", n=terms.MAX_CLASSES)
    rows: list[ClassRow] = []
    errors: dict[str, str | Message] = {}
    for i in range(int(count)):
        p = f"k{i}-"
        row = ClassRow(field_value(data, p + "rang", max_length=3),
                       field_value(data, p + "name", max_length=max_length(PriorityClass.name)))
        for key in FLAG_WORDS:
            value = field_value(data, p + key, max_length=10)
            if value not in ("", *YES_NO):
                raise InvalidInput("priority_class_condition", names=[value],
                                   known=["ja", "nein"])
            row.flags[key] = value
        for key, (_, words) in _class_lists().items():
            chosen = _many(data, p + key)
            unknown = [v for v in chosen if v not in words]
            if unknown:
                raise InvalidInput("priority_class_condition", names=unknown[:5],
                                   known=list(words))
            row.lists[key] = chosen
        if row.name and not (row.position.isdigit() and 1 <= int(row.position) <= 99):
            errors[p + "rang"] = N_("Bitte eine Zahl von 1 bis 99 angeben.")
        if not row.name and row.conditions():
            errors[p + "name"] = N_("Bitte geben Sie der Klasse einen Namen; eine Zeile ohne "
                                    "Namen wird weggelassen.")
        rows.append(row)
    return rows, errors


def _ordered(rows: list[ClassRow]) -> list[ClassRow]:
    """The named rows by their position (ties in the form's order)."""
    named = [(int(r.position), i, r) for i, r in enumerate(rows) if r.name]
    return [r for _, _, r in sorted(named, key=lambda x: (x[0], x[1]))]


class TermPages(PageController):
    path = BASE

    # --- the centre's terms ----------------------------------------------------------------

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], read_db: Session,
              viewer: Viewer) -> Template:
        return self._index(request, read_db, viewer)

    def _index(self, request: Request[Any, Any, Any], db: Session, viewer: Viewer, *,
               form: dict[str, str] | None = None,
               errors: dict[str, str | Message] | None = None, status: int = 200) -> Template:
        actor = require_staff_viewer(viewer)
        centre = plan_view.staff_centre(db, actor)
        found = terms.list_terms(db, actor, centre.id)
        return render(request, viewer, "term_index.html", status=status, nav="verwaltung",
                      centre=centre, terms=found, status_words=terms.STATUS_WORDS,
                      day=lambda d: formatting.day(d, viewer.lang), form=form or {},
                      errors=errors or {})

    @post("/", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], read_db: Session, db: Session,
               now: datetime, viewer: Viewer, data: FormData) -> Response[Any]:
        """A new term in draft: its dates, the application period (whole days, in the
        centre's zone: from the first day's start to the last day's end) and the criteria."""
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        centre = plan_view.staff_centre(read_db, actor)
        form, values, errors = _term_form(data, centre.timezone)
        if not errors:
            try:
                term = terms.create_term(db, actor, centre.id, now=now, **values)
                return redirect(f"{BASE}/{term.id}")
            except DomainError as exc:
                discard(db, exc)
                errors[TERM_ERROR_FIELDS.get(exc.code, "name")] = exc.message
        return self._index(request, read_db, viewer, form=form, errors=errors, status=400)

    # --- a term's details ------------------------------------------------------------------

    @get("/{term_id:int}/bearbeiten", sync_to_thread=True)
    def edit(self, request: Request[Any, Any, Any], read_db: Session, viewer: Viewer,
             term_id: PageId) -> Template:
        return self._edit(request, read_db, viewer, term_id)

    def _edit(self, request: Request[Any, Any, Any], db: Session, viewer: Viewer,
              term_id: int, *, form: dict[str, str] | None = None,
              errors: dict[str, str | Message] | None = None, general: Message | None = None,
              status: int = 200) -> Template:
        actor = require_staff_viewer(viewer)
        term = terms.get_term(db, actor, term_id)
        require_staff(actor, term.centre_id)
        zone = db.get_one(Centre, term.centre_id).timezone
        return render(request, viewer, "term_edit.html", status=status, nav="verwaltung",
                      term=term, form=form or _term_fields(term, zone), errors=errors or {},
                      general=general, status_words=terms.STATUS_WORDS,
                      editable=term.status in TERM_DETAILS_EDITABLE)

    @post("/{term_id:int}/bearbeiten", sync_to_thread=True)
    def save(self, request: Request[Any, Any, Any], read_db: Session, db: Session,
             now: datetime, viewer: Viewer, term_id: PageId, data: FormData) -> Response[Any]:
        """A term's name, dates, application period and criteria; the service allows it while
        the term is a draft or open for applications (409 with its reason afterwards)."""
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        term = terms.get_term(read_db, actor, term_id)
        zone = read_db.get_one(Centre, term.centre_id).timezone
        form, values, errors = _term_form(data, zone)
        if errors:
            return self._edit(request, read_db, viewer, term_id, form=form, errors=errors,
                              status=400)
        try:
            terms.update_term(db, actor, term_id, values, now)
        except DomainError as exc:
            discard(db, exc)
            field = TERM_ERROR_FIELDS.get(exc.code)
            return self._edit(request, read_db, viewer, term_id, form=form,
                              errors={field: exc.message} if field else {},
                              general=None if field else exc.message,
                              status=exc.status_code)
        return redirect(f"{BASE}/{term_id}", hinweis="geaendert")

    # --- the centre's priority classes -----------------------------------------------------

    @get("/klassen", sync_to_thread=True)
    def classes(self, request: Request[Any, Any, Any], read_db: Session,
                viewer: Viewer, hinweis: str | None = None) -> Template:
        notice = {"gespeichert": N_("Die Prioritätsklassen sind gespeichert.")}.get(
            hinweis or "")
        return self._classes(request, read_db, viewer, notice=notice)

    def _classes(self, request: Request[Any, Any, Any], db: Session, viewer: Viewer, *,
                 rows: list[ClassRow] | None = None,
                 errors: dict[str, str | Message] | None = None,
                 general: Message | None = None, notice: str | None = None,
                 status: int = 200) -> Template:
        actor = require_staff_viewer(viewer)
        centre = plan_view.staff_centre(db, actor)
        current = list(terms.list_priority_classes(db, centre.id))
        if rows is None:
            rows = [ClassRow.of(c) for c in current]
            rows += [ClassRow(str(len(rows) + k)) for k in (1, 2)]
        return render(request, viewer, "term_classes.html", status=status, nav="verwaltung",
                      centre=centre, current=current, rows=rows, errors=errors or {},
                      general=general, notice=notice, flags=FLAG_WORDS,
                      lists=_class_lists(), describe=lambda c: describe_class(c.conditions))

    @post("/klassen", sync_to_thread=True)
    def save_classes(self, request: Request[Any, Any, Any], read_db: Session, db: Session,
                     now: datetime, viewer: Viewer, data: FormData) -> Response[Any]:
        """Replace the centre's ordered classes: rows without a name are left out, the rest
        ordered by their position; the service checks the rest (the last takes everyone)."""
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        centre = plan_view.staff_centre(read_db, actor)
        rows, errors = _class_form(data)
        if not errors:
            try:
                terms.set_priority_classes(db, actor, centre.id, [
                    {"name": r.name, "conditions": r.conditions()} for r in _ordered(rows)], now)
                return redirect(f"{BASE}/klassen", hinweis="gespeichert")
            except DomainError as exc:
                discard(db, exc)
                return self._classes(request, read_db, viewer, rows=rows, general=exc.message,
                                     status=exc.status_code)
        return self._classes(request, read_db, viewer, rows=rows, errors=errors, status=400)

    # --- one term: status, applications, wishes, runs --------------------------------------

    @get("/{term_id:int}", sync_to_thread=True)
    def round(self, request: Request[Any, Any, Any], read_db: Session, viewer: Viewer,
              term_id: PageId, hinweis: str | None = None) -> Template:
        return self._round(request, read_db, viewer, term_id, notice=hinweis)

    def _round(self, request: Request[Any, Any, Any], db: Session, viewer: Viewer,
               term_id: int, *, notice: str | None = None, error: Message | None = None,
               status: int = 200) -> Template:
        actor = require_staff_viewer(viewer)
        term = terms.get_term(db, actor, term_id)
        rows = _rows(db, actor, term, viewer.lang)
        rooms = _room_names(db, term.centre_id)
        runs = term_runs.term_runs(db, actor, term.id)
        notices = {"status": N_("Der Status der Saison ist geändert."),
                   "abgelehnt": N_("Der Antragsteil ist abgelehnt."),
                   "geaendert": N_("Die Angaben der Saison sind gespeichert.")}
        zone = db.get_one(Centre, term.centre_id).timezone
        return render(request, viewer, "term_round.html", status=status, nav="verwaltung",
                      term=term, rows=rows, runs=runs, error=error,
                      notice=notices.get(notice or ""), status_words=terms.STATUS_WORDS,
                      flow=[(to, FLOW_LABELS[(term.status, to)])
                            for to in sorted(TERM_FLOW[term.status])
                            if (term.status, to) in FLOW_LABELS],
                      calendar=wish_calendar(rows, rooms, viewer.lang),
                      weekday=lambda d: formatting.weekday(d, viewer.lang),
                      day=lambda d: formatting.day(d, viewer.lang),
                      frequencies=FREQUENCY_WORDS, run_words=RUN_WORDS,
                      editable=term.status in terms.EDITABLE_BY_STAFF,
                      details_editable=term.status in TERM_DETAILS_EDITABLE,
                      when=lambda a, b: formatting.when(a, b, zone, viewer.lang))

    @post("/{term_id:int}/status", sync_to_thread=True)
    def change_status(self, request: Request[Any, Any, Any], read_db: Session, db: Session,
                      now: datetime, viewer: Viewer, term_id: PageId,
                      data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        wanted = field_value(data, "status", max_length=20)
        try:
            terms.update_term(db, actor, term_id, {"status": wanted}, now)
        except DomainError as exc:
            discard(db, exc)
            return self._round(request, read_db, viewer, term_id, error=exc.message,
                               status=exc.status_code)
        return redirect(f"{BASE}/{term_id}", hinweis="status")

    @post("/teil/{section_id:int}/ablehnen", sync_to_thread=True)
    def reject(self, request: Request[Any, Any, Any], read_db: Session, db: Session,
               now: datetime, viewer: Viewer, section_id: PageId,
               data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        reason = field_value(data, "grund", text_area=True, max_length=2000)
        section = read_db.get(ApplicationSection, section_id)
        application = read_db.get(Application, section.application_id) if section else None
        try:
            terms.reject_section(db, actor, section_id, reason, now)
        except DomainError as exc:
            discard(db, exc)
            if application is None:
                raise
            return self._round(request, read_db, viewer, application.term_id,
                               error=exc.message, status=exc.status_code)
        assert application is not None
        return redirect(f"{BASE}/{application.term_id}", hinweis="abgelehnt")

    @post("/{term_id:int}/berechnen", sync_to_thread=True)
    def queue(self, request: Request[Any, Any, Any], read_db: Session, db: Session,
              now: datetime, viewer: Viewer, term_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        try:
            run = term_runs.queue_term_run(db, actor, term_id, now, time_limit=PAGE_TIME_LIMIT)
        except DomainError as exc:
            discard(db, exc)
            return self._round(request, read_db, viewer, term_id, error=exc.message,
                               status=exc.status_code)
        return redirect(f"{BASE}/lauf/{run.id}")

    # --- one run: progress, results, pins, publish -----------------------------------------

    def _run_context(self, db: Session, viewer: Viewer, run_id: int,
                     now: datetime) -> dict[str, Any]:
        actor = require_staff_viewer(viewer)
        run, term = term_runs.get_term_run(db, actor, run_id)
        draft: TermDraft | None = term_runs.read_term_run(db, run)
        rooms = _room_names(db, term.centre_id)
        names = {g.id: g.name for g in db.scalars(select(Group).where(
            Group.centre_id == term.centre_id))}
        groups = {a.id: names.get(a.group_id) if a.group_id else None
                  for a in db.scalars(select(Application).where(Application.term_id == term.id))}
        lang = viewer.lang
        pins = {int(p["section_id"]): p["action"] for p in run.pins}
        return {
            "run": run, "term": term, "draft": draft, "rooms": rooms, "groups": groups,
            "pins": pins, "base": BASE, "run_words": RUN_WORDS, "plan_words": PLAN_WORDS,
            "pin_words": PIN_WORDS, "shortfall_words": SHORTFALL_WORDS,
            "elapsed": elapsed(run, now), "gap": gap(run),
            "num": lambda v: formatting.number(round(float(v), 1), lang),
            "hhmm": lambda m: f"{m // 60:02d}:{m % 60:02d}",
            "weekday": lambda d: formatting.weekday(d, lang),
            "weekly": lambda d, s, e: formatting.weekly(d, s, e, lang),
            "day": lambda d: formatting.day(d, lang),
            "shortfalls": shortfall_rows(draft) if draft else [],
            "placed": sum(1 for s in draft.sections if s.allocated) if draft else None,
            "unplaced": sum(1 for s in draft.sections if not s.allocated) if draft else None,
        }

    def _run(self, request: Request[Any, Any, Any], db: Session, viewer: Viewer, run_id: int,
             now: datetime, *, notice: str | None = None, error: Message | None = None,
             status: int = 200) -> Template:
        return render(request, viewer, "term_run.html", status=status, nav="verwaltung",
                      notice=notice, error=error, **self._run_context(db, viewer, run_id, now))

    @get("/lauf/{run_id:int}", sync_to_thread=True)
    def run(self, request: Request[Any, Any, Any], read_db: Session, now: datetime,
            viewer: Viewer, run_id: PageId, hinweis: str | None = None) -> Template:
        notice = {"veroeffentlicht": N_("Die Vergabe ist veröffentlicht; die Antragstellenden "
                                        "erhalten das Ergebnis per E-Mail.")}.get(hinweis or "")
        return self._run(request, read_db, viewer, run_id, now, notice=notice)

    @get("/lauf/{run_id:int}/fortschritt", sync_to_thread=True)
    def progress(self, request: Request[Any, Any, Any], read_db: Session, now: datetime,
                 viewer: Viewer, run_id: PageId) -> Template:
        """The progress block alone, polled by htmx; once the run has ended the whole page is
        loaded again (``HX-Refresh``) to show the result."""
        context = self._run_context(read_db, viewer, run_id, now)
        page = render(request, viewer, "term_progress.html", **context)
        if context["run"].status not in ("queued", "running"):
            page.headers["HX-Refresh"] = "true"
        return page

    @post("/lauf/{run_id:int}/festlegen", sync_to_thread=True)
    def pin(self, request: Request[Any, Any, Any], read_db: Session, db: Session,
            now: datetime, viewer: Viewer, run_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        try:
            decision = _decision(data)
            new = term_runs.pin(db, actor, run_id, decision, now)
        except DomainError as exc:
            discard(db, exc)
            return self._run(request, read_db, viewer, run_id, now, error=exc.message,
                             status=exc.status_code)
        return redirect(f"{BASE}/lauf/{new.id}")

    @post("/lauf/{run_id:int}/neu", sync_to_thread=True)
    def rerun(self, request: Request[Any, Any, Any], read_db: Session, db: Session,
              now: datetime, viewer: Viewer, run_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        try:
            run, term = term_runs.get_term_run(db, actor, run_id)
            new = term_runs.queue_term_run(db, actor, term.id, now,
                                           time_limit=run.time_limit_seconds, seed=run.seed,
                                           pins=run.pins, previous_id=run.id)
        except DomainError as exc:
            discard(db, exc)
            return self._run(request, read_db, viewer, run_id, now, error=exc.message,
                             status=exc.status_code)
        return redirect(f"{BASE}/lauf/{new.id}")

    @post("/lauf/{run_id:int}/veroeffentlichen", sync_to_thread=True)
    def publish(self, request: Request[Any, Any, Any], read_db: Session, db: Session,
                now: datetime, viewer: Viewer, run_id: PageId,
                data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        try:
            term_publish.publish_term_run(db, actor, run_id, now)
        except DomainError as exc:
            discard(db, exc)
            return self._run(request, read_db, viewer, run_id, now, error=exc.message,
                             status=exc.status_code)
        return redirect(f"{BASE}/lauf/{run_id}", hinweis="veroeffentlicht")


def _is_id(text: str) -> bool:
    """A row's number as the database can hold it (a bigger one would be a 500 there)."""
    return text.isdigit() and 1 <= int(text) <= 2**31 - 1


def _decision(data: dict[str, Any]) -> dict[str, Any]:
    """The pin form: a section, an action, and for a move the fields given (room, days,
    start on the half hour, minutes)."""
    section = field_value(data, "teil", max_length=10)
    action = field_value(data, "aktion", max_length=10)
    if not _is_id(section) or action not in PIN_WORDS:
        raise InvalidInput("term_run_pin_needs_slot")
    decision: dict[str, Any] = {"section_id": int(section), "action": action}
    if action != "move":
        return decision
    room = field_value(data, "raum", max_length=10)
    raw_days = data.get("tage", [])
    days = [str(d) for d in (raw_days if isinstance(raw_days, list) else [raw_days])][:7]
    start = field_value(data, "beginn", max_length=5)
    minutes = field_value(data, "minuten", max_length=4)
    if room:
        if not _is_id(room):
            raise InvalidInput("term_run_pin_needs_slot")
        decision["room_id"] = int(room)
    if days:
        if not all(d.isdigit() and int(d) <= 6 for d in days) or len(days) > 3:
            raise InvalidInput("term_run_pin_days")
        decision["days"] = [int(d) for d in days]
    if start:
        wall = parse_time(start)
        if wall is None or wall.minute % 30:
            raise InvalidInput("term_run_pin_start")
        decision["start"] = f"{wall.hour:02d}:{wall.minute:02d}"
    if minutes:
        if not minutes.isdigit() or not 30 <= int(minutes) <= 720 or int(minutes) % 30:
            raise InvalidInput("term_run_pin_minutes")
        decision["minutes"] = int(minutes)
    return decision
