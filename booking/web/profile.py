"""The resident's own account (``/konto``): language, password, a download of all data held
about them (the DSGVO export), and deleting the account with its consequences stated first.
Also the operator's Impressum and Datenschutzerklärung, from the settings."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from booking.api.deps import Services
from booking.db import transaction
from booking.errors import DomainError
from booking.models import Person
from booking.security import MIN_PASSWORD_LENGTH
from booking.services import preferences, privacy
from booking.translations import LANGUAGES, N_
from booking.web.common import (
    SESSION_COOKIE,
    FormData,
    PageController,
    Viewer,
    redirect,
    render,
    require_viewer,
)
from booking.web.forms import check_csrf, field_value

EXPORT_NAME = "raumplan-meine-daten.json"


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


class ProfilePages(PageController):
    path = "/"

    @get("/konto", sync_to_thread=True)
    def account(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                gespeichert: str | None = None) -> Template:
        require_viewer(viewer)
        return self._account(request, svc, viewer, saved=gespeichert)

    def _account(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer, *,
                 saved: str | None = None, errors: dict[str, str] | None = None,
                 status: int = 200) -> Template:
        by_mail = False
        if viewer.actor.person_id is not None:
            with svc.read_db() as db:
                person = db.get(Person, viewer.actor.person_id)
                by_mail = bool(person and person.access_code_by_mail)
        return render(request, viewer, "account.html", status=status, nav="konto",
                      code_by_mail=by_mail,
                      saved=saved if saved in ("sprache", "passwort", "codes") else None,
                      errors=errors or {}, min_password=MIN_PASSWORD_LENGTH)

    @post("/konto/sprache", sync_to_thread=True)
    def language(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                 data: FormData) -> Response[Any]:
        actor = require_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        chosen = field_value(data, "sprache")
        if chosen not in LANGUAGES or actor.person_id is None:
            return self._account(request, svc, viewer, status=400, errors={
                "sprache": N_("Bitte eine der angebotenen Sprachen wählen.")})
        with transaction(svc.db) as db:
            preferences.set_language(db, actor.person_id, chosen)
        # The next page is in the new language: ?lang= sets the cookie too.
        return redirect("/konto", gespeichert="sprache", lang=chosen)

    @post("/konto/zugangscodes", sync_to_thread=True)
    def code_mail(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                  data: FormData) -> Response[Any]:
        """Door codes also by mail, or only on the page (issue 12)."""
        actor = require_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        if actor.person_id is not None:
            with transaction(svc.db) as db:
                preferences.set_access_code_by_mail(
                    db, actor.person_id, field_value(data, "per_mail") == "ja",
                    svc.clock.now())
        return redirect("/konto", gespeichert="codes")

    @post("/konto/passwort", sync_to_thread=True)
    def password(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
                 data: FormData) -> Response[Any]:
        actor = require_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        new = str(data.get("neues_passwort", ""))
        if new != str(data.get("wiederholung", "")):
            return self._account(request, svc, viewer, status=400, errors={
                "wiederholung": N_("Die beiden neuen Passwörter sind nicht gleich.")})
        try:
            with transaction(svc.db) as db:
                preferences.change_password(
                    db, actor.person_id or 0, current=str(data.get("passwort", "")), new=new,
                    keep_token=viewer.session_token, now=svc.clock.now())
        except DomainError as exc:
            where = ("passwort" if exc.code in ("wrong_current_password", "too_many_logins")
                     else "neues_passwort")
            return self._account(request, svc, viewer, status=exc.status_code,
                                 errors={where: exc.message})  # type: ignore[dict-item]
        return redirect("/konto", gespeichert="passwort")

    @get("/konto/daten", sync_to_thread=True)
    def download(self, svc: Services, viewer: Viewer) -> Response[bytes]:
        """All data held about the viewer, as the JSON the API's export gives."""
        actor = require_viewer(viewer)
        with svc.read_db() as db:
            data = privacy.export(db, actor)
        body = json.dumps(data, ensure_ascii=False, indent=2).encode()
        return Response(body, media_type="application/json; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{EXPORT_NAME}"',
            "Cache-Control": "no-store"})

    @get("/konto/loeschen", sync_to_thread=False)
    def delete_form(self, request: Request[Any, Any, Any], viewer: Viewer) -> Template:
        require_viewer(viewer)
        return render(request, viewer, "account_delete.html", nav="konto", error=None)

    @post("/konto/loeschen", sync_to_thread=True)
    def delete(self, request: Request[Any, Any, Any], svc: Services, viewer: Viewer,
               data: FormData) -> Response[Any]:
        actor = require_viewer(viewer)
        check_csrf(viewer.session_csrf, data)
        try:
            with transaction(svc.db) as db:
                preferences.check_own_password(db, actor.person_id or 0,
                                               str(data.get("passwort", "")), svc.clock.now())
                privacy.delete_account(db, actor, svc.clock.now())
        except DomainError as exc:
            return render(request, viewer, "account_delete.html", status=exc.status_code,
                          nav="konto", error=exc.message)
        response = render(request, Viewer(lang=viewer.lang), "notice.html",
                          title=N_("Konto gelöscht"), link=("/", N_("Zur Startseite")),
                          message=N_("Ihr Konto ist gelöscht und Sie sind abgemeldet. Vergangene "
                                     "Buchungen bleiben ohne Ihren Namen für die Statistik des "
                                     "Stadtteilzentrums erhalten."))
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @get("/impressum", sync_to_thread=False)
    def imprint(self, request: Request[Any, Any, Any], svc: Services,
                viewer: Viewer) -> Template:
        return render(request, viewer, "legal.html", nav="impressum",
                      title=N_("Impressum"), paragraphs=_paragraphs(svc.settings.imprint))

    @get("/datenschutz", sync_to_thread=False)
    def privacy_notice(self, request: Request[Any, Any, Any], svc: Services,
                       viewer: Viewer) -> Template:
        return render(request, viewer, "legal.html", nav="datenschutz",
                      title=N_("Datenschutzerklärung"),
                      paragraphs=_paragraphs(svc.settings.privacy_notice))
