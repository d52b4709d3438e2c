"""Rooms and offers in several languages (issue 7 §3), on both databases: staff enter
translations through the API, the pages show them in the page's language and fall back to the
German text marked ``lang="de"``."""

from __future__ import annotations

import re

from litestar.testing import TestClient

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
