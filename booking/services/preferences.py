"""What a person chooses for themselves and the service remembers: their language and their
password."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from booking.audit import record
from booking.errors import InvalidInput, RateLimited
from booking.models import AuthToken, LoginAttempt, Person
from booking.security import hash_password, token_digest, verify_password
from booking.translations import LANGUAGES


def language_unknown() -> InvalidInput:
    return InvalidInput("language_unknown", languages=", ".join(LANGUAGES))

def set_language(session: Session, person_id: int, language: str) -> None:
    """Pages and mails use ``language`` for this person from now on."""
    if language not in LANGUAGES:
        raise language_unknown()
    session.execute(update(Person).where(Person.id == person_id, Person.deleted_at.is_(None))
                    .values(language=language))


def set_access_code_by_mail(session: Session, person_id: int, wanted: bool,
                            now: datetime) -> None:
    """Whether door codes issued to this person are also mailed to them (issue 12 §1): off by
    default, so a code is shown only in the answer and on their page. A mail is a copy of the
    code outside the service (in the mailbox and every server it passes), so it is the holder's
    choice, made once for their account rather than on each request: the code is issued when
    staff confirm, when the holder is not there to be asked."""
    session.execute(update(Person).where(Person.id == person_id, Person.deleted_at.is_(None))
                    .values(access_code_by_mail=wanted))
    record(session, now, person_id, "person", person_id, "access code by mail",
           wanted=wanted)


# Asking for the current password again is a password check like a login: someone who finds
# a browser left logged in must not try passwords here without limit. The same budget as one
# known device at the login (issue 6 §3), counted per person.
REAUTH_MAX_FAILURES = 5
REAUTH_WINDOW = timedelta(minutes=20)


def check_own_password(session: Session, person_id: int, password: str,
                       now: datetime) -> Person:
    """The person, if ``password`` is theirs: asked again before a change that cannot be
    undone by whoever finds a browser left logged in (a new password, deleting the account).
    Past :data:`REAUTH_MAX_FAILURES` wrong answers in :data:`REAUTH_WINDOW` the answer is 429,
    whatever the password."""
    key = f"reauth:{person_id}"
    failures = session.scalar(
        select(func.count()).select_from(LoginAttempt)
        .where(LoginAttempt.key == key, LoginAttempt.at >= now - REAUTH_WINDOW,
               LoginAttempt.success.is_(False))) or 0
    if failures >= REAUTH_MAX_FAILURES:
        minutes = int(REAUTH_WINDOW.total_seconds() // 60)
        raise RateLimited("too_many_logins", n=minutes, extra={"retry_after": minutes * 60})
    person = session.get(Person, person_id)
    if person is None or person.deleted_at is not None or \
            not verify_password(person.password_hash, password):
        # Counted although the request fails (the failure is all this transaction keeps).
        session.add(LoginAttempt(key=key, at=now, success=False))
        raise InvalidInput("wrong_current_password", keep_changes=True)
    return person


def change_password(session: Session, person_id: int, *, current: str, new: str,
                    keep_token: str | None, now: datetime) -> None:
    """A new password, given the current one. Every other session and API token of the person
    ends (someone who knew the old password is logged out); the one of ``keep_token`` stays."""
    # Imported here: accounts imports this module (LANGUAGE_MESSAGE).
    from booking.services.accounts import check_password

    person = check_own_password(session, person_id, current, now)
    check_password(new, email=person.email or "", name=person.display_name or "")
    person.password_hash = hash_password(new)
    ended = delete(AuthToken).where(AuthToken.person_id == person_id)
    if keep_token is not None:
        ended = ended.where(AuthToken.token_hash != token_digest(keep_token))
    session.execute(ended)
    record(session, now, person_id, "person", person_id, "password changed")
