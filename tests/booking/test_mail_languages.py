"""Every mail in its recipient's language (issue 7): a Turkish and an Arabic resident get their
confirmation, decline and password mails in Turkish and Arabic, with the time of their request
in Bielefeld's local time and the Content-Language header to match. On both databases."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from booking import mailer
from booking.mailer import MailKind, build_message
from booking.models import OutboxMail
from booking.settings import Settings
from booking.translations import LANGUAGES
from tests.booking.account_helpers import mails_to, register_and_confirm
from tests.booking.api_helpers import berlin, rent
from tests.factories import World

PASSWORD = "ein langes Passwort für Tests"
# Saturday 5 December 2026, 14:00–17:00 in Bielefeld: 13:00–16:00 UTC (CET).
START, END = berlin(2026, 12, 5, 14), berlin(2026, 12, 5, 17)


def resident(client: TestClient, session_factory: Any, key: str, name: str,
             language: str) -> dict[str, str]:
    register_and_confirm(client, session_factory, f"{key}@example.org", PASSWORD, name,
                         language)
    token = client.post("/api/login", json={"email": f"{key}@example.org",
                                            "password": PASSWORD}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def header(mail: OutboxMail, settings: Settings, name: str) -> str | None:
    claimed = mailer._Claimed(id=mail.id, created_at=mail.created_at,
                              to_address=mail.to_address, subject=mail.subject, body=mail.body,
                              language=mail.language)
    return build_message(claimed, settings)[name]


def test_turkish_and_arabic_residents_get_their_mails_in_their_language_at_local_time(
        client: TestClient, as_, world: World, session_factory: Any,
        settings: Settings) -> None:
    ayse = resident(client, session_factory, "ayse", "Ayşe Yılmaz", "tr")
    omar = resident(client, session_factory, "omar", "Omar Haddad", "ar")
    [confirm_tr] = mails_to(session_factory, "ayse@example.org")
    [confirm_ar] = mails_to(session_factory, "omar@example.org")
    assert confirm_tr.subject == "Lütfen Raumplan için e-posta adresinizi onaylayın"
    assert "Bağlantı 48 saat ve yalnızca bir kez geçerlidir." in confirm_tr.body
    assert confirm_ar.subject == "يُرجى تأكيد عنوان بريدك الإلكتروني لدى Raumplan"
    assert confirm_tr.language == "tr" and confirm_ar.language == "ar"

    # Both ask for the Café at the same time; staff confirm Omar's, which declines Ayşe's.
    cafe = world.rooms["Café"]
    first = rent(client, ayse, cafe, START, END, people=12)
    second = rent(client, omar, cafe, START, END, people=12)
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    received_tr = mails_to(session_factory, "ayse@example.org")[-1]
    assert received_tr.subject.startswith("Oda talebiniz alındı – Café")
    assert "14:00–17:00" in received_tr.body and "13:00" not in received_tr.body
    confirmed = client.post(f"/api/rentals/{second.json()['id']}/confirm",
                            headers=as_("staff"))
    assert confirmed.status_code == 200, confirmed.text

    confirmed_ar = mails_to(session_factory, "omar@example.org")[-1]
    assert confirmed_ar.subject.startswith("تم تأكيد طلبك لاستئجار القاعة – Café")
    assert "مرحبًا Omar Haddad،" in confirmed_ar.body
    assert "14:00–17:00" in confirmed_ar.body and "13:00" not in confirmed_ar.body
    assert "ديسمبر" in confirmed_ar.body  # the month in Arabic
    assert "الهدوء ابتداءً من الساعة" in confirmed_ar.body  # the house rules, in Arabic
    assert "Ruhezeit" not in confirmed_ar.body

    declined_tr = mails_to(session_factory, "ayse@example.org")[-1]
    assert declined_tr.subject.startswith("Oda talebiniz maalesef reddedildi – Café")
    assert "Oda bu saat için başka bir talebe verildi." in declined_tr.body
    assert "14:00–17:00" in declined_tr.body and "Ara 2026" in declined_tr.body
    assert "Der Raum" not in declined_tr.body

    # A new password, asked for without logging in: the account's language still decides.
    for key, subject, minutes in (("ayse", "Raumplan için yeni şifre",
                                   "Bağlantı 60 dakika ve yalnızca bir kez geçerlidir."),
                                  ("omar", "كلمة مرور جديدة لـ Raumplan",
                                   "الرابط صالح لمدة 60 دقيقة ولمرة واحدة فقط.")):
        asked = client.post("/api/password-reset", json={"email": f"{key}@example.org"})
        assert asked.status_code == 202, asked.text
        reset = mails_to(session_factory, f"{key}@example.org")[-1]
        assert reset.subject == subject
        assert minutes in reset.body

    assert header(declined_tr, settings, "Content-Language") == "tr"
    assert header(confirmed_ar, settings, "Content-Language") == "ar"


def test_every_mail_renders_in_every_language_without_german_left_over() -> None:
    context = {"recipient": "Sam", "room": "Café", "centre": "Nord", "url": "https://x/y",
               "hours": 48, "minutes": 21, "failures": 30, "booking_id": 7}
    for kind in MailKind:
        if kind == MailKind.TERM_RESULT:
            continue  # its lines arrive already said in the recipient's language (term_publish)
        german = mailer.render(kind, "de", context)
        for lang in LANGUAGES:
            subject, body = mailer.render(kind, lang, context)
            assert subject and body and "%(" not in body, (kind, lang)
            if lang != "de":
                assert subject != german[0] and body != german[1], (kind, lang)
                assert "Raumplan-Team" not in body and "Viele Grüße" not in body, (kind, lang)


def test_an_unknown_language_gets_the_german_mail() -> None:
    assert mailer.render(MailKind.PASSWORD_RESET, "xx", {"minutes": 60})[0] == \
        "Neues Passwort für Raumplan"
