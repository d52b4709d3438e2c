"""The group contact's pages of a term's application round (issue 11 §8): apply for a group
with one or more sections, change the application while the round is open, withdraw it any
time, and read the result once the allocation is published (the slot, its dates, the skipped
dates with their reasons, or the refusal's reason, which names no other applicant).

Staff use the same form to apply on a group's behalf or for the centre's own programme. The
form works without JavaScript: "add a window" and "add a section" are submit buttons that
re-render it (:mod:`booking.web.application_form`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template
from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from booking import formatting
from booking.deps import discard
from booking.errors import DomainError
from booking.messages import Message, Weekly
from booking.models import Application, Centre, Feature, Group, Offer, Room, Term
from booking.permissions import Actor
from booking.services import term_runs, terms
from booking.services.term_runs import SectionResult
from booking.timeutil import to_local
from booking.translations import N_
from booking.web import i18n
from booking.web.application_form import (
    AGE_GROUP_WORDS,
    FREQUENCY_WORDS,
    MONTH_WEEK_WORDS,
    STAFFING_WORDS,
    TARGET_GROUP_WORDS,
    WINDOW_KINDS,
    ApplicationForm,
    field_of,
)
from booking.web.common import (
    FormData,
    PageController,
    PageId,
    Viewer,
    redirect,
    render,
    require_viewer,
)
from booking.web.forms import check_csrf, field_value
from booking.web.programme import THEME_WORDS

SECTION_STATUS_WORDS = {"requested": N_("beantragt"), "rejected": N_("vom Team abgelehnt"),
                        "allocated": N_("vergeben"), "refused": N_("kein Platz")}
APPLICATION_STATUS_WORDS = {"submitted": N_("eingereicht"), "withdrawn": N_("zurückgezogen")}


@dataclass(frozen=True)
class ResultView:
    """What the applicant reads of one section once the term is published."""

    allocated: bool
    slot: Message | None
    dates: list[str]
    skipped: list[tuple[str, Message]]
    reason: Message | None


def result_view(result: SectionResult, rooms: dict[int, str], zone: str,
                lang: str) -> ResultView:
    if result.allocated and result.start is not None and result.end is not None:
        slot = Message("term_slot", {
            "days": [Weekly(d, result.start, result.end) for d in result.days],
            "room": rooms.get(result.room_id or 0, "")})
        return ResultView(
            allocated=True, slot=slot,
            dates=[formatting.weekday_and_day(to_local(a, zone).date(), lang)
                   for a, _ in result.dates],
            skipped=[(formatting.weekday_and_day(s.day, lang), s.message)
                     for s in result.skipped], reason=None)
    return ResultView(allocated=False, slot=None, dates=[], skipped=[],
                      reason=result.reason or Message("refusal_other"))


def weekly(window: dict[str, Any], lang: str) -> str:
    def minutes(text: str) -> int:
        h, _, m = text.partition(":")
        return int(h) * 60 + int(m)

    return formatting.weekly(int(window["day"]), minutes(window["start"]),
                             minutes(window["end"]), lang)


def form_context(db: Session, actor: Actor, term: Term, lang: str) -> dict[str, Any]:
    """What the form offers: the groups the viewer may apply for, the centre's rooms, the
    words of every choice."""
    rooms = db.scalars(select(Room).where(Room.centre_id == term.centre_id)
                       .order_by(Room.name)).all()
    groups = terms.applicant_groups(db, actor, term.centre_id)
    return {
        "term": term, "groups": groups,
        "classes": terms.list_priority_classes(db, term.centre_id),
        "offers": [(str(o.id), o.title) for o in offer_choices(db, actor, term)],
        "staff": actor.is_staff_of(term.centre_id),
        "rooms": [(str(r.id), r.name) for r in rooms],
        "themes": THEME_WORDS, "target_groups": TARGET_GROUP_WORDS, "age_groups": AGE_GROUP_WORDS,
        "frequencies": FREQUENCY_WORDS, "month_weeks": MONTH_WEEK_WORDS,
        "window_kinds": WINDOW_KINDS, "staffings": STAFFING_WORDS,
        "features": [(str(f), i18n.FEATURE_WORDS.get(str(f), str(f))) for f in Feature],
        "weekday": lambda d: formatting.weekday(d, lang),
        "period": formatting.when(term.applications_from, term.applications_until,
                                  db.get_one(Centre, term.centre_id).timezone, lang),
        "day": lambda d: formatting.day(d, lang),
    }


def offer_choices(db: Session, actor: Actor, term: Term) -> list[Offer]:
    """The offers a section may belong to: the centre's own and those of the groups the
    viewer may apply for (all of the centre's for its staff)."""
    groups = [g.id for g in terms.applicant_groups(db, actor, term.centre_id)]
    mine = Offer.group_id.in_(groups) if not actor.is_staff_of(term.centre_id) else true()
    return list(db.scalars(select(Offer).where(Offer.centre_id == term.centre_id,
                                               or_(Offer.group_id.is_(None), mine))
                           .order_by(Offer.title, Offer.id)))


class ApplicationPages(PageController):
    path = "/antraege"

    # --- my applications -------------------------------------------------------------------

    @get("/", sync_to_thread=True)
    def mine(self, request: Request[Any, Any, Any], read_db: Session, now: datetime,
             viewer: Viewer, hinweis: str | None = None) -> Template:
        actor = require_viewer(viewer)
        found = terms.my_applications(read_db, actor)
        rounds = terms.open_rounds(read_db, actor, now)
        items = [self._application(read_db, a, viewer.lang) for a in found]
        notice = {"zurueckgezogen": N_("Der Antrag ist zurückgezogen."),
                  "gespeichert": N_("Der Antrag ist gespeichert.")}.get(hinweis or "")
        return render(request, viewer, "application_mine.html", nav="antraege", items=items,
                      rounds=rounds, notice=notice,
                      section_words=SECTION_STATUS_WORDS,
                      application_words=APPLICATION_STATUS_WORDS)

    def _application(self, db: Session, application: Application, lang: str,
                     actor: Actor | None = None) -> dict[str, Any]:
        term = db.get_one(Term, application.term_id)
        centre = db.get_one(Centre, term.centre_id)
        results = term_runs.published_results(db, term.id)
        rooms = {r.id: r.name for r in db.scalars(select(Room).where(
            Room.centre_id == term.centre_id))}
        group = db.get(Group, application.group_id) if application.group_id else None
        sections = []
        for x in application.sections:
            found = results.get(x.id)
            sections.append({
                "row": x, "windows": [weekly(w, lang) for w in x.allowed_windows],
                "preferred": [weekly(w, lang) for w in x.preferred_windows],
                "rooms": [rooms[r] for r in x.room_ids if r in rooms],
                "result": result_view(found, rooms, centre.timezone, lang) if found else None})
        return {"application": application, "term": term, "centre": centre,
                "group": group.name if group else None, "sections": sections,
                "editable": application.status == "submitted" and (
                    term.status in (terms.EDITABLE_BY_STAFF if actor is not None
                                    and actor.is_staff_of(term.centre_id)
                                    else terms.EDITABLE_BY_APPLICANT))}

    @get("/{application_id:int}", sync_to_thread=True)
    def one(self, request: Request[Any, Any, Any], read_db: Session, viewer: Viewer,
            application_id: PageId, hinweis: str | None = None) -> Template:
        actor = require_viewer(viewer)
        application = terms.application_for(read_db, actor, application_id)
        notice = {"neu": N_("Der Antrag ist eingereicht."),
                  "gespeichert": N_("Der Antrag ist gespeichert.")}.get(hinweis or "")
        return render(request, viewer, "application_detail.html", nav="antraege",
                      item=self._application(read_db, application, viewer.lang, actor),
                      notice=notice, section_words=SECTION_STATUS_WORDS,
                      application_words=APPLICATION_STATUS_WORDS,
                      frequencies=FREQUENCY_WORDS, themes=THEME_WORDS)

    # --- apply -----------------------------------------------------------------------------

    @get("/neu", sync_to_thread=True)
    def new(self, request: Request[Any, Any, Any], read_db: Session, viewer: Viewer,
            saison: PageId, gruppe: str | None = None) -> Template:
        actor = require_viewer(viewer)
        term = terms.get_term(read_db, actor, saison)
        form = ApplicationForm()
        groups = terms.applicant_groups(read_db, actor, term.centre_id)
        if gruppe and gruppe.isdigit() and len(gruppe) < 10:
            terms.require_group_contact(read_db, actor, term, int(gruppe))
            form.group = gruppe
        elif groups and not actor.is_staff_of(term.centre_id):
            form.group = str(groups[0].id)
        elif not actor.is_staff_of(term.centre_id):
            terms.require_group_contact(read_db, actor, term, None)
        return self._form(request, read_db, viewer, term, form, action=f"/antraege/neu?"
                          f"saison={term.id}")

    def _form(self, request: Request[Any, Any, Any], db: Session, viewer: Viewer, term: Term,
              form: ApplicationForm, *, action: str, status: int = 200,
              application: Application | None = None) -> Template:
        return render(request, viewer, "application_form.html", status=status, nav="antraege",
                      form=form, action=action, application=application,
                      **form_context(db, viewer.actor, term, viewer.lang))

    @post("/neu", sync_to_thread=True)
    def submit(self, request: Request[Any, Any, Any], read_db: Session, db: Session,
               now: datetime, viewer: Viewer, saison: PageId, data: FormData) -> Response[Any]:
        actor = require_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        term = terms.get_term(read_db, actor, saison)
        form = ApplicationForm.read(data)
        group_id = int(form.group) if form.group.isdigit() and len(form.group) < 10 else None
        terms.require_group_contact(read_db, actor, term, group_id)
        action = f"/antraege/neu?saison={term.id}"
        if self._rearranged(form, data):
            return self._form(request, read_db, viewer, term, form, action=action)
        spec = form.spec(self._rooms(read_db, term),
                         {o.id for o in offer_choices(read_db, actor, term)})
        if spec is None:
            return self._form(request, read_db, viewer, term, form, action=action, status=400)
        try:
            created = terms.submit_application(db, actor, term.id, {**spec, "group_id": group_id},
                                               now)
            return redirect(f"/antraege/{created.id}", hinweis="neu")
        except DomainError as exc:
            discard(db, exc)
            self._place(form, exc)
            return self._form(request, read_db, viewer, term, form, action=action,
                              status=exc.status_code)

    # --- change, withdraw ------------------------------------------------------------------

    @get("/{application_id:int}/bearbeiten", sync_to_thread=True)
    def edit(self, request: Request[Any, Any, Any], read_db: Session, viewer: Viewer,
             application_id: PageId) -> Template:
        actor = require_viewer(viewer)
        application = terms.application_for(read_db, actor, application_id)
        term = read_db.get_one(Term, application.term_id)
        return self._form(request, read_db, viewer, term, ApplicationForm.of(application),
                          action=f"/antraege/{application.id}/bearbeiten",
                          application=application)

    @post("/{application_id:int}/bearbeiten", sync_to_thread=True)
    def change(self, request: Request[Any, Any, Any], read_db: Session, db: Session,
               now: datetime, viewer: Viewer, application_id: PageId,
               data: FormData) -> Response[Any]:
        actor = require_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        application = terms.application_for(read_db, actor, application_id)
        term = read_db.get_one(Term, application.term_id)
        form = ApplicationForm.read(data)
        form.group = str(application.group_id or "")
        action = f"/antraege/{application.id}/bearbeiten"
        if self._rearranged(form, data):
            return self._form(request, read_db, viewer, term, form, action=action,
                              application=application)
        spec = form.spec(self._rooms(read_db, term),
                         {o.id for o in offer_choices(read_db, actor, term)})
        if spec is None:
            return self._form(request, read_db, viewer, term, form, action=action, status=400,
                              application=application)
        try:
            terms.change_application(db, actor, application.id, spec, now)
            return redirect(f"/antraege/{application.id}", hinweis="gespeichert")
        except DomainError as exc:
            discard(db, exc)
            self._place(form, exc)
            return self._form(request, read_db, viewer, term, form, action=action,
                              status=exc.status_code, application=application)

    @post("/{application_id:int}/zurueckziehen", sync_to_thread=True)
    def withdraw(self, request: Request[Any, Any, Any], db: Session, now: datetime,
                 viewer: Viewer, application_id: PageId, data: FormData) -> Response[Any]:
        actor = require_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        terms.application_for(db, actor, application_id)
        terms.withdraw_application(db, actor, application_id, now)
        return redirect("/antraege", hinweis="zurueckgezogen")

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _rooms(db: Session, term: Term) -> set[int]:
        return set(db.scalars(select(Room.id).where(Room.centre_id == term.centre_id)))

    @staticmethod
    def _rearranged(form: ApplicationForm, data: dict[str, Any]) -> bool:
        """The buttons that change the form's shape, not send it: one more window row in a
        section, one more section, a section less."""
        action = field_value(data, "aktion", max_length=20)
        kind, _, index = action.partition(":")
        number = int(index) if index.isdigit() and len(index) < 3 else -1
        if kind == "fenster":
            form.add_window(number)
        elif kind == "teil-dazu":
            form.add_section()
        elif kind == "teil-weg":
            form.remove_section(number)
        else:
            return False
        return True

    @staticmethod
    def _place(form: ApplicationForm, exc: DomainError) -> None:
        name = field_of(exc.message)
        if name is None:
            form.general = exc.message
        else:
            form.errors[name] = exc.message
