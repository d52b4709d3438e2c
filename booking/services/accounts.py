"""Accounts: registration with a confirmed address, password rules and reset by mail, login
with throttling that cannot lock the owner out, cookie sessions and API tokens.

Registration answers the same whether or not the address has an account (and does the same
work: hash, token, mail), so it does not tell who is registered; the owner of a taken address
gets a mail instead. A registered person holds no role until they open the mailed link, so
they cannot request rooms before their address is confirmed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from booking import mailer
from booking.audit import record
from booking.errors import Conflict, InvalidInput, NotFound, RateLimited, Unauthorized
from booking.messages import Message
from booking.models import (
    AccountToken,
    AuthToken,
    Centre,
    LoginAttempt,
    LoginDevice,
    Person,
    PersonRole,
    Role,
)
from booking.security import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    new_token,
    token_digest,
    verify_password,
)
from booking.services.preferences import language_unknown
from booking.settings import Settings
from booking.translations import LANGUAGES

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise InvalidInput("email_invalid")
    return email


# zxcvbn scores below this mean fewer than 10^6 guesses: passwords on its list of passwords
# leaked in breaches, dictionary words, names, repetitions, sequences and keyboard rows.
_MIN_ZXCVBN_SCORE = 2
# zxcvbn's matching grows with the square of the length; it refuses more than 72 characters,
# and a longer password is not weak for its first 72 alone.
_ZXCVBN_MAX = 72

MAX_PASSWORD_LENGTH = 512


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """NIST SP 800-63B: at least 10 characters, and not a known or guessable password.

    The block list is zxcvbn's (Dropbox's estimator, maintained for Python): its frequency
    lists hold the 30,000 most common passwords of leaked breach corpora plus dictionary words
    and names, and it recognises repetitions, sequences and keyboard rows. The e-mail address,
    its local part and the name count as known words too (``user_inputs``)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password_too_short", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput("password_too_long", n=MAX_PASSWORD_LENGTH)
    personal = [w for w in (email.strip(), email.partition("@")[0].strip(), name.strip()) if w]
    if password.strip().casefold() in {w.casefold() for w in personal}:
        raise InvalidInput("password_personal")
    result = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=personal)
    if result["score"] >= _MIN_ZXCVBN_SCORE:
        return
    sources = {match.get("dictionary_name") for match in result["sequence"]}
    if "user_inputs" in sources:
        raise InvalidInput("password_personal")
    if sources & {"passwords", "english_wikipedia", "us_tv_and_film", "surnames",
                  "female_names", "male_names"}:
        raise InvalidInput("password_leaked")
    raise InvalidInput("password_guessable")


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
    confirmed: bool = True,
) -> Person:
    """A new account. Staff, the CLI and the demo vouch for the address (``confirmed``);
    self-registration goes through :func:`register` instead."""
    email = normalise_email(email)
    check_password(password, email=email, name=display_name)
    if language not in LANGUAGES:
        raise language_unknown()
    if session.scalar(select(Person.id).where(Person.email == email)) is not None:
        raise Conflict("email_taken")
    person = Person(email=email, password_hash=hash_password(password),
                    display_name=display_name.strip() or None, language=language, phone=phone,
                    created_at=now, email_confirmed_at=now if confirmed else None)
    person.roles = [PersonRole(role=str(role), centre_id=centre) for role, centre in roles]
    session.add(person)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent registration with the same address
        raise Conflict("email_taken") from exc
    record(session, now, actor_id or person.id, "person", person.id, "created",
           roles=[f"{r}@{c}" if c else str(r) for r, c in roles])
    return person


def register(session: Session, *, email: str, password: str, display_name: str, language: str,
             client: str, now: datetime, settings: Settings) -> Message:
    """Self-registration of a resident; returns the message to show, the same for a new and
    a taken address.

    New address: an account without roles and a mailed confirmation link. Taken address: the
    owner is told by mail that someone tried, with a link to set a new password. Both paths
    hash the password, make one link and queue one mail, so neither the answer nor its time
    tells the two apart.
    """
    email = normalise_email(email)
    check_password(password, email=email, name=display_name)
    if language not in LANGUAGES:
        raise language_unknown()
    _throttle_client(session, f"register:{client}", now, settings)
    password_hash = hash_password(password)
    existing = session.scalar(select(Person).where(Person.email == email))
    if existing is None:
        person = Person(email=email, password_hash=password_hash,
                        display_name=display_name.strip() or None, language=language,
                        created_at=now, email_confirmed_at=None)
        try:
            with session.begin_nested():
                session.add(person)
                session.flush()
        except IntegrityError:  # registered meanwhile by a concurrent request
            existing = session.scalar(select(Person).where(Person.email == email))
        else:
            record(session, now, person.id, "person", person.id, "registered")
            _send_confirmation(session, person, now, settings)
    if existing is not None:
        # Only a link to set a new password, even when the account is not confirmed yet: a
        # confirmation link would let the owner confirm an account that someone else made with
        # their address and a password of the other's choosing. Setting their own password
        # confirms the address too, and ends the other's sessions.
        mailer.enqueue(session, to=existing, kind=mailer.MailKind.ADDRESS_TAKEN, now=now,
                       context={"url": _link(session, existing, "reset", now, settings)})
    return Message("registered", {"email": email})


def _send_confirmation(session: Session, person: Person, now: datetime,
                       settings: Settings) -> None:
    mailer.enqueue(session, to=person, kind=mailer.MailKind.CONFIRM_ADDRESS, now=now,
                   context={"url": _link(session, person, "confirm", now, settings),
                            "hours": settings.confirm_link_hours})


# Pages the mailed links open (booking.web.pages); the token goes in the query.
LINK_PATHS = {"confirm": "/konto/bestaetigen", "reset": "/passwort/neu"}


def _link(session: Session, person: Person, purpose: str, now: datetime,
          settings: Settings) -> str:
    lifetime = (timedelta(hours=settings.confirm_link_hours) if purpose == "confirm"
                else timedelta(minutes=settings.reset_link_minutes))
    token = new_token()
    session.add(AccountToken(token_hash=token_digest(token), person_id=person.id,
                             purpose=purpose, created_at=now, expires_at=now + lifetime))
    return settings.link(f"{LINK_PATHS[purpose]}?token={quote(token)}")


def _use_link(session: Session, token: str, purpose: str, now: datetime) -> Person:
    """The person a mailed link belongs to; the link is used up. 400 with the reason when it
    is unknown, used or expired."""
    row = session.scalar(select(AccountToken).where(
        AccountToken.token_hash == token_digest(token.strip()), AccountToken.purpose == purpose)
        .with_for_update())
    if row is None:
        raise InvalidInput("link_invalid")
    if row.used_at is not None:
        raise InvalidInput("link_used")
    if row.expires_at <= now:
        raise InvalidInput("link_expired")
    person = session.get(Person, row.person_id)
    if person is None or person.deleted_at is not None:
        raise InvalidInput("link_invalid")
    row.used_at = now
    return person


def _confirmed(session: Session, person: Person, now: datetime) -> None:
    """The address is proven: a self-registered person becomes a resident."""
    if person.email_confirmed_at is not None:
        return
    person.email_confirmed_at = now
    if not person.roles:
        person.roles.append(PersonRole(role=str(Role.RESIDENT), centre_id=None))
    record(session, now, person.id, "person", person.id, "confirmed")


def confirm_address(session: Session, *, token: str, now: datetime) -> Person:
    person = _use_link(session, token, "confirm", now)
    _confirmed(session, person, now)
    return person


# Reset mails per address and hour; beyond, requests are answered alike but send nothing,
# so nobody can fill a mailbox with them.
_RESET_MAILS_PER_ADDRESS = 3


def request_password_reset(session: Session, *, email: str, client: str, now: datetime,
                           settings: Settings) -> Message:
    """Mail a single-use link to set a new password; the answer does not tell whether the
    address has an account."""
    email = normalise_email(email)
    _throttle_client(session, f"reset:{client}", now, settings)
    answer = Message("reset_requested", {"email": email, "n": settings.reset_link_minutes})
    person = session.scalar(select(Person).where(Person.email == email,
                                                 Person.deleted_at.is_(None)))
    key = f"reset-mail:{email}"[:300]
    if person is None or _recent_attempts(session, key, now - timedelta(hours=1)) >= \
            _RESET_MAILS_PER_ADDRESS:
        return answer
    session.add(LoginAttempt(key=key, at=now, success=True))
    mailer.enqueue(session, to=person, kind=mailer.MailKind.PASSWORD_RESET, now=now,
                   context={"url": _link(session, person, "reset", now, settings),
                            "minutes": settings.reset_link_minutes})
    return answer


def reset_password(session: Session, *, token: str, password: str, now: datetime) -> str:
    """Set a new password through a mailed link. Every session, API token, known device and
    other open link of the person ends; the address counts as confirmed (the link proved it).
    Returns a new device token: the client that reset the password is a known device, so it
    can log in even while others are throttled."""
    person = _use_link(session, token, "reset", now)
    check_password(password, email=person.email or "", name=person.display_name or "")
    person.password_hash = hash_password(password)
    _confirmed(session, person, now)
    session.execute(delete(AuthToken).where(AuthToken.person_id == person.id))
    session.execute(delete(LoginDevice).where(LoginDevice.person_id == person.id))
    session.execute(update(AccountToken)
                    .where(AccountToken.person_id == person.id, AccountToken.used_at.is_(None))
                    .values(used_at=now).execution_options(synchronize_session=False))
    record(session, now, person.id, "person", person.id, "password reset")
    return _new_device(session, person, now)


def _throttle_client(session: Session, key: str, now: datetime, settings: Settings) -> None:
    """Registration and reset requests send mail: at most so many per client address and
    hour. Only requests that would send one are counted."""
    key = key[:300]
    if _recent_attempts(session, key, now - timedelta(hours=1)) >= \
            settings.register_max_per_client:
        raise RateLimited("too_many_requests", extra={"retry_after": 3600})
    session.add(LoginAttempt(key=key, at=now, success=True))


def add_user(session: Session, *, email: str, password: str, display_name: str, role: Role,
             centre_slug: str | None, now: datetime) -> Person:
    """``raumplan user add``: staff and terminals belong to a centre, admins to none."""
    centre_id: int | None = None
    if role in (Role.STAFF, Role.TERMINAL, Role.CITY):
        if not centre_slug:
            raise InvalidInput("role_needs_centre", role=str(role))
        centre_id = session.scalar(select(Centre.id).where(Centre.slug == centre_slug))
        if centre_id is None:
            raise NotFound("no_centre_named", slug=centre_slug)
    return create_person(session, email=email, password=password, display_name=display_name,
                         now=now, roles=[(role, centre_id)])


@dataclass(frozen=True)
class Login:
    token: str
    csrf_token: str
    person: Person
    expires_at: datetime
    # The client's device token for this account (OWASP device cookie): send it with the
    # next login.
    device_token: str = ""


def _recent_attempts(session: Session, key: str, since: datetime) -> int:
    return session.scalar(
        select(func.count()).select_from(LoginAttempt)
        .where(LoginAttempt.key == key, LoginAttempt.at >= since)
    ) or 0


def _recent_failures(session: Session, key: str, since: datetime) -> int:
    return session.scalar(
        select(func.count()).select_from(LoginAttempt)
        .where(LoginAttempt.key == key, LoginAttempt.at >= since,
               LoginAttempt.success.is_(False))
    ) or 0


# A browser keeps the device tokens of the last few accounts logged in there (a shared
# computer at the centre); more than this are not looked at.
MAX_DEVICE_TOKENS = 8


def _known_device(session: Session, person: Person, tokens: Sequence[str], now: datetime,
                  settings: Settings) -> tuple[LoginDevice, str] | None:
    by_digest = {token_digest(t): t for t in list(tokens)[:MAX_DEVICE_TOKENS] if t}
    if not by_digest:
        return None
    device = session.scalar(select(LoginDevice).where(
        LoginDevice.token_hash.in_(list(by_digest)), LoginDevice.person_id == person.id,
        LoginDevice.last_used_at > now - timedelta(days=settings.login_device_days)))
    return None if device is None else (device, by_digest[device.token_hash])


# Known devices kept per person, the most recently used: a script that logs in without its
# device token makes a new one each time, and must not grow the table without end.
MAX_DEVICES_PER_PERSON = 20


def _new_device(session: Session, person: Person, now: datetime) -> str:
    token = new_token()
    session.add(LoginDevice(token_hash=token_digest(token), person_id=person.id,
                            created_at=now, last_used_at=now))
    session.flush()
    kept = (select(LoginDevice.id).where(LoginDevice.person_id == person.id)
            .order_by(LoginDevice.last_used_at.desc(), LoginDevice.id.desc())
            .limit(MAX_DEVICES_PER_PERSON))
    session.execute(delete(LoginDevice).where(LoginDevice.person_id == person.id,
                                              LoginDevice.id.not_in(kept.scalar_subquery())))
    return token


def login(session: Session, *, email: str, password: str, kind: str,
          now: datetime, settings: Settings, device_tokens: Sequence[str] = ()) -> Login:
    """Check the password and open a session or API token.

    Throttling follows OWASP's device-cookie scheme. A client that shows a device token of
    this account (it logged in here before) is judged on its own failures only: past
    ``login_device_max_failures`` in the window that device gets 429. Every other client
    shares the account's budget of ``login_max_failures`` per window, whatever its address,
    and the owner is mailed when it runs out; the owner's known devices still log in. Past a
    limit the answer is 429 whatever the password, so guessing is throttled even for a
    correct one. There is no limit per client address: it would lock out every resident
    behind a shared one (the centre's public computer, a flat's router) and does not bound an
    attacker with many addresses; the refused common passwords make spraying one guess over
    many accounts unrewarding.

    The person's row is locked for the check, so concurrent guesses cannot overrun a budget.
    """
    email = email.strip().lower()[:254]
    window = timedelta(minutes=settings.login_window_minutes)
    person = session.scalar(select(Person).where(Person.email == email).with_for_update())
    known = _known_device(session, person, device_tokens, now, settings) if person else None
    if known is not None:
        key, limit = f"device:{known[0].id}", settings.login_device_max_failures
    else:
        key, limit = f"account:{email}"[:300], settings.login_max_failures
    failures = _recent_failures(session, key, now - window)
    if failures >= limit:
        raise RateLimited("too_many_logins", n=settings.login_window_minutes,
                          extra={"retry_after": settings.login_window_minutes * 60})
    ok = verify_password(person.password_hash if person else None, password)
    if not ok or person is None:
        # The failed attempt is counted even though the request fails.
        session.add(LoginAttempt(key=key, at=now, success=False))
        if known is None and person is not None and failures + 1 == limit:
            mailer.enqueue(session, to=person, kind=mailer.MailKind.LOGIN_FAILURES, now=now,
                           context={"failures": limit, "minutes": settings.login_window_minutes,
                                    "url": settings.link("/passwort-vergessen")})
        raise Unauthorized("login_wrong", keep_changes=True)
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(days=1)))
    if known is not None:
        known[0].last_used_at = now
        device_token = known[1]
    else:
        session.execute(delete(LoginDevice).where(
            LoginDevice.person_id == person.id,
            LoginDevice.last_used_at < now - timedelta(days=settings.login_device_days)))
        device_token = _new_device(session, person, now)
    result = open_token(session, person, kind=kind, now=now, settings=settings)
    return Login(token=result.token, csrf_token=result.csrf_token, person=person,
                 expires_at=result.expires_at, device_token=device_token)


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
