"""The service speaks in codes with parameters; the answer says them in the reader's language.
Every code has a sentence in each of the five languages, every code the code raises is in the
table, and the plural forms are each language's own. API tests run on both databases."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from litestar.testing import TestClient

import booking
from booking import errors
from booking.messages import MESSAGES, Message, Money, Span, Word, _word
from booking.translations import LANGUAGES, read_catalogue
from tests.booking.api_helpers import berlin, rent
from tests.factories import World

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def sample(code: str) -> dict[str, object]:
    """A value for every placeholder of the message (3 for the number ``n``)."""
    msgid = MESSAGES[code]
    names = set(PLACEHOLDER.findall(" ".join(msgid) if isinstance(msgid, tuple) else msgid))
    return {name: 3 if name in ("n", "id", "total", "max", "people", "status") else "Q"
            for name in names}


def test_every_message_is_said_in_every_language_with_its_parameters_filled_in() -> None:
    for code in MESSAGES:
        for lang in LANGUAGES:
            text = Message(code, sample(code)).render(lang)
            assert text and "%(" not in text and ")s" not in text, (code, lang, text)


def has_words(code: str) -> bool:
    """False for a message that only lays out its parameters ("%(days)s, %(room)s")."""
    msgid = MESSAGES[code]
    text = msgid[0] if isinstance(msgid, tuple) else msgid
    return bool(re.search(r"[^\W\d_]", re.sub(r"%\(\w+\)s", "", text)))


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "de"])
def test_every_message_is_translated_not_copied_from_the_german(lang: str) -> None:
    # Each sentence names at most proper names, codes and numbers, so none may read the same
    # in another language: a copy of the German would be a missing translation.
    def said(code: str, in_lang: str) -> str:
        return Message(code, sample(code)).render(in_lang)

    same = [code for code in MESSAGES if has_words(code) and said(code, lang) == said(code, "de")]
    assert same == []


def test_the_catalogues_carry_each_languages_plural_rules() -> None:
    assert read_catalogue("uk").num_plurals == 3
    assert read_catalogue("ar").num_plurals == 6
    assert read_catalogue("tr").num_plurals == 2
    assert read_catalogue("en").plural_expr == "(n != 1)"


def test_a_number_takes_the_plural_form_of_the_readers_language() -> None:
    def notice(n: int, lang: str) -> str:
        return Message("min_notice", {"n": n}).render(lang)

    assert notice(1, "de") == "Anfragen brauchen mindestens 1 Stunde Vorlauf."
    assert notice(24, "de") == "Anfragen brauchen mindestens 24 Stunden Vorlauf."
    assert notice(1, "en") == "Requests need at least 1 hour's notice."
    # Ukrainian: one (1, 21), few (2–4, 22–24), many (5–20, 25).
    assert notice(21, "uk").endswith("21 годину.")
    assert notice(3, "uk").endswith("3 години.")
    assert notice(72, "uk").endswith("72 години.")
    assert notice(25, "uk").endswith("25 годин.")
    # Arabic: zero, one, two, few (3–10), many (11–99), other (100+).
    assert "ساعتين" in notice(2, "ar")
    assert "3 ساعات" in notice(3, "ar")
    assert "ساعة واحدة" in notice(1, "ar")
    assert "24 ساعة" in notice(24, "ar")
    assert len({notice(n, "ar") for n in (0, 1, 2, 3, 11)}) == 5


# -- every code raised is in the table ------------------------------------------------------

RAISED = {cls.__name__ for cls in vars(errors).values()
          if isinstance(cls, type) and issubclass(cls, errors.DomainError)} | {"Message"}


def codes_in_the_code() -> list[tuple[str, int, str | None]]:
    """(file, line, code) for every domain error and message made in ``booking/``; code None
    where the first argument is no literal (an f-string: a sentence, not a code)."""
    found: list[tuple[str, int, str | None]] = []
    root = Path(booking.__file__).parent
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else (
                node.func.attr if isinstance(node.func, ast.Attribute) else None)
            if name in RAISED:
                first = node.args[0]
                code = first.value if isinstance(first, ast.Constant) and \
                    isinstance(first.value, str) else None
                found.append((str(path.relative_to(root)), node.lineno, code))
    return found


def test_every_code_raised_anywhere_is_in_the_table() -> None:
    found = codes_in_the_code()
    assert len(found) > 100  # the walk sees the services, pages and API
    unknown = [(f, line, code) for f, line, code in found if code not in MESSAGES]
    # Codes passed on rather than written: DomainError's own ``Message(code, params)``, a
    # series date's stored skip reason (written from reason_* codes below) and the term
    # planner's refusal (``refusal_<solver code>``, "refusal_other" when the table lacks it).
    assert sorted({(f, code) for f, _, code in unknown}) == [
        ("errors.py", None), ("services/series.py", None), ("services/term_runs.py", None)], \
        unknown
    assert {"reason_conflict", "reason_closed", "reason_holiday", "refusal_other"} <= set(MESSAGES)


# -- the API ---------------------------------------------------------------------------------


def test_an_api_problem_carries_the_code_and_says_it_in_the_clients_language(
        client: TestClient, world: World) -> None:
    german = client.get("/api/rentals", headers={"Accept-Language": "de"})
    turkish = client.get("/api/rentals", headers={"Accept-Language": "tr-TR, en;q=0.5"})
    assert german.status_code == turkish.status_code == 401
    assert german.json()["code"] == turkish.json()["code"] == "login_required"
    assert german.json()["detail"] == "Bitte melden Sie sich zuerst an."
    assert turkish.json()["detail"] == "Lütfen önce giriş yapın."
    assert turkish.headers["content-language"] == "tr"


def test_a_refused_request_gives_the_same_codes_in_every_language(
        client: TestClient, as_, world: World) -> None:
    # 31 people in the Café (capacity 30), on Christmas Day: two rules broken.
    answers = {lang: rent(client, {**as_("anna"), "Accept-Language": lang},
                          world.rooms["Café"], berlin(2026, 12, 25, 14), berlin(2026, 12, 25, 17),
                          people=31).json()
               for lang in LANGUAGES}
    codes = {lang: (a["code"], tuple(p["code"] for p in a["problems"]))
             for lang, a in answers.items()}
    assert set(codes.values()) == {("rules_broken", ("capacity", "holiday_closed"))}
    assert len({a["detail"] for a in answers.values()}) == len(LANGUAGES)
    assert answers["de"]["problems"][0]["params"] == {"room": "Café", "n": 30, "people": 31}
    assert "Erster Weihnachtstag" in answers["de"]["detail"]
    assert "Перший день Різдва" in answers["uk"]["detail"]


def test_without_accept_language_the_answer_speaks_the_accounts_language(
        client: TestClient, as_, world: World) -> None:
    ben = as_("ben")  # an English account
    r = client.get("/api/rentals/999999", headers=ben)
    assert r.status_code == 404
    assert r.json()["code"] == "no_rental"
    assert r.json()["detail"] == "There is no rental request no. 999999."
    # The client's header wins over the account.
    r = client.get("/api/rentals/999999", headers={**ben, "Accept-Language": "de"})
    assert r.json()["detail"] == "Es gibt keine Mietanfrage Nr. 999999."


def test_the_frameworks_own_errors_are_coded_and_localized(client: TestClient) -> None:
    missing = client.get("/api/nirgends", headers={"Accept-Language": "uk"})
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert missing.json()["detail"] == "Такої сторінки або об’єкта не існує."
    invalid = client.post("/api/rentals/quote", json={"room_id": "x"},
                          headers={"Accept-Language": "ar"})
    assert invalid.status_code == 400
    assert invalid.json()["code"] == "input_invalid_fields"
    assert invalid.json()["detail"].startswith("المدخلات غير صالحة")


# -- parameters --------------------------------------------------------------------------------


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
    # A row's number is a name, not a quantity.
    assert Message("no_room", {"id": 9999}).render("de") == "Es gibt keinen Raum Nr. 9999."


def test_page_strings_that_say_a_number_use_the_plural_forms(
        client: TestClient, world: World) -> None:
    # The Café holds 30: Arabic says 11–99 with the singular accusative, Ukrainian the genitive.
    assert "حتى 30 شخصًا" in client.get("/raeume?lang=ar").text
    assert "до 30 осіб" in client.get("/raeume?lang=uk").text
    assert "bis zu 30 Personen" in client.get("/raeume?lang=de").text
