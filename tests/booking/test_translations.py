"""The gettext catalogues: every msgid in the code and the page templates (as Babel extracts
them) has a translation in every language, with the same placeholders, and the pages and the
services' messages come out in the catalogue's language."""

from __future__ import annotations

import pytest

from booking import translations
from booking.messages import Message, Status
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
    message = Message("capacity", {"room": "Raum 1", "n": 30, "people": 40})
    assert i18n.service_message(message, "de") == \
        "In Raum 1 haben höchstens 30 Personen Platz; Sie erwarten 40."
    assert i18n.service_message(message, "en") == \
        "Raum 1 holds at most 30 people; you expect 40."
    closed = Message("request_closed", {"id": 7, "status": Status("confirmed")})
    assert i18n.service_message(closed, "de") == "Anfrage Nr. 7 ist schon bestätigt."
    # A page's own German msgid goes through the catalogue too.
    assert i18n.service_message("Räume finden", "en") != "Räume finden"


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
