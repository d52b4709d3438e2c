"""Staff pages: the dashboard a staff login lands on, and the request inbox (filter, sort,
confirm, decline with a reason, the rules a request breaks, its fee and history).

What the pages show is read by :mod:`booking.services.desk`; the decisions go through
:mod:`booking.services.rentals`, the same functions as the JSON API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template
from sqlalchemy.orm import Session

from booking import formatting
from booking.deps import discard
from booking.errors import DomainError, Forbidden
from booking.messages import Message
from booking.permissions import Actor
from booking.services import desk, rentals
from booking.services.planning import parse_week, read_plan
from booking.timeutil import local_date, to_local
from booking.translations import N_
from booking.web import i18n, workspace
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
from booking.web.forms import parse_positive_int as parse_count

HISTORY_WORDS = {
    "requested": N_("angefragt"),
    "confirmed": N_("bestätigt"),
    "declined": N_("abgelehnt"),
    "cancelled": N_("storniert"),
}
ORDERS = {"datum": "event", "datum-absteigend": "event_desc", "nummer": "number"}
STATUS_FILTERS = {"offen": "pending", "bestaetigt": "confirmed", "abgelehnt": "declined",
                  "storniert": "cancelled", "alle": None}


def require_staff_viewer(viewer: Viewer) -> Actor:
    actor = require_viewer(viewer)
    if not actor.is_any_staff:
        raise Forbidden("not_staff_pages")
    return actor


# --- views ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryView:
    when: str
    action: str
    by: str
    reason: str


@dataclass(frozen=True)
class RequestView:
    id: int
    room: str
    centre: str
    day: str
    times: str
    status: str
    status_word: str
    fee: str
    people: int
    purpose: str
    reason: str
    requester_name: str
    requester_email: str
    requester_deleted: bool
    problems: list[Message]
    overlaps: list[int]
    history: list[HistoryView]

    @classmethod
    def of(cls, r: desk.Request, lang: str) -> RequestView:
        zone = r.centre.timezone
        return cls(
            id=r.id, room=r.occurrence.room.name, centre=r.centre.name,
            day=formatting.weekday_and_day(local_date(r.starts_at, zone), lang),
            times=formatting.times(r.starts_at, r.ends_at, zone, lang),
            status=r.booking.status,
            status_word=i18n.STATUS_WORDS.get(r.booking.status, r.booking.status),
            fee=formatting.money(r.quote_fee_cents, lang), people=r.booking.expected_people or 0,
            purpose=r.booking.purpose or "", reason=r.booking.decision_reason or "",
            requester_name=r.requester_name, requester_email=r.requester_email,
            requester_deleted=r.requester_deleted, problems=r.problems, overlaps=r.overlaps,
            history=[HistoryView(when=_moment(h.at, zone, lang),
                                 action=HISTORY_WORDS.get(h.action, h.action), by=h.by,
                                 reason=h.reason) for h in r.history])


@dataclass(frozen=True)
class UseView:
    times: str
    title: str
    kind: str


@dataclass(frozen=True)
class RoomDayView:
    room: str
    uses: list[UseView]


KIND_WORDS = {"rental": N_("Vermietung"), "programme": N_("Programm"), "group": N_("Gruppe"),
              "closure": N_("Schließung")}


def _day_views(days: list[desk.CentreDay], lang: str) -> list[dict[str, Any]]:
    return [{"centre": d.centre.name, "day": formatting.weekday_and_day(d.day, lang),
             "rooms": [RoomDayView(room=rd.room.name, uses=[
                 UseView(formatting.times(u.starts_at, u.ends_at, d.centre.timezone, lang),
                         u.title, KIND_WORDS.get(u.kind, u.kind)) for u in rd.uses])
                 for rd in d.rooms]} for d in days]


@dataclass(frozen=True)
class AlertView:
    text: str
    link: str


def _hours(minutes: Any, lang: str) -> str:
    return formatting.number(float(minutes or 0) / 60, lang)


def _alert_view(alert: desk.Alert, viewer: Viewer) -> AlertView:
    """An alert in the viewer's words. A source the desk does not know (the access part's
    door alerts) hands a ready :class:`~booking.messages.Message` as ``params["message"]``."""
    _, lang, p = viewer.gettext, viewer.lang, alert.params
    if alert.kind == "mail_failed":
        text = _("Eine E-Mail an %(to)s („%(subject)s“) ist noch nicht gesendet "
                 "(%(attempts)s Versuche; zuletzt: %(error)s).") % {
            "to": p["to"], "subject": p["subject"], "attempts": p["attempts"],
            "error": p["error"] or "-"}
    elif alert.kind == "requirement":
        where = {"centre": p["centre"], "week": p["week"]}
        key = (p["rule"], p["subject"])
        if key == ("minimum_opening", "open_minutes"):
            text = _("%(centre)s, Woche %(week)s: nur %(achieved)s statt %(required)s Stunden "
                     "geöffnet.") % {**where, "achieved": _hours(p["achieved"], lang),
                                     "required": _hours(p["required"], lang)}
        elif key == ("minimum_opening", "open_days"):
            text = _("%(centre)s, Woche %(week)s: nur an %(achieved)s statt %(required)s "
                     "Tagen geöffnet.") % {**where, "achieved": p["achieved"],
                                           "required": p["required"]}
        elif p["rule"] == "buergersprechstunde":
            text = _("%(centre)s, Woche %(week)s: nur %(achieved)s statt %(required)s Stunden "
                     "Bürgersprechstunde.") % {**where, "achieved": _hours(p["achieved"], lang),
                                               "required": _hours(p["required"], lang)}
        elif p["rule"] == "weekend_offer":
            text = _("%(centre)s, Woche %(week)s: kein Angebot am Wochenende.") % where
        else:
            text = _("%(centre)s, Woche %(week)s: eine Anforderung des Profils ist nicht "
                     "erfüllt (%(rule)s).") % {**where, "rule": p["rule"]}
    else:
        message = p.get("message")
        text = i18n.service_message(message, lang) if message is not None else alert.kind
    return AlertView(text=text, link=alert.link)


# --- pages ---------------------------------------------------------------------------------


class StaffPages(PageController):
    path = "/verwaltung"

    @get("/", sync_to_thread=True)
    def dashboard(self, request: Request[Any, Any, Any], read_db: Session, now: datetime,
                  viewer: Viewer) -> Template:
        actor = workspace.scoped_actor(request, read_db, require_staff_viewer(viewer))
        lang = viewer.lang
        pending = [RequestView.of(r, lang) for r in desk.list_requests(
            read_db, actor, now, status="pending", order="event", with_history=False)]
        plans = [{"week": run.week, "centre": centre.name,
                  "label": formatting.iso_week(parse_week(run.week), lang),
                  "unplaced": len(plan.unplaced) if plan else 0,
                  "unmet": len(plan.requirement_failures) if plan else 0}
                 for run, centre in desk.waiting_plans(read_db, actor, now)
                 for plan in [read_plan(run)]]
        return render(request, viewer, "staff_dashboard.html", nav="verwaltung",
                      pending=pending, days=_day_views(desk.today_in_rooms(read_db, actor, now),
                                                        lang),
                      plans=plans,
                      alerts=[_alert_view(a, viewer) for a in desk.alerts(read_db, actor, now)])

    @get("/anfragen", sync_to_thread=True)
    def inbox(self, request: Request[Any, Any, Any], read_db: Session, now: datetime,
              viewer: Viewer, bestaetigt: str | None = None, abgelehnt: str | None = None,
              status: str = "offen", raum: str = "", sortierung: str = "datum") -> Template:
        notice = None
        if bestaetigt and parse_count(bestaetigt):
            notice = (N_("Anfrage Nr. %(nr)s wurde bestätigt."), parse_count(bestaetigt))
        elif abgelehnt and parse_count(abgelehnt):
            notice = (N_("Anfrage Nr. %(nr)s wurde abgelehnt."), parse_count(abgelehnt))
        return self._inbox(request, read_db, now, viewer, notice=notice,
                           filters={"status": status, "raum": raum, "sortierung": sortierung})

    def _inbox(self, request: Request[Any, Any, Any], db: Session, now: datetime,
               viewer: Viewer, *, notice: tuple[str, int | None] | None = None,
               error: str | Message | None = None, error_for: int | None = None,
               reason: str = "", status: int = 200,
               filters: dict[str, str] | None = None) -> Template:
        actor = workspace.scoped_actor(request, db, require_staff_viewer(viewer))
        filters = filters or {}
        # Unknown filter values fall back to the defaults rather than failing the page.
        state = filters.get("status", "offen")
        state = state if state in STATUS_FILTERS else "offen"
        order = filters.get("sortierung", "datum")
        order = order if order in ORDERS else "datum"
        rooms = desk.request_rooms(db, actor)
        room_id = parse_count(filters.get("raum", "") or "")
        room_id = room_id if room_id in {r.id for r in rooms} else None
        found = [RequestView.of(r, viewer.lang) for r in desk.list_requests(
            db, actor, now, status=STATUS_FILTERS[state], room_id=room_id,
            order=ORDERS[order])]  # type: ignore[arg-type]
        return render(request, viewer, "staff_requests.html", status=status, nav="verwaltung",
                      rentals=found, notice=notice, error=error, error_for=error_for,
                      reason=reason, rooms=rooms,
                      filters={"status": state, "raum": room_id, "sortierung": order})

    @post("/anfragen/{booking_id:int}/bestaetigen", sync_to_thread=True)
    def confirm(self, request: Request[Any, Any, Any], db: Session, now: datetime,
                viewer: Viewer, booking_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        try:
            rentals.confirm(db, actor, booking_id, now)
        except DomainError as exc:
            discard(db, exc)
            return self._inbox(request, db, now, viewer, error=exc.message, error_for=booking_id,
                               status=exc.status_code)
        return redirect("/verwaltung/anfragen", bestaetigt=booking_id)

    @post("/anfragen/{booking_id:int}/ablehnen", sync_to_thread=True)
    def decline(self, request: Request[Any, Any, Any], db: Session, now: datetime,
                viewer: Viewer, booking_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        reason = field_value(data, "grund", text_area=True)[:2000]
        try:
            rentals.decline(db, actor, booking_id, reason, now)
        except DomainError as exc:
            discard(db, exc)
            return self._inbox(request, db, now, viewer, error=exc.message, error_for=booking_id,
                               reason=reason, status=exc.status_code)
        return redirect("/verwaltung/anfragen", abgelehnt=booking_id)


def _moment(at: datetime, zone: str, lang: str) -> str:
    local = to_local(at, zone)
    return f"{formatting.day(local.date(), lang)}, {formatting.clock(local, lang)}"
