"""Helpers for tests that go through registration: read the mails the service queued and
follow their links as the person would."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from booking.models import OutboxMail

LINK = re.compile(r"https?://\S+")


def mails_to(session_factory: Any, email: str) -> list[OutboxMail]:
    with session_factory() as s:
        return list(s.scalars(select(OutboxMail).where(OutboxMail.to_address == email)
                              .order_by(OutboxMail.id)))


def links(mail: OutboxMail) -> list[str]:
    return LINK.findall(mail.body)


def token_of(mail: OutboxMail, path: str) -> str:
    """The token of the mail's link to ``path`` (e.g. ``/konto/bestaetigen``)."""
    for url in links(mail):
        parts = urlsplit(url)
        if parts.path == path:
            return parse_qs(parts.query)["token"][0]
    raise AssertionError(f"no link to {path} in {mail.subject!r}:\n{mail.body}")


def register(client: Any, email: str, password: str, name: str = "Neu",
             language: str = "de") -> Any:
    return client.post("/api/register", json={"email": email, "password": password,
                                              "display_name": name, "language": language})


def register_and_confirm(client: Any, session_factory: Any, email: str, password: str,
                         name: str = "Neu", language: str = "de") -> int:
    """Register through the API and open the mailed confirmation link; the person's id."""
    r = register(client, email, password, name, language)
    assert r.status_code == 202, r.text
    token = token_of(mails_to(session_factory, email.strip().lower())[-1], "/konto/bestaetigen")
    confirmed = client.post("/api/register/confirm", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    return int(confirmed.json()["id"])
