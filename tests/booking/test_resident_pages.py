"""The resident's own pages (issue 7 §5), on both databases: the room search by date and time
with the fee, the free times of a room's week, the account page (language, password, data
download, deletion), the operator's legal pages and HTML error pages for browsers."""

from __future__ import annotations

import json
from pathlib import Path

from litestar.testing import TestClient

from booking.app import create_app
from booking.settings import Settings
from tests.booking.test_pages import Page, api_request, csrf_of, local, login
from tests.factories import PASSWORD, World

# Wednesday 2 December 2026, 18:00–21:00 (the tests' now is 25 November).
SEARCH = "/raeume?datum=2026-12-02&von=18:00&bis=21:00&personen=10&lang=de"


def test_room_search_lists_the_rooms_free_then_with_the_fee_the_request_costs(
        client: TestClient, as_, world: World) -> None:
    cafe, group = world.rooms["Café"], world.rooms["Gruppenraum 1"]
    page = client.get(SEARCH)
    assert page.status_code == 200, page.text
    assert f'href="/raeume/{cafe}"' in page.text and f'href="/raeume/{group}"' in page.text
    assert f'href="/raeume/{world.rooms["Büro"]}"' not in page.text  # not rentable
    quote = client.post("/api/rentals/quote", headers=as_("anna"), json={
        "room_id": cafe, "starts_at": local(2026, 12, 2, 18), "ends_at": local(2026, 12, 2, 21),
        "expected_people": 10}).json()
    assert quote["fee_cents"] == 5000
    assert "50,00\xa0€" in page.text
    # Barrier-free: only the café; and the request link carries the search.
    barrier_free = client.get(SEARCH + "&barrierefrei=1").text
    assert f'href="/raeume/{group}"' not in barrier_free
    assert (f'href="/raeume/{cafe}/anfragen?datum=2026-12-02&amp;von=18%3A00&amp;bis=21%3A00'
            f'&amp;personen=10"') in barrier_free
    # Once the café is rented then, the search no longer offers it.
    rental = api_request(client, as_("ben"), cafe, day=2, start=19, end=20)
    assert client.post(f"/api/rentals/{rental}/confirm", headers=as_("staff")).status_code == 200
    assert f'href="/raeume/{cafe}"' not in client.get(SEARCH).text
    # The request form opens filled in with the search.
    login(client, world, "anna")
    form = Page(client.get(f"/raeume/{group}/anfragen?datum=2026-12-02&von=18:00&bis=21:00"
                           "&personen=10").text)
    values = {c.get("name"): c.get("value") for c in form.controls}
    assert values["datum"] == "2026-12-02" and values["von"] == "18:00"
    assert values["personen"] == "10"


def test_room_search_with_a_bad_time_says_so_in_the_page_language(
        client: TestClient, world: World) -> None:
    r = client.get("/raeume?datum=2026-12-02&von=21:00&bis=18:00&lang=en")
    assert r.status_code == 400
    assert "The end must be after the start." in r.text
    r = client.get("/raeume?datum=morgen&von=18:00&bis=21:00&lang=de")
    assert r.status_code == 400 and "Bitte ein Datum angeben" in r.text


def test_a_rooms_week_shows_its_free_times(client: TestClient, as_, world: World) -> None:
    cafe = world.rooms["Café"]
    rental = api_request(client, as_("anna"), cafe, day=2, start=18, end=21)
    assert client.post(f"/api/rentals/{rental}/confirm", headers=as_("staff")).status_code == 200
    html = client.get(f"/raeume/{cafe}?woche=2026-W49&lang=de").text
    # Wednesday: free until the rental, nothing after it (the café's rentals end by 22:00).
    assert "08:00–18:00" in html and "21:00–22:00" in html
    assert html.count("08:00–22:00") == 6  # the other days are free all day


def test_account_page_changes_language_and_password(
        client: TestClient, as_, world: World) -> None:
    login(client, world, "anna")
    page = client.get("/konto")
    assert page.status_code == 200
    r = client.post("/konto/sprache", data={"sprache": "uk", "csrf_token": csrf_of(client,
                                                                                  "/konto")})
    assert r.status_code == 200 and 'lang="uk"' in r.text  # followed the redirect
    assert client.get("/api/me", headers=as_("anna")).json()["language"] == "uk"
    token = csrf_of(client, "/konto?lang=de")
    wrong = client.post("/konto/passwort", data={"passwort": "falsch", "csrf_token": token,
                                                 "neues_passwort": "Sonnenblume Tastatur 7",
                                                 "wiederholung": "Sonnenblume Tastatur 7"})
    assert wrong.status_code == 400 and "Das bisherige Passwort stimmt nicht." in wrong.text
    mismatch = client.post("/konto/passwort", data={
        "passwort": PASSWORD, "csrf_token": token, "neues_passwort": "Sonnenblume Tastatur 7",
        "wiederholung": "Sonnenblume Tastatur 8"})
    assert mismatch.status_code == 400
    weak = client.post("/konto/passwort", data={"passwort": PASSWORD, "csrf_token": token,
                                                "neues_passwort": "kurz",
                                                "wiederholung": "kurz"})
    assert weak.status_code == 400
    assert client.post("/api/login", json={"email": world.emails["anna"],
                                            "password": PASSWORD}).status_code == 200
    api_before = as_("anna")
    ok = client.post("/konto/passwort", data={"passwort": PASSWORD, "csrf_token": token,
                                              "neues_passwort": "Sonnenblume Tastatur 7",
                                              "wiederholung": "Sonnenblume Tastatur 7"})
    assert ok.status_code == 200 and "Ihr neues Passwort ist gespeichert" in ok.text
    assert client.get("/konto").status_code == 200  # this session stays
    assert client.get("/api/me", headers=api_before).status_code == 401  # others end
    assert client.post("/api/login", json={"email": world.emails["anna"],
                                            "password": "Sonnenblume Tastatur 7"}
                       ).status_code == 200


def test_guessing_the_current_password_on_a_left_open_browser_is_throttled(
        client: TestClient, world: World) -> None:
    """Whoever finds a browser left logged in cannot try passwords at "change password" or
    "delete account" without limit: after five wrong ones even the right one waits."""
    login(client, world, "anna")
    token = csrf_of(client, "/konto?lang=de")
    new = {"neues_passwort": "Sonnenblume Tastatur 7", "wiederholung": "Sonnenblume Tastatur 7",
           "csrf_token": token}
    for guess in range(3):
        r = client.post("/konto/passwort", data={**new, "passwort": f"geraten {guess}"})
        assert r.status_code == 400 and "Das bisherige Passwort stimmt nicht." in r.text
    for guess in range(2):  # the delete form shares the budget
        r = client.post("/konto/loeschen", data={"passwort": f"geraten {guess}",
                                                 "csrf_token": token})
        assert r.status_code == 400
    refused = client.post("/konto/passwort", data={**new, "passwort": PASSWORD})
    assert refused.status_code == 429 and "Zu viele" in refused.text
    assert client.post("/api/login", json={"email": world.emails["anna"],
                                            "password": PASSWORD}).status_code == 200


def test_data_download_gives_everything_held_about_the_viewer(
        client: TestClient, as_, world: World) -> None:
    mine = api_request(client, as_("anna"), world.rooms["Café"], purpose="Omas Geburtstag")
    api_request(client, as_("ben"), world.rooms["Café"], purpose="Bens Feier", day=3)
    assert client.get("/konto/daten", follow_redirects=False).status_code == 303  # login
    login(client, world, "anna")
    r = client.get("/konto/daten")
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    data = json.loads(r.content)
    assert data["person"]["email"] == world.emails["anna"]
    assert [b["id"] for b in data["bookings"]] == [mine]
    assert data["bookings"][0]["purpose"] == "Omas Geburtstag"
    assert "Bens Feier" not in r.text


def test_deleting_the_account_states_its_consequences_and_needs_the_password(
        client: TestClient, as_, world: World) -> None:
    rental = api_request(client, as_("anna"), world.rooms["Café"])
    login(client, world, "anna")
    form = client.get("/konto/loeschen?lang=de").text
    assert "werden storniert" in form and "nicht rückgängig" in form
    token = Page(form).csrf("/konto/loeschen")
    wrong = client.post("/konto/loeschen", data={"passwort": "falsch", "csrf_token": token})
    assert wrong.status_code == 400
    assert client.get(f"/api/rentals/{rental}", headers=as_("staff")).json()["status"] == \
        "pending"
    done = client.post("/konto/loeschen", data={"passwort": PASSWORD, "csrf_token": token})
    assert done.status_code == 200 and "Konto gelöscht" in done.text
    assert client.get(f"/api/rentals/{rental}", headers=as_("staff")).json()["status"] == \
        "cancelled"
    assert client.get("/konto", follow_redirects=False).status_code == 303
    assert client.post("/api/login", json={"email": world.emails["anna"],
                                            "password": PASSWORD}).status_code == 401


def test_imprint_and_privacy_notice_come_from_the_settings(
        db_url: str, tmp_path: Path, clock, world: World) -> None:
    settings = Settings(database_url=db_url, outbox_dir=tmp_path / "outbox",
                        mail_send_after_commit=False,
                        imprint="Stadt Bielefeld\n\nNiederwall 23, 33602 Bielefeld",
                        privacy_notice="Verantwortlich ist die Stadt Bielefeld.")
    with TestClient(create_app(settings, clock)) as app:
        imprint = app.get("/impressum?lang=ar").text
        assert "<p>Niederwall 23, 33602 Bielefeld</p>" in imprint
        assert '<div class="legal" lang="de" dir="ltr">' in imprint
        assert "Verantwortlich ist die Stadt Bielefeld." in app.get("/datenschutz").text
        assert 'href="/impressum"' in app.get("/").text


def test_browsers_get_html_error_pages_in_their_language_and_api_clients_problems(
        client: TestClient, world: World) -> None:
    page = client.get("/gibt-es-nicht", headers={"Accept-Language": "tr"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="tr"' in page.text and 'href="/"' in page.text
    wrong_method = client.delete("/raeume?lang=en")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"].startswith("text/html")
    assert '<html lang="en"' in wrong_method.text
    api = client.get("/api/gibt-es-nicht")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    assert client.delete("/api/centres").headers["content-type"].startswith(
        "application/problem+json")


def test_account_page_links_to_the_access_codes_and_the_calendar_feeds(
        client: TestClient, as_, world: World) -> None:
    login(client, world, "anna")
    page = client.get("/konto?lang=en").text
    assert 'href="/meine-zugangscodes"' in page and "My access codes" in page
    assert 'href="/schema#/calendar"' in page and "/api/me/feeds" in page
    assert client.get("/meine-zugangscodes").status_code == 200
