"""The door code by mail, only if its holder chose so (issue 12 §1), and the argon2 work of a
confirmation done before the room locks."""

from __future__ import annotations

import email
from email import policy

from sqlalchemy import select

from booking.db import transaction
from booking.mailer import dispatch_pending
from booking.models import OutboxMail
from booking.services import access as door_access
from booking.services import rentals
from tests.booking.access_helpers import add_doors, confirmed_rental
from tests.booking.test_pages import csrf_of, login


def code_mails(factory) -> list[OutboxMail]:
    with transaction(factory) as s:
        return list(s.scalars(select(OutboxMail).where(OutboxMail.erase_after_send.is_(True))
                              .order_by(OutboxMail.id)))


def choose_mail(client, world, wanted: bool) -> None:
    login(client, world, "anna")
    r = client.post("/konto/zugangscodes", data={"csrf_token": csrf_of(client, "/konto"),
                                                 "per_mail": "ja" if wanted else "nein"},
                    follow_redirects=True)
    assert r.status_code == 200 and "Ihre Wahl für die Zugangscodes ist gespeichert." in r.text
    assert ('value="ja" checked' in r.text) is wanted


def test_without_the_choice_no_mail_carries_the_code(client, as_, world, session_factory):
    add_doors(session_factory, world)
    _, code = confirmed_rental(client, as_, world)
    assert code_mails(session_factory) == []
    with transaction(session_factory) as s:
        confirmation = s.scalars(select(OutboxMail).where(
            OutboxMail.subject.like("%bestätigt%"))).one()
    assert code not in confirmation.body
    assert "Meine Zugangscodes" in " ".join(confirmation.body.split())


def test_a_room_opened_by_staff_gets_no_code_and_its_mail_promises_none(
        client, as_, world, clock, session_factory, monkeypatch):
    from datetime import timedelta

    from access.hashing import CodeHasher
    from booking.models import RoomAccessMethod

    hashed: list[str] = []
    real_hash = CodeHasher.hash
    monkeypatch.setattr(CodeHasher, "hash", lambda self, *a, **k: (
        hashed.append("hash"), real_hash(self, *a, **k))[1])
    add_doors(session_factory, world)
    with transaction(session_factory) as s:
        s.add(RoomAccessMethod(room_id=world.rooms["Café"], method="staff",
                               valid_from=clock.now() - timedelta(days=1), set_at=clock.now()))
    _, code = confirmed_rental(client, as_, world, expect_code=False)
    assert code is None
    assert hashed == []  # no argon2 time spent on a code nobody gets
    with transaction(session_factory) as s:
        confirmation = s.scalars(select(OutboxMail).where(
            OutboxMail.subject.like("%bestätigt%"))).one()
    assert "Eigenregie" not in confirmation.body and "Zugangscode" not in confirmation.body


def test_with_the_choice_the_code_comes_once_in_its_own_mail_and_leaves_the_outbox(
        client, as_, world, session_factory, settings, now):
    add_doors(session_factory, world)
    choose_mail(client, world, True)
    booking_id, code = confirmed_rental(client, as_, world)
    [mail] = code_mails(session_factory)
    display = f"{code[:4]} {code[4:]}"
    assert mail.subject.startswith("Ihr Zugangscode") and display in mail.body
    assert "Café-Tür" in mail.body and "/meine-zugangscodes" in mail.body
    assert dispatch_pending(session_factory, settings, lambda: now) >= 1
    # Sent: the outbox keeps who got which mail when, never the code.
    [sent] = code_mails(session_factory)
    assert sent.sent_at is not None and sent.body == "" and display not in sent.subject
    written = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
               for p in sorted(settings.outbox_dir.glob("*.eml"))]
    bodies = [m.get_content() for m in written if "Zugangscode" in str(m["Subject"])]
    assert len(bodies) == 1 and display in bodies[0]
    # "Change code" sends the new one the same way; the old one is not in it.
    r = client.post(f"/api/access/bookings/{booking_id}/codes", headers=as_("anna"))
    new = r.json()["code"]
    latest = code_mails(session_factory)[-1]
    assert f"{new[:4]} {new[4:]}" in latest.body and display not in latest.body
    # Back to "only on my page": the next code is not mailed.
    choose_mail(client, world, False)
    client.post(f"/api/access/bookings/{booking_id}/codes", headers=as_("anna"))
    assert len(code_mails(session_factory)) == 2


def test_the_mail_is_in_the_holders_language(client, as_, world, session_factory):
    add_doors(session_factory, world)
    choose_mail(client, world, True)
    r = client.post("/konto/sprache", data={"csrf_token": csrf_of(client, "/konto"),
                                            "sprache": "uk"})
    assert r.status_code in (200, 302, 303)
    confirmed_rental(client, as_, world)
    [mail] = code_mails(session_factory)
    assert mail.language == "uk" and mail.subject.startswith("Ваш код доступу")


def test_a_confirmation_hashes_the_code_before_it_takes_the_room_locks(
        client, as_, world, session_factory, monkeypatch):
    add_doors(session_factory, world)
    steps: list[str] = []
    rt = door_access.runtime()
    real_hash, real_lock = rt.hasher.hash, rentals.lock_rooms_of_booking
    monkeypatch.setattr(rt.hasher, "hash",
                        lambda *a: steps.append("argon2") or real_hash(*a))
    monkeypatch.setattr(rentals, "lock_rooms_of_booking",
                        lambda *a, **k: steps.append("lock") or real_lock(*a, **k))
    _, code = confirmed_rental(client, as_, world)
    assert steps == ["argon2", "lock"]
    # The code hashed before the locks is the one stored and shown.
    with transaction(session_factory) as s:
        from booking.models import AccessCode
        row = s.scalars(select(AccessCode)).one()
        assert rt.hasher.verify(code, row.code_hash, row.key_id)
