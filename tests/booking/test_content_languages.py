"""Rooms and offers in several languages (issue 7 §3), on both databases: staff enter
translations through the API, the pages show them in the page's language and fall back to the
German text marked ``lang="de"``."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from booking.models import Room
from tests.factories import World

SAAL_TEXTS = {"description": "Großer Saal mit Bühne.",
              "accessibility_notes": "Stufenloser Zugang vom Foyer.",
              "house_rules": "Rauchen verboten."}


def _element_of(html: str, text: str) -> str:
    """The opening tag of the element whose content starts with ``text``."""
    match = re.search(r"<(\w+)([^>]*)>\s*" + re.escape(text), html)
    assert match, f"{text!r} not on the page"
    return match.group(0)


def test_room_texts_show_in_the_page_language_and_fall_back_to_marked_german(
        client: TestClient, as_, world: World) -> None:
    cafe = world.rooms["Café"]
    r = client.patch(f"/api/rooms/{cafe}", headers=as_("staff"), json={
        **SAAL_TEXTS,
        "translations": {"en": {"description": "Big hall with a stage.",
                                "accessibility_notes": "Step-free from the foyer."},
                         "ar": {"description": "قاعة كبيرة مع مسرح."}}})
    assert r.status_code == 200, r.text
    assert r.json()["translations"]["en"]["description"] == "Big hall with a stage."

    english = client.get(f"/raeume/{cafe}?lang=en").text
    assert "Big hall with a stage." in english and "Großer Saal" not in english
    assert 'lang="de"' not in _element_of(english, "Big hall with a stage.")
    # House rules have no English text: German, marked as German.
    assert 'lang="de"' in _element_of(english, "Rauchen verboten.")

    arabic = client.get(f"/raeume/{cafe}?lang=ar").text
    assert 'lang="de"' not in _element_of(arabic, "قاعة كبيرة مع مسرح.")
    notes = _element_of(arabic, "Stufenloser Zugang vom Foyer.")
    assert 'lang="de"' in notes and 'dir="ltr"' in notes

    german = client.get(f"/raeume/{cafe}?lang=de").text
    assert 'lang="de"' not in _element_of(german, "Großer Saal mit Bühne.")
    listed = client.get("/raeume?lang=en").text
    assert "Step-free from the foyer." in listed


def test_a_patch_replaces_one_language_and_keeps_the_others(
        client: TestClient, as_, world: World) -> None:
    cafe = world.rooms["Café"]
    staff = as_("staff")
    client.patch(f"/api/rooms/{cafe}", headers=staff, json={"translations": {
        "en": {"description": "Café"}, "tr": {"description": "Kafe"}}})
    r = client.patch(f"/api/rooms/{cafe}", headers=staff, json={"translations": {
        "en": {}, "tr": {"house_rules": "Sigara yasak."}}})
    assert r.status_code == 200, r.text
    assert r.json()["translations"] == {"tr": {"house_rules": "Sigara yasak."}}


def test_translations_need_a_known_language_and_staff(
        client: TestClient, as_, world: World) -> None:
    cafe = world.rooms["Café"]
    for language in ("de", "fr", "xx"):
        r = client.patch(f"/api/rooms/{cafe}", headers=as_("staff"),
                         json={"translations": {language: {"description": "x"}}})
        assert r.status_code == 400, (language, r.text)
    r = client.patch(f"/api/rooms/{cafe}", headers=as_("anna"),
                     json={"translations": {"en": {"description": "x"}}})
    assert r.status_code == 403
    assert client.get(f"/api/rooms/{cafe}").json()["translations"] == {}


def test_offer_translations_through_create_and_patch(
        client: TestClient, as_, world: World) -> None:
    staff = as_("staff")
    r = client.post(f"/api/centres/{world.centre_id}/offers", headers=staff, json={
        "title": "Sprachcafé", "theme": "welcome_culture", "description": "Deutsch üben.",
        "target_groups": ["Zugewanderte", "alle"],
        "translations": {"uk": {"title": "Мовне кафе",
                                "target_groups": ["мігранти", "усі"]}}})
    assert r.status_code == 201, r.text
    offer = r.json()
    assert offer["translations"]["uk"]["title"] == "Мовне кафе"
    assert offer["drop_in"] is True
    # Target groups stand one for one beside the German ones.
    r = client.patch(f"/api/offers/{offer['id']}", headers=staff, json={
        "translations": {"tr": {"target_groups": ["göçmenler"]}}})
    assert r.status_code == 400
    assert r.json()["code"] == "translation_target_groups"
    r = client.patch(f"/api/offers/{offer['id']}", headers=staff, json={
        "drop_in": False, "translations": {"tr": {"title": "Dil kafesi"}}})
    assert r.status_code == 200, r.text
    assert r.json()["drop_in"] is False
    assert set(r.json()["translations"]) == {"uk", "tr"}
    assert client.get(f"/api/offers/{offer['id']}").json()["translations"]["tr"] == \
        {"title": "Dil kafesi"}
    r = client.patch(f"/api/offers/{offer['id']}", headers=as_("staff_sued"),
                     json={"title": "x"})
    assert r.status_code == 403


def test_the_demo_centre_carries_its_main_rooms_and_offers_in_four_languages() -> None:
    from booking import demo, demo_texts
    from booking.models.texts import TRANSLATION_LANGUAGES

    for key in ("saal", "cafe", "gruppe1", "gruppe2"):
        for lang in TRANSLATION_LANGUAGES:
            texts = demo_texts.ROOMS[key][lang]
            assert set(texts) == {"description", "accessibility_notes", "house_rules",
                                  "cleaning_rules"}, (key, lang)
    german = {spec.key: spec for spec in demo.OFFERS}
    for key, by_language in demo_texts.OFFERS.items():
        assert german[key].public, key
        assert set(by_language) == set(TRANSLATION_LANGUAGES), key
        for lang, texts in by_language.items():
            # One translated target group per German one: the programme filter needs it.
            assert len(texts["target_groups"]) == len(german[key].target_groups), (key, lang)


def test_a_rooms_week_shows_offer_titles_in_the_page_language(
        client: TestClient, as_, world: World) -> None:
    from tests.booking.test_pages import local

    staff, cafe = as_("staff"), world.rooms["Café"]
    offer = client.post(f"/api/centres/{world.centre_id}/offers", headers=staff, json={
        "title": "Familiensamstag", "theme": "family",
        "translations": {"en": {"title": "Family Saturday"}}}).json()["id"]
    r = client.post("/api/bookings", headers=staff, json={
        "kind": "programme", "title": "Familiensamstag", "room_id": cafe, "offer_id": offer,
        "starts_at": local(2026, 12, 5, 14), "ends_at": local(2026, 12, 5, 17)})
    assert r.status_code == 201, r.text
    english = client.get(f"/raeume/{cafe}?woche=2026-W49&lang=en").text
    assert "Family Saturday" in english and "Familiensamstag" not in english
    turkish = client.get(f"/raeume/{cafe}?woche=2026-W49&lang=tr").text
    assert 'lang="de"' in _element_of(turkish, "Familiensamstag")


def test_house_rules_are_said_in_each_callers_language_in_the_quote_and_the_mail(
        client: TestClient, as_, world: World, session_factory) -> None:
    from tests.booking.account_helpers import mails_to, register_and_confirm
    from tests.booking.api_helpers import berlin, rent

    cafe = world.rooms["Café"]
    r = client.patch(f"/api/rooms/{cafe}", headers=as_("staff"), json={
        "house_rules": "Rauchen verboten.",
        "translations": {"tr": {"house_rules": "Sigara yasak."}}})
    assert r.status_code == 200, r.text
    with session_factory.begin() as session:  # entered on the staff page, not the API
        session.get(Room, cafe).cleaning_rules = "Bitte besenrein verlassen."
    start, end = berlin(2026, 12, 5, 14), berlin(2026, 12, 5, 17)

    def quote(lang: str) -> dict:
        answer = client.post("/api/rentals/quote", headers={"Accept-Language": lang}, json={
            "room_id": cafe, "starts_at": start, "ends_at": end, "expected_people": 8})
        assert answer.status_code == 200, answer.text
        return answer.json()

    turkish, english, german = quote("tr"), quote("en"), quote("de")
    assert [rule["code"] for rule in turkish["house_rules"]] == [
        "rule_latest_end", "rule_quiet_from", "rule_cleaning", "rule_house"]
    assert turkish["house_rules"][0]["params"] == {"t": "22:00"}
    assert turkish["rules"].startswith("En geç saat 22:00'de bitiş")
    assert "Sigara yasak." in turkish["rules"] and "Rauchen" not in turkish["rules"]
    assert "Bitte besenrein verlassen." in turkish["rules"]  # no Turkish text: the German
    assert english["rules"].startswith("End by 22:00 at the latest; Quiet time from 22:00")
    assert "Rauchen verboten." in english["rules"] and "Ende spätestens" not in english["rules"]
    assert german["rules"] == ("Ende spätestens 22:00 Uhr; Ruhezeit ab 22:00 Uhr; "
                               "Bitte besenrein verlassen.; Rauchen verboten.")
    # The room page takes its rules from the same function: Turkish, the German marked.
    page = client.get(f"/raeume/{cafe}?lang=tr").text
    assert "Sigara yasak." in page and "Saat 22:00&#39;den itibaren sessizlik" in page
    assert 'lang="de"' in _element_of(page, "Bitte besenrein verlassen.")

    # The confirmation mail says them in the recipient's language.
    register_and_confirm(client, session_factory, "ayse@example.org",
                         "ein langes Passwort für Tests", "Ayşe Yılmaz", "tr")
    token = client.post("/api/login", json={"email": "ayse@example.org",
                                            "password": "ein langes Passwort für Tests"})
    ayse = {"Authorization": f"Bearer {token.json()['token']}"}
    sent = rent(client, ayse, cafe, start, end, people=8)
    assert sent.status_code == 201, sent.text
    confirmed = client.post(f"/api/rentals/{sent.json()['id']}/confirm", headers=as_("staff"))
    assert confirmed.status_code == 200, confirmed.text
    mail = mails_to(session_factory, "ayse@example.org")[-1]
    assert "Sigara yasak." in mail.body and "sessizlik" in mail.body
    assert "Rauchen" not in mail.body and "Ruhezeit" not in mail.body
