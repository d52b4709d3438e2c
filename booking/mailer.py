"""Mail for the rental workflow: what residents and staff are told, and how it gets to them.

A mail is rendered and added to the outbox (:class:`~booking.models.mail.OutboxMail`) in the
same transaction as the change it reports, so a rolled-back request never mails and a commit
never loses one. Sending happens afterwards, outside any request transaction:
:func:`dispatch_pending` claims each row in its own short transaction (so two worker processes
never send the same mail twice) and delivers it by SMTP, or — with no SMTP host configured —
writes it as an ``.eml`` file into the outbox folder so the demo needs no mail server.
:func:`install_after_commit_dispatch` runs the dispatcher on a background thread whenever a
transaction that queued mail commits.

Delivery is at least once: a worker that dies between handing a mail to the server and
marking it sent leaves the claim to expire, and the mail goes out again after
``CLAIM_TIMEOUT``. The Message-ID is derived from the outbox row, so the copies are
recognisably the same message.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import smtplib
import ssl
import textwrap
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from enum import StrEnum
from pathlib import Path
from typing import Final, cast

from jinja2 import Environment, FileSystemLoader, Undefined
from sqlalchemy import Table, event, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from booking.db import transaction
from booking.messages import SAID, say
from booking.models.mail import OutboxMail
from booking.models.persons import Person
from booking.settings import Settings
from booking.timeutil import require_aware
from booking.translations import pick_language, translations

log = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died mid-send; another may take the mail.
CLAIM_TIMEOUT: Final = timedelta(minutes=10)
SMTP_TIMEOUT_SECONDS: Final = 30.0
# Set in ``session.info`` by enqueue; read (and cleared) by the after-commit listener.
_QUEUED_FLAG: Final = "raumplan_mail_queued"
_MAX_ERROR_CHARS: Final = 2000
_MAX_SUBJECT_CHARS: Final = 300


class MailKind(StrEnum):
    REQUEST_RECEIVED = "request_received"
    REQUEST_CONFIRMED = "request_confirmed"
    REQUEST_DECLINED = "request_declined"
    REQUEST_CANCELLED = "request_cancelled"
    STAFF_NEW_REQUEST = "staff_new_request"
    # Accounts (booking.services.accounts)
    CONFIRM_ADDRESS = "confirm_address"
    ADDRESS_TAKEN = "address_taken"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a mail kind, not a password
    LOGIN_FAILURES = "login_failures"
    # Series (booking.services.series)
    SERIES_DATES_LOST = "series_dates_lost"
    # Door access (booking.services.access)
    ACCESS_METHOD_CHANGED = "access_method_changed"
    ACCESS_CODE = "access_code"  # the code itself, only if the holder chose so
    # The term's allocation (booking.services.term_publish): its lines come rendered from
    # message codes in the recipient's language; the template only lays them out.
    TERM_RESULT = "term_result"


# ---------------------------------------------------------------------------------------------
# Texts: one Jinja2 template per kind in ``booking/mail_templates``, its sentences German msgids
# in ``{% trans %}`` blocks, said in the recipient's language through the gettext catalogues
# (``booking.translations``; ``python -m booking.translations`` extracts them). The default
# Undefined: a missing context key renders as empty text and is false in an ``{% if %}``, so a
# caller that lacks e.g. the fee still gets a sensible mail. A template's first line is the
# subject, the rest the body; names starting with "_" are pieces the mails include.

TEMPLATE_DIR: Final = Path(__file__).parent / "mail_templates"
# Plain-text lines stay short enough for every mail reader; a link is never broken.
_LINE_WIDTH: Final = 76


@functools.lru_cache(maxsize=1024)
def _paragraph(text: str) -> str:
    # The paragraphs are the templates' own sentences in each language: the same few texts
    # wrapped again for every mail (a confirmation's mail is rendered inside its request).
    return textwrap.fill(" ".join(text.split()), width=_LINE_WIDTH, break_long_words=False,
                         break_on_hyphens=False)


_env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    undefined=Undefined,
    # Plain-text mail, not HTML: escaping would corrupt names like "Müller & Söhne".
    autoescape=False,  # noqa: S701
    keep_trailing_newline=True,
    extensions=["jinja2.ext.i18n"],
    # The templates ship with the code: no file system check of each one at every render.
    auto_reload=False,
)
_env.filters["para"] = _paragraph


def render(kind: MailKind, language: str, context: Mapping[str, object]) -> tuple[str, str]:
    """Subject and body of a mail of ``kind`` in ``language`` (German if unknown).

    Values that need the language to be written (a :class:`~booking.messages.Span` of time in
    the centre's zone, :class:`~booking.messages.Money`, a nested message) are written here, in
    the recipient's locale; a ``reason`` that is a msgid (the automatic one when another request
    won the room) is translated, one a person wrote stays as written."""
    lang = pick_language(language)
    catalogue = translations(lang)
    # Jinja's Undefined covers absent keys; None is treated the same way.
    values: dict[str, object] = {key: say(value, lang) if isinstance(value, SAID) else value
                                 for key, value in context.items() if value is not None}
    if isinstance(values.get("reason"), str):
        values["reason"] = catalogue.gettext(str(values["reason"]))
    values.update(gettext=catalogue.gettext, ngettext=catalogue.ngettext)
    text = _env.get_template(f"{MailKind(kind).value}.txt").render(values)
    subject_line, _, body = text.partition("\n")
    subject = " ".join(subject_line.split())[:_MAX_SUBJECT_CHARS]
    # Optional sections that rendered empty would leave gaps of several blank lines.
    body = re.sub(r"\n{3,}", "\n\n", body.strip("\n"))
    return subject, body + "\n"


# ---------------------------------------------------------------------------------------------
# Queueing: inside the caller's transaction.

# Where a session's mails link to (Settings.base_url), carried in ``Session.info``.
_LINK_BASE: Final = "raumplan_link_base"


def use_link_base(session_factory: sessionmaker[Session], base_url: str) -> None:
    """Mails queued through this factory's sessions turn a ``path`` in their context into an
    absolute ``url`` on ``base_url`` (the app factory sets it from the settings)."""
    session_factory.kw.setdefault("info", {})[_LINK_BASE] = base_url.rstrip("/")


def enqueue(
    session: Session,
    *,
    to: Person,
    kind: MailKind,
    now: datetime,
    context: Mapping[str, object],
    erase_after_send: bool = False,
) -> OutboxMail | None:
    """Queue a mail to ``to`` in the session's transaction; ``None`` if they have no address.

    The templates greet the person by their display name (``recipient``); the staff mail
    may name the resident who asked as ``requester``. ``erase_after_send``: the body holds a
    secret (a door code) and is blanked in the outbox once the mail is sent.
    """
    values = _outbox_values(session, to, kind, now, context, erase_after_send)
    if values is None:
        return None
    mail = OutboxMail(**values)
    session.add(mail)
    session.info[_QUEUED_FLAG] = True
    return mail


def enqueue_now(
    session: Session,
    *,
    to: Person,
    kind: MailKind,
    now: datetime,
    context: Mapping[str, object],
) -> bool:
    """:func:`enqueue`, with the outbox row inserted at once by one statement instead of by
    the unit of work at the next flush (whose pass costs more CPU than the insert: the rental
    confirmation writes without it). ``False`` if the person has no address."""
    values = _outbox_values(session, to, kind, now, context, False)
    if values is None:
        return False
    session.execute(_INSERT_MAIL, values)
    session.info[_QUEUED_FLAG] = True
    return True


_INSERT_MAIL: Final = insert(cast(Table, OutboxMail.__table__))


def _outbox_values(session: Session, to: Person, kind: MailKind, now: datetime,
                   context: Mapping[str, object],
                   erase_after_send: bool) -> dict[str, object] | None:
    """The outbox row of a mail to ``to``, rendered in their language."""
    if not to.email or to.deleted_at is not None:
        return None
    values: dict[str, object] = {"recipient": to.display_name or ""}
    values.update(context)
    base = session.info.get(_LINK_BASE)
    if "url" not in values and isinstance(values.get("path"), str) and base:
        values["url"] = f"{base}{values['path']}"
    language = pick_language(to.language)
    subject, body = render(kind, language, values)
    if to.id is None:
        session.flush()  # a person created in this same transaction needs its id
    return {"created_at": require_aware(now, "mail time"), "person_id": to.id,
            "to_address": to.email, "subject": subject, "body": body, "language": language,
            "attempts": 0, "erase_after_send": erase_after_send}


# ---------------------------------------------------------------------------------------------
# Sending: after the commit, outside any request transaction.


@dataclass(frozen=True)
class _Claimed:
    id: int
    created_at: datetime
    to_address: str
    subject: str
    body: str
    language: str = "de"


def build_message(mail: _Claimed, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at)
    # Derived from the row, so a resend after a crash carries the same id (receivers dedupe).
    message["Message-ID"] = (
        f"<raumplan.{mail.id}.{int(mail.created_at.timestamp())}@{_sender_domain(settings)}>"
    )
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to us
    # Quoted-printable keeps the message 7-bit clean for any relay on the way.
    message.set_content(mail.body, charset="utf-8", cte="quoted-printable")
    # RFC 3282, after set_content (which drops Content-* headers): mail readers and screen
    # readers pick the language (and Arabic's direction) from it.
    message["Content-Language"] = mail.language
    return message


def _sender_domain(settings: Settings) -> str:
    address = parseaddr(settings.mail_from)[1]
    domain = address.rpartition("@")[2]
    return domain or "localhost"


class _Transport:
    """Delivers messages: one SMTP connection per dispatch run, or files in the outbox."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage, mail: _Claimed) -> None:
        if self._settings.smtp_host:
            self._connection().send_message(message)
        else:
            self._write_file(message, mail)

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            s = self._settings
            host = s.smtp_host or ""
            smtp: smtplib.SMTP
            if s.smtp_port == 465:  # implicit TLS ("SMTPS"); STARTTLS is for 587/25
                smtp = smtplib.SMTP_SSL(
                    host,
                    s.smtp_port,
                    timeout=SMTP_TIMEOUT_SECONDS,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(host, s.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
            try:
                if s.smtp_starttls and s.smtp_port != 465:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password or "")
            except BaseException:
                _close_quietly(smtp)
                raise
            self._smtp = smtp
        return self._smtp

    def _write_file(self, message: EmailMessage, mail: _Claimed) -> None:
        folder = Path(self._settings.outbox_dir)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{mail.created_at:%Y%m%dT%H%M%SZ}-{mail.id:06d}.eml"
        # Written beside and renamed, so a reader never sees half a file.
        partial = folder / f".{name}.part"
        partial.write_bytes(message.as_bytes(policy=policy.SMTP))
        os.replace(partial, folder / name)

    def reset(self) -> None:
        """Drop the connection after an error; the next send opens a fresh one."""
        if self._smtp is not None:
            _close_quietly(self._smtp)
            self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                _close_quietly(self._smtp)
            self._smtp = None


def _close_quietly(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except OSError:
        pass


_BATCH = 50


def _claim(
    session_factory: sessionmaker[Session], mail_ids: list[int], claimed_at: datetime
) -> list[_Claimed]:
    """Take a batch of mails for this worker, in one short transaction; mails another worker
    has claimed are left out. One transaction per batch, not per mail: under a stream of
    confirmations each mail's own claim and mark cost as much as the confirmation itself."""
    with transaction(session_factory) as session:
        rows = session.execute(
            update(OutboxMail)
            .where(
                OutboxMail.id.in_(mail_ids),
                OutboxMail.sent_at.is_(None),
                or_(
                    OutboxMail.claimed_at.is_(None),
                    OutboxMail.claimed_at < claimed_at - CLAIM_TIMEOUT,
                ),
            )
            .values(claimed_at=claimed_at)
            .returning(
                OutboxMail.id,
                OutboxMail.created_at,
                OutboxMail.to_address,
                OutboxMail.subject,
                OutboxMail.body,
                OutboxMail.language,
            )
            .execution_options(synchronize_session=False)
        ).all()
    claimed = [
        _Claimed(
            id=row.id,
            created_at=row.created_at,
            to_address=row.to_address,
            subject=row.subject,
            body=row.body,
            language=row.language,
        )
        for row in rows
    ]
    return sorted(claimed, key=lambda mail: mail.id)


def _mark_sent(
    session_factory: sessionmaker[Session], mail_ids: list[int], sent_at: datetime
) -> None:
    if not mail_ids:
        return
    with transaction(session_factory) as session:
        session.execute(
            update(OutboxMail)
            .where(OutboxMail.id.in_(mail_ids))
            .values(sent_at=sent_at)
            .execution_options(synchronize_session=False)
        )
        # A mail that carried a door code keeps its subject and address for the record, never
        # the code: once the mail server has it, the outbox forgets it.
        session.execute(
            update(OutboxMail)
            .where(OutboxMail.id.in_(mail_ids), OutboxMail.erase_after_send.is_(True))
            .values(body="")
            .execution_options(synchronize_session=False)
        )


def _mark_failed(
    session_factory: sessionmaker[Session], mail_id: int, claimed_at: datetime, error: str
) -> None:
    with transaction(session_factory) as session:
        session.execute(
            update(OutboxMail)
            # Only release our own claim: if it expired and another worker took the mail,
            # that worker's claim stays.
            .where(OutboxMail.id == mail_id, OutboxMail.claimed_at == claimed_at)
            .values(
                attempts=OutboxMail.attempts + 1,
                last_error=error[:_MAX_ERROR_CHARS],
                claimed_at=None,
            )
            .execution_options(synchronize_session=False)
        )


def _release(
    session_factory: sessionmaker[Session], mail_ids: list[int], claimed_at: datetime
) -> None:
    """Give back claimed mails that were not tried: the next dispatch takes them at once
    instead of after ``CLAIM_TIMEOUT``."""
    if not mail_ids:
        return
    with transaction(session_factory) as session:
        session.execute(
            update(OutboxMail)
            .where(
                OutboxMail.id.in_(mail_ids),
                OutboxMail.claimed_at == claimed_at,
                OutboxMail.sent_at.is_(None),
            )
            .values(claimed_at=None)
            .execution_options(synchronize_session=False)
        )


# The batches this process has claimed and not finished (claim time → mail ids), so a
# stopping worker can give back what a stuck send still holds.
_held: dict[datetime, list[int]] = {}
_held_lock = threading.Lock()


def hand_back_claims(session_factory: sessionmaker[Session]) -> None:
    """Give back every mail this process still holds unsent (a stopping worker whose send is
    stuck): the mails stay in the outbox and the next worker sends them."""
    with _held_lock:
        held = list(_held.items())
        _held.clear()
    for claimed_at, mail_ids in held:
        _release(session_factory, mail_ids, claimed_at)


def dispatch_pending(
    session_factory: sessionmaker[Session],
    settings: Settings,
    now: Callable[[], datetime],
    stop: threading.Event | None = None,
) -> int:
    """Send every unsent mail once; return how many were sent.

    Each mail is claimed, sent and marked in separate short transactions, so the database is
    never held while talking to a mail server, and concurrent dispatchers (threads or
    processes) skip mails another has claimed. A failed mail keeps ``sent_at`` empty, counts
    the attempt, and is tried again by the next dispatch. Once ``stop`` is set no further
    mail is tried, and the claimed ones not tried are given back.
    """
    with session_factory() as session:
        ids = list(
            session.scalars(
                select(OutboxMail.id).where(OutboxMail.sent_at.is_(None)).order_by(OutboxMail.id)
            )
        )
    if not ids:
        return 0
    sent = 0
    transport = _Transport(settings)
    try:
        for first in range(0, len(ids), _BATCH):
            if stop is not None and stop.is_set():
                break
            claimed_at = require_aware(now(), "clock")
            done: list[int] = []
            untried: list[int] = []
            try:
                batch = _claim(session_factory, ids[first : first + _BATCH], claimed_at)
                untried = [mail.id for mail in batch]
                with _held_lock:
                    _held[claimed_at] = untried
                for mail in batch:
                    if stop is not None and stop.is_set():
                        break
                    try:
                        transport.send(build_message(mail, settings), mail)
                    except Exception as exc:
                        # Any failure (refused connection, rejected recipient, full disk) stays
                        # with this one mail; the others still get their chance.
                        log.warning("mail %s to %s not sent: %s", mail.id, mail.to_address, exc)
                        transport.reset()
                        _mark_failed(
                            session_factory, mail.id, claimed_at, f"{type(exc).__name__}: {exc}"
                        )
                        untried.remove(mail.id)
                        continue
                    done.append(mail.id)
                    untried.remove(mail.id)
            finally:
                _mark_sent(session_factory, done, require_aware(now(), "clock"))
                with _held_lock:
                    _held.pop(claimed_at, None)
                _release(session_factory, untried, claimed_at)
            sent += len(done)
    finally:
        transport.close()
    return sent


# ---------------------------------------------------------------------------------------------
# After-commit dispatch.


class _BackgroundDispatcher:
    """At most one dispatch thread per session factory; wake-ups during a run cause one more
    run rather than another thread."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings,
        now: Callable[[], datetime],
    ) -> None:
        self._session_factory = session_factory
        self._settings = settings
        self._now = now
        self._lock = threading.Lock()
        self._wanted = False
        self._running = False

    def wake(self) -> None:
        with self._lock:
            self._wanted = True
            if self._running:
                return
            self._running = True
        threading.Thread(target=self._run, name="raumplan-mail", daemon=True).start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._wanted:
                    self._running = False
                    return
                self._wanted = False
            try:
                dispatch_pending(self._session_factory, self._settings, self._now)
            except Exception:
                # E.g. the database is briefly unreachable; the mails stay queued for the
                # next commit's dispatch or a periodic sweep.
                log.exception("mail dispatch failed")


# Marks a factory that already has the listeners (kept on the factory itself, so a discarded
# factory takes its dispatcher with it).
_INSTALLED_ATTR: Final = "_raumplan_mail_dispatcher"


def install_after_commit_dispatch(
    session_factory: sessionmaker[Session],
    settings: Settings,
    now: Callable[[], datetime],
) -> None:
    """Send queued mail on a background thread after each commit that queued some.

    Nothing happens for a rolled-back transaction (its mails never reached the table), and
    nothing at all when ``settings.mail_send_after_commit`` is off. Installing twice on the
    same factory is a no-op.
    """
    if not settings.mail_send_after_commit or hasattr(session_factory, _INSTALLED_ATTR):
        return
    dispatcher = _BackgroundDispatcher(session_factory, settings, now)
    setattr(session_factory, _INSTALLED_ATTR, dispatcher)

    def after_commit(session: Session) -> None:
        if session.info.pop(_QUEUED_FLAG, False):
            dispatcher.wake()

    def after_rollback(session: Session) -> None:
        session.info.pop(_QUEUED_FLAG, None)

    event.listen(session_factory, "after_commit", after_commit)
    event.listen(session_factory, "after_rollback", after_rollback)
