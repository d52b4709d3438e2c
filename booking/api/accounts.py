"""API: registration, login (bearer tokens), the caller's own data (DSGVO export, deletion)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post

from booking.api import convert
from booking.api import schemas as s
from booking.api.deps import Services
from booking.db import transaction
from booking.permissions import Actor, require_login
from booking.services import accounts, privacy


def client_key(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


class AccountController(Controller):
    path = "/api"
    tags = ["accounts"]

    @post("/register", sync_to_thread=True)
    def register(self, svc: Services, data: s.RegisterIn) -> s.PersonOut:
        with transaction(svc.db) as db:
            return convert.person(accounts.register_resident(
                db, email=data.email, password=data.password, display_name=data.display_name,
                language=data.language, now=svc.clock.now()))

    @post("/login", sync_to_thread=True, status_code=200)
    def login(self, svc: Services, request: Request[Any, Any, Any],
              data: s.LoginIn) -> s.TokenOut:
        """Exchange e-mail and password for a bearer token (throttled after failures)."""
        with transaction(svc.db) as db:
            result = accounts.login(db, email=data.email, password=data.password,
                                    client=client_key(request), kind="api",
                                    now=svc.clock.now(), settings=svc.settings)
            return s.TokenOut(token=result.token, token_type="Bearer",  # noqa: S106
                              expires_at=result.expires_at, person=convert.person(result.person))

    @post("/logout", sync_to_thread=True, status_code=204)
    def logout(self, svc: Services, request: Request[Any, Any, Any]) -> None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            with transaction(svc.db) as db:
                accounts.logout(db, header[7:].strip())

    @get("/me", sync_to_thread=True)
    def me(self, svc: Services, actor: Actor) -> s.PersonOut:
        with svc.read_db() as db:
            from booking.models import Person

            return convert.person(db.get_one(Person, require_login(actor)))

    @get("/me/export", sync_to_thread=True)
    def export(self, svc: Services, actor: Actor) -> dict[str, Any]:
        """Everything held about the caller (DSGVO Art. 15/20), as JSON."""
        with svc.read_db() as db:
            return privacy.export(db, actor)

    @delete("/me", sync_to_thread=True, status_code=204)
    def delete_me(self, svc: Services, actor: Actor) -> None:
        """Delete the caller's account; past bookings stay as anonymised records."""
        with transaction(svc.db) as db:
            privacy.delete_account(db, actor, svc.clock.now())
