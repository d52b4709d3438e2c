"""The gettext catalogues: every msgid in the code and the page templates (as Babel extracts
them) has a translation in every language, with the same placeholders, and the pages and the
services' messages come out in the catalogue's language."""

from __future__ import annotations

import pytest

from booking import translations
from booking.translations import LANGUAGES, extract, read_catalogue
from booking.web import i18n

COMPLETE = LANGUAGES


def test_extraction_finds_the_page_strings() -> None:
    ids = {m.id for m in extract() if m.id}
    # One from a template, one from a handler (N_), one service message from the table.
    assert {"Räume finden", "Nicht gefunden", "Bitte melden Sie sich zuerst an."} <= ids


@pytest.mark.parametrize("lang", COMPLETE)
def test_every_msgid_has_a_translation(lang: str) -> None:
    catalogue = read_catalogue(lang)
    missing = [m.id for m in extract() if m.id and (
        m.id not in catalogue or not catalogue[m.id].string or catalogue[m.id].fuzzy)]
    assert missing == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders(lang: str) -> None:
    catalogue = read_catalogue(lang)
    errors = [(m.id, [str(e) for e in errs]) for m, errs in catalogue.check()]
    assert errors == []


def test_a_service_message_is_rendered_through_the_catalogues() -> None:
    message = "Room 1 holds at most 30 people; you expect 40."
    assert i18n.service_message(message, "de") == \
        "In Room 1 haben höchstens 30 Personen Platz; Sie erwarten 40."
    assert i18n.service_message(message, "en") == message
    assert i18n.service_message("Request 7 is confirmed already.", "de") == \
        "Anfrage Nr. 7 ist schon bestätigt."


@pytest.mark.parametrize("message", [
    "Please enter at most 200 characters.",
    "A series may span at most 5 years.",
    "The dates of this series overlap each other: 01.12.2026 18:00–20:00 and "
    "01.12.2026 19:00–21:00. Each date must end before the next one begins.",
    "The room was taken meanwhile; please look again.",
    "The time lies outside the years 2000–2099.",
    "The password must not be your e-mail address or your name: others know them.",
    "This link has expired. Please ask for a new one.",
    "Too many failed logins. Please wait 15 minutes and try again.",
])
def test_the_services_sentences_merged_from_main_are_translated(message: str) -> None:
    """English on an English page, and in every other language something else than English."""
    assert i18n.service_message(message, "en") == message
    for lang in ("de", "tr", "ar", "uk"):
        assert i18n.service_message(message, lang) != message, lang


def test_an_unknown_language_gets_the_german_msgids() -> None:
    assert translations.gettext_for("xx")("Räume finden") == "Räume finden"


def test_every_german_holiday_name_is_a_msgid() -> None:
    """Turkish and Arabic holiday names come from our catalogues (``holidays`` has neither):
    a holiday a new ``holidays`` release adds must be added to HOLIDAY_NAMES."""
    import holidays

    from booking.formatting import HOLIDAY_NAMES

    names = {name for sub in holidays.country_holidays("DE").subdivisions
             for year in range(2025, 2031)
             for name in holidays.country_holidays("DE", subdiv=sub, years=year,
                                                   language="de").values()}
    assert names - set(HOLIDAY_NAMES) == set()
