"""What every page shares: who is looking (the viewer and their language), rendering a
template, the HTML error pages, and the base controller with its security headers.

Pages log in with a cookie session (``raumplan_session``); every state-changing form carries
the session's CSRF token, and the anonymous login and registration forms a double-submit
cookie token. The JSON API under ``/api`` keeps its bearer tokens and is not touched here.

Errors: a :class:`~booking.errors.DomainError` re-renders the form with the message where a
form can show it, else an error page with the error's status; never a JSON body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote as urlquote
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader
from litestar import Controller, Request, Response
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import Cookie, ResponseHeader
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from litestar.template.config import TemplateConfig
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from booking import formatting
from booking.api.retry import RETRY_AFTER, UNAVAILABLE, database_trouble
from booking.db import DatabaseUnavailable, transaction
from booking.deps import Services, services
from booking.errors import (
    DomainError,
    Unauthorized,
)
from booking.messages import Message
from booking.models import Role
from booking.permissions import ANONYMOUS, Actor
from booking.security import new_token
from booking.services import accounts, preferences
from booking.translations import LANGUAGE_NAMES, N_, direction, negotiate, translations
from booking.web import i18n

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
STAFF_HOME = "/verwaltung"

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
    def is_group_contact(self) -> bool:
        return any(role == Role.GROUP_CONTACT for role, _ in self.actor.roles)

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


def anonymous_viewer(request: Request[Any, Any, Any]) -> Viewer:
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
    viewer = anonymous_viewer(request)
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
        "centre_picker": lambda: _centre_picker(request, viewer),
        **context,
    }
    cookies: list[Cookie] = []
    if anon_form and viewer.anon_csrf_is_new:
        cookies.append(make_cookie(request, ANON_CSRF_COOKIE, viewer.anon_csrf, max_age=None))
    # An explicit choice, or a logged-in person's account language when the browser remembers
    # another: the pages that answer without a session lookup (an unknown address, a wrong
    # method) read the cookie, so they too speak the account's language.
    remembered = viewer.lang_chosen or (
        viewer.lang if viewer.logged_in and request.cookies.get(LANG_COOKIE) != viewer.lang
        else None)
    if remembered:
        cookies.append(make_cookie(request, LANG_COOKIE, remembered, max_age=365 * 24 * 3600))
    return Template(template_name=template, context=ctx, status_code=status, cookies=cookies)


def _centre_picker(request: Request[Any, Any, Any], viewer: Viewer) -> Any:
    """The staff subnav's centre picker (``booking.web.workspace``), read only when a page
    shows the subnav."""
    from booking.web import workspace

    return workspace.picker(request, viewer.actor) if viewer.is_staff else None


def make_cookie(request: Request[Any, Any, Any], key: str, value: str,
            max_age: int | None) -> Cookie:
    svc = services(request)
    return Cookie(key=key, value=value, path="/", httponly=True, samesite="lax",
                  secure=svc.settings.cookies_secure, max_age=max_age)


def redirect(path: str, **params: object) -> Redirect:
    return Redirect(path, status_code=303,
                    query_params={k: str(v) for k, v in params.items()} or None)


# --- error pages (the page controllers' own exception handlers) ----------------------------

TITLES = {400: N_("Ungültige Eingabe"), 401: N_("Anmeldung nötig"), 403: N_("Nicht erlaubt"),
          404: N_("Nicht gefunden"), 405: N_("Nicht möglich"), 409: N_("Konflikt"),
          422: N_("Nicht möglich"), 500: N_("Fehler"),
          429: N_("Zu viele Versuche"), 503: N_("Gerade beschäftigt")}


def _viewer_of(request: Request[Any, Any, Any]) -> Viewer:
    viewer: Viewer | None = request.state.get("viewer")
    return viewer or anonymous_viewer(request)


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
    if exc.status_code == 405:
        page = error_page(request, 405, N_("Diese Adresse lässt sich so nicht aufrufen. Bitte "
                                           "folgen Sie einem Link oder Knopf der Seite."))
        if exc.headers and "Allow" in exc.headers:
            page.headers["Allow"] = exc.headers["Allow"]
        return page
    if 400 <= exc.status_code < 500:
        return error_page(request, exc.status_code, N_("Die Eingabe ist ungültig."))
    return on_server_error(request, exc)


def on_server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on page %s %s", request.method, request.url.path,
                  exc_info=exc)
    return error_page(request, 500, N_("Etwas ist auf unserer Seite schiefgegangen; es wurde "
                                       "nichts gespeichert. Bitte versuchen Sie es noch einmal."))


def on_database_error(request: Request[Any, Any, Any],
                      exc: DBAPIError | DatabaseUnavailable | PoolTimeout) -> Response[Any]:
    """The pages' side of ``booking.api.problems.database_error``: 503 with Retry-After when
    the database aborted, refused or was too busy, nothing saved; any other error is ours."""
    trouble = database_trouble(request.scope, exc)
    if trouble is None:
        return on_server_error(request, exc)
    message: str | Message = Message("database_unavailable")
    if trouble != UNAVAILABLE:
        message = N_("Gerade wurde gleichzeitig etwas anderes geändert; es wurde nichts "
                     "gespeichert. Bitte versuchen Sie es gleich noch einmal.")
    page = error_page(request, 503, message)
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
        DatabaseUnavailable: on_database_error,
        PoolTimeout: on_database_error,
        Exception: on_server_error,
    }
    response_headers = [
        ResponseHeader(name="Content-Security-Policy",
                       value="default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
        ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
        ResponseHeader(name="Referrer-Policy", value="same-origin"),
    ]


# --- error pages for URLs no page controller answered --------------------------------------

# Paths of the JSON API and the machinery: their errors stay problem details.
NOT_PAGES = ("/api", "/schema", "/health", "/static")


def is_page_request(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    return not any(path == p or path.startswith(p + "/") for p in NOT_PAGES)


def html_for_pages(handlers: dict[type[Exception] | int, Any]) -> dict[type[Exception] | int,
                                                                        Any]:
    """The app's exception handlers, changed so that a browser asking for an unknown page, with
    a wrong method or meeting a fault outside a page controller gets an HTML page in its
    language with a way back; API clients keep their problem details."""

    def viewer_for(request: Request[Any, Any, Any]) -> None:
        # No session lookup here (these handlers run on the event loop): the language comes
        # from ?lang=, the language cookie or Accept-Language.
        if request.state.get("viewer") is None:
            request.state.viewer = anonymous_viewer(request)

    def wrap(json_handler: Any, page_handler: Any) -> Any:
        def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
            if not is_page_request(request):
                return json_handler(request, exc)  # type: ignore[no-any-return]
            viewer_for(request)
            return page_handler(request, exc)  # type: ignore[no-any-return]
        return handle

    changed = dict(handlers)
    changed[HTTPException] = wrap(handlers[HTTPException], on_http_error)
    changed[Exception] = wrap(handlers[Exception], on_server_error)
    return changed
