"""The service speaks in codes with parameters; the answer says them in the reader's language.
On both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime

from litestar.testing import TestClient

from booking.messages import MESSAGES, Message, Money, Span, Word, _word
from booking.translations import LANGUAGES
from tests.factories import World


def test_an_api_problem_carries_the_code_and_says_it_in_the_clients_language(
        client: TestClient, world: World) -> None:
    german = client.get("/api/rentals", headers={"Accept-Language": "de"})
    turkish = client.get("/api/rentals", headers={"Accept-Language": "tr-TR, en;q=0.5"})
    assert german.status_code == turkish.status_code == 401
    assert german.json()["code"] == turkish.json()["code"] == "login_required"
    assert german.json()["detail"] == "Bitte melden Sie sich zuerst an."
    assert turkish.json()["detail"] == "Lütfen önce giriş yapın."


def test_every_message_is_said_in_every_language_with_its_parameters_filled_in() -> None:
    for code in MESSAGES:
        for lang in LANGUAGES:
            text = Message(code, _SAMPLE).render(lang)
            assert text and "%(" not in text, (code, lang, text)


def test_parameters_are_written_in_the_readers_locale() -> None:
    start = datetime(2026, 12, 12, 13, 0, tzinfo=UTC)
    end = datetime(2026, 12, 12, 17, 0, tzinfo=UTC)
    message = Message("login_required", {"when": Span(start, end, "Europe/Berlin"),
                                         "fee": Money(4550), "day": date(2026, 12, 24),
                                         "status": Word("bestätigt"), "n": 1234})
    data = message.as_json()
    assert data["params"]["fee"] == {"cents": 4550, "currency": "EUR"}
    assert data["params"]["when"]["zone"] == "Europe/Berlin"
    assert "14:00" in _word(Span(start, end, "Europe/Berlin"), "de")  # local time, not UTC
    assert _word(Money(4550), "de") == "45,50\xa0€"
    assert _word(1234, "en") == "1,234" and _word(1234, "de") == "1.234"
    assert _word(Word("bestätigt"), "en") != "bestätigt"


_SAMPLE = {"n": 3, "hours": 72, "room": "Saal", "when": "12.12.2026", "details": "x",
           "title": "Café", "name": "A", "names": "B", "nr": 7, "st": "offen", "what": "x",
           "d": "24.12.2026", "minutes": 5, "limit": 5, "count": 2, "reason": "x",
           "known": ["a", "b"], "status": "offen", "current": "Entwurf", "section": 2,
           "period": "1.–14.12.2026"}
