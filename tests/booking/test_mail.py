"""Rental-workflow mail: queued with the change, sent only after the commit, to a real SMTP
server running in-process (aiosmtpd) or into the outbox folder."""

from __future__ import annotations

import email
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from booking.clock import FrozenClock
from booking.db import transaction
from booking.mailer import MailKind, dispatch_pending, enqueue, install_after_commit_dispatch
from booking.models import Centre, OutboxMail, Person
from booking.settings import Settings

CONTEXT: dict[str, object] = {
    "booking_id": 17,
    "room": "Gruppenraum 1",
    "centre": "Stadtteilzentrum Sieker",
    "when": "01.12.2026 18:00–21:00",
    "fee": "45,00 €",
    "rules": "Ende spätestens 22:00 Uhr. Ruhezeit ab 22:00 Uhr. Bitte besenrein verlassen.",
    "reason": "Der Raum ist an diesem Abend schon vergeben.",
    "purpose": "Geburtstagsfeier",
    "people": 25,
    "url": "http://127.0.0.1:8000/anfragen/17",
}


@dataclass
class Received:
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class CollectingHandler:
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        content = envelope.content
        assert isinstance(content, bytes)
        message = email.message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(Received(list(envelope.rcpt_tos), message))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class SmtpServer:
    """An aiosmtpd server on a localhost port that can be stopped and started again."""

    def __init__(self, **smtp_kwargs: Any) -> None:
        self.handler = CollectingHandler()
        self.port = free_port()
        self._kwargs = smtp_kwargs
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, **self._kwargs
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def smtp_settings(server: SmtpServer, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": server.port,
        "mail_from": "Stadtteilzentrum Sieker <raumplan@sieker.example>",
        "outbox_dir": tmp_path / "outbox-unused",
        "mail_send_after_commit": False,
    }
    values.update(overrides)
    return Settings(**values)


def add_person(
    session_factory: sessionmaker[Session],
    now: datetime,
    *,
    email_address: str | None,
    language: str = "de",
    name: str = "Aylin Demir",
) -> Person:
    with transaction(session_factory) as session:
        if session.scalar(select(Centre).limit(1)) is None:
            session.add(Centre(slug="sieker", name="Stadtteilzentrum Sieker"))
        person = Person(email=email_address, display_name=name, language=language, created_at=now)
        session.add(person)
    return person


def queue(
    session_factory: sessionmaker[Session],
    person: Person,
    kind: MailKind,
    now: datetime,
    context: dict[str, object] | None = None,
) -> None:
    with transaction(session_factory) as session:
        enqueue(
            session, to=person, kind=kind, now=now, context=CONTEXT if context is None else context
        )


def outbox(session_factory: sessionmaker[Session]) -> list[OutboxMail]:
    with session_factory() as session:
        return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_committed_mails_reach_the_smtp_server_in_the_persons_language(
    session_factory: sessionmaker[Session], now: datetime, smtp: SmtpServer, tmp_path: Path
) -> None:
    de = add_person(session_factory, now, email_address="aylin@example.org", language="de")
    en = add_person(
        session_factory, now, email_address="sam@example.org", language="en", name="Sam Lee"
    )
    with transaction(session_factory) as session:
        enqueue(session, to=de, kind=MailKind.REQUEST_CONFIRMED, now=now,
                context={**CONTEXT, "door_code": True})
        enqueue(session, to=en, kind=MailKind.REQUEST_DECLINED, now=now, context=CONTEXT)

    settings = smtp_settings(smtp, tmp_path)
    assert dispatch_pending(session_factory, settings, lambda: now) == 2

    first, second = smtp.messages
    assert first.rcpt_tos == ["aylin@example.org"]
    assert first.message["To"] == "aylin@example.org"
    assert first.message["From"] == "Stadtteilzentrum Sieker <raumplan@sieker.example>"
    assert first.message["Subject"].startswith("Ihre Raumanfrage wurde bestätigt")
    assert first.message["Message-ID"] and first.message["Date"]
    body = first.message.get_content()
    assert "Hallo Aylin Demir" in body
    assert "45,00 €" in body
    assert "Ruhezeit ab 22:00 Uhr" in body
    assert "Zugangscode" in body  # for self-managed use, the code follows separately

    assert second.rcpt_tos == ["sam@example.org"]
    assert second.message["Subject"].startswith("Unfortunately, your room request was declined")
    body = second.message.get_content()
    assert "Hello Sam Lee" in body
    assert "Der Raum ist an diesem Abend schon vergeben." in body

    assert all(mail.sent_at == now and mail.attempts == 0 for mail in outbox(session_factory))


def test_rolled_back_transaction_sends_nothing(
    session_factory: sessionmaker[Session], now: datetime, smtp: SmtpServer, tmp_path: Path
) -> None:
    person = add_person(session_factory, now, email_address="aylin@example.org")
    with pytest.raises(RuntimeError), transaction(session_factory) as session:
        enqueue(session, to=person, kind=MailKind.REQUEST_RECEIVED, now=now, context=CONTEXT)
        raise RuntimeError("the booking failed after the mail was queued")

    assert dispatch_pending(session_factory, smtp_settings(smtp, tmp_path), lambda: now) == 0
    assert smtp.messages == []
    assert outbox(session_factory) == []


def test_person_without_email_gets_no_mail(
    session_factory: sessionmaker[Session], now: datetime
) -> None:
    deleted = add_person(session_factory, now, email_address=None, name="")
    with transaction(session_factory) as session:
        mail = enqueue(session, to=deleted, kind=MailKind.REQUEST_CANCELLED, now=now, context={})
    assert mail is None
    assert outbox(session_factory) == []


def test_missing_context_keys_render_as_empty(
    session_factory: sessionmaker[Session], now: datetime
) -> None:
    person = add_person(session_factory, now, email_address="aylin@example.org")
    for kind in MailKind:
        queue(session_factory, person, kind, now, context={})
    mails = outbox(session_factory)
    assert len(mails) == len(MailKind)
    assert all(mail.subject and mail.body for mail in mails)
    assert all("None" not in mail.body and "{{" not in mail.body for mail in mails)


def test_staff_mail_names_room_time_purpose_and_people(
    session_factory: sessionmaker[Session], now: datetime, smtp: SmtpServer, tmp_path: Path
) -> None:
    staff = add_person(session_factory, now, email_address="team@sieker.example", name="Jonas")
    queue(
        session_factory,
        staff,
        MailKind.STAFF_NEW_REQUEST,
        now,
        context={**CONTEXT, "requester": "Aylin Demir"},
    )
    assert dispatch_pending(session_factory, smtp_settings(smtp, tmp_path), lambda: now) == 1
    (received,) = smtp.messages
    assert received.message["Subject"].startswith("Neue Raumanfrage")
    body = received.message.get_content()
    assert body.startswith("Hallo Team Stadtteilzentrum Sieker,")
    for text in ("Gruppenraum 1", "01.12.2026 18:00–21:00", "Geburtstagsfeier", "25"):
        assert text in body
    assert "Angefragt von: Aylin Demir" in body


def test_failed_smtp_keeps_the_mail_and_a_later_dispatch_sends_it(
    session_factory: sessionmaker[Session], now: datetime, tmp_path: Path
) -> None:
    server = SmtpServer()
    settings = smtp_settings(server, tmp_path)
    person = add_person(session_factory, now, email_address="aylin@example.org")
    queue(session_factory, person, MailKind.REQUEST_RECEIVED, now)

    # Nothing listens on the port yet: the connection is refused.
    assert dispatch_pending(session_factory, settings, lambda: now) == 0
    (mail,) = outbox(session_factory)
    assert mail.sent_at is None
    assert mail.attempts == 1
    assert mail.last_error
    assert mail.claimed_at is None  # released for the next try

    server.start()
    try:
        later = now + timedelta(minutes=1)
        assert dispatch_pending(session_factory, settings, lambda: later) == 1
    finally:
        server.stop()
    (mail,) = outbox(session_factory)
    assert mail.sent_at == later
    assert [r.rcpt_tos for r in server.messages] == [["aylin@example.org"]]


def test_second_dispatch_sends_nothing_twice(
    session_factory: sessionmaker[Session], now: datetime, smtp: SmtpServer, tmp_path: Path
) -> None:
    person = add_person(session_factory, now, email_address="aylin@example.org")
    queue(session_factory, person, MailKind.REQUEST_RECEIVED, now)
    settings = smtp_settings(smtp, tmp_path)
    assert dispatch_pending(session_factory, settings, lambda: now) == 1
    assert dispatch_pending(session_factory, settings, lambda: now) == 0
    assert len(smtp.messages) == 1


def test_mail_claimed_by_another_worker_is_left_until_the_claim_expires(
    session_factory: sessionmaker[Session], now: datetime, smtp: SmtpServer, tmp_path: Path
) -> None:
    person = add_person(session_factory, now, email_address="aylin@example.org")
    queue(session_factory, person, MailKind.REQUEST_RECEIVED, now)
    with transaction(session_factory) as session:
        session.execute(update(OutboxMail).values(claimed_at=now))
    settings = smtp_settings(smtp, tmp_path)

    assert dispatch_pending(session_factory, settings, lambda: now + timedelta(minutes=5)) == 0
    # The other worker died mid-send: after the claim timeout the mail goes out.
    assert dispatch_pending(session_factory, settings, lambda: now + timedelta(minutes=11)) == 1
    assert len(smtp.messages) == 1


def test_concurrent_dispatchers_send_each_mail_once(
    session_factory: sessionmaker[Session], now: datetime, smtp: SmtpServer, tmp_path: Path
) -> None:
    person = add_person(session_factory, now, email_address="aylin@example.org")
    with transaction(session_factory) as session:
        for _ in range(12):
            enqueue(session, to=person, kind=MailKind.REQUEST_RECEIVED, now=now, context=CONTEXT)
    settings = smtp_settings(smtp, tmp_path)
    counts: list[int] = []
    start = threading.Barrier(3)

    def worker() -> None:
        start.wait()
        counts.append(dispatch_pending(session_factory, settings, lambda: now))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(counts) == 12
    ids = [r.message["Message-ID"] for r in smtp.messages]
    assert len(ids) == 12 and len(set(ids)) == 12


def test_smtp_login_uses_the_configured_credentials(
    session_factory: sessionmaker[Session], now: datetime, tmp_path: Path
) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"geheim")

    server = SmtpServer(authenticator=authenticator, auth_require_tls=False)
    server.start()
    try:
        person = add_person(session_factory, now, email_address="aylin@example.org")
        queue(session_factory, person, MailKind.REQUEST_RECEIVED, now)
        settings = smtp_settings(server, tmp_path, smtp_user="raumplan", smtp_password="geheim")
        assert dispatch_pending(session_factory, settings, lambda: now) == 1
    finally:
        server.stop()
    assert logins == [(b"raumplan", b"geheim")]
    assert len(server.messages) == 1


def test_without_smtp_host_mails_are_written_to_the_outbox_folder(
    session_factory: sessionmaker[Session], now: datetime, tmp_path: Path
) -> None:
    folder = tmp_path / "var" / "outbox"  # does not exist yet
    settings = Settings(outbox_dir=folder, mail_send_after_commit=False)
    person = add_person(session_factory, now, email_address="sam@example.org", language="en")
    queue(session_factory, person, MailKind.REQUEST_CANCELLED, now)

    assert dispatch_pending(session_factory, settings, lambda: now) == 1
    assert dispatch_pending(session_factory, settings, lambda: now) == 0
    (path,) = folder.glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message["To"] == "sam@example.org"
    assert message["From"] == settings.mail_from
    assert message["Subject"].startswith("Your booking has been cancelled")
    assert message.get_content_charset() == "utf-8"
    assert "Der Raum ist an diesem Abend schon vergeben." in message.get_content()
    assert [p.name for p in folder.iterdir()] == [path.name]  # no partial files left


def test_after_commit_hook_delivers_without_explicit_dispatch(
    session_factory: sessionmaker[Session], now: datetime, smtp: SmtpServer, tmp_path: Path
) -> None:
    clock = FrozenClock(now)
    settings = smtp_settings(smtp, tmp_path, mail_send_after_commit=True)
    install_after_commit_dispatch(session_factory, settings, clock.now)
    person = add_person(session_factory, now, email_address="aylin@example.org")

    with pytest.raises(RuntimeError), transaction(session_factory) as session:
        enqueue(session, to=person, kind=MailKind.REQUEST_DECLINED, now=now, context=CONTEXT)
        raise RuntimeError("rolled back")
    queue(session_factory, person, MailKind.REQUEST_RECEIVED, now)

    assert wait_for(lambda: len(smtp.messages) >= 1)
    assert wait_for(lambda: all(m.sent_at is not None for m in outbox(session_factory)))
    (received,) = smtp.messages
    assert received.message["Subject"].startswith("Ihre Raumanfrage ist eingegangen")


def test_after_commit_hook_respects_the_setting(
    session_factory: sessionmaker[Session], now: datetime, smtp: SmtpServer, tmp_path: Path
) -> None:
    settings = smtp_settings(smtp, tmp_path, mail_send_after_commit=False)
    install_after_commit_dispatch(session_factory, settings, lambda: now)
    person = add_person(session_factory, now, email_address="aylin@example.org")
    queue(session_factory, person, MailKind.REQUEST_RECEIVED, now)
    time.sleep(0.3)  # a short grace period: proving absence needs some wait
    assert smtp.messages == []
    assert dispatch_pending(session_factory, settings, lambda: now) == 1


def test_a_stopping_dispatch_gives_back_the_mails_it_did_not_try(
    session_factory: sessionmaker[Session], now: datetime, smtp: SmtpServer, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from booking import mailer

    person = add_person(session_factory, now, email_address="aylin@example.org")
    for _ in range(3):
        queue(session_factory, person, MailKind.REQUEST_RECEIVED, now)
    settings = smtp_settings(smtp, tmp_path)
    stop = threading.Event()
    send = mailer._Transport.send

    def send_then_stop(self: Any, message: EmailMessage, mail: Any) -> None:
        send(self, message, mail)
        stop.set()  # SIGTERM reaches the worker while the first mail goes out

    monkeypatch.setattr(mailer._Transport, "send", send_then_stop)
    assert dispatch_pending(session_factory, settings, lambda: now, stop=stop) == 1
    # The first is sent; the other two are neither sent nor held: the next worker sends them
    # now, not after the claim timeout.
    assert [(m.sent_at is not None, m.claimed_at) for m in outbox(session_factory)] == [
        (True, now), (False, None), (False, None)]
    monkeypatch.undo()
    assert dispatch_pending(session_factory, settings, lambda: now) == 2
    assert len(smtp.messages) == 3
