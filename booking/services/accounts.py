"""Accounts: registration, login with throttling, cookie sessions and API tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking.audit import record
from booking.errors import Conflict, InvalidInput, NotFound, RateLimited, Unauthorized
from booking.models import AuthToken, Centre, LoginAttempt, Person, PersonRole, Role
from booking.security import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    new_token,
    token_digest,
    verify_password,
)
from booking.settings import Settings

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise InvalidInput("Please give a valid e-mail address, e.g. name@example.org.")
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > 512:
        raise InvalidInput("The password may have at most 512 characters.")


def create_person(
    session: Session,
    *,
    email: str,
    password: str,
    display_name: str,
    now: datetime,
    roles: list[tuple[Role, int | None]],
    language: str = "de",
    phone: str | None = None,
    actor_id: int | None = None,
) -> Person:
    email = normalise_email(email)
    check_password(password)
    if language not in ("de", "en"):
        raise InvalidInput("The language must be 'de' or 'en'.")
    if session.scalar(select(Person.id).where(Person.email == email)) is not None:
        raise Conflict("An account with this e-mail address exists already.")
    person = Person(email=email, password_hash=hash_password(password),
                    display_name=display_name.strip() or None, language=language, phone=phone,
                    created_at=now)
    person.roles = [PersonRole(role=str(role), centre_id=centre) for role, centre in roles]
    session.add(person)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent registration with the same address
        raise Conflict("An account with this e-mail address exists already.") from exc
    record(session, now, actor_id or person.id, "person", person.id, "created",
           roles=[f"{r}@{c}" if c else str(r) for r, c in roles])
    return person


def register_resident(session: Session, *, email: str, password: str, display_name: str,
                      language: str, now: datetime) -> Person:
    return create_person(session, email=email, password=password, display_name=display_name,
                         now=now, roles=[(Role.RESIDENT, None)], language=language)


def add_user(session: Session, *, email: str, password: str, display_name: str, role: Role,
             centre_slug: str | None, now: datetime) -> Person:
    """``raumplan user add``: staff and terminals belong to a centre, admins to none."""
    centre_id: int | None = None
    if role in (Role.STAFF, Role.TERMINAL, Role.CITY):
        if not centre_slug:
            raise InvalidInput(f"A {role} account needs --centre.")
        centre_id = session.scalar(select(Centre.id).where(Centre.slug == centre_slug))
        if centre_id is None:
            raise NotFound(f"There is no centre {centre_slug!r}.")
    return create_person(session, email=email, password=password, display_name=display_name,
                         now=now, roles=[(role, centre_id)])


@dataclass(frozen=True)
class Login:
    token: str
    csrf_token: str
    person: Person
    expires_at: datetime


def _recent_failures(session: Session, key: str, since: datetime) -> int:
    return session.scalar(
        select(func.count()).select_from(LoginAttempt)
        .where(LoginAttempt.key == key, LoginAttempt.at >= since,
               LoginAttempt.success.is_(False))
    ) or 0


def login(session: Session, *, email: str, password: str, client: str, kind: str,
          now: datetime, settings: Settings) -> Login:
    """Check the password and open a session or API token.

    Failures are counted per address and per client; past the limit the answer is 429 for the
    rest of the window, whatever the password, so guessing is throttled even for a correct one.
    A client (one address, such as the centre's public computer) may fail four times as often
    as one account before it is throttled, so one resident's typos do not lock out the next.
    """
    email = email.strip().lower()[:254]
    since = now - timedelta(minutes=settings.login_window_minutes)
    keys = [f"email:{email}", f"client:{client}"[:300]]
    limits = {keys[0]: settings.login_max_failures, keys[1]: 4 * settings.login_max_failures}
    for key in keys:
        if _recent_failures(session, key, since) >= limits[key]:
            raise RateLimited(
                f"Too many failed logins. Please wait {settings.login_window_minutes} minutes "
                "and try again.",
                retry_after=settings.login_window_minutes * 60,
            )
    person = session.scalar(select(Person).where(Person.email == email))
    ok = verify_password(person.password_hash if person else None, password)
    for key in keys:
        session.add(LoginAttempt(key=key, at=now, success=ok))
    if not ok or person is None:
        # The failed attempt is counted even though the request fails.
        raise Unauthorized("E-mail address or password is wrong.", keep_changes=True)
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(days=1)))
    return open_token(session, person, kind=kind, now=now, settings=settings)


def open_token(session: Session, person: Person, *, kind: str, now: datetime,
               settings: Settings) -> Login:
    token, csrf = new_token(), new_token()
    lifetime = (timedelta(hours=settings.session_hours) if kind == "session"
                else timedelta(days=settings.api_token_days))
    session.add(AuthToken(token_hash=token_digest(token), person_id=person.id, kind=kind,
                          csrf_token=csrf, created_at=now, expires_at=now + lifetime))
    session.execute(delete(AuthToken).where(AuthToken.expires_at < now))
    return Login(token=token, csrf_token=csrf, person=person, expires_at=now + lifetime)


def authenticate(session: Session, token: str, kind: str,
                 now: datetime) -> tuple[Person, AuthToken] | None:
    row = session.scalar(select(AuthToken).where(AuthToken.token_hash == token_digest(token),
                                                 AuthToken.kind == kind))
    if row is None or row.expires_at <= now:
        return None
    person = session.get(Person, row.person_id)
    if person is None or person.deleted_at is not None:
        return None
    return person, row


def logout(session: Session, token: str) -> None:
    session.execute(delete(AuthToken).where(AuthToken.token_hash == token_digest(token)))
