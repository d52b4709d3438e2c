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

import logging
import os
import re
import smtplib
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from enum import StrEnum
from pathlib import Path
from typing import Final

from jinja2 import DictLoader, Environment, Undefined
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from booking.db import transaction
from booking.models.mail import OutboxMail
from booking.models.persons import Person
from booking.settings import Settings
from booking.timeutil import require_aware

log = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died mid-send; another may take the mail.
CLAIM_TIMEOUT: Final = timedelta(minutes=10)
SMTP_TIMEOUT_SECONDS: Final = 30.0
LANGUAGES: Final = ("de", "en")
DEFAULT_LANGUAGE: Final = "de"
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
    # Door access (booking.services.access)
    ACCESS_METHOD_CHANGED = "access_method_changed"


# ---------------------------------------------------------------------------------------------
# Texts. Jinja2 with the default Undefined: a missing context key renders as empty text and is
# false in an ``{% if %}``, so a caller that lacks e.g. the fee still gets a sensible mail.
# Each mail template's first line is the subject, the rest the body. Names starting with "_"
# are pieces the mails include.

_TEMPLATES: Final[dict[str, str]] = {
    "_subject_detail": (
        "{% if room %} – {{ room }}{% endif %}{% if when %}, {{ when }}{% endif %}"
    ),
    # -- German ---------------------------------------------------------------------------
    "de/_greeting": "{% if recipient %}Hallo {{ recipient }},{% else %}Guten Tag,{% endif %}",
    "de/_details": """\
{% if booking_id %}Anfrage-Nr.:  {{ booking_id }}
{% endif %}{% if room %}Raum:         {{ room }}{% if centre %} ({{ centre }}){% endif %}
{% endif %}{% if when %}Zeit:         {{ when }}
{% endif %}{% if purpose %}Anlass:       {{ purpose }}
{% endif %}{% if people %}Personen:     {{ people }}
{% endif %}""",
    "de/_signature": """\
Viele Grüße
{% if centre %}Ihr Team {{ centre }}{% else %}Ihr Raumplan-Team{% endif %}

Diese Nachricht wurde automatisch versendet.
""",
    "de/request_received": """\
Ihre Raumanfrage ist eingegangen{% include "_subject_detail" %}
{% include "de/_greeting" %}

vielen Dank für Ihre Anfrage! Sie ist bei uns eingegangen, und wir melden uns, sobald wir
sie geprüft haben – in der Regel innerhalb weniger Werktage.

{% include "de/_details" %}
Bitte beachten Sie: Der Raum ist erst reserviert, wenn wir Ihre Anfrage bestätigt haben.
{% if url %}
Ihre Anfrage können Sie jederzeit hier ansehen oder zurückziehen:
{{ url }}
{% endif %}
{% include "de/_signature" %}""",
    "de/request_confirmed": """\
Ihre Raumanfrage wurde bestätigt{% include "_subject_detail" %}
{% include "de/_greeting" %}

wir freuen uns, Ihnen mitteilen zu können: Ihre Raumanfrage ist bestätigt. Der Raum ist für
Sie reserviert.

{% include "de/_details" %}{% if fee %}
Nutzungsentgelt: {{ fee }}
{% endif %}{% if rules %}
Damit sich alle in unseren Räumen wohlfühlen, bitten wir Sie, diese Regeln zu beachten:

{{ rules }}
{% endif %}
Sie nutzen den Raum in Eigenregie: Ihren Zugangscode für die Türen sehen Sie auf Ihrer Seite
„Meine Zugangscodes“ (aus Sicherheitsgründen nicht in dieser E-Mail).
{% if url %}
Ihre Buchung finden Sie hier:
{{ url }}
{% endif %}
Sollten Sie den Raum doch nicht brauchen, sagen Sie bitte möglichst früh ab – dann können
ihn andere nutzen.

{% include "de/_signature" %}""",
    "de/request_declined": """\
Ihre Raumanfrage wurde leider abgelehnt{% include "_subject_detail" %}
{% include "de/_greeting" %}

leider können wir Ihre Raumanfrage nicht bestätigen.

{% include "de/_details" %}{% if reason %}
Begründung:
{{ reason }}
{% endif %}
Das tut uns leid. Vielleicht passt ein anderer Termin oder ein anderer Raum – sprechen Sie uns
gerne an oder stellen Sie eine neue Anfrage.
{% if url %}
{{ url }}
{% endif %}
{% include "de/_signature" %}""",
    "de/request_cancelled": """\
Ihre Buchung wurde storniert{% include "_subject_detail" %}
{% include "de/_greeting" %}

Ihre Buchung wurde storniert; der Raum ist für diesen Termin nicht mehr für Sie reserviert.

{% include "de/_details" %}{% if reason %}
Grund:
{{ reason }}
{% endif %}
Wenn Sie Fragen dazu haben oder einen neuen Termin suchen, melden Sie sich gerne bei uns.
{% if url %}
{{ url }}
{% endif %}
{% include "de/_signature" %}""",
    "de/staff_new_request": """\
Neue Raumanfrage{% include "_subject_detail" %}
Hallo Team{% if centre %} {{ centre }}{% endif %},

es ist eine neue Raumanfrage eingegangen, die auf Ihre Prüfung wartet.

{% include "de/_details" %}{% if requester %}
Angefragt von: {{ requester }}
{% endif %}{% if url %}
Zur Anfrage (bestätigen oder ablehnen):
{{ url }}
{% endif %}

Diese Nachricht wurde automatisch von Raumplan versendet.
""",
    "de/confirm_address": """\
Bitte bestätigen Sie Ihre E-Mail-Adresse für Raumplan
{% include "de/_greeting" %}

Sie haben bei Raumplan, der Raumvermietung der Bielefelder Stadtteilzentren, ein Konto mit
dieser E-Mail-Adresse angelegt. Bitte bestätigen Sie die Adresse über diesen Link; danach
können Sie Räume anfragen:

{{ url }}

Der Link gilt {{ hours }} Stunden und nur einmal. Wenn Sie kein Konto angelegt haben, müssen
Sie nichts tun: Ohne Bestätigung kann das Konto keine Räume anfragen.

{% include "de/_signature" %}""",
    "de/address_taken": """\
Jemand wollte sich mit Ihrer E-Mail-Adresse bei Raumplan registrieren
{% include "de/_greeting" %}

gerade wurde versucht, mit Ihrer E-Mail-Adresse ein neues Konto bei Raumplan anzulegen. Zu
dieser Adresse gibt es aber schon ein Konto, und daran hat sich nichts geändert.

Waren Sie das und haben Ihr Passwort vergessen, oder ist Ihr Konto noch nicht bestätigt?
Hier können Sie ein neues Passwort setzen; damit ist auch Ihre Adresse bestätigt:
{{ url }}

Wenn Sie das nicht waren, müssen Sie nichts tun.

{% include "de/_signature" %}""",
    "de/password_reset": """\
Neues Passwort für Raumplan
{% include "de/_greeting" %}

für Ihr Konto bei Raumplan wurde ein neues Passwort angefordert. Über diesen Link können
Sie es setzen:

{{ url }}

Der Link gilt {{ minutes }} Minuten und nur einmal. Danach sind alle bisherigen Anmeldungen
beendet. Wenn Sie kein neues Passwort angefordert haben, müssen Sie nichts tun: Ihr Passwort
bleibt, wie es ist.

{% include "de/_signature" %}""",
    "de/login_failures": """\
Fehlgeschlagene Anmeldungen bei Ihrem Raumplan-Konto
{% include "de/_greeting" %}

in den letzten {{ minutes }} Minuten wurde {{ failures }}-mal vergeblich versucht, sich mit
Ihrer E-Mail-Adresse bei Raumplan anzumelden. Neue Geräte können sich darum für
{{ minutes }} Minuten nicht anmelden. Auf Geräten, auf denen Sie schon angemeldet waren,
können Sie sich weiter anmelden.

Waren Sie das nicht, versucht vielleicht jemand, Ihr Passwort zu erraten. Ein neues, sicheres
Passwort setzen Sie hier:
{{ url }}

{% include "de/_signature" %}""",
    # -- English --------------------------------------------------------------------------
    "en/_greeting": "{% if recipient %}Hello {{ recipient }},{% else %}Hello,{% endif %}",
    "en/_details": """\
{% if booking_id %}Request no.:  {{ booking_id }}
{% endif %}{% if room %}Room:         {{ room }}{% if centre %} ({{ centre }}){% endif %}
{% endif %}{% if when %}Time:         {{ when }}
{% endif %}{% if purpose %}Purpose:      {{ purpose }}
{% endif %}{% if people %}People:       {{ people }}
{% endif %}""",
    "en/_signature": """\
Kind regards
{% if centre %}The team at {{ centre }}{% else %}The Raumplan team{% endif %}

This message was sent automatically.
""",
    "en/request_received": """\
We have received your room request{% include "_subject_detail" %}
{% include "en/_greeting" %}

thank you for your request! We have received it and will get back to you once we have
looked at it – usually within a few working days.

{% include "en/_details" %}
Please note: the room is only reserved for you once we have confirmed your request.
{% if url %}
You can view or withdraw your request here at any time:
{{ url }}
{% endif %}
{% include "en/_signature" %}""",
    "en/request_confirmed": """\
Your room request has been confirmed{% include "_subject_detail" %}
{% include "en/_greeting" %}

good news: your room request is confirmed and the room is reserved for you.

{% include "en/_details" %}{% if fee %}
Fee: {{ fee }}
{% endif %}{% if rules %}
So that everyone feels at home in our rooms, please follow these rules:

{{ rules }}
{% endif %}
You use the room on your own (self-managed): you find your door access code on your page
"My access codes" (for safety, not in this e-mail).
{% if url %}
You can find your booking here:
{{ url }}
{% endif %}
If you no longer need the room, please cancel as early as possible so that others can use it.

{% include "en/_signature" %}""",
    "en/request_declined": """\
Unfortunately, your room request was declined{% include "_subject_detail" %}
{% include "en/_greeting" %}

unfortunately we cannot confirm your room request.

{% include "en/_details" %}{% if reason %}
Reason:
{{ reason }}
{% endif %}
We are sorry. Perhaps another time or another room would work – feel free to get in touch
or send a new request.
{% if url %}
{{ url }}
{% endif %}
{% include "en/_signature" %}""",
    "en/request_cancelled": """\
Your booking has been cancelled{% include "_subject_detail" %}
{% include "en/_greeting" %}

your booking has been cancelled; the room is no longer reserved for you at this time.

{% include "en/_details" %}{% if reason %}
Reason:
{{ reason }}
{% endif %}
If you have any questions or would like to find another time, please get in touch.
{% if url %}
{{ url }}
{% endif %}
{% include "en/_signature" %}""",
    "en/staff_new_request": """\
New room request{% include "_subject_detail" %}
Hello {% if centre %}{{ centre }} {% endif %}team,

a new room request has arrived and is waiting for your review.

{% include "en/_details" %}{% if requester %}
Requested by: {{ requester }}
{% endif %}{% if url %}
Open the request (confirm or decline):
{{ url }}
{% endif %}

This message was sent automatically by Raumplan.
""",
    "en/confirm_address": """\
Please confirm your e-mail address for Raumplan
{% include "en/_greeting" %}

you have created an account with this e-mail address at Raumplan, the room rental of
Bielefeld's neighbourhood centres. Please confirm the address with this link; then you can
request rooms:

{{ url }}

The link is valid for {{ hours }} hours and once only. If you did not create an account, you
need not do anything: without confirmation the account cannot request rooms.

{% include "en/_signature" %}""",
    "en/address_taken": """\
Someone tried to register at Raumplan with your e-mail address
{% include "en/_greeting" %}

someone has just tried to create a new Raumplan account with your e-mail address. There is
already an account for this address, and nothing about it has changed.

Was it you, and have you forgotten your password, or is your account not confirmed yet?
You can set a new password here; that confirms your address too:
{{ url }}

If it was not you, you need not do anything.

{% include "en/_signature" %}""",
    "en/password_reset": """\
A new password for Raumplan
{% include "en/_greeting" %}

a new password has been requested for your Raumplan account. You can set it with this link:

{{ url }}

The link is valid for {{ minutes }} minutes and once only. Afterwards all earlier logins are
ended. If you did not ask for a new password, you need not do anything: your password stays
as it is.

{% include "en/_signature" %}""",
    "en/login_failures": """\
Failed logins to your Raumplan account
{% include "en/_greeting" %}

in the last {{ minutes }} minutes there were {{ failures }} failed attempts to log in to
Raumplan with your e-mail address. New devices therefore cannot log in for {{ minutes }}
minutes. On devices where you have logged in before, you can still log in.

If this was not you, someone may be trying to guess your password. You can set a new, strong
password here:
{{ url }}

{% include "en/_signature" %}""",
    "de/access_method_changed": """\
Der Zugang zu Ihrem Raum ändert sich{% include "_subject_detail" %}
{% include "de/_greeting" %}

für Ihre Buchung ändert sich, wie Sie in den Raum {{ room }} kommen:
{% if method == "code" %}Sie öffnen die Tür mit Ihrem Zugangscode; Sie finden ihn auf Ihrer Seite.
{% elif method == "staff" %}Ein Mitglied des Teams ist da und öffnet Ihnen; Ihr Zugangscode
öffnet diesen Raum nicht mehr.
{% elif method == "key" %}Sie bekommen einen Schlüssel; bitte holen Sie ihn vorher bei uns ab.
Ihr Zugangscode öffnet diesen Raum nicht mehr.
{% else %}Die Türen sind während Ihrer Buchung offen.
{% endif %}{% if url %}
{{ url }}
{% endif %}
{% include "de/_signature" %}""",
    "en/access_method_changed": """\
How you get into your room is changing{% include "_subject_detail" %}
{% include "en/_greeting" %}

for your booking, the way into {{ room }} changes:
{% if method == "code" %}You open the door with your access code; you find it on your page.
{% elif method == "staff" %}A member of staff will be there to let you in; your access code no
longer opens this room.
{% elif method == "key" %}You will get a key; please collect it from us beforehand. Your access
code no longer opens this room.
{% else %}The doors are open during your booking.
{% endif %}{% if url %}
{{ url }}
{% endif %}
{% include "en/_signature" %}""",
}

_env = Environment(
    loader=DictLoader(_TEMPLATES),
    undefined=Undefined,
    # Plain-text mail, not HTML: escaping would corrupt names like "Müller & Söhne".
    autoescape=False,  # noqa: S701
    keep_trailing_newline=True,
)


def render(kind: MailKind, language: str, context: Mapping[str, object]) -> tuple[str, str]:
    """Subject and body of a mail of ``kind`` in ``language`` (German if unknown)."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    # Jinja's Undefined covers absent keys; None is treated the same way.
    values = {key: value for key, value in context.items() if value is not None}
    text = _env.get_template(f"{lang}/{MailKind(kind).value}").render(values)
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
) -> OutboxMail | None:
    """Queue a mail to ``to`` in the session's transaction; ``None`` if they have no address.

    The templates greet the person by their display name (``recipient``); the staff mail
    may name the resident who asked as ``requester``.
    """
    if not to.email or to.deleted_at is not None:
        return None
    values: dict[str, object] = {"recipient": to.display_name or ""}
    values.update(context)
    base = session.info.get(_LINK_BASE)
    if "url" not in values and isinstance(values.get("path"), str) and base:
        values["url"] = f"{base}{values['path']}"
    subject, body = render(kind, to.language, values)
    if to.id is None:
        session.flush()  # a person created in this same transaction needs its id
    mail = OutboxMail(
        created_at=require_aware(now, "mail time"),
        person_id=to.id,
        to_address=to.email,
        subject=subject,
        body=body,
        attempts=0,
    )
    session.add(mail)
    session.info[_QUEUED_FLAG] = True
    return mail


# ---------------------------------------------------------------------------------------------
# Sending: after the commit, outside any request transaction.


@dataclass(frozen=True)
class _Claimed:
    id: int
    created_at: datetime
    to_address: str
    subject: str
    body: str


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
