"""Server-rendered pages for residents and staff (Jinja2, plain HTML forms, no JavaScript).

Handlers are thin: read the form, call the same service functions as the JSON API, render.
Pages log in with a cookie session (``raumplan_session``); every state-changing form carries
the session's CSRF token, and the anonymous login and registration forms a double-submit
cookie token. The JSON API under ``/api`` keeps its bearer tokens and is not touched here.

Errors: a :class:`~booking.errors.DomainError` re-renders the form with the message where a
form can show it, else an error page with the error's status; never a JSON body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote as urlquote
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader
from litestar import Controller, Request, Response, get, post
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import Cookie, ResponseHeader
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy.exc import DBAPIError

from booking import formatting
from booking.api.deps import Services, services
from booking.api.retry import RETRY_AFTER, is_transient, mark_retryable
from booking.db import transaction
from booking.errors import (
    DomainError,
    Forbidden,
    InvalidInput,
    PolicyViolation,
    RateLimited,
    Unauthorized,
)
from booking.messages import Message
from booking.models import Booking, Centre, Person, Room
from booking.models.base import max_length
from booking.permissions import ANONYMOUS, Actor
from booking.security import MIN_PASSWORD_LENGTH, new_token
from booking.services import accounts, availability, catalogue, preferences, rentals
from booking.timeutil import HORIZON_MESSAGE, in_horizon, local_date, local_to_utc
from booking.translations import LANGUAGE_NAMES, N_, direction, negotiate, translations
from booking.web import i18n
from booking.web.forms import RentalForm, check_csrf, field_value, iso_week, parse_iso_week
from booking.web.forms import parse_positive_int as parse_count

log = logging.getLogger("raumplan.web")

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

SESSION_COOKIE = "raumplan_session"
# Device tokens of the accounts that logged in with this browser (OWASP device cookie,
# booking.services.accounts.login), joined by ".".
DEVICE_COOKIE = "raumplan_device"
ANON_CSRF_COOKIE = "raumplan_csrf"
LANG_COOKIE = "raumplan_lang"
HOME_AFTER_LOGIN = "/meine-anfragen"

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
# Ids in paths: bounded, so a huge number is a 400 page, not a database overflow.
PageId = Annotated[int, Parameter(ge=1, le=2**31 - 1)]


def template_config() -> TemplateConfig[Any]:
    """Jinja with ``jinja2.ext.i18n``, so templates may use ``{% trans %}`` as well as ``_()``.
    The gettext functions come with each page's context (the viewer's language), not as
    globals: one environment serves every language at once."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      extensions=["jinja2.ext.i18n"])
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(env))


# --- who is looking ------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """The person behind a page request (or nobody) and what the page needs of them."""

    actor: Actor = ANONYMOUS
    name: str = ""
    session_token: str | None = None
    session_csrf: str | None = None
    lang: str = i18n.DEFAULT_LANGUAGE
    lang_chosen: str | None = None  # from ?lang=…: remembered in a cookie
    anon_csrf: str = ""
    anon_csrf_is_new: bool = False

    @property
    def logged_in(self) -> bool:
        return self.actor.is_authenticated

    @property
    def is_staff(self) -> bool:
        return self.actor.is_any_staff

    @property
    def gettext(self) -> i18n.Gettext:
        return i18n.gettext(self.lang)

    @property
    def ngettext(self) -> Callable[[str, str, int], str]:
        return translations(self.lang).ngettext


def _languages(request: Request[Any, Any, Any]) -> tuple[str | None, str | None, str | None]:
    """The language just chosen (``?lang=``), the browser's remembered choice (cookie) and the
    best match of its ``Accept-Language``."""
    chosen = request.query_params.get("lang")
    cookie = request.cookies.get(LANG_COOKIE)
    return ((chosen if chosen in i18n.LANGUAGES else None),
            (cookie if cookie in i18n.LANGUAGES else None),
            negotiate(request.headers.get("accept-language")))


def _anonymous_viewer(request: Request[Any, Any, Any]) -> Viewer:
    chosen, cookie, accepted = _languages(request)
    anon = request.cookies.get(ANON_CSRF_COOKIE)
    return Viewer(lang=i18n.pick_language(chosen, cookie, None, accepted), lang_chosen=chosen,
                  anon_csrf=anon or new_token(), anon_csrf_is_new=not anon)


def page_viewer(request: Request[Any, Any, Any], svc: Services) -> Viewer:
    """Dependency: the viewer from the session cookie; kept on ``request.state`` so the error
    pages can show the same header. A language chosen with ``?lang=`` by a logged-in person
    becomes their account's language (pages and mails), so it follows them to other devices;
    the account's language comes before this browser's cookie, which may be someone else's
    choice on a shared computer."""
    viewer = _anonymous_viewer(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with svc.read_db() as db:
            found = accounts.authenticate(db, token, "session", svc.clock.now())
            if found is not None:
                person, row = found
                chosen, cookie, accepted = _languages(request)
                viewer = Viewer(
                    actor=Actor.of(person), name=person.display_name or person.email or "",
                    session_token=token, session_csrf=row.csrf_token,
                    lang=i18n.pick_language(chosen, person.language, cookie, accepted),
                    lang_chosen=chosen, anon_csrf=viewer.anon_csrf,
                    anon_csrf_is_new=viewer.anon_csrf_is_new)
                remember = chosen if chosen and chosen != person.language else None
        if found is not None and remember and viewer.actor.person_id is not None:
            with transaction(svc.db) as db:
                preferences.set_language(db, viewer.actor.person_id, remember)
    request.state.viewer = viewer
    return viewer


class LoginNeeded(Exception):
    """Raised by a page that needs a logged-in viewer; answered with a redirect to /login."""


def require_viewer(viewer: Viewer) -> Actor:
    if not viewer.logged_in:
        raise LoginNeeded()
    return viewer.actor


def safe_next(target: str | None) -> str | None:
    """Only paths on this site: no scheme, no host, no ``//`` or ``/\\`` tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in "\r\n\\"):
        return None
    return target


# --- rendering -----------------------------------------------------------------------------


def _lang_url(request: Request[Any, Any, Any], code: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", code))
    return f"{request.url.path}?{urlencode(params)}"


def render(request: Request[Any, Any, Any], viewer: Viewer, template: str, *,
           status: int = 200, anon_form: bool = False, **context: Any) -> Template:
    """A page in the viewer's language; sets the double-submit cookie for anonymous forms
    and remembers an explicit language choice."""
    lang = viewer.lang
    ctx: dict[str, Any] = {
        "_": viewer.gettext, "gettext": viewer.gettext, "ngettext": viewer.ngettext,
        "lang": lang, "dir": direction(lang), "languages": LANGUAGE_NAMES, "viewer": viewer,
        "csrf_token": viewer.session_csrf or "",
        "lang_url": lambda code: _lang_url(request, code),
        "msg": lambda text: i18n.service_message(text, lang),
        "eur": lambda cents: formatting.money(cents, lang),
        **context,
    }
    cookies: list[Cookie] = []
    if anon_form and viewer.anon_csrf_is_new:
        cookies.append(_cookie(request, ANON_CSRF_COOKIE, viewer.anon_csrf, max_age=None))
    if viewer.lang_chosen:
        cookies.append(_cookie(request, LANG_COOKIE, viewer.lang_chosen,
                               max_age=365 * 24 * 3600))
    return Template(template_name=template, context=ctx, status_code=status, cookies=cookies)


def _cookie(request: Request[Any, Any, Any], key: str, value: str,
            max_age: int | None) -> Cookie:
    svc = services(request)
    return Cookie(key=key, value=value, path="/", httponly=True, samesite="lax",
                  secure=svc.settings.cookies_secure, max_age=max_age)


def redirect(path: str, **params: object) -> Redirect:
    return Redirect(path, status_code=303,
                    query_params={k: str(v) for k, v in params.items()} or None)


# --- error pages (the page controllers' own exception handlers) ----------------------------

TITLES = {400: N_("Ungültige Eingabe"), 401: N_("Anmeldung nötig"), 403: N_("Nicht erlaubt"),
          404: N_("Nicht gefunden"), 409: N_("Konflikt"), 422: N_("Nicht möglich"),
          429: N_("Zu viele Versuche"), 503: N_("Gerade beschäftigt")}


def _viewer_of(request: Request[Any, Any, Any]) -> Viewer:
    viewer: Viewer | None = request.state.get("viewer")
    return viewer or _anonymous_viewer(request)


def error_page(request: Request[Any, Any, Any], status: int,
               message: str | Message) -> Template:
    return render(request, _viewer_of(request), "error.html", status=status,
                  title=TITLES.get(status, N_("Fehler")), message=message)


def on_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if isinstance(exc, Unauthorized):
        return on_login_needed(request, LoginNeeded())
    return error_page(request, exc.status_code, exc.message)


def on_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code == 404:
        return error_page(request, 404, N_("Die Seite wurde nicht gefunden."))
    if 400 <= exc.status_code < 500:
        return error_page(request, exc.status_code, N_("Die Eingabe ist ungültig."))
    return on_server_error(request, exc)


def on_server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on page %s %s", request.method, request.url.path,
                  exc_info=exc)
    return error_page(request, 500, N_("Etwas ist auf unserer Seite schiefgegangen; es wurde "
                                       "nichts gespeichert. Bitte versuchen Sie es noch einmal."))


def on_database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    if not is_transient(exc):
        return on_server_error(request, exc)
    mark_retryable(request.scope)  # booking.api.retry runs the request again first
    page = error_page(request, 503, N_(
        "Gerade wurde gleichzeitig etwas anderes geändert; es wurde nichts gespeichert. Bitte "
        "versuchen Sie es gleich noch einmal."))
    page.headers["Retry-After"] = str(RETRY_AFTER)
    return page


def on_value_error(request: Request[Any, Any, Any], exc: ValueError) -> Response[Any]:
    # The aware-instant checks at the edge raise it; the app answers 400 too.
    log.info("invalid input on page %s: %s", request.url.path, exc)
    return error_page(request, 400, N_("Die Eingabe ist ungültig."))


def on_login_needed(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    target = request.url.path
    if request.method == "GET" and request.url.query:
        target += "?" + request.url.query
    return Redirect(f"/login?weiter={urlquote(target, safe='/')}", status_code=303)


class PageController(Controller):
    """Shared by the page controllers: the viewer, HTML error pages, security headers."""

    include_in_schema = False
    dependencies = {"viewer": Provide(page_viewer, sync_to_thread=True)}
    exception_handlers = {
        LoginNeeded: on_login_needed,
        DomainError: on_domain_error,
        HTTPException: on_http_error,
        ValidationException: on_http_error,  # the app maps it to JSON; pages answer HTML
        ValueError: on_value_error,
        DBAPIError: on_database_error,
        Exception: on_server_error,
    }
    response_headers = [
        ResponseHeader(name="Content-Security-Policy",
                       value="default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
        ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
        ResponseHeader(name="Referrer-Policy", value="same-origin"),
    ]


# --- views of the data (plain values for the templates) ------------------------------------


@dataclass(frozen=True)
class RoomView:
    id: int
    name: str
    centre: str
    description: str
    capacity: int
    area_m2: float
    area: str
    features: list[str]
    accessibility_notes: str
    price: str
    weekend_price: str
    min_fee: str
    cleaning_fee: str
    min_hours: str
    max_hours: str
    rules: str
    rentable: bool

    @classmethod
    def of(cls, room: Room, centre: Centre, lang: str) -> RoomView:
        def eur(cents: int) -> str:
            return formatting.money(cents, lang)

        def hours(minutes: int) -> str:
            return formatting.number(minutes / 60, lang)

        return cls(
            id=room.id, name=room.name, centre=centre.name, description=room.description,
            capacity=room.capacity, area_m2=room.area_m2,
            area=formatting.number(room.area_m2, lang),
            features=[i18n.FEATURE_WORDS.get(f, f) for f in room.features],
            accessibility_notes=room.accessibility_notes,
            price=eur(room.price_per_hour_cents),
            weekend_price=eur(room.weekend_price_per_hour_cents),
            min_fee=eur(room.min_fee_cents), cleaning_fee=eur(room.cleaning_fee_cents),
            min_hours=hours(room.min_rental_minutes), max_hours=hours(room.max_rental_minutes),
            rules=rentals.house_rules_text(room), rentable=room.rentable and room.active)


@dataclass(frozen=True)
class RentalView:
    id: int
    room: str
    room_id: int
    centre: str
    when: str
    status: str
    status_word: str
    fee: str
    people: int
    purpose: str
    reason: str
    requester: str
    can_cancel: bool


def _rental_view(db: Any, booking: Booking, lang: str, now: datetime) -> RentalView:
    occ = booking.occurrences[0]
    centre = db.get(Centre, booking.centre_id)
    zone_name = centre.timezone if centre else "Europe/Berlin"
    requester = ""
    if booking.requested_by_id is not None:
        person = db.get(Person, booking.requested_by_id)
        if person is not None:
            requester = (f"{person.display_name or ''} <{person.email}>" if person.email
                         else N_("gelöschtes Konto"))
    return RentalView(
        id=booking.id, room=occ.room.name, room_id=occ.room_id,
        centre=centre.name if centre else "",
        when=formatting.when(occ.starts_at, occ.ends_at, zone_name, lang),
        status=booking.status, status_word=i18n.STATUS_WORDS.get(booking.status, booking.status),
        fee=formatting.money(booking.fee_cents, lang), people=booking.expected_people or 0,
        purpose=booking.purpose or "", reason=booking.decision_reason or "",
        requester=requester, can_cancel=booking.is_open and occ.starts_at > now)


@dataclass
class DayRow:
    label: str
    items: list[tuple[str, str]] = field(default_factory=list)  # (time, public title)


# --- public pages --------------------------------------------------------------------------


class PublicPages(PageController):
    path = "/"

    @get("/", sync_to_thread=True)
    def home(self, request: Request[Any, Any, Any], svc: Services,
             viewer: Viewer) -> Template:
        with svc.read_db() as db:
            centres = catalogue.list_centres(db)
            counts = {c.id: len(catalogue.list_rooms(db, centre_id=c.id)) for c in centres}
        return render(request, viewer, "home.html", nav="start", centres=centres,
                      counts=counts)

    @get("/raeume", sync_to_thread=True)
    def rooms(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
              personen: str | None = None, barrierefrei: str | None = None,
              kueche: str | None = None, zentrum: str | None = None) -> Template:
        errors: dict[str, str] = {}
        min_people = None
        if personen:
            min_people = parse_count(personen)
            if min_people is None:
                errors["personen"] = N_("Bitte eine ganze Zahl ab 1 eingeben.")
        centre_id = parse_count(zentrum) if zentrum else None
        with svc.read_db() as db:
            centres = {c.id: c for c in catalogue.list_centres(db)}
            found = catalogue.list_rooms(
                db, centre_id=centre_id, min_capacity=min_people,
                barrier_free=bool(barrierefrei) or None,
                features=["kitchen"] if kueche else [])
            rooms = [RoomView.of(r, centres[r.centre_id], viewer.lang) for r in found]
        filters = {"personen": personen or "", "barrierefrei": bool(barrierefrei),
                   "kueche": bool(kueche), "zentrum": centre_id}
        return render(request, viewer, "rooms.html", status=400 if errors else 200,
                      nav="raeume", rooms=rooms, centres=list(centres.values()),
                      filters=filters, errors=errors)

    @get("/raeume/{room_id:int}", sync_to_thread=True)
    def room(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
             room_id: PageId, woche: str | None = None) -> Template:
        with svc.read_db() as db:
            room = catalogue.get_room(db, room_id)
            centre = db.get_one(Centre, room.centre_id)
            zone_name = centre.timezone
            if woche:
                monday = parse_iso_week(woche)
                if monday is None:
                    raise InvalidInput(N_("Bitte die Woche als Jahr-W-Woche angeben, "
                                          "z. B. 2026-W49."))
                if not in_horizon(monday):
                    raise InvalidInput(HORIZON_MESSAGE)
            else:
                today = local_date(svc.clock.now(), zone_name)
                monday = today - timedelta(days=today.weekday())
            start = local_to_utc(monday, time(0), zone_name)
            end = local_to_utc(monday + timedelta(days=7), time(0), zone_name)
            busy, _free = availability.busy_and_free(db, viewer.actor, [room.id], start, end)
            view = RoomView.of(room, centre, viewer.lang)
        days = [DayRow(formatting.weekday_and_day(monday + timedelta(days=i), viewer.lang))
                for i in range(7)]
        for b in busy:
            index = max(0, (local_date(b.starts_at, zone_name) - monday).days)
            shown = formatting.times(b.starts_at, b.ends_at, zone_name, viewer.lang)
            days[min(index, 6)].items.append((shown, b.title))
        week = {"name": iso_week(monday), "label": formatting.iso_week(monday, viewer.lang),
                "from": formatting.day(monday, viewer.lang),
                "to": formatting.day(monday + timedelta(days=6), viewer.lang),
                "prev": iso_week(monday - timedelta(days=7)),
                "next": iso_week(monday + timedelta(days=7))}
        return render(request, viewer, "room.html", nav="raeume", room=view, days=days,
                      week=week)


# --- resident pages: request, follow, cancel -----------------------------------------------


def _rentable_room(db: Any, room_id: int, lang: str) -> tuple[RoomView, str]:
    room = catalogue.get_room(db, room_id)
    centre = db.get_one(Centre, room.centre_id)
    return RoomView.of(room, centre, lang), centre.timezone


class RentalPages(PageController):
    path = "/"

    @get("/raeume/{room_id:int}/anfragen", sync_to_thread=True)
    def request_form(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                     room_id: PageId) -> Template:
        require_viewer(viewer)
        with svc.read_db() as db:
            room, _zone = _rentable_room(db, room_id, viewer.lang)
        return render(request, viewer, "request.html", nav="raeume", room=room,
                      form=RentalForm(), quote=None, problems=[], error=None)

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
            mine = [_rental_view(db, b, viewer.lang, now)
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
            rental = _rental_view(db, rentals.get_rental(db, actor, booking_id), viewer.lang,
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


# --- staff pages ---------------------------------------------------------------------------

NOT_STAFF = N_("Nur das Team eines Stadtteilzentrums darf Anfragen entscheiden.")


def require_staff_viewer(viewer: Viewer) -> Actor:
    actor = require_viewer(viewer)
    if not actor.is_any_staff:
        raise Forbidden(NOT_STAFF)
    return actor


class StaffPages(PageController):
    path = "/verwaltung"

    @get("/anfragen", sync_to_thread=True)
    def inbox(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
              bestaetigt: str | None = None, abgelehnt: str | None = None) -> Template:
        notice = None
        if bestaetigt and parse_count(bestaetigt):
            notice = (N_("Anfrage Nr. %(nr)s wurde bestätigt."), parse_count(bestaetigt))
        elif abgelehnt and parse_count(abgelehnt):
            notice = (N_("Anfrage Nr. %(nr)s wurde abgelehnt."), parse_count(abgelehnt))
        return self._inbox(request, svc, viewer, notice=notice)

    def _inbox(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer, *,
               notice: tuple[str, int | None] | None = None, error: str | None = None,
               error_for: int | None = None, reason: str = "",
               status: int = 200) -> Template:
        actor = require_staff_viewer(viewer)
        now = svc.clock.now()
        with svc.read_db() as db:
            pending = [_rental_view(db, b, viewer.lang, now)
                       for b in reversed(rentals.list_rentals(db, actor, status="pending"))
                       if actor.is_staff_of(b.centre_id)]
        return render(request, viewer, "staff_requests.html", status=status, nav="verwaltung",
                      rentals=pending, notice=notice, error=error, error_for=error_for,
                      reason=reason)

    @post("/anfragen/{booking_id:int}/bestaetigen", sync_to_thread=True)
    def confirm(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                booking_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        try:
            with transaction(svc.db) as db:
                rentals.confirm(db, actor, booking_id, svc.clock.now())
        except DomainError as exc:
            return self._inbox(request, svc, viewer, error=exc.detail, error_for=booking_id,
                               status=exc.status_code)
        return redirect("/verwaltung/anfragen", bestaetigt=booking_id)

    @post("/anfragen/{booking_id:int}/ablehnen", sync_to_thread=True)
    def decline(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                booking_id: PageId, data: FormData) -> Response[Any]:
        actor = require_staff_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        reason = field_value(data, "grund", text_area=True)[:2000]
        try:
            with transaction(svc.db) as db:
                rentals.decline(db, actor, booking_id, reason, svc.clock.now())
        except DomainError as exc:
            return self._inbox(request, svc, viewer, error=exc.detail, error_for=booking_id,
                               reason=reason, status=exc.status_code)
        return redirect("/verwaltung/anfragen", abgelehnt=booking_id)


# --- login, logout, registration -----------------------------------------------------------


def _client_key(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _device_tokens(request: Request[Any, Any, Any]) -> list[str]:
    raw = request.cookies.get(DEVICE_COOKIE, "")
    return [t for t in raw.split(".") if t][:accounts.MAX_DEVICE_TOKENS]


def _remember_device(request: Request[Any, Any, Any], response: Response[Any],
                     token: str) -> None:
    """Put this account's device token first in the browser's device cookie."""
    svc = services(request)
    tokens = [token, *(t for t in _device_tokens(request) if t != token)]
    response.set_cookie(_cookie(request, DEVICE_COOKIE,
                                ".".join(tokens[:accounts.MAX_DEVICE_TOKENS]),
                                max_age=svc.settings.login_device_days * 24 * 3600))


def _logged_in(request: Request[Any, Any, Any], svc: Services, login: accounts.Login,
               weiter: str | None) -> Redirect:
    response = redirect(safe_next(weiter) or HOME_AFTER_LOGIN)
    response.set_cookie(_cookie(request, SESSION_COOKIE, login.token,
                                max_age=svc.settings.session_hours * 3600))
    _remember_device(request, response, login.device_token)
    return response


def _notice(request: Request[Any, Any, Any], viewer: Viewer, title: str, message: str, *,
            link: tuple[str, str] | None = None, status: int = 200) -> Template:
    """A page that tells what happened and what comes next (mail sent, address confirmed)."""
    return render(request, viewer, "notice.html", status=status, title=title, message=message,
                  link=link)


class AccountPages(PageController):
    path = "/"

    @get("/login", sync_to_thread=False)
    def login_form(self, request: Request[Any, Any, Any], viewer: Viewer,
                   weiter: str | None = None) -> Template:
        return render(request, viewer, "login.html", anon_form=True, nav="login",
                      weiter=safe_next(weiter) or "", email="", error=None,
                      hint=bool(safe_next(weiter)))

    @post("/login", sync_to_thread=True)
    def login(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
              data: FormData) -> Response[Any]:
        check_csrf(None if viewer.anon_csrf_is_new else viewer.anon_csrf, data)
        email, weiter = field_value(data, "email"), field_value(data, "weiter")
        try:
            with transaction(svc.db) as db:
                result = accounts.login(db, email=email, password=str(data.get("passwort", "")),
                                        kind="session", now=svc.clock.now(),
                                        settings=svc.settings,
                                        device_tokens=_device_tokens(request))
        except Unauthorized:
            return render(request, viewer, "login.html", status=401, anon_form=True,
                          nav="login", weiter=safe_next(weiter) or "", email=email,
                          error=N_("E-Mail-Adresse oder Passwort ist falsch."), hint=False)
        except DomainError as exc:
            return render(request, viewer, "login.html", status=exc.status_code,
                          anon_form=True, nav="login", weiter=safe_next(weiter) or "",
                          email=email, error=exc.detail, hint=False)
        return _logged_in(request, svc, result, weiter)

    @post("/logout", sync_to_thread=True)
    def logout(self, svc: Services, viewer: Viewer, data: FormData) -> Response[Any]:
        if viewer.session_token is not None:
            check_csrf(viewer.session_csrf, data)
            with transaction(svc.db) as db:
                accounts.logout(db, viewer.session_token)
        response = redirect("/")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @get("/registrieren", sync_to_thread=False)
    def register_form(self, request: Request[Any, Any, Any], viewer: Viewer,
                      weiter: str | None = None) -> Template:
        return self._register(request, viewer, values={"sprache": viewer.lang},
                              weiter=weiter)

    def _register(self, request: Request[Any, Any, Any], viewer: Viewer, *,
                  values: dict[str, str], weiter: str | None, errors: dict[str, str] | None = None,
                  error: str | None = None, status: int = 200) -> Template:
        return render(request, viewer, "register.html", status=status, anon_form=True,
                      nav="registrieren", values=values, errors=errors or {}, error=error,
                      weiter=safe_next(weiter) or "", min_password=MIN_PASSWORD_LENGTH)

    @post("/registrieren", sync_to_thread=True)
    def register(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                 data: FormData) -> Response[Any]:
        check_csrf(None if viewer.anon_csrf_is_new else viewer.anon_csrf, data)
        values = {"name": field_value(data, "name", max_length=max_length(Person.display_name)),
                  "email": field_value(data, "email", max_length=max_length(Person.email)),
                  "sprache": field_value(data, "sprache")}
        password = str(data.get("passwort", ""))
        weiter = field_value(data, "weiter")
        language = values["sprache"] if values["sprache"] in i18n.LANGUAGES else viewer.lang
        if not values["name"]:
            return self._register(request, viewer, values=values, weiter=weiter, status=400,
                                  errors={"name": N_("Bitte einen Namen angeben.")})
        try:
            with transaction(svc.db) as db:
                message = accounts.register(
                    db, email=values["email"], password=password, display_name=values["name"],
                    language=language, client=_client_key(request), now=svc.clock.now(),
                    settings=svc.settings)
        except DomainError as exc:
            where = "passwort" if "password" in exc.detail.lower() else "email"
            if isinstance(exc, RateLimited):
                return self._register(request, viewer, values=values, weiter=weiter,
                                      status=exc.status_code, error=exc.detail)
            return self._register(request, viewer, values=values, weiter=weiter,
                                  status=exc.status_code, errors={where: exc.detail})
        return _notice(request, viewer, N_("Bitte bestätigen Sie Ihre E-Mail-Adresse"), message)

    # The mailed links open a page with a button: mail scanners that fetch links must not
    # use them up.
    @get("/konto/bestaetigen", sync_to_thread=False)
    def confirm_form(self, request: Request[Any, Any, Any], viewer: Viewer,
                     token: str = "") -> Template:
        return render(request, viewer, "confirm.html", anon_form=True, token=token)

    @post("/konto/bestaetigen", sync_to_thread=True)
    def confirm(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                data: FormData) -> Template:
        check_csrf(None if viewer.anon_csrf_is_new else viewer.anon_csrf, data)
        try:
            with transaction(svc.db) as db:
                accounts.confirm_address(db, token=field_value(data, "token"),
                                         now=svc.clock.now())
        except DomainError as exc:
            return _notice(request, viewer, N_("Bestätigung nicht möglich"), exc.detail,
                           status=exc.status_code, link=("/passwort-vergessen",
                                                         N_("Neuen Link anfordern")))
        return _notice(request, viewer, N_("E-Mail-Adresse bestätigt"),
                       N_("Ihre E-Mail-Adresse ist bestätigt. Sie können jetzt Räume anfragen."),
                       link=("/raeume" if viewer.logged_in else "/login",
                             N_("Räume ansehen") if viewer.logged_in else N_("Anmelden")))

    @get("/passwort-vergessen", sync_to_thread=False)
    def forgot_form(self, request: Request[Any, Any, Any], viewer: Viewer) -> Template:
        return render(request, viewer, "forgot.html", anon_form=True, email="", error=None)

    @post("/passwort-vergessen", sync_to_thread=True)
    def forgot(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
               data: FormData) -> Template:
        check_csrf(None if viewer.anon_csrf_is_new else viewer.anon_csrf, data)
        email = field_value(data, "email")
        try:
            with transaction(svc.db) as db:
                message = accounts.request_password_reset(
                    db, email=email, client=_client_key(request), now=svc.clock.now(),
                    settings=svc.settings)
        except DomainError as exc:
            return render(request, viewer, "forgot.html", anon_form=True,
                          status=exc.status_code, email=email, error=exc.detail)
        return _notice(request, viewer, N_("Passwort vergessen"), message)

    @get("/passwort/neu", sync_to_thread=False)
    def reset_form(self, request: Request[Any, Any, Any], viewer: Viewer,
                   token: str = "") -> Template:
        return render(request, viewer, "reset.html", anon_form=True, token=token, error=None,
                      min_password=MIN_PASSWORD_LENGTH)

    @post("/passwort/neu", sync_to_thread=True)
    def reset(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
              data: FormData) -> Response[Any]:
        check_csrf(None if viewer.anon_csrf_is_new else viewer.anon_csrf, data)
        token = field_value(data, "token")
        try:
            with transaction(svc.db) as db:
                device = accounts.reset_password(db, token=token,
                                                 password=str(data.get("passwort", "")),
                                                 now=svc.clock.now())
        except DomainError as exc:
            return render(request, viewer, "reset.html", anon_form=True,
                          status=exc.status_code, token=token, error=exc.detail,
                          min_password=MIN_PASSWORD_LENGTH)
        # Every session of the account has ended, this browser's too.
        response: Response[Any] = _notice(
            request, _anonymous_viewer(request), N_("Neues Passwort gesetzt"),
            N_("Ihr neues Passwort ist gesetzt, und alle bisherigen Anmeldungen sind beendet. "
               "Bitte melden Sie sich mit dem neuen Passwort an."), link=("/login", N_("Anmelden")))
        _remember_device(request, response, device)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


def page_controllers() -> Sequence[Any]:
    return [PublicPages, RentalPages, StaffPages, AccountPages,
            create_static_files_router(path="/static", directories=[STATIC],
                                       name="static", include_in_schema=False)]

