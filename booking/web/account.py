"""Account pages: login, logout, registration, e-mail confirmation, password reset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from booking.deps import Services, discard, services
from booking.errors import (
    DomainError,
    RateLimited,
    Unauthorized,
)
from booking.messages import Message
from booking.models import Person
from booking.models.base import max_length
from booking.permissions import Actor
from booking.security import MIN_PASSWORD_LENGTH
from booking.services import accounts
from booking.translations import N_
from booking.web import i18n
from booking.web.common import (
    DEVICE_COOKIE,
    HOME_AFTER_LOGIN,
    SESSION_COOKIE,
    STAFF_HOME,
    FormData,
    PageController,
    Viewer,
    anonymous_viewer,
    make_cookie,
    redirect,
    render,
    safe_next,
)
from booking.web.forms import check_csrf, field_value

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
    response.set_cookie(make_cookie(request, DEVICE_COOKIE,
                                ".".join(tokens[:accounts.MAX_DEVICE_TOKENS]),
                                max_age=svc.settings.login_device_days * 24 * 3600))


def _logged_in(request: Request[Any, Any, Any], svc: Services, login: accounts.Login,
               weiter: str | None) -> Redirect:
    # Staff land on their desk; residents on their own requests.
    home = STAFF_HOME if Actor.of(login.person).is_any_staff else HOME_AFTER_LOGIN
    response = redirect(safe_next(weiter) or home)
    response.set_cookie(make_cookie(request, SESSION_COOKIE, login.token,
                                max_age=svc.settings.session_hours * 3600))
    _remember_device(request, response, login.device_token)
    return response


def _notice(request: Request[Any, Any, Any], viewer: Viewer, title: str,
            message: str | Message, *,
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
    def login(self, request: Request[Any, Any, Any], svc: Services, db: Session,
              now: datetime, viewer: Viewer, data: FormData) -> Response[Any]:
        check_csrf(None if viewer.anon_csrf_is_new else viewer.anon_csrf, data)
        email, weiter = field_value(data, "email"), field_value(data, "weiter")
        try:
            result = accounts.login(db, email=email, password=str(data.get("passwort", "")),
                                    kind="session", now=now,
                                    settings=svc.settings,
                                    device_tokens=_device_tokens(request))
        except Unauthorized as exc:
            discard(db, exc)
            return render(request, viewer, "login.html", status=401, anon_form=True,
                          nav="login", weiter=safe_next(weiter) or "", email=email,
                          error=N_("E-Mail-Adresse oder Passwort ist falsch."), hint=False)
        except DomainError as exc:
            discard(db, exc)
            return render(request, viewer, "login.html", status=exc.status_code,
                          anon_form=True, nav="login", weiter=safe_next(weiter) or "",
                          email=email, error=exc.message, hint=False)
        return _logged_in(request, svc, result, weiter)

    @post("/logout", sync_to_thread=True)
    def logout(self, db: Session, viewer: Viewer, data: FormData) -> Response[Any]:
        if viewer.session_token is not None:
            check_csrf(viewer.session_csrf, data)
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
                  values: dict[str, str], weiter: str | None,
                  errors: dict[str, str | Message] | None = None,
                  error: str | Message | None = None, status: int = 200) -> Template:
        return render(request, viewer, "register.html", status=status, anon_form=True,
                      nav="registrieren", values=values, errors=errors or {}, error=error,
                      weiter=safe_next(weiter) or "", min_password=MIN_PASSWORD_LENGTH)

    @post("/registrieren", sync_to_thread=True)
    def register(self, request: Request[Any, Any, Any], svc: Services, db: Session,
                 now: datetime, viewer: Viewer, data: FormData) -> Response[Any]:
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
            message = accounts.register(
                db, email=values["email"], password=password, display_name=values["name"],
                language=language, client=_client_key(request), now=now,
                settings=svc.settings)
        except DomainError as exc:
            discard(db, exc)
            where = "passwort" if (exc.code or "").startswith("password") else "email"
            if isinstance(exc, RateLimited):
                return self._register(request, viewer, values=values, weiter=weiter,
                                      status=exc.status_code, error=exc.message)
            return self._register(request, viewer, values=values, weiter=weiter,
                                  status=exc.status_code, errors={where: exc.message})
        return _notice(request, viewer, N_("Bitte bestätigen Sie Ihre E-Mail-Adresse"), message)

    # The mailed links open a page with a button: mail scanners that fetch links must not
    # use them up.
    @get("/konto/bestaetigen", sync_to_thread=False)
    def confirm_form(self, request: Request[Any, Any, Any], viewer: Viewer,
                     token: str = "") -> Template:
        return render(request, viewer, "confirm.html", anon_form=True, token=token)

    @post("/konto/bestaetigen", sync_to_thread=True)
    def confirm(self, request: Request[Any, Any, Any], db: Session, now: datetime, viewer: Viewer,
                data: FormData) -> Template:
        check_csrf(None if viewer.anon_csrf_is_new else viewer.anon_csrf, data)
        try:
            accounts.confirm_address(db, token=field_value(data, "token"),
                                     now=now)
        except DomainError as exc:
            discard(db, exc)
            return _notice(request, viewer, N_("Bestätigung nicht möglich"), exc.message,
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
    def forgot(self, request: Request[Any, Any, Any], svc: Services, db: Session,
               now: datetime, viewer: Viewer, data: FormData) -> Template:
        check_csrf(None if viewer.anon_csrf_is_new else viewer.anon_csrf, data)
        email = field_value(data, "email")
        try:
            message = accounts.request_password_reset(
                db, email=email, client=_client_key(request), now=now,
                settings=svc.settings)
        except DomainError as exc:
            discard(db, exc)
            return render(request, viewer, "forgot.html", anon_form=True,
                          status=exc.status_code, email=email, error=exc.message)
        return _notice(request, viewer, N_("Passwort vergessen"), message)

    @get("/passwort/neu", sync_to_thread=False)
    def reset_form(self, request: Request[Any, Any, Any], viewer: Viewer,
                   token: str = "") -> Template:
        return render(request, viewer, "reset.html", anon_form=True, token=token, error=None,
                      min_password=MIN_PASSWORD_LENGTH)

    @post("/passwort/neu", sync_to_thread=True)
    def reset(self, request: Request[Any, Any, Any], db: Session, now: datetime, viewer: Viewer,
              data: FormData) -> Response[Any]:
        check_csrf(None if viewer.anon_csrf_is_new else viewer.anon_csrf, data)
        token = field_value(data, "token")
        try:
            device = accounts.reset_password(db, token=token,
                                             password=str(data.get("passwort", "")),
                                             now=now)
        except DomainError as exc:
            discard(db, exc)
            return render(request, viewer, "reset.html", anon_form=True,
                          status=exc.status_code, token=token, error=exc.message,
                          min_password=MIN_PASSWORD_LENGTH)
        # Every session of the account has ended, this browser's too.
        response: Response[Any] = _notice(
            request, anonymous_viewer(request), N_("Neues Passwort gesetzt"),
            N_("Ihr neues Passwort ist gesetzt, und alle bisherigen Anmeldungen sind beendet. "
               "Bitte melden Sie sich mit dem neuen Passwort an."), link=("/login", N_("Anmelden")))
        _remember_device(request, response, device)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
