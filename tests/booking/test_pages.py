"""The server-rendered pages, on both databases: cookie login, CSRF, the rental request with
its quote, the staff inbox, privacy of the public week, the language switch, and the
accessibility basics every page must have (checked with the stdlib's html.parser)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

from litestar.testing import TestClient

from booking.app import create_app
from booking.settings import Settings
from tests.booking.account_helpers import links, mails_to, register_and_confirm, token_of
from tests.factories import PASSWORD, World


class Page(HTMLParser):
    """What the tests look at in a page: lang, headings, form controls and their labels."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.lang: str | None = None
        self.h1 = 0
        self.controls: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.wrapped: set[int] = set()  # indexes of controls inside a <label>
        self.ids: set[str] = set()
        self.skip_link = False
        self._in_label = 0
        self.hidden: dict[str, list[str]] = {}
        self.form_tokens: list[tuple[str, str]] = []  # (form action, csrf_token)
        self._action = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "a" and a.get("class") == "skip-link" and a.get("href", "").startswith("#"):
            self.skip_link = True
        elif tag == "form":
            self._action = a.get("action", "")
        elif tag == "label":
            self._in_label += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            kind = a.get("type", "text") if tag == "input" else tag
            if kind == "hidden":
                self.hidden.setdefault(a.get("name", ""), []).append(a.get("value", ""))
                if a.get("name") == "csrf_token":
                    self.form_tokens.append((self._action, a.get("value", "")))
            elif kind not in ("submit", "button", "reset"):
                if self._in_label:
                    self.wrapped.add(len(self.controls))
                self.controls.append({"tag": tag, **a})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._in_label:
            self._in_label -= 1

    def unlabelled(self) -> list[dict[str, str]]:
        return [c for i, c in enumerate(self.controls)
                if i not in self.wrapped and c.get("id") not in self.label_for]

    def broken_describedby(self) -> list[str]:
        return [ref for c in self.controls for ref in c.get("aria-describedby", "").split()
                if ref not in self.ids]

    def csrf(self, action: str | None = None) -> str:
        """The token of the form posting to ``action``; else of the page's last form (the
        header's logout form comes first)."""
        tokens = [t for a, t in self.form_tokens if action is None or a == action]
        return tokens[-1]


def local(y: int, mo: int, d: int, h: int) -> str:
    """A Berlin wall time in winter (UTC+1) as an ISO instant, for the API."""
    return datetime(y, mo, d, h - 1, tzinfo=UTC).isoformat()


def api_request(client: TestClient, headers: dict[str, str], room: int, purpose: str = "Feier",
                day: int = 2, start: int = 18, end: int = 21) -> int:
    r = client.post("/api/rentals", headers=headers, json={
        "room_id": room, "starts_at": local(2026, 12, day, start),
        "ends_at": local(2026, 12, day, end), "expected_people": 10, "purpose": purpose})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def login(client: TestClient, world: World, key: str) -> None:
    form = Page(client.get("/login").text)
    r = client.post("/login", data={"email": world.emails[key], "passwort": PASSWORD,
                                    "csrf_token": form.csrf()}, follow_redirects=False)
    assert r.status_code == 303, r.text


def logout(client: TestClient) -> None:
    token = Page(client.get("/").text).csrf("/logout")
    r = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.delete("raumplan_session")


def csrf_of(client: TestClient, path: str) -> str:
    return Page(client.get(path).text).csrf()


def request_form(day: str = "2026-12-02", start: str = "18:00", end: str = "21:00",
                 people: str = "10", purpose: str = "Geburtstag", action: str = "preis",
                 token: str | None = None) -> dict[str, str]:
    data = {"datum": day, "von": start, "bis": end, "personen": people, "zweck": purpose,
            "aktion": action}
    if token is not None:
        data["csrf_token"] = token
    return data


def test_login_form_sets_session_cookie_and_lists_only_own_requests(
        client: TestClient, as_, world: World) -> None:
    cafe = world.rooms["Café"]
    mine = api_request(client, as_("anna"), cafe, day=2)
    theirs = api_request(client, as_("ben"), cafe, day=3)
    form = Page(client.get("/login").text)
    r = client.post("/login", data={"email": world.emails["anna"], "passwort": PASSWORD,
                                    "csrf_token": form.csrf()}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/meine-anfragen"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("raumplan_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # the tests' base URL is http
    page = client.get("/meine-anfragen")
    assert page.status_code == 200
    assert f'href="/meine-anfragen/{mine}"' in page.text
    assert f'href="/meine-anfragen/{theirs}"' not in page.text
    assert "Di., 1. Dez. 2026" not in page.text and "Mi., 2. Dez. 2026, 18:00–21:00" in page.text
    assert client.get(f"/meine-anfragen/{theirs}").status_code == 404


def test_wrong_password_rerenders_login_with_401(client: TestClient, world: World) -> None:
    token = csrf_of(client, "/login")
    r = client.post("/login", data={"email": world.emails["anna"], "passwort": "falsch",
                                    "csrf_token": token})
    assert r.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch." in r.text
    assert "raumplan_session" not in client.cookies


def test_login_returns_to_weiter_but_never_to_another_site(client: TestClient,
                                                           world: World) -> None:
    r = client.get("/verwaltung/anfragen", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?weiter=/verwaltung/anfragen"
    for target, expected in [("/raeume/1", "/raeume/1"), ("//evil.example/x", "/meine-anfragen"),
                             ("https://evil.example", "/meine-anfragen")]:
        token = csrf_of(client, "/login")
        r = client.post("/login", data={"email": world.emails["anna"], "passwort": PASSWORD,
                                        "csrf_token": token, "weiter": target},
                        follow_redirects=False)
        assert r.headers["location"] == expected


def test_post_without_csrf_token_is_refused_and_changes_nothing(
        client: TestClient, as_, world: World) -> None:
    rental = api_request(client, as_("anna"), world.rooms["Café"])
    login(client, world, "anna")
    for data in ({}, {"csrf_token": "falsch"}, {"csrf_token": ""}):
        r = client.post(f"/meine-anfragen/{rental}/stornieren", data=data)
        assert r.status_code == 403
        assert "Sicherheitsgründen" in r.text
        assert "<h1>Nicht erlaubt</h1>" in r.text
        assert r.headers["content-type"].startswith("text/html")
    assert client.get(f"/api/rentals/{rental}", headers=as_("anna")).json()["status"] == "pending"
    token = csrf_of(client, "/meine-anfragen")
    r = client.post(f"/meine-anfragen/{rental}/stornieren", data={"csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    assert client.get(f"/api/rentals/{rental}", headers=as_("anna")).json()["status"] == \
        "cancelled"
    assert f"Anfrage Nr. {rental} wurde storniert." in client.get(r.headers["location"]).text


def test_https_base_url_makes_cookies_secure_and_sends_hsts(
        db_url: str, tmp_path: Path, clock, world: World) -> None:
    settings = Settings(database_url=db_url, outbox_dir=tmp_path / "outbox",
                        mail_send_after_commit=False, base_url="https://raumplan.example.org")
    with TestClient(create_app(settings, clock), base_url="https://testserver.local") as https:
        form = Page(https.get("/login").text)
        r = https.post("/login", data={"email": world.emails["anna"], "passwort": PASSWORD,
                                       "csrf_token": form.csrf()}, follow_redirects=False)
        assert r.status_code == 303
        cookies = r.headers.get_list("set-cookie")
        assert {c.split("=")[0] for c in cookies} >= {"raumplan_session", "raumplan_device"}
        assert all("Secure" in c for c in cookies)
        assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        api = https.get("/api/centres")
        assert api.headers["strict-transport-security"].startswith("max-age=31536000")



def test_secure_cookies_follow_raumplan_base_url_unless_set(monkeypatch) -> None:
    monkeypatch.setenv("RAUMPLAN_BASE_URL", "https://raumplan.example.org")
    monkeypatch.delenv("RAUMPLAN_SECURE_COOKIES", raising=False)
    assert Settings.from_env().cookies_secure
    monkeypatch.setenv("RAUMPLAN_SECURE_COOKIES", "0")  # e.g. a test proxy in front
    assert not Settings.from_env().cookies_secure
    monkeypatch.setenv("RAUMPLAN_BASE_URL", "http://127.0.0.1:8000")
    monkeypatch.delenv("RAUMPLAN_SECURE_COOKIES")
    assert not Settings.from_env().cookies_secure
    monkeypatch.setenv("RAUMPLAN_SECURE_COOKIES", "1")
    assert Settings.from_env().cookies_secure


def test_http_base_url_sends_no_hsts(client: TestClient, world: World) -> None:
    assert "strict-transport-security" not in client.get("/login").headers
    assert "strict-transport-security" not in client.get("/api/centres").headers


def test_anonymous_forms_need_the_double_submit_token(client: TestClient, world: World) -> None:
    client.get("/login")  # sets the raumplan_csrf cookie
    r = client.post("/login", data={"email": world.emails["anna"], "passwort": PASSWORD,
                                    "csrf_token": "geraten"})
    assert r.status_code == 403
    assert "raumplan_session" not in client.cookies
    # A form token without the cookie (what a forged post from another site would send).
    token = csrf_of(client, "/registrieren")
    client.cookies.delete("raumplan_csrf")
    r = client.post("/registrieren", data={"name": "Eve", "email": "eve@example.org",
                                           "passwort": PASSWORD, "csrf_token": token})
    assert r.status_code == 403
    assert "raumplan_session" not in client.cookies


def test_api_keeps_bearer_tokens_without_csrf(client: TestClient, as_, world: World) -> None:
    login(client, world, "anna")  # a page session cookie must not authenticate the API
    r = client.post("/api/rentals", json={
        "room_id": world.rooms["Café"], "starts_at": local(2026, 12, 2, 18),
        "ends_at": local(2026, 12, 2, 21), "expected_people": 5, "purpose": "x"})
    assert r.status_code == 401
    assert api_request(client, as_("anna"), world.rooms["Café"]) > 0


def test_quote_shows_fee_and_rules_before_anything_is_sent(
        client: TestClient, as_, world: World) -> None:
    cafe = world.rooms["Café"]
    login(client, world, "anna")
    token = csrf_of(client, f"/raeume/{cafe}/anfragen")
    r = client.post(f"/raeume/{cafe}/anfragen", data=request_form(token=token))
    assert r.status_code == 200
    # 3 started hours × 10 € = 30 € (the minimum fee), plus 20 € cleaning.
    assert "50,00\xa0€" in r.text  # Babel: no line break inside an amount
    assert "Ende spätestens 22:00 Uhr" in r.text
    assert "Die Anfrage kann so gesendet werden." in r.text
    assert 'value="Geburtstag"' not in r.text  # the purpose stays in the textarea
    assert ">Geburtstag</textarea>" in r.text
    assert client.get("/api/rentals", headers=as_("anna")).json() == []
    too_many = client.post(f"/raeume/{cafe}/anfragen",
                           data=request_form(people="45", token=token))
    assert "In Café haben höchstens 30 Personen Platz; Sie erwarten 45." in too_many.text
    sent = client.post(f"/raeume/{cafe}/anfragen",
                       data=request_form(people="45", action="senden", token=token))
    assert sent.status_code == 422
    assert "höchstens 30 Personen" in sent.text
    assert client.get("/api/rentals", headers=as_("anna")).json() == []


def test_form_errors_are_linked_to_their_fields(client: TestClient, world: World) -> None:
    cafe = world.rooms["Café"]
    login(client, world, "anna")
    token = csrf_of(client, f"/raeume/{cafe}/anfragen")
    r = client.post(f"/raeume/{cafe}/anfragen",
                    data=request_form(day="morgen", end="17:00", purpose="", action="senden",
                                      token=token))
    assert r.status_code == 400
    page = Page(r.text)
    invalid = {c["name"] for c in page.controls if c.get("aria-invalid") == "true"}
    assert invalid == {"datum", "zweck"}
    assert page.broken_describedby() == []
    assert 'href="#f-datum"' in r.text


def test_request_via_form_reaches_staff_inbox_and_resident_sees_confirmation(
        client: TestClient, world: World) -> None:
    cafe = world.rooms["Café"]
    login(client, world, "anna")
    token = csrf_of(client, f"/raeume/{cafe}/anfragen")
    r = client.post(f"/raeume/{cafe}/anfragen",
                    data=request_form(action="senden", purpose="Kindergeburtstag", token=token),
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    done = client.get(r.headers["location"])
    assert "<h1>Anfrage gesendet</h1>" in done.text
    rental = int(re.search(r"/meine-anfragen/(\d+)", r.headers["location"]).group(1))
    assert "Mi., 2. Dez. 2026, 18:00–21:00" in done.text and "50,00\xa0€" in done.text
    logout(client)

    login(client, world, "staff")
    inbox = client.get("/verwaltung/anfragen")
    assert inbox.status_code == 200
    assert f"Anfrage Nr. {rental}:" in inbox.text and "Kindergeburtstag" in inbox.text
    r = client.post(f"/verwaltung/anfragen/{rental}/bestaetigen",
                    data={"csrf_token": Page(inbox.text).csrf()}, follow_redirects=False)
    assert r.status_code == 303
    after = client.get(r.headers["location"])
    assert f"Anfrage Nr. {rental} wurde bestätigt." in after.text
    assert "Keine offenen Anfragen." in after.text
    logout(client)

    login(client, world, "anna")
    mine = client.get("/meine-anfragen").text
    assert "bestätigt" in mine


def test_staff_decline_needs_a_reason_and_the_resident_reads_it(
        client: TestClient, as_, world: World) -> None:
    rental = api_request(client, as_("anna"), world.rooms["Café"])
    login(client, world, "staff")
    token = csrf_of(client, "/verwaltung/anfragen")
    r = client.post(f"/verwaltung/anfragen/{rental}/ablehnen", data={"csrf_token": token,
                                                                     "grund": " "})
    assert r.status_code == 400
    assert "Bitte geben Sie der Person einen Grund für die Ablehnung an." in r.text
    r = client.post(f"/verwaltung/anfragen/{rental}/ablehnen",
                    data={"csrf_token": token, "grund": "Der Raum wird renoviert."})
    assert r.status_code == 200 and f"Anfrage Nr. {rental} wurde abgelehnt." in r.text
    logout(client)
    login(client, world, "anna")
    mine = client.get("/meine-anfragen").text
    assert "abgelehnt" in mine and "Der Raum wird renoviert." in mine


def test_database_conflict_on_confirm_shows_409_with_the_message(
        client: TestClient, as_, world: World) -> None:
    cafe = world.rooms["Café"]
    rental = api_request(client, as_("anna"), cafe)
    taken = client.post("/api/bookings", headers=as_("staff"), json={
        "kind": "programme", "title": "Sprachcafé", "room_id": cafe,
        "starts_at": local(2026, 12, 2, 17), "ends_at": local(2026, 12, 2, 19)})
    assert taken.status_code == 201, taken.text
    login(client, world, "staff")
    token = csrf_of(client, "/verwaltung/anfragen")
    r = client.post(f"/verwaltung/anfragen/{rental}/bestaetigen", data={"csrf_token": token})
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("text/html")
    assert "schon belegt" in r.text and "Sprachcafé" in r.text
    assert client.get(f"/api/rentals/{rental}", headers=as_("anna")).json()["status"] == "pending"


def test_resident_cannot_open_the_staff_inbox(client: TestClient, as_, world: World) -> None:
    rental = api_request(client, as_("ben"), world.rooms["Café"])
    login(client, world, "anna")
    r = client.get("/verwaltung/anfragen")
    assert r.status_code == 403
    assert "Nur das Team eines Stadtteilzentrums" in r.text
    token = csrf_of(client, "/meine-anfragen")
    r = client.post(f"/verwaltung/anfragen/{rental}/bestaetigen", data={"csrf_token": token})
    assert r.status_code == 403
    assert client.get(f"/api/rentals/{rental}", headers=as_("ben")).json()["status"] == "pending"


def test_staff_of_another_centre_does_not_see_the_request(client: TestClient, as_,
                                                          world: World) -> None:
    rental = api_request(client, as_("anna"), world.rooms["Café"])
    login(client, world, "staff_sued")
    inbox = client.get("/verwaltung/anfragen")
    assert inbox.status_code == 200 and f"Anfrage Nr. {rental}" not in inbox.text
    r = client.post(f"/verwaltung/anfragen/{rental}/bestaetigen",
                    data={"csrf_token": Page(inbox.text).csrf()})
    # The service answers as for a missing request (404) or refuses (403): never confirmed.
    assert r.status_code in (403, 404)
    assert client.get(f"/api/rentals/{rental}", headers=as_("anna")).json()["status"] == "pending"


def test_public_room_week_never_shows_renter_or_purpose(client: TestClient, as_,
                                                        world: World) -> None:
    cafe = world.rooms["Café"]
    rental = api_request(client, as_("anna"), cafe, purpose="Geheime Feier von Anna")
    assert client.post(f"/api/rentals/{rental}/confirm", headers=as_("staff")).status_code == 200
    for viewer in ("anonymous", "ben"):
        if viewer == "ben":
            login(client, world, "ben")
        page = client.get(f"/raeume/{cafe}?woche=2026-W49&lang=de")
        assert page.status_code == 200
        assert "18:00–21:00" in page.text and "Raumvermietung" in page.text
        assert "Mi., 2. Dez. 2026" in page.text
        for secret in ("Anna", "Geheime", "anna@example.org"):
            assert secret not in page.text
    other_week = client.get(f"/raeume/{cafe}?woche=2026-W50&lang=de").text
    assert "18:00–21:00" not in other_week and "ganztägig frei" in other_week
    assert client.get(f"/raeume/{cafe}?woche=KW49").status_code == 400


def test_room_list_filters_and_shows_prices_in_words(client: TestClient, world: World) -> None:
    page = client.get("/raeume").text
    assert "Café" in page and "Gruppenraum 1" in page and "Saal Süd" in page
    assert "Küche" in page and "barrierefrei" in page
    assert "Mo–Do 10,00\xa0€, Fr–So und feiertags 15,00\xa0€" in page
    assert "Nicht für Anwohner*innen mietbar." in page  # the Büro
    kitchen = client.get("/raeume?kueche=1").text
    assert "Café" in kitchen and "Gruppenraum 1" not in kitchen
    big = client.get("/raeume?personen=50&barrierefrei=1").text
    assert "Saal Süd" in big and "Café" not in big
    bad = client.get("/raeume?personen=viele")
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text


def test_register_page_mails_a_link_that_confirms_the_address(
        client: TestClient, session_factory, world: World) -> None:
    token = csrf_of(client, "/registrieren")
    r = client.post("/registrieren", data={"name": "Chris", "email": "chris@example.org",
                                           "passwort": "kurz", "sprache": "de",
                                           "csrf_token": token})
    assert r.status_code == 400
    assert "Das Passwort braucht mindestens" in r.text
    r = client.post("/registrieren", data={"name": "Chris", "email": "chris@example.org",
                                           "passwort": "passwort123", "sprache": "de",
                                           "csrf_token": token})
    assert r.status_code == 400
    assert "Liste häufiger Passwörter aus Datenlecks" in r.text
    r = client.post("/registrieren", data={"name": "Chris", "email": "chris@example.org",
                                           "passwort": PASSWORD, "sprache": "en",
                                           "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 200, r.text
    assert "Wir haben eine E-Mail an chris@example.org geschickt" in r.text
    assert "raumplan_session" not in client.cookies  # logged in only after confirming
    # A taken address gets the same page; its owner gets a mail instead.
    taken = client.post("/registrieren", data={"name": "Chris", "email": "anna@example.org",
                                               "passwort": PASSWORD, "sprache": "de",
                                               "csrf_token": token})
    assert taken.status_code == 200
    assert "Wir haben eine E-Mail an anna@example.org geschickt" in taken.text
    assert len(mails_to(session_factory, "anna@example.org")) == 1
    [mail] = mails_to(session_factory, "chris@example.org")
    assert mail.subject == "Please confirm your e-mail address for Raumplan"  # chosen language
    link = next(u for u in links(mail) if "/konto/bestaetigen" in u)
    assert link.startswith("http://127.0.0.1:8000/konto/bestaetigen?token=")
    # Opening the link shows a button (a mail scanner's fetch does not confirm) ...
    page = client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    form = Page(page.text)
    assert form.hidden["token"] == [token_of(mail, "/konto/bestaetigen")]
    # ... and pressing it confirms.
    done = client.post("/konto/bestaetigen", data={"token": form.hidden["token"][0],
                                                   "csrf_token": form.csrf()})
    assert done.status_code == 200
    assert "Ihre E-Mail-Adresse ist bestätigt" in done.text
    again = client.post("/konto/bestaetigen", data={"token": form.hidden["token"][0],
                                                    "csrf_token": form.csrf()})
    assert again.status_code == 400 and "Dieser Link wurde schon benutzt." in again.text
    login_page = Page(client.get("/login").text)
    r = client.post("/login", data={"email": "chris@example.org", "passwort": PASSWORD,
                                    "csrf_token": login_page.csrf()}, follow_redirects=False)
    assert r.status_code == 303
    mine = client.get("/meine-anfragen")
    assert "<h1>My requests</h1>" in mine.text  # the chosen language


def test_an_unconfirmed_account_is_asked_to_confirm_before_requesting_a_room(
        client: TestClient, world: World) -> None:
    token = csrf_of(client, "/registrieren")
    r = client.post("/registrieren", data={"name": "Dana", "email": "dana@example.org",
                                           "passwort": PASSWORD, "sprache": "de",
                                           "csrf_token": token})
    assert r.status_code == 200
    form = Page(client.get("/login").text)
    r = client.post("/login", data={"email": "dana@example.org", "passwort": PASSWORD,
                                    "csrf_token": form.csrf()}, follow_redirects=False)
    assert r.status_code == 303
    cafe = world.rooms["Café"]
    token = csrf_of(client, f"/raeume/{cafe}/anfragen")
    r = client.post(f"/raeume/{cafe}/anfragen",
                    data=request_form(action="senden", token=token), follow_redirects=False)
    assert r.status_code == 403
    assert "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse" in r.text


def test_registration_page_is_throttled_per_client(client: TestClient, world: World) -> None:
    token = csrf_of(client, "/registrieren")
    for i in range(11):
        r = client.post("/registrieren", data={"name": "Eve", "email": f"eve{i}@example.org",
                                               "passwort": PASSWORD, "csrf_token": token})
    assert r.status_code == 429
    assert "Zu viele Anfragen aus Ihrem Netz" in r.text


def test_password_reset_pages_set_a_new_password_and_end_the_sessions(
        client: TestClient, session_factory, world: World) -> None:
    login(client, world, "anna")
    assert client.get("/meine-anfragen").status_code == 200
    assert "/passwort-vergessen" in client.get("/login").text
    form = Page(client.get("/passwort-vergessen").text)
    r = client.post("/passwort-vergessen", data={"email": "anna@example.org",
                                                 "csrf_token": form.csrf()})
    assert r.status_code == 200 and "Falls es zu anna@example.org ein Konto gibt" in r.text
    token = token_of(mails_to(session_factory, "anna@example.org")[-1], "/passwort/neu")
    form = Page(client.get(f"/passwort/neu?token={token}").text)
    weak = client.post("/passwort/neu", data={"token": token, "passwort": "anna@example.org",
                                              "csrf_token": form.csrf()})
    assert weak.status_code == 400
    assert "nicht Ihre E-Mail-Adresse oder Ihr Name" in weak.text
    done = client.post("/passwort/neu", data={"token": token, "passwort": "ein neuer Anfang",
                                              "csrf_token": form.csrf()})
    assert done.status_code == 200 and "Ihr neues Passwort ist gesetzt" in done.text
    assert "raumplan_session" not in client.cookies
    assert client.cookies.get("raumplan_device")  # this browser is now a known device
    assert client.get("/meine-anfragen", follow_redirects=False).status_code == 303


def test_a_known_browser_logs_in_while_others_are_locked_out(
        client: TestClient, session_factory, world: World) -> None:
    login(client, world, "anna")
    logout(client)
    known = client.cookies.get("raumplan_device")
    assert known
    # An attacker elsewhere (a browser without the device cookie) uses up the budget.
    client.cookies.delete("raumplan_device")
    for _ in range(10):
        form = Page(client.get("/login").text)
        r = client.post("/login", data={"email": world.emails["anna"], "passwort": "geraten",
                                        "csrf_token": form.csrf()})
        assert r.status_code == 401
    form = Page(client.get("/login").text)
    locked = client.post("/login", data={"email": world.emails["anna"], "passwort": PASSWORD,
                                         "csrf_token": form.csrf()})
    assert locked.status_code == 429 and "Zu viele fehlgeschlagene Anmeldungen" in locked.text
    [warning] = mails_to(session_factory, "anna@example.org")
    assert warning.subject == "Fehlgeschlagene Anmeldungen bei Ihrem Raumplan-Konto"
    client.cookies.set("raumplan_device", known)
    login(client, world, "anna")


def test_five_residents_log_in_one_after_another_at_the_centres_computer(
        client: TestClient, session_factory, world: World) -> None:
    for i in range(3):
        register_and_confirm(client, session_factory, f"nachbar{i}@example.org", PASSWORD)
    for _ in range(30):  # typos and guesses at the public computer
        form = Page(client.get("/login").text)
        client.post("/login", data={"email": "jemand@example.org", "passwort": "falsch",
                                    "csrf_token": form.csrf()})
    for email in ["anna@example.org", "ben@example.org", "nachbar0@example.org",
                  "nachbar1@example.org", "nachbar2@example.org"]:
        form = Page(client.get("/login").text)
        r = client.post("/login", data={"email": email, "passwort": PASSWORD,
                                        "csrf_token": form.csrf()}, follow_redirects=False)
        assert r.status_code == 303, (email, r.text)
        logout(client)
    # The browser remembers each of them as a known device.
    assert len(client.cookies.get("raumplan_device", "").split(".")) == 5


def test_english_switch(client: TestClient, world: World) -> None:
    page = client.get("/raeume?lang=en")
    assert Page(page.text).lang == "en"
    assert "<h1>Find a room</h1>" in page.text and "Skip to content" in page.text
    assert "Mon–Thu €10.00, Fri–Sun and public holidays €15.00" in page.text
    assert "kitchen" in page.text
    assert "Find a room" in client.get("/raeume").text  # remembered in a cookie
    assert "<h1>Räume finden</h1>" in client.get("/raeume?lang=de").text
    client.cookies.delete("raumplan_lang")
    login(client, world, "ben")  # ben chose English for his account
    assert "<h1>My requests</h1>" in client.get("/meine-anfragen").text
    assert "<h1>Not found</h1>" in client.get("/raeume/9999").text


def test_errors_are_html_pages_with_their_status(client: TestClient, world: World) -> None:
    r = client.get("/raeume/9999")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "Es gibt keinen Raum Nr. 9999." in r.text
    cafe = world.rooms["Café"]
    for path in ("/raeume/99999999999999999999", f"/raeume/{cafe}?woche=1999-W01"):
        r = client.get(path)
        assert r.status_code == 400, path
        assert r.headers["content-type"].startswith("text/html"), path


def test_every_page_has_lang_one_h1_and_labelled_inputs(
        client: TestClient, as_, world: World) -> None:
    cafe = world.rooms["Café"]
    api_request(client, as_("anna"), cafe)
    pages = ["/", "/raeume", "/raeume?personen=x", f"/raeume/{cafe}", "/login", "/registrieren",
             "/passwort-vergessen", "/passwort/neu?token=x", "/konto/bestaetigen?token=x",
             "/raeume/9999", "/raeume?lang=en"]
    checked = [(p, client.get(p)) for p in pages]
    login(client, world, "anna")
    token = csrf_of(client, f"/raeume/{cafe}/anfragen")
    checked += [(p, client.get(p)) for p in ["/meine-anfragen", f"/raeume/{cafe}/anfragen",
                                             "/verwaltung/anfragen"]]
    checked.append(("quote", client.post(f"/raeume/{cafe}/anfragen",
                                         data=request_form(token=token))))
    logout(client)
    login(client, world, "staff")
    checked.append(("/verwaltung/anfragen (staff)", client.get("/verwaltung/anfragen")))
    for path, response in checked:
        assert response.headers["content-type"].startswith("text/html"), path
        page = Page(response.text)
        assert page.lang in ("de", "en"), path
        assert page.h1 == 1, path
        assert page.skip_link and "inhalt" in page.ids, path
        assert page.unlabelled() == [], path
        assert page.broken_describedby() == [], path
    assert any(Page(r.text).controls for _, r in checked)


def test_stylesheet_is_served(client: TestClient) -> None:
    r = client.get("/static/raumplan.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in r.text and "@media" in r.text


