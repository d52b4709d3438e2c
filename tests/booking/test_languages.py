"""The page's language: chosen with ?lang= and remembered (cookie, and the account's language
in the database), Accept-Language on a first visit, right-to-left Arabic, and holiday names in
the page's language. On both databases."""

from __future__ import annotations

import html
import re

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from booking import translations
from booking.models import Centre, Person, Room
from booking.translations import LANGUAGES, read_catalogue
from tests.booking.test_pages import Page, csrf_of, login, request_form
from tests.factories import World


def html_attrs(text: str) -> tuple[str | None, str | None]:
    start = text.index("<html")
    tag = text[start:text.index(">", start)]
    lang = tag.split('lang="', 1)[1].split('"', 1)[0] if 'lang="' in tag else None
    direction = tag.split('dir="', 1)[1].split('"', 1)[0] if 'dir="' in tag else None
    return lang, direction


def language_of(session_factory: sessionmaker[Session], email: str) -> str:
    with session_factory() as db:
        return db.scalars(select(Person.language).where(Person.email == email)).one()


def test_arabic_pages_are_right_to_left_and_german_ones_left_to_right(
        client: TestClient, world: World) -> None:
    cafe = world.rooms["Café"]
    for path in ("/", "/raeume", f"/raeume/{cafe}", "/login", "/raeume/9999"):
        sep = "&" if "?" in path else "?"
        assert html_attrs(client.get(f"{path}{sep}lang=ar").text) == ("ar", "rtl"), path
        assert html_attrs(client.get(f"{path}{sep}lang=de").text) == ("de", "ltr"), path


def test_the_room_week_arrows_point_back_in_time_in_either_direction(
        client: TestClient, world: World) -> None:
    cafe = world.rooms["Café"]
    rtl = client.get(f"/raeume/{cafe}?lang=ar").text
    ltr = client.get(f"/raeume/{cafe}?lang=de").text
    assert 'rel="prev"><span aria-hidden="true">→' in rtl
    assert 'rel="prev"><span aria-hidden="true">←' in ltr


def test_every_page_offers_all_five_languages_each_in_itself(
        client: TestClient, world: World) -> None:
    page = client.get("/raeume?personen=3&lang=uk").text
    for code, name in [("de", "Deutsch"), ("en", "English"), ("tr", "Türkçe"),
                       ("ar", "العربية"), ("uk", "Українська")]:
        assert f'lang="{code}" hreflang="{code}"' in page and f">{name}</a>" in page
    # The switch keeps the page's other parameters.
    assert "/raeume?personen=3&amp;lang=tr" in page


@pytest.mark.parametrize(("header", "expected"), [
    ("tr-TR,tr;q=0.9,en;q=0.5", "tr"),
    ("fr-FR, ar;q=0.8, en;q=0.5", "ar"),
    ("en;q=0.2, uk", "uk"),
    ("fr, *;q=0.1", "de"),
    ("tr;q=0", "de"),
    ("", "de"),
])
def test_accept_language_decides_a_first_visit(client: TestClient, header: str,
                                               expected: str) -> None:
    page = client.get("/raeume", headers={"Accept-Language": header})
    assert html_attrs(page.text)[0] == expected
    assert "raumplan_lang" not in page.cookies  # only an explicit choice is remembered


def test_a_chosen_language_is_remembered_by_the_browser(client: TestClient) -> None:
    assert html_attrs(client.get("/raeume?lang=uk").text)[0] == "uk"
    # Later visits, whatever the browser asks for, keep the choice.
    assert html_attrs(client.get("/", headers={"Accept-Language": "tr"}).text)[0] == "uk"
    assert html_attrs(client.get("/raeume?lang=xx").text)[0] == "uk"  # unknown: ignored


def test_a_logged_in_choice_is_saved_on_the_account_and_follows_the_person(
        client: TestClient, world: World, session_factory: sessionmaker[Session]) -> None:
    login(client, world, "anna")
    assert language_of(session_factory, world.emails["anna"]) == "de"
    assert html_attrs(client.get("/meine-anfragen?lang=ar").text) == ("ar", "rtl")
    assert language_of(session_factory, world.emails["anna"]) == "ar"
    # Another browser, which asks for Turkish: the account's language wins after login.
    client.cookies.clear()
    login(client, world, "anna")
    assert html_attrs(client.get("/meine-anfragen",
                                 headers={"Accept-Language": "tr"}).text)[0] == "ar"


def test_registering_in_ukrainian_keeps_ukrainian_for_the_account(
        client: TestClient, session_factory: sessionmaker[Session]) -> None:
    form = Page(client.get("/registrieren?lang=uk").text)
    r = client.post("/registrieren", data={
        "name": "Olena", "email": "olena@example.org", "passwort": "Sonnenblume-Kyiv-1991",
        "sprache": "uk", "csrf_token": form.csrf()})
    assert r.status_code == 200, r.text
    assert language_of(session_factory, "olena@example.org") == "uk"


def test_the_database_accepts_the_five_languages_and_no_other(
        session_factory: sessionmaker[Session], world: World) -> None:
    email = world.emails["anna"]
    for code in ("tr", "ar", "uk", "en", "de"):
        with session_factory.begin() as db:
            db.execute(update(Person).where(Person.email == email).values(language=code))
    with pytest.raises(IntegrityError), session_factory.begin() as db:
        db.execute(update(Person).where(Person.email == email).values(language="fr"))


def test_holiday_names_come_in_the_page_language(client: TestClient, world: World) -> None:
    cafe = world.rooms["Café"]
    login(client, world, "anna")
    token = csrf_of(client, f"/raeume/{cafe}/anfragen")
    form = request_form(day="2026-12-25", start="14:00", end="17:00", token=token)
    german = client.post(f"/raeume/{cafe}/anfragen?lang=de", data=form).text
    assert "Das Stadtteilzentrum ist am 25. Dez. 2026 geschlossen (Erster Weihnachtstag)." in \
        german
    assert "Christmas" not in german
    english = client.post(f"/raeume/{cafe}/anfragen?lang=en", data=form).text
    assert "(Christmas Day)" in english and "Weihnacht" not in english
    ukrainian = client.post(f"/raeume/{cafe}/anfragen?lang=uk", data=form).text
    assert "Перший день Різдва" in ukrainian and "Christmas" not in ukrainian


def visible_text(page: str) -> str:
    """The page's text as a reader sees it, without the language switch (whose links name each
    language in itself, marked with their own lang)."""
    page = re.sub(r'<p class="lang-switch">.*?</p>', "", page, flags=re.S)
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def catalogue_texts(lang: str) -> set[str]:
    catalogue = read_catalogue(lang)
    return {m.string for m in catalogue if m.id and isinstance(m.string, str)}


def foreign_texts(lang: str) -> dict[str, set[str]]:
    """Per other language, its catalogue texts that are not also texts of ``lang``; long
    enough (≥ 8 characters) not to be a shared word ("Filter", "Status")."""
    own = catalogue_texts(lang)
    return {other: {t for t in catalogue_texts(other) - own if len(t) >= 8
                    and "%(" not in t}
            for other in LANGUAGES if other != lang}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_page_in_one_language_shows_no_text_of_another(
        client: TestClient, world: World, session_factory: sessionmaker[Session],
        lang: str) -> None:
    cafe = world.rooms["Café"]
    # Names are the centres' own ("Stadtteilzentrum Nord"), not texts of the pages.
    with session_factory() as db:
        names = [*db.scalars(select(Centre.name)), *db.scalars(select(Room.name))]

    def text_of(page: str) -> str:
        text = visible_text(page)
        for name in names:
            text = text.replace(name, "")
        return text

    pages = {path: client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}").text
             for path in ("/", "/raeume", "/raeume?personen=x", f"/raeume/{cafe}", "/login",
                          "/registrieren", "/passwort-vergessen", "/raeume/9999")}
    login(client, world, "anna")
    token = csrf_of(client, f"/raeume/{cafe}/anfragen")
    # On Christmas Day (a holiday name) with too many people (a service message).
    pages["quote"] = client.post(f"/raeume/{cafe}/anfragen?lang={lang}", data=request_form(
        day="2026-12-25", start="14:00", end="17:00", people="45", token=token)).text
    pages["mine"] = client.get("/meine-anfragen").text
    assert "(" in visible_text(pages["quote"])  # the holiday's name is on the page
    found = [(path, other, text) for path, page in pages.items()
             for other, texts in foreign_texts(lang).items()
             for text in texts if text in text_of(page)]
    assert found == [], found
    # And the page's own language is there: its word for "rooms" in the navigation.
    assert all(translations.gettext_for(lang)("Räume") in visible_text(p)
               for p in pages.values())


def test_turkish_browser_gets_turkish_text_on_a_first_visit(client: TestClient) -> None:
    page = client.get("/raeume", headers={"Accept-Language": "tr-TR,tr;q=0.9,de;q=0.5"}).text
    assert "<h1>Oda bul</h1>" in page and "İçeriğe geç" in page
    arabic = client.get("/raeume", headers={"Accept-Language": "ar-SY"}).text
    assert "<h1>البحث عن غرفة</h1>" in arabic and html_attrs(arabic) == ("ar", "rtl")


def test_an_unknown_address_answers_in_the_account_language_after_login(
        client: TestClient, world: World, session_factory: sessionmaker[Session]) -> None:
    """The 404 page answers without looking up the session; after a login its language is
    still the account's, not the browser's German."""
    with session_factory.begin() as s:
        s.execute(update(Person).where(Person.email == world.emails["anna"])
                  .values(language="uk"))
    client.headers["Accept-Language"] = "de-DE,de;q=0.9"
    login(client, world, "anna")
    assert html_attrs(client.get("/konto").text)[0] == "uk"
    missing = client.get("/gibt-es-nicht")
    assert missing.status_code == 404
    assert html_attrs(missing.text)[0] == "uk" and "Сторінку не знайдено." in missing.text
