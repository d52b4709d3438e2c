"""API: registration with a mailed confirmation link, password reset by mail, login (bearer
tokens and device tokens), the caller's own data (DSGVO export, deletion)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, delete, get, post
from sqlalchemy.orm import Session

from booking.api import convert
from booking.api import schemas as s
from booking.api.problems import answer_language
from booking.deps import Services
from booking.permissions import Actor, require_login
from booking.services import accounts, privacy


def client_key(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


class AccountController(Controller):
    path = "/api"
    tags = ["accounts"]

    @post("/register", sync_to_thread=True, status_code=202)
    def register(self, svc: Services, db: Session, now: datetime,
                 request: Request[Any, Any, Any], data: s.RegisterIn) -> s.Accepted:
        """Register as a resident. The answer is the same whether or not the address has an
        account; a link to confirm the address comes by mail, and rooms can be requested once
        it is opened (``POST /api/register/confirm``). Throttled per client."""
        return convert.accepted(accounts.register(
            db, email=data.email, password=data.password, display_name=data.display_name,
            language=data.language, client=client_key(request), now=now,
            settings=svc.settings), answer_language(request, data.language))

    @post("/register/confirm", sync_to_thread=True, status_code=200)
    def confirm(self, db: Session, now: datetime, data: s.ConfirmIn) -> s.PersonOut:
        """Confirm the address with the token of the mailed link (single use, expires)."""
        return convert.person(accounts.confirm_address(db, token=data.token,
                                                       now=now))

    @post("/password-reset", sync_to_thread=True, status_code=202)
    def request_reset(self, svc: Services, db: Session, now: datetime,
                      request: Request[Any, Any, Any], data: s.ResetRequestIn) -> s.Accepted:
        """Mail a link to set a new password (the answer does not tell whether the address
        has an account). Throttled per client."""
        return convert.accepted(accounts.request_password_reset(
            db, email=data.email, client=client_key(request), now=now,
            settings=svc.settings), answer_language(request))

    @post("/password-reset/confirm", sync_to_thread=True, status_code=200)
    def reset(self, db: Session, now: datetime, data: s.ResetIn) -> s.ResetOut:
        """Set a new password with the mailed link's token (single use, expires). Ends every
        session and token of the account; the answer's device token marks this client as
        known for the next login."""
        device = accounts.reset_password(db, token=data.token, password=data.password,
                                         now=now)
        return s.ResetOut(detail="The new password is set. Please log in with it.",
                          device_token=device)

    @post("/login", sync_to_thread=True, status_code=200)
    def login(self, svc: Services, db: Session, now: datetime, data: s.LoginIn) -> s.TokenOut:
        """Exchange e-mail and password for a bearer token. Failed logins are throttled per
        account; a client that sends the ``device_token`` of an earlier login is judged on its
        own failures only."""
        result = accounts.login(db, email=data.email, password=data.password, kind="api",
                                now=now, settings=svc.settings,
                                device_tokens=[data.device_token] if data.device_token
                                else [])
        return s.TokenOut(token=result.token, token_type="Bearer",  # noqa: S106
                          expires_at=result.expires_at, person=convert.person(result.person),
                          device_token=result.device_token)

    @post("/logout", sync_to_thread=True, status_code=204)
    def logout(self, db: Session, request: Request[Any, Any, Any]) -> None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            accounts.logout(db, header[7:].strip())

    @get("/me", sync_to_thread=True)
    def me(self, read_db: Session, actor: Actor) -> s.PersonOut:
        from booking.models import Person

        return convert.person(read_db.get_one(Person, require_login(actor)))

    @get("/me/export", sync_to_thread=True)
    def export(self, read_db: Session, actor: Actor) -> dict[str, Any]:
        """Everything held about the caller (DSGVO Art. 15/20), as JSON."""
        return privacy.export(read_db, actor)

    @delete("/me", sync_to_thread=True, status_code=204)
    def delete_me(self, db: Session, now: datetime, actor: Actor) -> None:
        """Delete the caller's account; past bookings stay as anonymised records."""
        privacy.delete_account(db, actor, now)
